import {
  concat,
  EMPTY,
  filter,
  from,
  map,
  merge,
  mergeMap,
  Observable,
  Subject,
  timer,
  type SchedulerLike,
  type Subscription,
} from "rxjs";
import { codecFor, type MessageCodec } from "../codec/codec.js";
import {
  EpisodeEventKind,
  MsgType,
  RewardStatus,
  type CompressedImage,
  type DenseReward,
  type EpisodeEvent,
  type Image,
  type Time,
} from "../codec/messages.js";
import type { Logger } from "../node/log.js";
import { timeFromNanos, ZERO_TIME } from "../time/rosTime.js";
import type { CdrBytes } from "../transport/transport.js";
import { RateLimiter } from "../time/rateLimiter.js";
import type { Estimate, PotentialEstimator } from "./estimator.js";
import { latestWins } from "./latestWins.js";
import type { RewardModel } from "./model.js";
import { FrameError, type CameraMessage } from "../image/cameraImage.js";
import type { Preprocessor } from "./preprocess.js";
import { Shaper, type ShapedStep } from "./shaping.js";
import { PipelineStats, RateLimitedErrors } from "./stats.js";
import { ApproximateTimeSync, type MissingViewPolicy, type SyncedGroup, type Frame } from "./sync.js";

export type CameraType = "Image" | "CompressedImage";

export interface CameraInput {
  readonly topic: string;
  readonly type: CameraType;
}

export interface PipelineConfig {
  /** frame_id of published messages. */
  readonly nodeName: string;
  /** One per model view, in the model's view order. */
  readonly cameras: readonly CameraInput[];
  readonly slopMs: number;
  readonly maxAgeMs: number;
  readonly missingViewPolicy: MissingViewPolicy;
  readonly gamma: number;
  readonly successDelta: number;
  /** Cap on steps per second of camera time; 0 scores every synced group. */
  readonly rewardRateHz: number;
  /**
   * latest-wins (default, live cameras): a group arriving while a step runs replaces the waiting one.
   * every-group (offline input such as a bag, whose reader waits for `idle()`): every group is scored in
   * order; the queue is unbounded, so the producer must pace itself.
   */
  readonly backPressure?: "latest-wins" | "every-group";
}

export interface PipelineParts {
  readonly model: RewardModel;
  readonly preprocessor: Preprocessor;
  /** The model kind's Φ estimator (hop + fusion, or stage). */
  readonly estimator: PotentialEstimator;
  readonly log: Logger;
  /**
   * Time in ms for frame arrival and the published latency_ms; performance.now() by default. A replay passes
   * its bag clock, so the messages do not depend on how fast the machine is.
   */
  readonly now?: () => number;
  /** Runs the wait before a boundary is closed without a new frame; rxjs' async (wall clock) by default. */
  readonly scheduler?: SchedulerLike;
}

const stampMs = (t: Time): number => t.sec * 1000 + t.nanosec / 1e6;
const timeOfMs = (ms: number): Time => timeFromNanos(BigInt(Math.round(ms * 1e6)));

const isBoundary = (e: EpisodeEvent): boolean =>
  e.event === EpisodeEventKind.TERMINAL || e.event === EpisodeEventKind.TRUNCATED;

interface StepResult {
  readonly message?: DenseReward;
}

/**
 * The reward node's logic with no transport in it: raw CDR camera streams and episode events in, DenseReward
 * out. decode → sync → (latest wins) → preprocess → encoder/head → Φ (fusion) → shaping. Steps and episode
 * events run one at a time in arrival order, so an episode START never lands in the middle of a step.
 */
export class RewardPipeline {
  readonly stats: PipelineStats;
  private readonly sync: ApproximateTimeSync<CameraMessage>;
  private readonly shaper: Shaper;
  private readonly limiter: RateLimiter;
  private readonly errors: RateLimitedErrors;
  private readonly codecs: Record<CameraType, MessageCodec<Image | CompressedImage>>;
  private exclusive: Promise<unknown> = Promise.resolve();
  private lastPhi = 0;
  private lastPotential = "";
  private autoEpisode = false;
  private readonly now: () => number;

