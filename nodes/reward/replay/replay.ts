import { Subject, interval } from "rxjs";
import { topicDecoders, type SkippedTopic } from "../../../lib/bag/decoders.js";
import { BagWriter } from "../../../lib/bag/mcapWriter.js";
import { openBag, type Bag } from "../../../lib/bag/openBag.js";
import { BagError } from "../../../lib/bag/types.js";
import { codecFor } from "../../../lib/codec/codec.js";
import { MsgType, type EpisodeEvent } from "../../../lib/codec/messages.js";
import type { Logger } from "../../../lib/node/log.js";
import { BagClock } from "../../../lib/replay/bagClock.js";
import type { CameraPlan, NamedCameras, ViewInput } from "../../../lib/replay/cameras.js";
import { rewardDiagnostics } from "../../../lib/reward/diagnostics.js";
import { loadManifest } from "../../../lib/reward/manifest.js";
import type { RewardModel } from "../../../lib/reward/model.js";
import type { RewardPipeline } from "../../../lib/reward/pipeline.js";
import { modelDir } from "../../../lib/reward/rewardModelFactory.js";
import { RateLimitedErrors } from "../../../lib/reward/stats.js";
import { timeFromNanos } from "../../../lib/time/rosTime.js";
import { QOS_DEFAULT, QOS_SENSOR_DATA } from "../../../lib/transport/qos.js";
import { buildRewardPipeline } from "../build.js";
import type { RewardParameters } from "../parameters.js";
import { ReplayError } from "./replayError.js";
import { outputFile, prepareOutput, RewardRecorder } from "./replayOutput.js";
import { planReplay, type ReplayPlan } from "./replayPlan.js";

export interface ReplayOptions {
  /** Bag folder or storage file. */
  readonly bag: string;
  /** Output `.mcap` file, or a folder that gets `<folder name>_0.mcap`; metadata.yaml is written beside it. */
  readonly out: string;
  readonly params: RewardParameters;
  /** Cameras the parameters name, in view order; absent: every camera of the bag, matched by name. */
  readonly named?: NamedCameras;
  /** Also copy the input topics (cameras and episode events) into the output. */
  readonly includeInputs?: boolean;
  readonly log: Logger;
  /** Called after each message read. */
  readonly onProgress?: (progress: ReplayProgress) => void;
  /** Stops reading (e.g. on Ctrl-C); the output is finished with what was read, as for damage. */
  readonly signal?: AbortSignal;
}

export interface ReplayProgress {
  readonly read: number;
  /** Messages of the replayed topics in the bag (as its index counts them). */
  readonly total: number;
  readonly rewards: number;
  /** Bag time since the first message, in seconds. */
  readonly bagSeconds: number;
}

export interface ReplaySummary {
  readonly bag: string;
  /** The MCAP file written. */
  readonly out: string;
  readonly model: string;
  readonly views: readonly ViewInput[];
  readonly unusedCameras: CameraPlan["unused"];
  /** Topics of the bag that cannot be decoded, with why. */
  readonly skippedTopics: readonly SkippedTopic[];
  readonly messagesInBag: number;
  /** Messages of the replayed topics read (cameras and episode events). */
  readonly messagesRead: number;
  readonly episodeEvents: number;
  readonly badEpisodeEvents: number;
  readonly groups: number;
  readonly rewards: number;
  /** Rewards with a degraded status (a view missing, or an episode closed without a new frame). */
  readonly degraded: number;
  /** SUCCESS and TERMINAL events the pipeline announced (success_source model), written to the episode topic. */
  readonly announcedEvents: number;
  /** Rewards with status ERROR (a frame or the model failed). */
  readonly errors: number;
  readonly groupsOutsideEpisode: number;
  readonly bagSeconds: number;
  readonly wallSeconds: number;
  /** Why reading stopped before the end of the bag (damage); what came before it was scored and written. */
  readonly damage?: string;
  /** Reading was stopped by `signal` before the end of the bag. */
  readonly interrupted?: boolean;
  /** Set when the replay produced no reward at all: why (the command then exits non-zero). */
  readonly nothingScored?: string;
}

/**
 * Replays a rosbag2 recording through the reward node's pipeline on the bag's clock and writes the
 * rewards (and diagnostics, and optionally the inputs) to a new MCAP. Every synced group is scored in
 * order, so the same bag and parameters give the same /reward bytes. Damage part-way through the bag
 * ends the replay there: what was read is scored and the output is finished, and `damage` says what
 * happened. Throws ReplayError when there is nothing to score or the setup is wrong, BagError when the
 * bag cannot be opened at all.
 */
