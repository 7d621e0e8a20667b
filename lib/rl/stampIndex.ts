import type { Time } from "../codec/messages.js";
import { timeToNanos } from "../time/rosTime.js";

/**
 * Observation stamp → the robot's (or sim's) step index, per episode. A reward node numbers its steps by the
 * camera groups it scored, so when it drops groups (latest-wins while inference lags) its step index runs
 * behind; its header stamp is the stamp of the frames it scored, which is the observation's own stamp.
 * Joining by stamp puts each reward on the transition it belongs to.
 */
export class StampIndex {
  private readonly steps = new Map<string, number>();

  constructor(private readonly capacity = 4096) {}

  private static key(episode: bigint, stamp: Time): string {
    return `${episode}/${timeToNanos(stamp)}`;
  }

  add(episode: bigint, stamp: Time, step: number): void {
    this.steps.set(StampIndex.key(episode, stamp), step);
    if (this.steps.size > this.capacity) this.steps.delete(this.steps.keys().next().value!);
  }

  /** The step observed at this stamp, or undefined when no observation had it (e.g. another clock). */
  step(episode: bigint, stamp: Time): number | undefined {
    return this.steps.get(StampIndex.key(episode, stamp));
  }
}
