import { MultiBar, type SingleBar } from "cli-progress";

/**
 * Progress of long work on stderr, so that stdout stays free for the command's output: one bar redrawn in
 * place on a terminal, a plain line every few seconds otherwise (logs and CI keep a readable record, not a
 * stream of carriage returns). cli-progress's MultiBar rather than its SingleBar, because only MultiBar can
 * print log lines above the bar: SingleBar restores the cursor it saved at start when it stops, which puts
 * the cursor back over any line logged meanwhile.
 */
export interface ProgressOptions {
  readonly stream?: NodeJS.WriteStream;
  /** Seconds between plain lines when the stream is not a terminal. */
  readonly lineEverySeconds?: number;
}

export class Progress {
  private readonly stream: NodeJS.WriteStream;
  private readonly bars: MultiBar;
  private bar: SingleBar | undefined;

  constructor(label: string, options: ProgressOptions = {}) {
    this.stream = options.stream ?? process.stderr;
    this.bars = new MultiBar({
      stream: this.stream,
      format: `${label} [{bar}] {value}/{total} {percentage}% {note} (eta {eta_formatted})`,
      barsize: 24,
      noTTYOutput: true,
      notTTYSchedule: (options.lineEverySeconds ?? 5) * 1000,
      // Updates come once per item (a bag message): the default rate over the last 10 of them is noise.
      etaBuffer: 1000,
      // The command decides what Ctrl-C does (replay finishes its output first) and ends the bar itself.
      gracefulExit: false,
      clearOnComplete: true,
    });
  }

  /** `done` of `total`, with a short note such as counts so far. */
  update(done: number, total: number, note: string): void {
    // Created on the first update, when the total is known; it draws its first line one interval later,
    // so a short job prints none.
    if (!this.bar) this.bar = this.bars.create(total, done, { note });
    else this.bar.update(done, { note });
  }

  /** Writes a line (ending in a newline) to the stream without breaking the bar, which follows below it. */
  log(line: string): void {
    if (this.bar && this.stream.isTTY) this.bars.log(line);
    else this.stream.write(line);
  }

  /** The last call: writes pending log lines and clears the bar, so that what follows starts on a clean line. */
  end(): void {
    if (!this.bar) return;
    if (this.stream.isTTY) this.bars.update();
    this.bars.stop();
    this.bar = undefined;
  }
}