export async function replayBag(options: ReplayOptions): Promise<ReplaySummary> {
  const started = performance.now();
  const { params, log } = options;
  const bag = await openBag(options.bag);
  try {
    const { skipped } = topicDecoders(bag.topics, (m) => log.warn(m));
    let views: readonly string[];
    try {
      views = (await loadManifest(modelDir(params.model))).manifest.views;
    } catch (err) {
      throw new ReplayError((err as Error).message, "usage");
    }
    const plan = planReplay(bag, views, params, options.named, skipped, log);
    const file = outputFile(options.out);
    await prepareOutput(bag, file);
    const clock = new BagClock(bag.startTime ?? 0n);
    let built;
    try {
      built = await buildRewardPipeline(params, {
        nodeName: "reward",
        cameras: { cameras: plan.cameras.cameras, sources: plan.cameras.sources },
        log,
        backPressure: "every-group",
        now: clock.now,
        scheduler: clock.scheduler,
      });
    } catch (err) {
      throw new ReplayError((err as Error).message, "usage");
    }
    const writer = await BagWriter.open(file);
    try {
      const scored = await scoreBag({ ...options, started, bag, plan, clock, writer, ...built });
      return {
        bag: bag.path,
        out: file,
        model: `${built.model.manifest.name} ${built.model.sha256}`,
        views: plan.cameras.views,
        unusedCameras: plan.cameras.unused,
        skippedTopics: skipped,
        messagesInBag: bag.messageCount,
        ...scored,
      };
    } finally {
      await writer.close();
      await built.model.release();
    }
  } finally {
    await bag.close();
  }
}

interface ScoringContext extends Omit<ReplayOptions, "bag"> {
  /** performance.now() when the replay began. */
  readonly started: number;
  readonly bag: Bag;
  readonly plan: ReplayPlan;
  readonly clock: BagClock;
  readonly writer: BagWriter;
  readonly pipeline: RewardPipeline;
  readonly model: RewardModel;
}

type ScoredBag = Omit<
  ReplaySummary,
  "bag" | "out" | "model" | "views" | "unusedCameras" | "skippedTopics" | "messagesInBag"
>;

async function addOutputTopics(ctx: ScoringContext): Promise<void> {
  const { writer, params, plan } = ctx;
  await writer.addTopic(params.reward_topic, MsgType.DenseReward, QOS_DEFAULT);
  await writer.addTopic("/diagnostics", MsgType.DiagnosticArray, QOS_DEFAULT);
  // The node announces model-detected success on the episode topic; the input's events join it there.
  if (params.success_source === "model" || (ctx.includeInputs && plan.episodesUsable))
    await writer.addTopic(params.episode_topic, MsgType.EpisodeEvent, QOS_DEFAULT);
  if (!ctx.includeInputs) return;
  for (const c of plan.cameras.cameras)
    await writer.addTopic(c.topic, `sensor_msgs/msg/${c.type}`, QOS_SENSOR_DATA);
}

/**
 * The messages in log-time order, but at one log time the episode events before the camera frames: a
 * recorder that logs a step's frames and then its START at the same time means the frames are the new
 * episode's first state, not a step of the episode before it.
 */
async function* eventsFirst<M extends { topic: string; logTime: bigint }>(
  messages: AsyncIterable<M>,
  episodeTopic: string,
): AsyncGenerator<M> {
  let batch: M[] = [];
  const flush = function* (): Generator<M> {
    yield* batch.filter((m) => m.topic === episodeTopic);
    yield* batch.filter((m) => m.topic !== episodeTopic);
    batch = [];
  };
  for await (const m of messages) {
    if (batch.length > 0 && m.logTime !== batch[0]!.logTime) yield* flush();
    batch.push(m);
  }
  yield* flush();
}

/**
 * Feeds the bag's messages to the pipeline in log-time order, advancing the bag clock to each message first
 * (so timers due before it fire first) and letting the pipeline settle after each, then writes what came out.
 */
