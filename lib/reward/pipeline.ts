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
  tap,
  timer,
  type SchedulerLike,
  type Subscription,
} from "rxjs";
import type { DenseReward, EpisodeEvent, Time } from "../codec/messages.js";
import type { CameraMessage } from "../image/cameraImage.js";
import type { Logger } from "../node/log.js";
import { RateLimiter } from "../time/rateLimiter.js";
import type { CdrBytes } from "../transport/transport.js";
import { CameraDecoder, type CameraInput } from "./cameraFrames.js";
import { noTopic } from "./cameraViews.js";
import { EpisodeTracker, isBoundary, modelSuccessEvents, type ClosedStep } from "./episodeTracker.js";
import type { PotentialEstimator } from "./estimator.js";
import { latestWins } from "./latestWins.js";
import type { RewardModel } from "./model.js";
import type { Preprocessor } from "./preprocess.js";
import { flushedReward, type RewardSource } from "./rewardMessage.js";
import type { SuccessSource } from "./shaping.js";
import { PipelineStats, RateLimitedErrors } from "./stats.js";
import { StepScorer } from "./stepScorer.js";
import { ApproximateTimeSync, synchronize, type MissingViewPolicy, type SyncedGroup } from "./sync.js";

export type { CameraInput, CameraType } from "./cameraFrames.js";

export interface PipelineConfig {
  /** frame_id of published messages. */
  readonly nodeName: string;
  /** The camera topics, one stream each (fewer than the model's views is fine). */
  readonly cameras: readonly CameraInput[];
  /**
   * Per model view, the index in `cameras` of the camera that fills it, undefined for a view no camera
   * serves (masked in every step, status degraded); one camera may fill several views. Default: camera i
   * fills view i (`assignCameras` in cameraViews.ts builds it from the node's parameters).
   */
  readonly viewSources?: readonly (number | undefined)[];
  readonly slopMs: number;
  readonly maxAgeMs: number;
  readonly missingViewPolicy: MissingViewPolicy;
  readonly gamma: number;
  readonly successDelta: number;
  /** Who decides success (DESIGN §5); `task` by default. */
  readonly successSource?: SuccessSource;
  /** Transitions Φ(s′) ≥ 1 − δ must hold for a model-detected success; 1 by default. */
  readonly successHold?: number;
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

/**
 * The reward node's logic with no transport in it: raw CDR camera streams and episode events in, DenseReward
 * out. decode → sync → (latest wins) → preprocess → encoder/head → Φ (fusion) → shaping. Steps and episode
 * events run one at a time in arrival order, so an episode START never lands in the middle of a step.
 */
export class RewardPipeline {
  readonly stats: PipelineStats;
  private readonly sync: ApproximateTimeSync<CameraMessage>;
  private readonly decoder: CameraDecoder;
  private readonly episodes: EpisodeTracker;
  private readonly scorer: StepScorer;
  private readonly source: RewardSource;
  private readonly limiter: RateLimiter;
  private readonly errors: RateLimitedErrors;
  private exclusive: Promise<unknown> = Promise.resolve();
  private readonly announced = new Subject<EpisodeEvent>();
  /**
   * Episode events the pipeline itself decides: SUCCESS then TERMINAL when the reward model detects success
   * (success source `model`), right after the DenseReward of that transition. The node publishes them on
   * the episode topic so the robot or simulator resets.
   */
  readonly announcements: Observable<EpisodeEvent> = this.announced.asObservable();
  private readonly sources: readonly (number | undefined)[];