  constructor(
    private readonly config: PipelineConfig,
    private readonly parts: PipelineParts,
  ) {
    const views = parts.model.manifest.views;
    if (config.cameras.length !== views.length) {
      throw new Error(
        `${config.cameras.length} camera topics given, model '${parts.model.manifest.name}' has ${views.length} views (${views.join(", ")})`,
      );
    }
    this.stats = new PipelineStats(views.length);
    this.sync = new ApproximateTimeSync({
      views: views.length,
      slopMs: config.slopMs,
      maxAgeMs: config.maxAgeMs,
      policy: config.missingViewPolicy,
    });
    this.shaper = new Shaper({ gamma: config.gamma, successDelta: config.successDelta });
    this.limiter = new RateLimiter(config.rewardRateHz);
    this.errors = new RateLimitedErrors((m) => parts.log.error(m));
    this.codecs = {
      Image: codecFor<Image>(MsgType.Image),
      CompressedImage: codecFor<CompressedImage>(MsgType.CompressedImage),
    };
    this.now = parts.now ?? (() => performance.now());
  }

  /**
   * Resolves once every group and episode event handed in so far has been processed and its reward emitted
   * (frames are decoded and synced synchronously on arrival, so a producer can push, then wait for this).
   * Call it before releasing the model.
   */
  async idle(): Promise<void> {
    let seen: Promise<unknown>;
    do {
      seen = this.exclusive;
      await seen;
      // Emission follows the step by a few promise reactions; a macrotask runs after all of them.
      await new Promise<void>((resolve) => setImmediate(resolve));
    } while (seen !== this.exclusive);
  }

  /** Published rewards; subscribing starts the pipeline. */
  run(cameras: readonly Observable<CdrBytes>[], episodes: Observable<EpisodeEvent>): Observable<DenseReward> {
    if (cameras.length !== this.config.cameras.length) throw new Error("one stream per camera topic");
    return new Observable<DenseReward>((subscriber) => {
      const out = new Subject<DenseReward>();
      const subs: Subscription[] = [out.subscribe(subscriber)];
      const score = (group: SyncedGroup<CameraMessage>): Promise<StepResult> =>
        this.serially(() => this.step(group)).catch((err: unknown) => this.unexpected(err));
      const frames = merge(
        ...cameras.map((stream, view) => stream.pipe(mergeMap((data) => this.decode(view, data)))),
      );
      subs.push(
        frames
          .pipe(
            map((frame) => this.syncFrame(frame)),
            filter((g): g is SyncedGroup<CameraMessage> => g !== undefined && this.admit(g)),
            this.config.backPressure === "every-group"
              ? mergeMap(score)
              : latestWins(score, () => this.stats.groupsDropped++),
          )
          .subscribe({
            next: (r) => r.message && out.next(r.message),
            error: (err: unknown) => subscriber.error(err),
          }),
      );
      subs.push(
        episodes
          .pipe(
            mergeMap((event) =>
              concat(
                from(
                  this.serially(() => this.episodeEvent(event)).catch((err: unknown) => this.unexpected(err)),
                ),
                // A boundary normally closes with the next group; if the cameras stopped with the episode,
                // it closes after max age with the last state seen, so the learner still gets the terminal.
                isBoundary(event)
                  ? timer(this.config.maxAgeMs, this.parts.scheduler).pipe(
                      mergeMap(() => this.serially(() => this.closeStale(event))),
                    )
                  : EMPTY,
              ),
            ),
          )
          .subscribe({
            next: (r) => r.message && out.next(r.message),
            error: (err: unknown) => subscriber.error(err),
          }),
      );
      return () => subs.forEach((s) => s.unsubscribe());
    });
  }

  /** A bug or an unforeseen failure is logged; the stream goes on with the next group or event. */
  private unexpected(err: unknown): StepResult {
    this.report(
      "unexpected",
      `unexpected error in the reward pipeline: ${(err as Error).stack ?? String(err)}`,
    );
    return {};
  }

