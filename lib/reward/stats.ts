/** Latency samples over a sliding window (keep-last), for percentiles in diagnostics and benchmarks. */
export class LatencyWindow {
  private readonly samples: Float64Array;
  private next = 0;
  private count = 0;

  constructor(capacity = 512) {
    this.samples = new Float64Array(capacity);
  }

  add(ms: number): void {
    this.samples[this.next] = ms;
    this.next = (this.next + 1) % this.samples.length;
    this.count = Math.min(this.count + 1, this.samples.length);
  }

  get size(): number {
    return this.count;
  }

  /** Nearest-rank percentile (p in [0, 100]); NaN when empty. */
  percentile(p: number): number {
    if (this.count === 0) return Number.NaN;
    const sorted = Array.from(this.samples.subarray(0, this.count)).sort((a, b) => a - b);
    const rank = Math.min(this.count - 1, Math.max(0, Math.ceil((p / 100) * this.count) - 1));
    return sorted[rank];
  }

  mean(): number {
    if (this.count === 0) return Number.NaN;
    let sum = 0;
    for (let i = 0; i < this.count; i++) sum += this.samples[i];
    return sum / this.count;
  }
}

/**
 * Per-step stages: decode (CDR, per frame), sync (per frame), preprocess (all views), encoder, head,
 * fusion (the hop fusion, shaping and building the message), publish (CDR encode + hand-over to the
 * transport), total (newest frame's arrival → message ready).
 */
export const STAGES = [
  "decode",
  "sync",
  "preprocess",
  "encoder",
  "head",
  "fusion",
  "publish",
  "total",
] as const;
export type Stage = (typeof STAGES)[number];

/** What the reward pipeline counts; read by diagnostics and the benchmark. */
export class PipelineStats {
  readonly latency: Record<Stage, LatencyWindow>;
  framesReceived: number[];
  cdrErrors = 0;
  frameErrors = 0;
  groupsSynced = 0;
  /** Synced groups replaced by a newer one while inference was busy (latest wins). */
  groupsDropped = 0;
  groupsRateLimited = 0;
  /** Groups that arrived while no episode was running (after a terminal, before the next START). */
  groupsOutsideEpisode = 0;
  published = 0;
  degraded = 0;
  modelErrors = 0;
  /** Whether the most recent step ended in a model error (diagnostics level ERROR until a step succeeds). */
  lastStepFailed = false;
  /** Views missing from the last published step, by topic. */
  missingTopics: string[] = [];
  lastError = "";

  constructor(views: number, window = 512) {
    this.framesReceived = new Array<number>(views).fill(0);
    this.latency = Object.fromEntries(STAGES.map((s) => [s, new LatencyWindow(window)])) as Record<
      Stage,
      LatencyWindow
    >;
  }
}

/** How the pipeline's parts hand it an error: `key` groups the errors that are rate-limited together. */
export type ErrorReport = (key: string, message: string) => void;

/**
 * Logs each kind of error at most once per period with the number suppressed since, so a camera sending
 * garbage at 30 Hz gives one line a few seconds apart, not 30 per second.
 */
export class RateLimitedErrors {
  private readonly last = new Map<string, { at: number; suppressed: number }>();

  constructor(
    private readonly emit: (message: string) => void,
    private readonly periodMs = 5000,
    private readonly now: () => number = () => performance.now(),
  ) {}

  report(key: string, message: string): void {
    const t = this.now();
    const entry = this.last.get(key);
    if (entry && t - entry.at < this.periodMs) {
      entry.suppressed++;
      return;
    }
    const suffix = entry?.suppressed ? ` (${entry.suppressed} more like it since the last report)` : "";
    this.last.set(key, { at: t, suppressed: 0 });
    this.emit(message + suffix);
  }
}
