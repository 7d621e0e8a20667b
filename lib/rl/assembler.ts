import type { Transition } from "./transition.js";

const CLOSED_WINDOW = 64;

export interface AssemblerOptions {
  /** How long to wait for a step's reward (after its observation arrived) before dropping the transition. */
  readonly rewardTimeoutMs: number;
  /** Called for each complete transition, in step order within an episode. */
  readonly onTransition: (transition: AssembledTransition) => void;
}

export interface AssembledTransition extends Transition {
  readonly episode: bigint;
  /** Step index of s (s′ is step + 1). */
  readonly step: number;
}

export interface AssemblerStats {
  emitted: number;
  terminal: number;
  truncated: number;
  /** Transitions dropped because their reward did not arrive within the timeout. */
  droppedMissingReward: number;
  /** Transitions dropped because no action was recorded for s (the node did not act on it). */
  droppedMissingAction: number;
  /** Rewards that arrived after their transition was emitted or dropped. */
  lateRewards: number;
  /** Transitions emitted with no end signal ever seen for s′: assumed to continue (bootstrapped). */
  assumedContinuing: number;
  /** Observations acted on whose next observation never came (e.g. the episode ended without one). */
  droppedIncomplete: number;
}

export type EpisodeEnd = "terminal" | "truncated";

interface Slot {
  observation?: Float32Array;
  observedAt?: number;
  action?: Float32Array;
  reward?: number;
  rewardEnd?: EpisodeEnd;
  nextPotential?: number;
  done?: boolean;
}

interface EpisodeState {
  readonly slots: Map<number, Slot>;
  /** Step and kind of the end event, when one arrived. */
  end?: { step: number; kind: EpisodeEnd };
}

/**
 * Joins the observation stream, the actions the node took, the DenseReward stream and episode events into
 * (s, a, r, s′, terminal, truncated), keyed by episode id and step. The reward with step t is the reward of
 * the transition into s_t (the frames of s′). A transition is emitted once s, a, s′ and r are all known and
 * it is clear whether s′ ends the episode: the reward's flags, an episode event for s′, or a later
 * observation of the same episode settle that. Plain class: time comes in as arguments, so it is tested
 * without timers or a transport.
 */
export class TransitionAssembler {
  readonly stats: AssemblerStats = {
    emitted: 0,
    terminal: 0,
    truncated: 0,
    droppedMissingReward: 0,
    droppedMissingAction: 0,
    lateRewards: 0,
    assumedContinuing: 0,
    droppedIncomplete: 0,
  };
  private readonly episodes = new Map<bigint, EpisodeState>();
  /** Recently ended or forgotten episodes, so a reward that comes after them is known to be late. */
  private readonly closed = new Set<bigint>();

  constructor(private readonly options: AssemblerOptions) {
    if (!(options.rewardTimeoutMs > 0))
      throw new Error(`reward timeout must be > 0 ms (got ${options.rewardTimeoutMs})`);
  }

  private episode(id: bigint): EpisodeState {
    let e = this.episodes.get(id);
    if (!e) this.episodes.set(id, (e = { slots: new Map() }));
    return e;
  }

  private slot(e: EpisodeState, step: number): Slot {
    let s = e.slots.get(step);
    if (!s) e.slots.set(step, (s = {}));
    return s;
  }

  addObservation(episode: bigint, step: number, observation: Float32Array, now: number): void {
    const e = this.episode(episode);
    const s = this.slot(e, step);
    s.observation = observation;
    s.observedAt = now;
    // Oldest first: emitting the last transition of an episode closes the episode.
    this.tryEmit(episode, e, step - 2);
    this.tryEmit(episode, e, step - 1);
  }

  addAction(episode: bigint, step: number, action: Float32Array): void {
    const e = this.episode(episode);
    this.slot(e, step).action = action;
    this.tryEmit(episode, e, step);
  }

