import { mkdir } from "node:fs/promises";
import { basename, dirname, extname, join, resolve } from "node:path";
import { interval, Subject } from "rxjs";
import { topicDecoders, type SkippedTopic } from "../bag/decoders.js";
import { BagWriter } from "../bag/mcapWriter.js";
import { openBag, type Bag } from "../bag/openBag.js";
import { BagError } from "../bag/types.js";
import { codecFor } from "../codec/codec.js";
import {
  MsgType,
  RewardStatus,
  type DenseReward,
  type DiagnosticArray,
  type EpisodeEvent,
} from "../codec/messages.js";
import { shortTypeName } from "../codec/typeName.js";
import type { Logger } from "../node/log.js";
import { rewardDiagnostics } from "../reward/diagnostics.js";
import { loadManifest } from "../reward/manifest.js";
import { RateLimitedErrors } from "../reward/stats.js";
import { timeFromNanos } from "../time/rosTime.js";
import { QOS_DEFAULT, QOS_SENSOR_DATA } from "../transport/qos.js";
import type { RewardParameters } from "../../nodes/reward/parameters.js";
import { buildRewardPipeline, modelDir } from "../../nodes/reward/build.js";
import { BagClock } from "./bagClock.js";
import {
  camerasIn,
  planCamerasByName,
  planNamedCameras,
  type CameraPlan,
  type NamedCameras,
  type ViewInput,
} from "./cameras.js";

/** The replay cannot start: bad parameters, output or model for this bag (exit 2), or nothing to score (3). */
export class ReplayError extends Error {
  constructor(
    message: string,
    readonly reason: "usage" | "no-cameras",
  ) {
    super(message);
    this.name = "ReplayError";
  }
}

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
  /** Rewards with status ERROR (a frame or the model failed). */
  readonly errors: number;
  readonly groupsOutsideEpisode: number;
  readonly bagSeconds: number;
  readonly wallSeconds: number;
  /** Why reading stopped before the end of the bag (damage); what came before it was scored and written. */
  readonly damage?: string;
  /** Reading was stopped by `signal` before the end of the bag. */
  readonly interrupted?: boolean;
}

/** The MCAP file an `--out` names: itself when it ends in .mcap, else `<folder>/<folder name>_0.mcap`. */
export function outputFile(out: string): string {
  return extname(out) === ".mcap" ? out : join(out, `${basename(resolve(out))}_0.mcap`);
}

function planCameras(bag: Bag, views: readonly string[], named: NamedCameras | undefined): CameraPlan {
  const cameras = camerasIn(bag.topics);
  let plan: CameraPlan;
  try {
    plan = named ? planNamedCameras(views, cameras, named) : planCamerasByName(views, cameras);
  } catch (err) {
    throw new ReplayError(`${bag.path}: ${(err as Error).message}`, "usage");
  }
  if (plan.views.some((v) => v.inBag)) return plan;
  const problem =
    cameras.length === 0
      ? "it has no sensor_msgs/msg/Image or CompressedImage topic"
      : named
        ? `camera_topics (${named.topics.join(", ")}) names none of its camera topics (${cameras.map((c) => c.topic).join(", ")})`
        : `its camera topics (${cameras.map((c) => c.topic).join(", ")}) match none of the model's views by name; ` +
          `name them in --params (reward: ros__parameters: camera_topics, one per view: ${views.join(", ")})`;
  throw new ReplayError(`${bag.path}: nothing to score: ${problem}`, "no-cameras");
}

async function checkOutput(bag: Bag, file: string): Promise<void> {
  const folder = resolve(dirname(file));
  const inputs = [resolve(bag.path), ...bag.files.map((f) => resolve(dirname(f)))];
  if (inputs.includes(folder) || bag.files.some((f) => resolve(f) === resolve(file))) {
    throw new ReplayError(
      `output ${file} would be written into the input bag's folder (its metadata.yaml would be replaced); choose another --out`,
      "usage",
    );
  }
  await mkdir(folder, { recursive: true });
}

interface Pending {
  readonly ns: bigint;
  readonly topic: string;
  readonly type: string;
  readonly message: DenseReward | DiagnosticArray;
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
    let manifest;
    try {
      manifest = await loadManifest(modelDir(params.model));
    } catch (err) {
      throw new ReplayError((err as Error).message, "usage");
    }
    const plan = planCameras(bag, manifest.manifest.views, options.named);
    for (const v of plan.views)
      log.info(
        v.inBag ? `view ${v.view} ← ${v.topic} (${v.type})` : `view ${v.view}: no camera topic in the bag`,
      );
    for (const u of plan.unused) log.warn(`camera ${u.topic} not replayed: ${u.reason}`);
    const lacking = plan.views.filter((v) => !v.inBag);
    if (lacking.length > 0 && params.missing_view_policy === "wait") {
      throw new ReplayError(
        `missing_view_policy is 'wait' but the bag has no ${lacking.map((v) => v.topic).join(", ")}: no reward could ever be produced; use 'degrade'`,
        "usage",
      );
    }
    const episodeTopic = bag.topics.find((t) => t.name === params.episode_topic);
    const episodesUsable =
      episodeTopic !== undefined &&
      shortTypeName(episodeTopic.type) === shortTypeName(MsgType.EpisodeEvent) &&
      !skipped.some((s) => s.topic === episodeTopic.name);
    if (episodeTopic && !episodesUsable)
      log.warn(`${params.episode_topic} is ${episodeTopic.type}, not EpisodeEvent: episode events ignored`);
    else if (!episodeTopic)
      log.info(`no ${params.episode_topic} in the bag: the whole recording is scored as one episode`);

