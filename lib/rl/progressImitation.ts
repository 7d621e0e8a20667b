import type { Transition } from "./transition.js";

/** Which transitions of a failed episode the learner imitates, judged by the episode's own rewards. */
export interface ProgressImitation {
  /** Steps of reward summed per transition (n of the n-step return); the episode's end cuts it short. */
  readonly horizon: number;
  /** A transition is imitated when its n-step return exceeds this. */
  readonly margin: number;
}

/**
 * Σ_{k<n} γ^k r_{t+k} for every t, stopping at the episode's end; no bootstrap from a critic. Under
 * potential-based shaping the sum telescopes to the sparse return plus γ^n·Φ(s_{t+n}) − Φ(s_t): the
 * progress the next n steps made, with Φ standing in for the value function as a baseline.
 */
export function nStepReturns(rewards: readonly number[], gamma: number, horizon: number): Float64Array {
  if (!Number.isInteger(horizon) || horizon < 1)
    throw new Error(`n-step horizon must be ≥ 1, got ${horizon}`);
  const out = new Float64Array(rewards.length);
  // Backwards: G_t = r_t + γ·G_{t+1} − γ^n·r_{t+n}, O(T) instead of O(T·n).
  const gn = gamma ** horizon;
  let g = 0;
  for (let t = rewards.length - 1; t >= 0; t--) {
    g = rewards[t]! + gamma * g - (t + horizon < rewards.length ? gn * rewards[t + horizon]! : 0);
    out[t] = g;
  }
  return out;
}

/**
 * The transitions of an episode that its reward marks as progress: n-step return above the margin. The
 * learner imitates them as it imitates its successes (Learner.imitate), so a reward that tells partial
 * progress from stalling (shaping) teaches from failed episodes too, where a sparse reward, zero on every
 * transition of a failure, teaches nothing. Filtered regression on the policy's own good actions is
 * self-imitation learning (Oh et al. 2018) with an n-step return in place of the Monte-Carlo one.
 */
export function progressTransitions(
  episode: readonly Transition[],
  gamma: number,
  rule: ProgressImitation,
): Transition[] {
  const returns = nStepReturns(
    episode.map((t) => t.reward),
    gamma,
    rule.horizon,
  );
  return episode.filter((_, t) => returns[t]! > rule.margin);
}
