import type { AssembledTransition } from "./assembler.js";
import type { Transition } from "./transition.js";

interface OpenEpisode {
  readonly transitions: Transition[];
  success: boolean;
}

/**
 * Collects a live episode's transitions and hands them over once the episode is known to have succeeded
 * (the learner's self-imitation: Learner.imitate). On the topics, SUCCESS is announced before the
 * transition that ends the episode is assembled (its reward may come later), so an episode is handed
 * over at its ending transition if SUCCESS came first, or at SUCCESS if its ending transition already
 * arrived. Episodes that end any other way are dropped.
 */
export class SuccessfulEpisodes {
  private readonly open = new Map<bigint, OpenEpisode>();

  constructor(
    private readonly onSuccess: (episode: readonly Transition[]) => void,
    /** Episodes kept at once: a stream that never ends its episodes must not grow memory without bound. */
    private readonly maxOpen = 8,
  ) {}

  transition(t: AssembledTransition): void {
    this.entry(t.episode).transitions.push(t);
    if (t.terminal || t.truncated) this.settle(t.episode);
  }

  success(episode: bigint): void {
    this.entry(episode).success = true;
    this.settle(episode);
  }

  private entry(episode: bigint): OpenEpisode {
    let e = this.open.get(episode);
    if (!e) {
      e = { transitions: [], success: false };
      this.open.set(episode, e);
      // Maps iterate in insertion order: the first key is the oldest episode.
      if (this.open.size > this.maxOpen) this.open.delete(this.open.keys().next().value!);
    }
    return e;
  }

  // An episode that ended without SUCCESS stays until evicted: SUCCESS may still arrive after it.
  private settle(episode: bigint): void {
    const e = this.open.get(episode)!;
    const last = e.transitions.at(-1);
    if (!e.success || !(last?.terminal || last?.truncated)) return;
    this.open.delete(episode);
    this.onSuccess(e.transitions);
  }
}