    const file = outputFile(options.out);
    await checkOutput(bag, file);
    const origin = bag.startTime ?? 0n;
    const clock = new BagClock(origin);
    let built;
    try {
      built = await buildRewardPipeline(params, {
        nodeName: "reward",
        cameras: plan.views.map((v) => ({ topic: v.topic, type: v.type })),
        log,
        backPressure: "every-group",
        now: clock.now,
        scheduler: clock.scheduler,
      });
    } catch (err) {
      throw new ReplayError((err as Error).message, "usage");
    }
    const { pipeline, model } = built;
    const writer = await BagWriter.open(file);
    try {
      return await run();
    } finally {
      await writer.close();
      await model.release();
    }

    async function run(): Promise<ReplaySummary> {
      const cameraSubjects = plan.views.map(() => new Subject<Uint8Array>());
      const episodes = new Subject<EpisodeEvent>();
      const viewOf = new Map(plan.views.flatMap((v, i) => (v.inBag ? [[v.topic, i] as const] : [])));
      const topics = [...viewOf.keys(), ...(episodesUsable ? [params.episode_topic] : [])];
      const total = bag.topics.filter((t) => topics.includes(t.name)).reduce((n, t) => n + t.count, 0);
      await writer.addTopic(params.reward_topic, MsgType.DenseReward, QOS_DEFAULT);
      await writer.addTopic("/diagnostics", MsgType.DiagnosticArray, QOS_DEFAULT);
      if (options.includeInputs) {
        for (const v of plan.views)
          if (v.inBag) await writer.addTopic(v.topic, `sensor_msgs/msg/${v.type}`, QOS_SENSOR_DATA);
        if (episodesUsable) await writer.addTopic(params.episode_topic, MsgType.EpisodeEvent, QOS_DEFAULT);
      }

      const pending: Pending[] = [];
      const counts = { rewards: 0, degraded: 0, errors: 0, read: 0, events: 0, badEvents: 0 };
      let failure: Error | undefined;
      const output = pipeline.run(cameraSubjects, episodes).subscribe({
        next: (message) => {
          counts.rewards++;
          if (message.status === RewardStatus.ERROR) counts.errors++;
          else if (message.status !== RewardStatus.OK) counts.degraded++;
          pending.push({ ns: clock.nowNs(), topic: params.reward_topic, type: MsgType.DenseReward, message });
        },
        error: (err: Error) => (failure = err),
      });
      let lastPublished = 0;
      const periodMs = params.diagnostics_period_s * 1000;
      const diagnostics = (rateHz: number): void =>
        void pending.push({
          ns: clock.nowNs(),
          topic: "/diagnostics",
          type: MsgType.DiagnosticArray,
          message: rewardDiagnostics({
            nodeName: "reward",
            provider: model.provider,
            modelName: model.manifest.name,
            modelSha256: model.sha256,
            stats: pipeline.stats,
            rateHz,
            stamp: timeFromNanos(clock.nowNs()),
          }),
        });
      const reports = interval(periodMs, clock.scheduler).subscribe(() => {
        diagnostics(((pipeline.stats.published - lastPublished) * 1000) / periodMs);
        lastPublished = pipeline.stats.published;
      });
      const settle = async (): Promise<void> => {
        await pipeline.idle();
        if (failure) throw failure;
        for (const p of pending.splice(0)) await writer.write(p.topic, p.type, p.ns, p.message);
      };
      const episodeCodec = codecFor<EpisodeEvent>(MsgType.EpisodeEvent);
      const episodeErrors = new RateLimitedErrors((m) => log.error(m));
      let damage: string | undefined;
      let interrupted = false;
      try {
        try {
          for await (const m of bag.messages({ topics })) {
            if (options.signal?.aborted) {
              interrupted = true;
              log.warn("interrupted; finishing the output with what was read so far");
              break;
            }
            await clock.advanceTo(clock.msOf(m.logTime), settle);
            counts.read++;
            if (options.includeInputs) await writer.writeRaw(m.topic, m.type, m.logTime, m.data);
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
            options.onProgress?.({
              read: counts.read,
              total,
              rewards: counts.rewards,
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
      }
      const stats = pipeline.stats;
      return {
        bag: bag.path,
        out: file,
        model: `${model.manifest.name} ${model.sha256}`,
        views: plan.views,
        unusedCameras: plan.unused,
        skippedTopics: skipped,
        messagesInBag: bag.messageCount,
        messagesRead: counts.read,
        episodeEvents: counts.events,
        badEpisodeEvents: counts.badEvents,
        groups: stats.groupsSynced,
        rewards: counts.rewards,
        degraded: counts.degraded,
        errors: counts.errors,
        groupsOutsideEpisode: stats.groupsOutsideEpisode,
        bagSeconds: clock.now() / 1000,
        wallSeconds: (performance.now() - started) / 1000,
        ...(damage !== undefined ? { damage } : {}),
        ...(interrupted ? { interrupted } : {}),
      };
    }
  } finally {
    await bag.close();
  }
}