  /** `nextPotential`: the reward's Φ(s′) (DenseReward.phi_next), which the learner's progress guidance fits. */
  addReward(
    episode: bigint,
    step: number,
    reward: number,
    end: EpisodeEnd | undefined,
    now: number,
    nextPotential?: number,
  ): void {
    const known = this.episodes.get(episode);
    const s = known?.slots.get(step);
    const previous = known?.slots.get(step - 1);
    if (this.closed.has(episode) || s?.done || (step > 0 && !previous && s?.observation)) {
      this.stats.lateRewards++;
      return;
    }
    // A reward may arrive before any observation of its episode; it waits like any other part.
    const e = known ?? this.episode(episode);
    const slot = this.slot(e, step);
    slot.reward = reward;
    slot.rewardEnd = end;
    slot.nextPotential = nextPotential;
    slot.observedAt ??= now;
    this.tryEmit(episode, e, step - 2);
    this.tryEmit(episode, e, step - 1);
  }

  addEpisodeEnd(episode: bigint, step: number, kind: EpisodeEnd): void {
    const e = this.episode(episode);
    e.end = { step, kind };
    for (const pending of [...e.slots.keys()].sort((a, b) => a - b)) this.tryEmit(episode, e, pending);
  }

  /** Drop what waited too long for its reward; settle transitions whose end was never signalled. */
  tick(now: number): void {
    for (const [id, e] of this.episodes) {
      for (const [step, next] of [...e.slots]) {
        if (step === 0 || next.done || next.observedAt === undefined) continue;
        if (now - next.observedAt < this.options.rewardTimeoutMs) continue;
        const current = e.slots.get(step - 1);
        if (next.reward === undefined) {
          if (current?.observation && current.action) this.stats.droppedMissingReward++;
          next.done = true;
          e.slots.delete(step - 1);
        } else if (current?.observation && current.action && next.observation) {
          this.stats.assumedContinuing++;
          this.emit(id, e, step - 1, undefined);
        } else if (current?.observation && !current.action && next.observation) {
          this.stats.droppedMissingAction++;
          next.done = true;
          e.slots.delete(step - 1);
        }
      }
      // Anything still here long after the bound can no longer complete (its s′ never came, or its
      // transition was settled): forget it so a long-running node does not grow.
      for (const [step, slot] of [...e.slots]) {
        const stale =
          slot.observedAt === undefined || now - slot.observedAt >= 2 * this.options.rewardTimeoutMs;
        if (!stale) continue;
        if (!slot.done && slot.observation && slot.action) this.stats.droppedIncomplete++;
        e.slots.delete(step);
      }
      if (e.slots.size === 0) this.close(id);
    }
  }

  private close(id: bigint): void {
    this.episodes.delete(id);
    this.closed.add(id);
    // Sets iterate in insertion order: drop the oldest beyond a small window.
    if (this.closed.size > CLOSED_WINDOW) this.closed.delete(this.closed.values().next().value!);
  }

  private tryEmit(id: bigint, e: EpisodeState, step: number): void {
    if (step < 0) return;
    const current = e.slots.get(step);
    const next = e.slots.get(step + 1);
    if (
      !current?.observation ||
      !current.action ||
      !next?.observation ||
      next.reward === undefined ||
      next.done
    )
      return;
    const end = next.rewardEnd ?? (e.end?.step === step + 1 ? e.end.kind : undefined);
    const after = e.slots.get(step + 2);
    const continues =
      end === undefined &&
      (after?.observation !== undefined ||
        after?.reward !== undefined ||
        (e.end !== undefined && e.end.step > step + 1));
    if (end === undefined && !continues) return;
    this.emit(id, e, step, end);
  }

  private emit(id: bigint, e: EpisodeState, step: number, end: EpisodeEnd | undefined): void {
    const current = e.slots.get(step)!;
    const next = e.slots.get(step + 1)!;
    next.done = true;
    e.slots.delete(step);
    this.stats.emitted++;
    if (end === "terminal") this.stats.terminal++;
    if (end === "truncated") this.stats.truncated++;
    this.options.onTransition({
      episode: id,
      step,
      observation: current.observation!,
      action: current.action!,
      reward: next.reward!,
      nextObservation: next.observation!,
      terminal: end === "terminal",
      truncated: end === "truncated",
      ...(next.nextPotential === undefined ? {} : { nextPotential: next.nextPotential }),
    });
    if (end !== undefined) this.close(id);
    else this.tryEmit(id, e, step + 1);
  }
}
