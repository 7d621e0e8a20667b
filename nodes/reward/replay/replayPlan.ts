import { MsgType } from "../../../lib/codec/messages.js";
import { shortTypeName } from "../../../lib/codec/typeName.js";
import type { SkippedTopic } from "../../../lib/bag/decoders.js";
import type { Bag } from "../../../lib/bag/openBag.js";
import type { Logger } from "../../../lib/node/log.js";
import {
  camerasIn,
  planCamerasByName,
  planNamedCameras,
  type CameraPlan,
  type NamedCameras,
} from "../../../lib/replay/cameras.js";
import type { RewardParameters } from "../parameters.js";
import { ReplayError } from "./replayError.js";

/** Which of a bag's topics a replay reads, decided before anything is scored or written. */
export interface ReplayPlan {
  readonly cameras: CameraPlan;
  /** The bag's episode topic exists, is EpisodeEvent and decodes; else the recording is one episode. */
  readonly episodesUsable: boolean;
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

/**
 * Matches the bag's cameras to the model's views and checks its episode topic, logging each decision.
 * Throws ReplayError when nothing could be scored or the parameters could never produce a reward.
 */
export function planReplay(
  bag: Bag,
  views: readonly string[],
  params: RewardParameters,
  named: NamedCameras | undefined,
  skipped: readonly SkippedTopic[],
  log: Logger,
): ReplayPlan {
  const cameras = planCameras(bag, views, named);
  for (const v of cameras.views)
    log.info(
      v.inBag ? `view ${v.view} ← ${v.topic} (${v.type})` : `view ${v.view}: no camera topic in the bag`,
    );
  for (const u of cameras.unused) log.warn(`camera ${u.topic} not replayed: ${u.reason}`);
  const lacking = cameras.views.filter((v) => !v.inBag);
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
  return { cameras, episodesUsable };
}