  constructor(
    private readonly config: PipelineConfig,
    private readonly parts: PipelineParts,
  ) {
    const views = parts.model.manifest.views;
    this.sources = viewSources(config, views, parts.model.manifest.name);
    this.stats = new PipelineStats(config.cameras.length);
    // The sync groups the cameras; each group is then spread over the model views they serve.
    this.sync = new ApproximateTimeSync({
      views: config.cameras.length,
      slopMs: config.slopMs,
      maxAgeMs: config.maxAgeMs,
      policy: config.missingViewPolicy,
    });
    const report = (key: string, message: string): void => this.report(key, message);
    this.episodes = new EpisodeTracker(
      {
        gamma: config.gamma,
        successDelta: config.successDelta,
        successSource: config.successSource,
        successHold: config.successHold,
      },
      parts.estimator,
      parts.log,
      report,
    );
    this.limiter = new RateLimiter(config.rewardRateHz);
    this.errors = new RateLimitedErrors((m) => parts.log.error(m));
    const now = parts.now ?? (() => performance.now());
    this.decoder = new CameraDecoder(config.cameras, this.stats, report, now);
    this.source = {
      nodeName: config.nodeName,
      topics: views.map((view, v) => {
        const c = this.sources[v];
        return c === undefined ? noTopic(view) : config.cameras[c]!.topic;
      }),
      gamma: config.gamma,
      modelName: parts.model.manifest.name,
      modelSha256: parts.model.sha256,
    };
    this.scorer = new StepScorer(
      this.source,
      parts.preprocessor,
      parts.estimator,
      this.episodes,
      this.stats,
      report,
      now,
    );
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
      const score = (group: SyncedGroup<CameraMessage>): Promise<DenseReward | undefined> =>
        this.serially(() => this.scorer.score(group)).catch((err: unknown) => this.unexpected(err));
      const frames = merge(
        ...cameras.map((stream, view) => stream.pipe(mergeMap((data) => this.decoder.decode(view, data)))),
      );
      subs.push(
        frames
          .pipe(
            synchronize(this.sync, {
              rejected: (frame, err) =>
                this.report(`sync:${frame.view}`, `${this.config.cameras[frame.view].topic}: ${err.message}`),
              timed: (ms) => this.stats.latency.sync.add(ms),
            }),
            tap(() => this.stats.groupsSynced++),
            filter((g) => this.admit(g)),
            map((g) => this.toViews(g)),
            this.config.backPressure === "every-group"
              ? mergeMap(score)
              : latestWins(score, () => this.stats.groupsDropped++),
          )
          .subscribe({
            next: (m) => {
              if (!m) return;
              out.next(m);
              if (m.success_source === "model")
                for (const event of modelSuccessEvents(m, this.parts.estimator.task ?? ""))
                  this.announced.next(event);
            },
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
                      mergeMap(() =>
                        this.serially(async () =>
                          this.flushed(this.episodes.closeStale(event), event.header.stamp),
                        ),
                      ),
                    )
                  : EMPTY,
              ),
            ),
          )
          .subscribe({
            next: (m) => m && out.next(m),
            error: (err: unknown) => subscriber.error(err),
          }),
      );
      return () => subs.forEach((s) => s.unsubscribe());
    });
  }

  /** A bug or an unforeseen failure is logged; the stream goes on with the next group or event. */
  private unexpected(err: unknown): undefined {
    this.report(
      "unexpected",
      `unexpected error in the reward pipeline: ${(err as Error).stack ?? String(err)}`,
    );
    return undefined;
  }

  private serially<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.exclusive.then(fn);
    this.exclusive = next.catch(() => undefined);
    return next;
  }

  /** A synced group of cameras → the group of model views they fill (undefined where no camera serves one). */
  private toViews(group: SyncedGroup<CameraMessage>): SyncedGroup<CameraMessage> {
    const frames = this.sources.map((c) => (c === undefined ? undefined : group.frames[c]));
    const missing = frames.flatMap((f, v) => (f ? [] : [v]));
    return { frames, missing, stampMs: group.stampMs, arrivalMs: group.arrivalMs };
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

  private async episodeEvent(event: EpisodeEvent): Promise<DenseReward | undefined> {
    return this.flushed(await this.episodes.apply(event), event.header.stamp);
  }

  /** The message of a transition an episode event closed, stamped with the event's time. */
  private flushed(closed: ClosedStep | undefined, stamp: Time): DenseReward | undefined {
    if (!closed) return undefined;
    this.stats.published++;
    return flushedReward(this.source, closed.state, closed.shaped, stamp);
  }
}

/** The camera of each model view: the config's viewSources checked, or camera i for view i. */
function viewSources(
  config: PipelineConfig,
  views: readonly string[],
  model: string,
): readonly (number | undefined)[] {
  const n = config.cameras.length;
  if (n === 0) throw new Error("no camera topic given");
  if (!config.viewSources) {
    if (n > views.length) {
      throw new Error(
        `${n} camera topics given, model '${model}' has ${views.length} views (${views.join(", ")})`,
      );
    }
    return views.map((_v, i) => (i < n ? i : undefined));
  }
  const sources = config.viewSources;
  if (sources.length !== views.length) {
    throw new Error(
      `viewSources has ${sources.length} entries, model '${model}' has ${views.length} views (${views.join(", ")})`,
    );
  }
  for (const c of sources)
    if (c !== undefined && !(Number.isInteger(c) && c >= 0 && c < n))
      throw new Error(`viewSources names camera ${c}, there are ${n}`);
  config.cameras.forEach((cam, c) => {
    if (!sources.includes(c)) throw new Error(`camera ${cam.topic} serves no model view`);
  });
  return sources;
}
