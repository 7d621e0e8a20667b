import { CorruptCheckpointError, readCheckpoint, writeCheckpoint } from "./checkpoint.js";
import { Learner, type LearnerConfig } from "./learner.js";

export interface LoadOptions {
  readonly path: string;
  readonly config: LearnerConfig;
  readonly seed: number;
  /** Start fresh (and say so) when the checkpoint is corrupt, instead of refusing to start. */
  readonly freshStartOnCorrupt: boolean;
  readonly warn: (message: string) => void;
}

export interface Loaded {
  readonly learner: Learner;
  /** How the learner was obtained: restored from the file, no file yet, or a corrupt file set aside. */
  readonly origin: "restored" | "fresh" | "fresh-after-corrupt";
}

/**
 * The learner a node starts with: the checkpoint when there is one; a fresh learner when there is none;
 * and for a corrupt one, a clear error, or a fresh start only when that was asked for.
 */
export async function loadLearner(options: LoadOptions): Promise<Loaded> {
  try {
    const contents = await readCheckpoint(options.path);
    if (!contents) return { learner: new Learner(options.config, options.seed), origin: "fresh" };
    return { learner: await Learner.restore(contents, options.config), origin: "restored" };
  } catch (err) {
    if (!(err instanceof CorruptCheckpointError)) throw err;
    if (!options.freshStartOnCorrupt) {
      throw new Error(`${err.message}; set fresh_start_on_corrupt_checkpoint to start over without it`, {
        cause: err,
      });
    }
    options.warn(`${err.message}; starting fresh as fresh_start_on_corrupt_checkpoint asks`);
    return { learner: new Learner(options.config, options.seed), origin: "fresh-after-corrupt" };
  }
}

/** Saves a learner at most once per interval, never two writes at once; `flush` saves now. */
export class CheckpointSaver {
  private lastSave: number;
  private inFlight: Promise<void> | undefined;
  saves = 0;

  constructor(
    private readonly path: string,
    private readonly intervalMs: number,
    private readonly learner: () => Learner,
    now: number,
    private readonly onError: (err: Error) => void,
  ) {
    this.lastSave = now;
  }

  /** Save if the interval has passed; returns the save in progress, if any. */
  maybeSave(now: number): Promise<void> | undefined {
    if (this.inFlight || now - this.lastSave < this.intervalMs) return this.inFlight;
    this.lastSave = now;
    return this.save();
  }

  async flush(): Promise<void> {
    await this.inFlight;
    await this.save();
  }

  private save(): Promise<void> {
    const run = (async () => {
      try {
        // snapshot() awaits only already-resolved work (microtasks), so no message callback can update the
        // learner halfway through it: weights, optimiser state and replay are from the same moment.
        await writeCheckpoint(this.path, await this.learner().snapshot());
        this.saves++;
      } catch (err) {
        this.onError(err as Error);
      } finally {
        this.inFlight = undefined;
      }
    })();
    this.inFlight = run;
    return run;
  }
}
