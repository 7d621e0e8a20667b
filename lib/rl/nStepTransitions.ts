import type { Transition } from "./transition.js";

/**
 * Turns a stream of one-step transitions into n-step ones: (s_t, a_t, Σ_{k<m} γ^k r_{t+k}, s_{t+m}), with
 * m = n except where the episode ends first (a true terminal then stops the bootstrap; a time limit
 * bootstraps from the last next-observation). The TD target r + γ·γ^(m−1)·Q′(s_{t+m}) then carries a reward
 * m steps back in one update instead of m, which a learner with about one update per transition needs: a
 * 50-step task's success otherwise reaches its first steps only after the critic has fitted every step in
 * between (DDPGfD, Vecerik et al. 2017, mixes n = 10 returns in for the same reason). The return is the
 * behaviour's, not the greedy policy's, uncorrected as in DDPGfD and Rainbow: a bias towards what was done
 * while exploring, small at the learner's exploration noise.
 *
 * A stream's episodes are told apart by their terminal and truncated flags, and by continuity: a
 * transition whose observation is not the previous one's next observation (one lost on the way, or an
 * episode that ended without a flag) closes the window first, so no return spans two episodes.
 */
export class NStepTransitions {
  private readonly window: Transition[] = [];

  constructor(
    readonly steps: number,
    readonly gamma: number,
    private readonly emit: (t: Transition) => void,
  ) {
    if (!Number.isInteger(steps) || steps < 1) throw new Error(`n-step returns need n ≥ 1, got ${steps}`);
  }

  push(t: Transition): void {
    const last = this.window.at(-1);
    if (last && !sameValues(last.nextObservation, t.observation)) this.flush();
    this.window.push(t);
    if (t.terminal || t.truncated) this.flush();
    else if (this.window.length === this.steps) this.emitFirst();
  }

  /** Emits what the window holds as shorter returns, as at an episode's end. */
  flush(): void {
    while (this.window.length > 0) this.emitFirst();
  }

  private emitFirst(): void {
    const first = this.window[0]!;
    const end = this.window.at(-1)!;
    let reward = 0;
    for (let k = this.window.length - 1; k >= 0; k--) reward = this.window[k]!.reward + this.gamma * reward;
    this.emit({
      observation: first.observation,
      action: first.action,
      reward,
      nextObservation: end.nextObservation,
      terminal: end.terminal,
      truncated: end.truncated,
      bootstrapScale: this.gamma ** (this.window.length - 1),
      // The label of the state it ends in, as nextObservation is.
      ...(end.nextPotential === undefined ? {} : { nextPotential: end.nextPotential }),
    });
    this.window.shift();
  }
}

function sameValues(a: Float32Array, b: Float32Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
