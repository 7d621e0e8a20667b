/**
 * Progress of long work on stderr: one bar redrawn in place on a terminal, a plain line every few seconds
 * otherwise (logs and CI keep a readable record, not a stream of carriage returns). Written here rather
 * than taken from a package because it is one redrawn line; stdout stays free for the command's output.
 */
export interface ProgressOptions {
  readonly stream?: NodeJS.WriteStream;
  /** Seconds between plain lines when the stream is not a terminal. */
  readonly lineEverySeconds?: number;
}

export class Progress {
  private readonly stream: NodeJS.WriteStream;
  private readonly tty: boolean;
  private readonly lineEveryMs: number;
  private readonly started = performance.now();
  private lastDraw = Number.NEGATIVE_INFINITY;
  private drawn = false;

  constructor(
    private readonly label: string,
    options: ProgressOptions = {},
  ) {
    this.stream = options.stream ?? process.stderr;
    this.tty = this.stream.isTTY === true;
    this.lineEveryMs = (options.lineEverySeconds ?? 5) * 1000;
    // A plain line only once there is something to wait for: a short job prints none.
    if (!this.tty) this.lastDraw = this.started;
  }

  /** `done` of `total` (total 0 = unknown), with a short note such as counts so far. */
  update(done: number, total: number, note: string): void {
    const now = performance.now();
    if (now - this.lastDraw < (this.tty ? 100 : this.lineEveryMs)) return;
    this.lastDraw = now;
    const fraction = total > 0 ? Math.min(1, done / total) : 0;
    const elapsed = (now - this.started) / 1000;
    const eta =
      fraction > 0 && fraction < 1 ? ` eta ${formatSeconds((elapsed * (1 - fraction)) / fraction)}` : "";
    const counts = total > 0 ? `${done}/${total} ${(fraction * 100).toFixed(0)}%` : `${done}`;
    if (!this.tty) {
      this.stream.write(`${this.label}: ${counts} ${note} (${formatSeconds(elapsed)}${eta})\n`);
      return;
    }
    const width = 24;
    const filled = Math.round(fraction * width);
    const bar = total > 0 ? `[${"#".repeat(filled)}${"-".repeat(width - filled)}] ` : "";
    const line = `${this.label} ${bar}${counts} ${note}${eta}`;
    const columns = this.stream.columns ?? 80;
    this.stream.write(`\r${line.slice(0, columns - 1).padEnd(columns - 1)}`);
    this.drawn = true;
  }

  /** Clears the bar so that what follows starts on a clean line. */
  end(): void {
    if (this.drawn) this.stream.write(`\r${" ".repeat((this.stream.columns ?? 80) - 1)}\r`);
    this.drawn = false;
  }
}

export function formatSeconds(s: number): string {
  if (s < 60) return `${s.toFixed(1)} s`;
  const m = Math.floor(s / 60);
  return `${m} min ${Math.round(s - m * 60)} s`;
}