async function scoreBag(ctx: ScoringContext): Promise<ScoredBag> {
  const { bag, plan, clock, pipeline, model, params, log } = ctx;
  const cameraSubjects = plan.cameras.cameras.map(() => new Subject<Uint8Array>());
  const episodes = new Subject<EpisodeEvent>();
  const viewOf = new Map(plan.cameras.cameras.map((c, i) => [c.topic, i] as const));
  const topics = [...viewOf.keys(), ...(plan.episodesUsable ? [params.episode_topic] : [])];
  const total = bag.topics.filter((t) => topics.includes(t.name)).reduce((n, t) => n + t.count, 0);
  await addOutputTopics(ctx);

  const recorder = new RewardRecorder(ctx.writer, params.reward_topic, () => clock.nowNs());
  const counts = { read: 0, events: 0, badEvents: 0 };
  let failure: Error | undefined;
  const output = pipeline.run(cameraSubjects, episodes).subscribe({
    next: (message) => recorder.reward(message),
    error: (err: Error) => (failure = err),
  });
  const announced = pipeline.announcements.subscribe((event) =>
    recorder.episode(params.episode_topic, event),
  );
  let lastPublished = 0;
  const periodMs = params.diagnostics_period_s * 1000;
  const diagnostics = (rateHz: number): void =>
    recorder.diagnostics(
      rewardDiagnostics({
        nodeName: "reward",
        provider: model.provider,
        modelName: model.manifest.name,
        modelSha256: model.sha256,
        stats: pipeline.stats,
        rateHz,
        stamp: timeFromNanos(clock.nowNs()),
      }),
    );
  const reports = interval(periodMs, clock.scheduler).subscribe(() => {
    diagnostics(((pipeline.stats.published - lastPublished) * 1000) / periodMs);
    lastPublished = pipeline.stats.published;
  });
  const settle = async (): Promise<void> => {
    await pipeline.idle();
    if (failure) throw failure;
    await recorder.flush();
  };
  const episodeCodec = codecFor<EpisodeEvent>(MsgType.EpisodeEvent);
  const episodeErrors = new RateLimitedErrors((m) => log.error(m));
  let damage: string | undefined;
  let interrupted = false;
  try {
    try {
      for await (const m of eventsFirst(bag.messages({ topics }), params.episode_topic)) {
        if (ctx.signal?.aborted) {
          interrupted = true;
          log.warn("interrupted; finishing the output with what was read so far");
          break;
        }
        await clock.advanceTo(clock.msOf(m.logTime), settle);
        counts.read++;
        if (ctx.includeInputs) await ctx.writer.writeRaw(m.topic, m.type, m.logTime, m.data);
        const view = viewOf.get(m.topic);
        if (view !== undefined) cameraSubjects[view]!.next(m.data);
        else {
          let event: EpisodeEvent | undefined;
          try {
            event = episodeCodec.decode(m.data);
          } catch (err) {
            counts.badEvents++;
            episodeErrors.report("episode-cdr", `${m.topic}: ${(err as Error).message}`);
          }
          if (event) {
            counts.events++;
            episodes.next(event);
          }
        }
        await settle();
        ctx.onProgress?.({
          read: counts.read,
          total,
          rewards: recorder.counts.rewards,
          bagSeconds: clock.now() / 1000,
        });
      }
    } catch (err) {
      if (!(err instanceof BagError)) throw err;
      damage = err.message;
      log.error(`${err.message}; finishing the output with what was read before it`);
    }
    reports.unsubscribe();
    // Episodes that ended with the cameras still close after max age of bag time.
    await clock.advanceTo(Number.POSITIVE_INFINITY, settle);
    diagnostics(0);
    await settle();
  } finally {
    reports.unsubscribe();
    output.unsubscribe();
    announced.unsubscribe();
  }
  const stats = pipeline.stats;
  const nothingScored =
    recorder.counts.rewards > 0
      ? undefined
      : counts.read === 0
        ? "no message of the replayed topics was read"
        : stats.groupsSynced === 0
          ? `${counts.read} messages read but no synced group: ${
              stats.cdrErrors > 0
                ? `${stats.cdrErrors} camera messages did not decode (${stats.lastError})`
                : `the cameras' stamps never came within sync_slop_ms (${params.sync_slop_ms} ms) of each other`
            }`
          : stats.groupsOutsideEpisode > 0
            ? `all ${stats.groupsOutsideEpisode} synced groups fell between episodes (no START on ${params.episode_topic} before them)`
            : `${stats.groupsSynced} groups synced but none was scored (${stats.lastError || "rate-limited or dropped"})`;
  if (nothingScored) log.error(`nothing scored: ${nothingScored}`);
  return {
    messagesRead: counts.read,
    episodeEvents: counts.events,
    badEpisodeEvents: counts.badEvents,
    groups: stats.groupsSynced,
    rewards: recorder.counts.rewards,
    degraded: recorder.counts.degraded,
    announcedEvents: recorder.counts.announced,
    errors: recorder.counts.errors,
    groupsOutsideEpisode: stats.groupsOutsideEpisode,
    bagSeconds: clock.now() / 1000,
    wallSeconds: (performance.now() - ctx.started) / 1000,
    ...(damage !== undefined ? { damage } : {}),
    ...(interrupted ? { interrupted } : {}),
    ...(nothingScored ? { nothingScored } : {}),
  };
}
