import type { PotentialEstimator } from "../../lib/reward/estimator.js";
import type { FusionMode } from "../../lib/reward/fusion.js";
import type { Preprocessor } from "../../lib/reward/preprocess.js";
import type { Logger } from "../../lib/node/log.js";
import type { EvalEpisode } from "./episodeScorer.js";

/** An episode's frames preprocessed once, [T, V, size], and which views each step has. */
export interface PreparedEpisode {
  readonly label: string;
  readonly steps: number;
  readonly images: Float32Array;
  readonly present: readonly (readonly boolean[])[];
}

/** What went wrong while scoring, for the report: steps whose requests failed hold the previous Φ. */
export interface StepwiseCounts {
  /** Steps estimated (every pass: each view configuration, forwards and reversed). */
  steps: number;
  /** Steps whose estimate failed (a request error or an answer without a score). */
  failed_steps: number;
  /** The first distinct error messages. */
  errors: string[];
}

const MAX_ERRORS = 5;

/**
 * Offline scoring of whole episodes with a model kind that has no batched head (a served grm model): each
 * pass (a view configuration, forwards or time-reversed) restarts the model's own per-step estimator — the
 * reward node's, from createRewardModel — and feeds it the episode's steps one at a time in playback order,
 * the used views of each step written into its image slots as the reward node's StepScorer does. A dropped
 * view is simply left out of the step's `views`, as a camera that sent nothing (the grm scorer then fills
 * its prompt slot from the front view, else the first view present). A step with none of the used views
 * repeats the previous Φ, as in the batched scorer. A step whose estimate fails (timeout, HTTP error, an
 * answer without a score) also repeats the previous Φ, leaves the estimator's chain where it was, and is
 * counted; a pass in which every step failed stops the eval with the first error (a server that is not there).
 */
export class StepwiseEpisodeScorer {
  readonly counts: StepwiseCounts = { steps: 0, failed_steps: 0, errors: [] };
  private readonly V: number;

  constructor(
    private readonly estimator: PotentialEstimator,
    private readonly preprocessor: Preprocessor,
    private readonly views: readonly string[],
    /** The fusion mode the estimator was built with: its Φ is that potential and no other. */
    private readonly mode: FusionMode,
    private readonly log?: Logger,
  ) {
    this.V = views.length;
  }

  async embed(episode: EvalEpisode): Promise<PreparedEpisode> {
    const { V } = this;
    const size = this.preprocessor.size;
    const T = episode.frames.length;
    const images = new Float32Array(T * V * size);
    const present = episode.frames.map((f) => this.views.map((_, v) => f[v] !== undefined));
    const jobs: Promise<void>[] = [];
    episode.frames.forEach((frame, t) =>
      frame.forEach((m, v) => {
        if (m)
          jobs.push(
            this.preprocessor.toTensor(`${episode.label} ${this.views[v]}`, m, images, (t * V + v) * size),
          );
      }),
    );
    await Promise.all(jobs);
    return { label: episode.label, steps: T, images, present };
  }

  /** Selects the task on the estimator (its goal images are read and cached there); the task is the goal. */
  async goal(task: string): Promise<string> {
    await this.estimator.useTask(task);
    return task;
  }

  async progress(
    ep: PreparedEpisode,
    task: string,
    order: readonly number[],
    use: readonly boolean[],
    mode: FusionMode,
  ): Promise<{ phi: number[]; confidence: number[] }> {
    if (mode !== this.mode) {
      throw new Error(`this scorer's estimator fuses '${this.mode}', asked for '${mode}'`);
    }
    if (this.estimator.task !== task) await this.estimator.useTask(task);
    const size = this.preprocessor.size;
    const { V } = this;
    this.estimator.startEpisode();
    const phi: number[] = [];
    const confidence: number[] = [];
    let estimated = 0;
    let failed = 0;
    let firstError: Error | undefined;
    for (const s of order) {
      const views = this.views.map((_, v) => v).filter((v) => use[v] && ep.present[s][v]);
      const hold = () => {
        phi.push(phi.at(-1) ?? 0);
        confidence.push(0);
      };
      if (views.length === 0) {
        hold();
        continue;
      }
      const slots = this.estimator.imageSlots(views.length);
      views.forEach((v, i) =>
        slots.set(ep.images.subarray((s * V + v) * size, (s * V + v + 1) * size), i * size),
      );
      estimated++;
      try {
        const e = await this.estimator.estimate(views);
        phi.push(e.phi);
        confidence.push(e.confidence);
      } catch (err) {
        failed++;
        firstError ??= err as Error;
        this.note(ep, s, err as Error);
        hold();
      }
    }
    this.counts.steps += estimated;
    this.counts.failed_steps += failed;
    if (estimated > 0 && failed === estimated) {
      throw new Error(`${ep.label}: every step failed, the first with: ${firstError!.message}`);
    }
    return { phi, confidence };
  }

  private note(ep: PreparedEpisode, step: number, err: Error): void {
    const text = err.message;
    if (this.counts.errors.length < MAX_ERRORS && !this.counts.errors.includes(text)) {
      this.counts.errors.push(text);
    }
    this.log?.once("warn", `eval-step:${err.name}`, `${ep.label} step ${step}: ${text} (holding Φ; counted)`);
  }
}
