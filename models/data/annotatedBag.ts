// Episodes of a real recording (any rosbag2 bag with camera topics, no simulator ground truth), labelled
// from its stage annotations (lib/bag/stageAnnotations.ts, DESIGN §4): the same RecordedEpisode shape as
// a sim recording, so eval, adapt and train read either.
import { statSync } from "node:fs";
import { dirname } from "node:path";
import { openBag } from "../../lib/bag/openBag.js";
import {
  readStageAnnotations,
  stageIndex,
  stageNames,
  stageProgress,
} from "../../lib/bag/stageAnnotations.js";
import { codecFor, MsgType, type CompressedImage, type Image } from "../../lib/codec/index.js";
import type { CameraMessage } from "../../lib/image/cameraImage.js";
import { camerasIn } from "../../lib/replay/cameras.js";
import type { RecordedEpisode, RecordedStep } from "./recording.js";
import { viewOfTopic } from "./recording.js";

const stampNs = (s: { sec: number; nanosec: number }): bigint =>
  BigInt(s.sec) * 1_000_000_000n + BigInt(s.nanosec);

/** Whether a bag holds simulator ground truth (then `readRecording` reads it). */
export async function hasGroundTruth(path: string): Promise<boolean> {
  const bag = await openBag(path);
  try {
    return bag.topics.some((t) => t.type.endsWith("GroundTruth"));
  } finally {
    await bag.close();
  }
}

/**
 * Reads an annotated bag into episodes. `cameras` names the camera topic of each of `views` (in order; ""
 * for a view without one); without it every camera topic with a view's name as a path part feeds that view
 * (`/cam_high/image_raw/compressed` → view `cam_high`). Frames are grouped by header stamp; each group is
 * labelled by the annotations at the log time of its first frame; a group outside every annotated episode
 * is left out. An annotated demonstration counts as a success.
 */
export async function readAnnotatedBag(
  path: string,
  views: readonly string[],
  cameras?: readonly string[],
): Promise<RecordedEpisode[]> {
  const bag = await openBag(path);
  try {
    const recorded = camerasIn(bag.topics);
    const viewOf = new Map<string, string[]>();
    if (cameras && cameras.length > 0) {
      if (cameras.length !== views.length)
        throw new Error(
          `${cameras.length} camera topics for the model's ${views.length} views (${views.join(", ")})`,
        );
      cameras.forEach((t, v) => {
        if (t === "") return;
        if (!recorded.some((c) => c.topic === t))
          throw new Error(
            `${path}: no camera topic ${t} (it has ${recorded.map((c) => c.topic).join(", ")})`,
          );
        viewOf.set(t, [...(viewOf.get(t) ?? []), views[v]!]);
      });
    } else {
      for (const c of recorded) {
        const v = viewOfTopic(c.topic, views);
        if (v) viewOf.set(c.topic, [v]);
      }
    }
    if (viewOf.size === 0)
      throw new Error(
        `${path}: none of its camera topics (${recorded.map((c) => c.topic).join(", ") || "none"}) is named for the model's views (${views.join(", ")}); name one topic per view (--cameras)`,
      );
    if (bag.startTime === undefined || bag.endTime === undefined)
      throw new Error(`${path}: the bag is empty`);
    const range = { startNs: bag.startTime, endNs: bag.endTime };
    const folder = statSync(path).isDirectory() ? path : dirname(path);
    const annotations = await readStageAnnotations(folder, range);
    const codecs = {
      Image: codecFor<Image>(MsgType.Image),
      CompressedImage: codecFor<CompressedImage>(MsgType.CompressedImage),
    };
    const typeOf = new Map(recorded.map((c) => [c.topic, c.type]));
    const groups = new Map<bigint, { logTime: bigint; images: Map<string, CameraMessage> }>();
    for await (const m of bag.messages({ topics: [...viewOf.keys()] })) {
      const type = typeOf.get(m.topic)!;
      const decoded = codecs[type].decode(m.data);
      const message = { ...decoded, data: Uint8Array.from(decoded.data) };
      const camera: CameraMessage =
        type === "Image"
          ? { kind: "Image", message: message as Image }
          : { kind: "CompressedImage", message: message as CompressedImage };
      const stamp = stampNs(decoded.header.stamp);
      let g = groups.get(stamp);
      if (!g) groups.set(stamp, (g = { logTime: m.logTime, images: new Map() }));
      for (const v of viewOf.get(m.topic)!) g.images.set(v, camera);
    }
    const ordered = [...groups.values()].sort((a, b) =>
      a.logTime < b.logTime ? -1 : a.logTime > b.logTime ? 1 : 0,
    );
    return annotations.episodes.map((ep, i): RecordedEpisode => {
      const inside = ordered.filter((g) => g.logTime >= ep.startNs && g.logTime <= ep.endNs);
      const K = stageNames(ep).length;
      const steps = inside.map((g, step): RecordedStep => {
        const progress = stageProgress(ep, g.logTime);
        const stage = stageIndex(ep, g.logTime);
        return {
          step,
          stamp: g.logTime,
          truth: {
            stage,
            stageProgress: Math.min(1, Math.max(0, progress * K - stage)),
            progress,
            success: step === inside.length - 1,
          },
          images: g.images,
        };
      });
      return {
        id: BigInt(i),
        task: annotations.task,
        stageNames: stageNames(ep),
        steps,
        success: true,
      };
    });
  } finally {
    await bag.close();
  }
}
