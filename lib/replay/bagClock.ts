import { VirtualAction, VirtualTimeScheduler, type SchedulerLike } from "rxjs";

/**
 * Time for a replay, taken from the bag: milliseconds since the first message's log time. The reward
 * pipeline's timers run on `scheduler` and its arrival/latency clock reads `now`, so what it produces
 * depends on the recording alone, never on how fast this machine scores it.
 */
export class BagClock {
  private readonly virtual = new VirtualTimeScheduler(VirtualAction, Number.POSITIVE_INFINITY);

  constructor(readonly originNs: bigint) {}

  get scheduler(): SchedulerLike {
    return this.virtual;
  }

  /** Bag time now, in ms since the origin. */
  readonly now = (): number => this.virtual.frame;

  /** Bag time now, in ns since the epoch (the log time of what is written now). */
  nowNs(): bigint {
    return this.originNs + BigInt(Math.round(this.virtual.frame * 1e6));
  }

  msOf(logTimeNs: bigint): number {
    return Number(logTimeNs - this.originNs) / 1e6;
  }

  /**
   * Moves time forward to `ms`, running each timer due on the way at its own time, one due time after the
   * other, with `settle` awaited after each so that what a timer started finishes before time moves on.
   * `ms` = Infinity runs every timer left (periodic ones must be unsubscribed first).
   */
  async advanceTo(ms: number, settle: () => Promise<void>): Promise<void> {
    for (;;) {
      const next = this.virtual.actions[0];
      if (!next || next.delay > ms) break;
      this.virtual.maxFrames = next.delay;
      this.virtual.flush();
      await settle();
    }
    this.virtual.maxFrames = Number.POSITIVE_INFINITY;
    if (Number.isFinite(ms) && ms > this.virtual.frame) this.virtual.frame = ms;
  }
}
