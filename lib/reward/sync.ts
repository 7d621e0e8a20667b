import { filter, map, type Observable, type OperatorFunction } from "rxjs";

/** One camera frame as the sync sees it: which view, its header stamp, and the decoded message. */
export interface Frame<M> {
  readonly view: number;
  /** Header stamp in milliseconds (stamp time, not arrival time: sync works in the cameras' clock). */
  readonly stampMs: number;
  /** performance.now() when the message arrived, for camera→reward latency. */
  readonly arrivalMs: number;
  readonly message: M;
}

export type MissingViewPolicy = "wait" | "degrade";

export interface SyncOptions {
  readonly views: number;
  /** Largest stamp spread allowed inside one group. */
  readonly slopMs: number;
  /** A view whose newest frame is this much older than the newest frame of any view is missing. */
  readonly maxAgeMs: number;
  /** wait: no group until every view has a frame; degrade: groups without the missing views. */
  readonly policy: MissingViewPolicy;
  /** Frames kept per view while waiting for partners (keep-last). */
  readonly depth?: number;
  /**
   * A frame this much older than the newest frame of any view means the clock went back (a simulator reset
   * or restart, a bag played again): the sync starts over instead of calling every frame late until time
   * catches up. Default: 1 s or 4 × max age, whichever is larger.
   */
  readonly clockJumpMs?: number;
}

export interface SyncedGroup<M> {
  /** One entry per view, undefined where the view is missing (degrade policy). */
  readonly frames: readonly (Frame<M> | undefined)[];
  /** Views missing from this group. */
  readonly missing: readonly number[];
  /** Stamp of the newest frame in the group. */
  readonly stampMs: number;
  /** Arrival time of the newest-arriving frame in the group. */
  readonly arrivalMs: number;
}

export interface SyncCounters {
  groups: number;
  /** Frames older than the last group of their view, or older than max age. */
  late: number;
  /** Frames with a stamp already seen on the same view. */
  duplicate: number;
  /** Frames that never found partners within slop, or fell off a full per-view buffer. */
  unmatched: number;
  /** Times the stamps jumped back by more than clockJumpMs and the sync started over. */
  clockJumps: number;
}

/**
 * Approximate-time grouping of one frame per view. Different from ROS message_filters' ApproximateTime
 * (which minimizes the spread of each set over a long queue): here the newest complete set wins, because a
 * reward for an old set is a reward the learner no longer needs. The pivot is the oldest of the views'
 * newest frames; each view contributes its frame nearest the pivot; a set whose spread exceeds the slop
 * loses the frames that can no longer be matched, and the search repeats.
 */
export class ApproximateTimeSync<M> {
  readonly counters: SyncCounters = { groups: 0, late: 0, duplicate: 0, unmatched: 0, clockJumps: 0 };
  private readonly buffers: Frame<M>[][];
  private readonly lastUsed: number[];
  private readonly lastSeen: number[];
  private newest = Number.NEGATIVE_INFINITY;
  private first = Number.POSITIVE_INFINITY;
  private readonly depth: number;
  private readonly clockJumpMs: number;

  constructor(private readonly options: SyncOptions) {
    if (!Number.isInteger(options.views) || options.views < 1)
      throw new Error(`views must be ≥ 1, got ${options.views}`);
    if (!(options.slopMs >= 0)) throw new Error(`sync_slop_ms must be ≥ 0, got ${options.slopMs}`);
    if (!(options.maxAgeMs > 0)) throw new Error(`max_age_ms must be > 0, got ${options.maxAgeMs}`);
    this.depth = options.depth ?? 8;
    this.clockJumpMs = options.clockJumpMs ?? Math.max(1000, 4 * options.maxAgeMs);
    this.buffers = Array.from({ length: options.views }, () => []);
    this.lastUsed = new Array<number>(options.views).fill(Number.NEGATIVE_INFINITY);
    this.lastSeen = new Array<number>(options.views).fill(Number.NEGATIVE_INFINITY);
  }

  /** Views currently considered missing (no frame within max age of the newest frame of any view). */
  missingViews(): number[] {
    const out: number[] = [];
    for (let v = 0; v < this.options.views; v++) if (!this.isLive(v)) out.push(v);
    return out;
  }

  push(frame: Frame<M>): SyncedGroup<M> | undefined {
    const { view, stampMs } = frame;
    if (!(view >= 0 && view < this.options.views)) throw new Error(`frame for unknown view ${view}`);
    if (!Number.isFinite(stampMs)) throw new Error(`view ${view}: stamp is not a finite time`);
    // A frame delivered seconds late is indistinguishable from the first frame after a clock reset; taking
    // it as a reset costs at most one group (the next newer frames leave it outside the slop), while taking
    // a reset as lateness would stall the node until time caught up with the old clock.
    if (stampMs < this.newest - this.clockJumpMs) this.restart();
    const buffer = this.buffers[view];
    if (stampMs === this.lastUsed[view] || buffer.some((f) => f.stampMs === stampMs)) {
      this.counters.duplicate++;
      return undefined;
    }
    if (stampMs < this.lastUsed[view] || stampMs < this.newest - this.options.maxAgeMs) {
      this.counters.late++;
      return undefined;
    }
    // Out-of-order arrivals are inserted in stamp order.
    let i = buffer.length;
    while (i > 0 && buffer[i - 1].stampMs > stampMs) i--;
    buffer.splice(i, 0, frame);
    if (buffer.length > this.depth) {
      buffer.shift();
      this.counters.unmatched++;
    }
    this.newest = Math.max(this.newest, stampMs);
    this.first = Math.min(this.first, stampMs);
    this.lastSeen[view] = Math.max(this.lastSeen[view], stampMs);
    return this.match();
  }

