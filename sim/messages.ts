import sharp from "sharp";
import {
  EpisodeEventKind,
  type Action,
  type CompressedImage,
  type EpisodeEvent,
  type GroundTruth,
  type Image,
  type Observation,
  type Time,
} from "../lib/codec/messages.js";
import type { Frame } from "./render/frames.js";
import type { StepResult } from "./sim.js";
import type { GripperCommand } from "./world/physics.js";
import type { ViewName } from "./world/spec.js";
import { rgbImage } from "../lib/image/rgbImage.js";

/** Topic names the sim publishes and listens on (before remapping). */
export const SIM_TOPICS = {
  image: (view: ViewName) => `/camera/${view}/image_raw`,
  compressed: (view: ViewName) => `/camera/${view}/image_raw/compressed`,
  clock: "/clock",
  observation: "/sim/observation",
  groundTruth: "/sim/ground_truth",
  episode: "/episode",
  action: "/action",
  reset: "/sim/reset",
} as const;

/** The frame id of a camera (REP 103 optical frame naming). */
export function cameraFrameId(view: ViewName): string {
  return `${view}_camera_optical_frame`;
}

export const WORLD_FRAME = "world";

/** A ROS image that shares the frame's pixel buffer (no copy: encode or publish before the next step). */
export function imageMessage(frame: Frame, stamp: Time): Image {
  return rgbImage(frame.width, frame.height, frame.data, { stamp, frame_id: cameraFrameId(frame.view) });
}

/** JPEG-compressed image (sensor_msgs/CompressedImage, format as image_transport writes it). */
export async function compressedImageMessage(
  frame: Frame,
  stamp: Time,
  quality = 90,
  chromaSubsampling: "4:2:0" | "4:4:4" = "4:2:0",
): Promise<CompressedImage> {
  const jpeg = await sharp(frame.data, { raw: { width: frame.width, height: frame.height, channels: 3 } })
    .jpeg({ quality, chromaSubsampling })
    .toBuffer();
  return {
    header: { stamp, frame_id: cameraFrameId(frame.view) },
    format: "rgb8; jpeg compressed bgr8",
    data: new Uint8Array(jpeg.buffer, jpeg.byteOffset, jpeg.byteLength),
  };
}

export function groundTruthMessage(result: StepResult, stamp: Time): GroundTruth {
  const t = result.truth;
  return {
    header: { stamp, frame_id: WORLD_FRAME },
    episode_id: BigInt(result.episode),
    step: result.step,
    task: t.task,
    stage_names: [...t.stageNames],
    stage: t.stage,
    stage_progress: t.stageProgress,
    progress: t.progress,
    success: t.success,
    terminal: t.terminal,
    truncated: t.truncated,
  };
}

export function observationMessage(result: StepResult, stamp: Time): Observation {
  return {
    header: { stamp, frame_id: WORLD_FRAME },
    episode_id: BigInt(result.episode),
    step: result.step,
    names: [...result.observation.names],
    values: result.observation.values,
  };
}

export function actionMessage(command: GripperCommand, result: StepResult, stamp: Time): Action {
  return {
    header: { stamp, frame_id: WORLD_FRAME },
    episode_id: BigInt(result.episode),
    step: result.step,
    translation: Float32Array.from(command.translation),
    yaw: command.yaw,
    gripper: command.gripper,
  };
}

export function commandFromAction(action: Action): GripperCommand {
  const t = action.translation;
  if (t.length !== 3) throw new Error(`Action.translation must have 3 values, got ${t.length}`);
  return { translation: [t[0]!, t[1]!, t[2]!], yaw: action.yaw, gripper: action.gripper };
}

/** The episode events a step produces: START after a reset, SUCCESS / TERMINAL / TRUNCATED at the end. */
export function episodeEvents(result: StepResult, stamp: Time): EpisodeEvent[] {
  const event = (kind: number, detail: string): EpisodeEvent => ({
    header: { stamp, frame_id: WORLD_FRAME },
    event: kind,
    episode_id: BigInt(result.episode),
    step: result.step,
    task: result.truth.task,
    detail,
  });
  const events: EpisodeEvent[] = [];
  if (result.step === 0) events.push(event(EpisodeEventKind.START, `seed ${result.seed}`));
  const t = result.truth;
  // Success ends the episode too: SUCCESS (r_gold) and then TERMINAL (Φ(s′) = 0, no bootstrap), as
  // EpisodeEvent.msg defines them; consumers that close episodes on TERMINAL/TRUNCATED see it end.
  if (t.success) events.push(event(EpisodeEventKind.SUCCESS, "task completed"));
  if (t.terminal) events.push(event(EpisodeEventKind.TERMINAL, t.failure ?? "task completed"));
  else if (t.truncated) events.push(event(EpisodeEventKind.TRUNCATED, `time limit of ${result.step} steps`));
  return events;
}
