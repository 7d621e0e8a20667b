import type { DenseReward } from "../codec/messages.js";
import type { CameraMessage } from "../image/cameraImage.js";
import type { EpisodeTracker } from "./episodeTracker.js";
import type { Estimate, PotentialEstimator } from "./estimator.js";
import type { Preprocessor } from "./preprocess.js";
import { errorReward, scoredReward, type RewardSource } from "./rewardMessage.js";
import type { ErrorReport, PipelineStats } from "./stats.js";
import type { SyncedGroup } from "./sync.js";
import { fillViewSlots } from "./viewTensors.js";

/**
 * One synced group → one DenseReward: preprocess the views, estimate Φ, shape the transition. A failed frame
 * or model step still gives a message (status ERROR) so the learner sees the step; a group outside an
 * episode gives none.
 */
export class StepScorer {
  constructor(
    private readonly source: RewardSource,
    private readonly preprocessor: Preprocessor,
    private readonly estimator: PotentialEstimator,
    private readonly episodes: EpisodeTracker,
    private readonly stats: PipelineStats,
    private readonly report: ErrorReport,
    /** The clock of the frames' arrival times, for latency_ms. */
    private readonly now: () => number,
  ) {}

  async score(group: SyncedGroup<CameraMessage>): Promise<DenseReward | undefined> {
    if (!this.episodes.admitStep()) {
      this.stats.groupsOutsideEpisode++;
      return undefined;
    }
    const { topics } = this.source;
    const t0 = performance.now();
    const views = await fillViewSlots(
      group,
      topics,
      this.preprocessor,
      (count) => this.estimator.imageSlots(count),
      (err) => {
        this.stats.frameErrors++;
        this.report(`frame:${err.topic}:${err.kind}`, err.message);
      },
    );
    const t1 = performance.now();
    this.stats.latency.preprocess.add(t1 - t0);
    const missing = topics.map((_t, v) => v).filter((v) => !views.includes(v));
    if (views.length === 0) {
      return this.error(group, missing, "no usable view in this step (see the frame errors)");
    }
    let estimate: Estimate;
    try {
      estimate = await this.estimator.estimate(views);
    } catch (err) {
      this.stats.modelErrors++;
      this.stats.lastStepFailed = true;
      const text = `model error: ${(err as Error).message}`;
      this.report(`model:${(err as Error).name}`, text);
      return this.error(group, missing, text);
    }
    this.stats.lastStepFailed = false;
    this.stats.latency.encoder.add(estimate.encoderMs);
    this.stats.latency.head.add(estimate.headMs);
    const t2 = performance.now();
    const shaped = this.episodes.step(estimate);
    const message = scoredReward(this.source, this.episodes.state, group, views, shaped, estimate);
    if (missing.length > 0) this.stats.degraded++;
    this.stats.missingTopics = missing.map((v) => topics[v]);
    this.stats.latency.fusion.add(performance.now() - t2);
    return this.finish(message, group.arrivalMs);
  }

  private error(group: SyncedGroup<CameraMessage>, missing: number[], detail: string): DenseReward {
    return this.finish(
      errorReward(this.source, this.episodes.state, group, missing, detail),
      group.arrivalMs,
    );
  }

  private finish(message: DenseReward, arrivalMs: number): DenseReward {
    const latency = this.now() - arrivalMs;
    message.latency_ms = latency;
    this.stats.latency.total.add(latency);
    this.stats.published++;
    return message;
  }
}
