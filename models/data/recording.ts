import { createReadStream } from "node:fs";
import { McapStreamReader } from "@mcap/core";
import {
  codecFor,
  MsgType,
  type CompressedImage,
  type GroundTruth,
  type Image,
} from "../../lib/codec/index.js";
import type { CameraMessage } from "../../lib/image/cameraImage.js";

/** Ground truth of one recorded step (process_reward_msgs/GroundTruth). */
export interface StepTruth {
  readonly stage: number;
  readonly stageProgress: number;
  readonly progress: number;
  readonly success: boolean;
}

export interface RecordedStep {
  readonly step: number;
  /** Header stamp of the ground truth, ns. */
  readonly stamp: bigint;
  readonly truth: StepTruth;
  /** Camera messages with the same stamp, by view name. */
  readonly images: ReadonlyMap<string, CameraMessage>;
}

export interface RecordedEpisode {
  readonly id: bigint;
  readonly task: string;
  readonly stageNames: readonly string[];
  readonly steps: readonly RecordedStep[];
  /** The sim reported success at some step. */
  readonly success: boolean;
}

/** The view a camera topic belongs to: `/camera/<view>/…`, else the first topic segment that is a known view. */
export function viewOfTopic(topic: string, views?: readonly string[]): string | undefined {
  const parts = topic.split("/").filter(Boolean);
  if (views) return parts.find((p) => views.includes(p));
  const i = parts.indexOf("camera");
  return i >= 0 && i + 1 < parts.length ? parts[i + 1] : undefined;
}

const stampNs = (s: { sec: number; nanosec: number }): bigint =>
  BigInt(s.sec) * 1_000_000_000n + BigInt(s.nanosec);

/**
 * Reads a sim recording (MCAP, CDR) into episodes: ground truth per step joined with the camera frames of
 * the same header stamp. Episodes are yielded as soon as the next one is under way, so a long recording
 * is never held in memory whole. Steps without any camera frame are dropped (state-only rollouts).
 */
export async function* readRecording(
  path: string,
  views?: readonly string[],
): AsyncGenerator<RecordedEpisode> {
  const truthCodec = codecFor<GroundTruth>(MsgType.GroundTruth);
  const imageCodec = codecFor<Image>(MsgType.Image);
  const compressedCodec = codecFor<CompressedImage>(MsgType.CompressedImage);
  const reader = new McapStreamReader();
  const channels = new Map<
    number,
    { topic: string; kind: "truth" | "Image" | "CompressedImage"; view?: string }
  >();
  const schemas = new Map<number, string>();
  const images = new Map<bigint, Map<string, CameraMessage>>();
  let current:
    | {
        id: bigint;
        task: string;
        stageNames: string[];
        truths: { step: number; stamp: bigint; truth: StepTruth }[];
      }
    | undefined;
  let pending: typeof current;
  let sawTruth = false;

  const finish = (ep: NonNullable<typeof current>): RecordedEpisode => {
    const steps: RecordedStep[] = [];
    for (const t of ep.truths) {
      const frame = images.get(t.stamp);
      images.delete(t.stamp);
      if (frame && frame.size > 0) steps.push({ ...t, images: frame });
    }
    return {
      id: ep.id,
      task: ep.task,
      stageNames: ep.stageNames,
      steps,
      success: ep.truths.some((t) => t.truth.success),
    };
  };

  for await (const chunk of createReadStream(path)) {
    reader.append(chunk as Buffer);
    for (let record; (record = reader.nextRecord());) {
      if (record.type === "Schema") schemas.set(record.id, record.name);
      else if (record.type === "Channel") {
        const schema = schemas.get(record.schemaId) ?? "";
        if (schema.endsWith("GroundTruth")) channels.set(record.id, { topic: record.topic, kind: "truth" });
        else if (schema.endsWith("CompressedImage") || schema.endsWith("/Image")) {
          const view = viewOfTopic(record.topic, views);
          if (view)
            channels.set(record.id, {
              topic: record.topic,
              kind: schema.endsWith("CompressedImage") ? "CompressedImage" : "Image",
              view,
            });
        }
      } else if (record.type === "Message") {
        const ch = channels.get(record.channelId);
        if (!ch) continue;
        if (ch.kind === "truth") {
          sawTruth = true;
          const gt = truthCodec.decode(record.data);
          if (!current || current.id !== gt.episode_id) {
            // The previous-but-one episode can no longer receive frames: hand it out.
            if (pending) yield finish(pending);
            pending = current;
            current = { id: gt.episode_id, task: gt.task, stageNames: gt.stage_names, truths: [] };
          }
          current.truths.push({
            step: gt.step,
            stamp: stampNs(gt.header.stamp),
            truth: {
              stage: gt.stage,
              stageProgress: gt.stage_progress,
              progress: gt.progress,
              success: gt.success,
            },
          });
        } else {
          const message =
            ch.kind === "Image"
              ? ({ kind: "Image", message: imageCodec.decode(record.data) } as const)
              : ({ kind: "CompressedImage", message: compressedCodec.decode(record.data) } as const);
          // Copy: decoded byte arrays are views into the reader's chunk buffer, which is reused.
          const copy: CameraMessage =
            message.kind === "Image"
              ? {
                  kind: "Image",
                  message: { ...message.message, data: Uint8Array.from(message.message.data) },
                }
              : {
                  kind: "CompressedImage",
                  message: { ...message.message, data: Uint8Array.from(message.message.data) },
                };
          const stamp = stampNs(copy.message.header.stamp);
          let group = images.get(stamp);
          if (!group) images.set(stamp, (group = new Map()));
          group.set(ch.view!, copy);
        }
      }
    }
  }
  if (!sawTruth)
    throw new Error(`${path}: no process_reward_msgs/msg/GroundTruth messages (not a sim recording?)`);
  if (pending) yield finish(pending);
  if (current) yield finish(current);
}