  private serially<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.exclusive.then(fn);
    this.exclusive = next.catch(() => undefined);
    return next;
  }

  private decode(view: number, data: CdrBytes): Frame<CameraMessage>[] {
    const arrivalMs = this.now();
    const t0 = performance.now();
    const camera = this.config.cameras[view];
    this.stats.framesReceived[view]++;
    let message: Image | CompressedImage;
    try {
      message = this.codecs[camera.type].decode(data);
    } catch (err) {
      this.stats.cdrErrors++;
      this.report(
        `cdr:${camera.topic}`,
        `${camera.topic}: dropped a malformed ${camera.type} message: ${(err as Error).message}`,
      );
      return [];
    }
    this.stats.latency.decode.add(performance.now() - t0);
    const tagged =
      camera.type === "Image"
        ? { kind: "Image" as const, message: message as Image }
        : { kind: "CompressedImage" as const, message: message as CompressedImage };
    return [{ view, stampMs: stampMs(message.header.stamp), arrivalMs, message: tagged }];
  }

  private syncFrame(frame: Frame<CameraMessage>): SyncedGroup<CameraMessage> | undefined {
    const t = performance.now();
    let group: SyncedGroup<CameraMessage> | undefined;
    try {
      group = this.sync.push(frame);
    } catch (err) {
      this.report(
        `sync:${frame.view}`,
        `${this.config.cameras[frame.view].topic}: ${(err as Error).message}`,
      );
      return undefined;
    }
    this.stats.latency.sync.add(performance.now() - t);
    if (group) this.stats.groupsSynced++;
    return group;
  }

  private admit(group: SyncedGroup<CameraMessage>): boolean {
    if (this.limiter.admit(group.stampMs)) return true;
    this.stats.groupsRateLimited++;
    return false;
  }

  private report(key: string, message: string): void {
    this.stats.lastError = message;
    this.errors.report(key, message);
  }

  private async closeStale(event: EpisodeEvent): Promise<StepResult> {
    if (event.episode_id !== this.shaper.episodeId || this.shaper.pendingBoundary === undefined) return {};
    const flushed = this.shaper.flush();
    return { message: flushed && this.flushedMessage(flushed, event.header.stamp) };
  }

  private async episodeEvent(event: EpisodeEvent): Promise<StepResult> {
    switch (event.event) {
      case EpisodeEventKind.START: {
        const flushed = this.shaper.flush();
        const message = flushed && this.flushedMessage(flushed, event.header.stamp);
        if (event.task && event.task !== this.parts.estimator.task) {
          try {
            await this.parts.estimator.useTask(event.task);
          } catch (err) {
            this.report(
              `task:${event.task}`,
              `episode ${event.episode_id}: ${(err as Error).message}; keeping task '${this.parts.estimator.task}'`,
            );
          }
        }
        this.shaper.startEpisode(event.episode_id);
        this.parts.estimator.startEpisode();
        this.lastPhi = 0;
        this.autoEpisode = false;
        return { message };
      }
      case EpisodeEventKind.TERMINAL:
      case EpisodeEventKind.TRUNCATED:
      case EpisodeEventKind.SUCCESS:
        if (event.episode_id !== this.shaper.episodeId) {
          this.report(
            "episode-id",
            `ignored an episode event for episode ${event.episode_id}; the running episode is ${this.shaper.episodeId ?? "none"}`,
          );
        } else if (event.event === EpisodeEventKind.SUCCESS) this.shaper.markSuccess();
        else this.shaper.markBoundary(event.event === EpisodeEventKind.TERMINAL ? "terminal" : "truncated");
        return {};
      default:
        this.report("episode-kind", `ignored an episode event of unknown kind ${event.event}`);
        return {};
    }
  }

  private async step(group: SyncedGroup<CameraMessage>): Promise<StepResult> {
    const { estimator, preprocessor } = this.parts;
    if (this.shaper.episodeId === undefined && !this.autoEpisode) {
      // A robot without an episode manager still gets rewards: one open-ended episode 0.
      this.parts.log.once(
        "info",
        "auto-episode",
        "no episode START received; scoring as episode 0 until one arrives",
      );
      this.shaper.startEpisode(0n);
      this.autoEpisode = true;
    }
    if (!this.shaper.active) {
      this.stats.groupsOutsideEpisode++;
      return {};
    }
    const t0 = performance.now();
    const candidates = group.frames.flatMap((f, v) => (f ? [v] : []));
    const slots = estimator.imageSlots(candidates.length);
    const ok = await Promise.all(
      candidates.map(async (v, i) => {
        try {
          await preprocessor.toTensor(
            this.config.cameras[v].topic,
            group.frames[v]!.message,
            slots,
            i * preprocessor.size,
          );
          return true;
        } catch (err) {
          if (!(err instanceof FrameError)) throw err;
          this.stats.frameErrors++;
          this.report(`frame:${err.topic}:${err.kind}`, err.message);
          return false;
        }
      }),
    );
    // A view whose frame failed is left out of this step; its slot is reused by compacting the others.
    const views: number[] = [];
    candidates.forEach((v, i) => {
      if (!ok[i]) return;
      if (views.length !== i)
        slots.copyWithin(
          views.length * preprocessor.size,
          i * preprocessor.size,
          (i + 1) * preprocessor.size,
        );
      views.push(v);
    });
    const t1 = performance.now();
    this.stats.latency.preprocess.add(t1 - t0);
    const missing = this.config.cameras.map((_c, v) => v).filter((v) => !views.includes(v));
    if (views.length === 0) {
      return {
        message: this.errorMessage(group, missing, "no usable view in this step (see the frame errors)"),
      };
    }
    let estimate: Estimate;
    try {
      estimate = await estimator.estimate(views);
    } catch (err) {
      this.stats.modelErrors++;
      this.stats.lastStepFailed = true;
      const text = `model error: ${(err as Error).message}`;
      this.report(`model:${(err as Error).name}`, text);
      return { message: this.errorMessage(group, missing, text) };
    }
    this.stats.lastStepFailed = false;
    this.stats.latency.encoder.add(estimate.encoderMs);
    this.stats.latency.head.add(estimate.headMs);
    const t2 = performance.now();
    const shaped = this.shaper.step(estimate.phi)!;
    this.lastPhi = estimate.phi;
    this.lastPotential = estimate.potential;
    const message = this.message(group, views, shaped, estimate);
    if (missing.length > 0) {
      message.status = RewardStatus.DEGRADED_VIEW_MISSING;
      message.status_detail = `missing ${missing.map((v) => this.config.cameras[v].topic).join(", ")}`;
      this.stats.degraded++;
    }
    this.stats.missingTopics = missing.map((v) => this.config.cameras[v].topic);
    this.stats.latency.fusion.add(performance.now() - t2);
    return { message: this.finish(message, group.arrivalMs) };
  }

  private finish(message: DenseReward, arrivalMs: number): DenseReward {
    const latency = this.now() - arrivalMs;
    message.latency_ms = latency;
    this.stats.latency.total.add(latency);
    this.stats.published++;
    return message;
  }

  private base(stamp: Time, group: SyncedGroup<CameraMessage> | undefined): DenseReward {
    const { model, estimator } = this.parts;
    const stages = estimator.stageNames;
    return {
      header: { stamp, frame_id: this.config.nodeName },
      source_topics: this.config.cameras.map((c) => c.topic),
      source_stamps: this.config.cameras.map(
        (_c, v) => group?.frames[v]?.message.message.header.stamp ?? ZERO_TIME,
      ),
      source_present: this.config.cameras.map((_c, v) => group?.frames[v] !== undefined),
      episode_id: this.shaper.episodeId ?? 0n,
      step: 0,
      reward: 0,
      r_gold: 0,
      phi: this.lastPhi,
      phi_next: this.lastPhi,
      gamma: this.config.gamma,
      terminal: false,
      truncated: false,
      potential: this.lastPotential,
      stage: 0,
      stage_names: [...stages],
      stage_probabilities: new Float32Array(stages.length),
      stage_progress: 0,
      progress: this.lastPhi,
      confidence: 0,
      model_name: model.manifest.name,
      model_sha256: model.sha256,
      status: RewardStatus.OK,
      status_detail: "",
      latency_ms: 0,
    };
  }

  private message(
    group: SyncedGroup<CameraMessage>,
    views: number[],
    shaped: ShapedStep,
    estimate: Estimate,
  ): DenseReward {
    const newest = Math.max(...views.map((v) => group.frames[v]!.stampMs));
    const m = this.base(timeOfMs(newest), group);
    m.source_present = this.config.cameras.map((_c, v) => views.includes(v));
    Object.assign(m, shapedFields(shaped), {
      potential: estimate.potential,
      stage: estimate.stage,
      stage_probabilities: Float32Array.from(estimate.stageProbabilities),
      stage_progress: estimate.stageProgress,
      progress: estimate.phi,
      confidence: estimate.confidence,
    });
    return m;
  }

  private flushedMessage(shaped: ShapedStep, stamp: Time): DenseReward {
    const m = this.base(stamp, undefined);
    Object.assign(m, shapedFields(shaped), {
      status: RewardStatus.DEGRADED_STALE,
      status_detail: "episode closed without a new frame: s′ is the last state seen",
    });
    this.stats.published++;
    return m;
  }

  private errorMessage(group: SyncedGroup<CameraMessage>, missing: number[], detail: string): DenseReward {
    const m = this.base(timeOfMs(group.stampMs), group);
    m.source_present = this.config.cameras.map((_c, v) => !missing.includes(v));
    m.status = RewardStatus.ERROR;
    m.status_detail = detail;
    return this.finish(m, group.arrivalMs);
  }
}

/** The DenseReward fields that come from the shaper, the same for a scored step and a flushed one. */
function shapedFields(shaped: ShapedStep): Partial<DenseReward> {
  return {
    episode_id: shaped.episodeId,
    step: shaped.step,
    reward: shaped.reward,
    r_gold: shaped.rGold,
    phi: shaped.phi,
    phi_next: shaped.phiNext,
    terminal: shaped.terminal,
    truncated: shaped.truncated,
  };
}
