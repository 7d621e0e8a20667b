import { BagWriter } from "../lib/bag/mcapWriter.js";
import { MsgType, type Time } from "../lib/codec/messages.js";
import { timeFromSeconds } from "../lib/time/rosTime.js";
import { QOS_SENSOR_DATA } from "../lib/transport/qos.js";
import type { FailureMode } from "./experts/expert.js";
import {
  actionMessage,
  compressedImageMessage,
  episodeEvents,
  groundTruthMessage,
  imageMessage,
  observationMessage,
  SIM_TOPICS,
} from "./messages.js";
import { episodeSteps, type PolicyKind } from "./rollout.js";
import { createSim, type SimOptions, type StepResult } from "./sim.js";
import type { GripperCommand } from "./world/physics.js";

export interface RecordOptions extends Omit<SimOptions, "renderer"> {
  episodes: number;
  policy: PolicyKind;
  failure?: FailureMode;
  noise?: number;
  /** Output .mcap path; metadata.yaml goes beside it. */
  out: string;
  /** Cameras as sensor_msgs/CompressedImage JPEG instead of raw rgb8. */
  compressed?: boolean;
  jpegQuality?: number;
  /** JPEG chroma subsampling; cameras (and the default) use 4:2:0. */
  jpegChromaSubsampling?: "4:2:0" | "4:4:4";
  onEpisode?: (episode: number, final: StepResult) => void;
}

export interface RecordSummary {
  episodes: number;
  successes: number;
  steps: number;
  messages: number;
}

/**
 * Rolls out episodes with a scripted policy and records them as a rosbag2 MCAP: camera images, ground
 * truth, observation, the action taken after each step, episode events and /clock, all stamped with
 * the sim's clock.
 */
export async function recordEpisodes(options: RecordOptions): Promise<RecordSummary> {
  if (!Number.isInteger(options.episodes) || options.episodes < 1) {
    throw new Error(`episodes must be a positive integer, got ${options.episodes}`);
  }
  const sim = await createSim(options);
  const bag = await BagWriter.open(options.out);
  const summary: RecordSummary = { episodes: 0, successes: 0, steps: 0, messages: 0 };
  try {
    for (const view of sim.views) {
      if (options.compressed)
        await bag.addTopic(SIM_TOPICS.compressed(view), MsgType.CompressedImage, QOS_SENSOR_DATA);
      else await bag.addTopic(SIM_TOPICS.image(view), MsgType.Image, QOS_SENSOR_DATA);
    }
    const policyOptions = {
      failure: options.failure ?? "none",
      ...(options.noise !== undefined ? { noise: options.noise } : {}),
    };
    for (let e = 0; e < options.episodes; e++) {
      let final: StepResult | undefined;
      for (const { result, action } of episodeSteps(sim, options.policy, policyOptions)) {
        summary.messages += await writeStep(bag, result, timeFromSeconds(result.time), action, options);
        final = result;
      }
      summary.episodes++;
      summary.steps += final!.step;
      if (final!.truth.success) summary.successes++;
      options.onEpisode?.(e, final!);
    }
  } finally {
    await bag.close();
    sim.close();
  }
  return summary;
}

/** Writes one step's messages; returns how many. */
async function writeStep(
  bag: BagWriter,
  result: StepResult,
  stamp: Time,
  action: GripperCommand | undefined,
  options: RecordOptions,
): Promise<number> {
  let n = 0;
  const write = async <T>(topic: string, type: string, message: T): Promise<void> => {
    await bag.write(topic, type, stamp, message);
    n++;
  };
  await write(SIM_TOPICS.clock, MsgType.Clock, { clock: stamp });
  for (const frame of result.frames) {
    if (options.compressed) {
      await write(
        SIM_TOPICS.compressed(frame.view),
        MsgType.CompressedImage,
        await compressedImageMessage(frame, stamp, options.jpegQuality, options.jpegChromaSubsampling),
      );
    } else {
      await write(SIM_TOPICS.image(frame.view), MsgType.Image, imageMessage(frame, stamp));
    }
  }
  await write(SIM_TOPICS.observation, MsgType.Observation, observationMessage(result, stamp));
  await write(SIM_TOPICS.groundTruth, MsgType.GroundTruth, groundTruthMessage(result, stamp));
  for (const event of episodeEvents(result, stamp))
    await write(SIM_TOPICS.episode, MsgType.EpisodeEvent, event);
  if (action) await write(SIM_TOPICS.action, MsgType.Action, actionMessage(action, result, stamp));
  return n;
}