  private restart(): void {
    this.counters.clockJumps++;
    for (const buffer of this.buffers) this.counters.unmatched += buffer.splice(0).length;
    this.lastUsed.fill(Number.NEGATIVE_INFINITY);
    this.lastSeen.fill(Number.NEGATIVE_INFINITY);
    this.newest = Number.NEGATIVE_INFINITY;
    this.first = Number.POSITIVE_INFINITY;
  }

  private isLive(view: number): boolean {
    if (this.lastSeen[view] >= this.newest - this.options.maxAgeMs) return true;
    // A view never seen is only missing after max age of stream time: cameras start at different moments.
    return (
      this.lastSeen[view] === Number.NEGATIVE_INFINITY && this.newest - this.first <= this.options.maxAgeMs
    );
  }

  private match(): SyncedGroup<M> | undefined {
    const required: number[] = [];
    const missing: number[] = [];
    for (let v = 0; v < this.options.views; v++) {
      if (this.options.policy === "wait" || this.isLive(v)) required.push(v);
      else missing.push(v);
    }
    for (;;) {
      if (required.some((v) => this.buffers[v].length === 0)) return undefined;
      let pivot = Number.POSITIVE_INFINITY;
      for (const v of required) pivot = Math.min(pivot, this.buffers[v].at(-1)!.stampMs);
      const picks = required.map((v) => nearest(this.buffers[v], pivot));
      let lo = Number.POSITIVE_INFINITY;
      let hi = Number.NEGATIVE_INFINITY;
      for (const f of picks) {
        lo = Math.min(lo, f.stampMs);
        hi = Math.max(hi, f.stampMs);
      }
      if (hi - lo <= this.options.slopMs) return this.emit(required, picks, missing);
      // Frames older than hi − slop can never join a set with the frame at hi or anything newer.
      for (const v of required) {
        const buffer = this.buffers[v];
        while (buffer.length > 0 && buffer[0].stampMs < hi - this.options.slopMs) {
          buffer.shift();
          this.counters.unmatched++;
        }
      }
    }
  }

  private emit(required: number[], picks: Frame<M>[], missing: number[]): SyncedGroup<M> {
    const frames = new Array<Frame<M> | undefined>(this.options.views).fill(undefined);
    let stampMs = Number.NEGATIVE_INFINITY;
    let arrivalMs = Number.NEGATIVE_INFINITY;
    required.forEach((v, i) => {
      const pick = picks[i];
      frames[v] = pick;
      this.lastUsed[v] = pick.stampMs;
      const buffer = this.buffers[v];
      while (buffer.length > 0 && buffer[0].stampMs <= pick.stampMs) {
        if (buffer[0] !== pick) this.counters.unmatched++;
        buffer.shift();
      }
      stampMs = Math.max(stampMs, pick.stampMs);
      arrivalMs = Math.max(arrivalMs, pick.arrivalMs);
    });
    this.counters.groups++;
    return { frames, missing, stampMs, arrivalMs };
  }
}

function nearest<M>(buffer: Frame<M>[], t: number): Frame<M> {
  let best = buffer[0];
  for (const f of buffer) if (Math.abs(f.stampMs - t) < Math.abs(best.stampMs - t)) best = f;
  return best;
}

export interface SynchronizeHooks<M> {
  /**
   * A frame the sync refused (unknown view, a stamp that is not a finite time); the stream goes on. Without
   * it the refusal ends the stream with the error.
   */
  readonly rejected?: (frame: Frame<M>, err: Error) => void;
  /** Time spent grouping each accepted frame, in ms. */
  readonly timed?: (ms: number) => void;
}

/** rxjs operator: merged frames of all views → synced groups. */
export function synchronize<M>(
  sync: ApproximateTimeSync<M>,
  hooks: SynchronizeHooks<M> = {},
): OperatorFunction<Frame<M>, SyncedGroup<M>> {
  const push = (frame: Frame<M>): SyncedGroup<M> | undefined => {
    const t = performance.now();
    let group: SyncedGroup<M> | undefined;
    try {
      group = sync.push(frame);
    } catch (err) {
      if (!hooks.rejected) throw err;
      hooks.rejected(frame, err as Error);
      return undefined;
    }
    hooks.timed?.(performance.now() - t);
    return group;
  };
  return (frames: Observable<Frame<M>>) =>
    frames.pipe(
      map(push),
      filter((g): g is SyncedGroup<M> => g !== undefined),
    );
}
