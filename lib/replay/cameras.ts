import type { BagTopic } from "../bag/types.js";
import { MsgType } from "../codec/messages.js";
import { shortTypeName } from "../codec/typeName.js";
import { assignCameras, noTopic } from "../reward/cameraViews.js";
import type { CameraInput, CameraType } from "../reward/pipeline.js";

export { noTopic };

/** A camera topic recorded in a bag. */
export interface BagCamera {
  readonly topic: string;
  readonly type: CameraType;
  readonly count: number;
}

/** What feeds one model view in a replay. */
export interface ViewInput {
  readonly view: string;
  /** The topic the pipeline reports for this view; a placeholder naming the view when no topic feeds it. */
  readonly topic: string;
  readonly type: CameraType;
  /** Whether the bag holds this topic; a view it lacks is missing in every step (degraded status). */
  readonly inBag: boolean;
}

export interface CameraPlan {
  readonly views: readonly ViewInput[];
  /** The bag's camera topics that feed the pipeline, one stream each. */
  readonly cameras: readonly CameraInput[];
  /** Per view, the index in `cameras` of its camera; undefined for a view no recorded topic feeds. */
  readonly sources: readonly (number | undefined)[];
  /** Camera topics of the bag that feed no view, each with why. */
  readonly unused: readonly { readonly topic: string; readonly reason: string }[];
}

/** The cameras the reward node would be given, from its parameters. */
export interface NamedCameras {
  readonly topics: readonly string[];
  /** Empty: take each type from the bag. */
  readonly types: readonly CameraType[];
  /** camera_views: per topic, the view(s) it serves; empty = the i-th topic serves the i-th view. */
  readonly views?: readonly string[];
}

// A Map: the type name comes from the bag, and an object lookup would find Object.prototype's members.
const CAMERA_TYPES = new Map<string, CameraType>([
  [shortTypeName(MsgType.Image), "Image"],
  [shortTypeName(MsgType.CompressedImage), "CompressedImage"],
]);

/** Image and CompressedImage topics (schema names with or without `/msg/`) that hold CDR messages. */
export function camerasIn(topics: readonly BagTopic[]): BagCamera[] {
  return topics.flatMap((t) => {
    const type = CAMERA_TYPES.get(shortTypeName(t.type));
    return type && t.serializationFormat === "cdr" ? [{ topic: t.name, type, count: t.count }] : [];
  });
}

/**
 * The cameras named in the parameters (camera_topics, camera_types, camera_views: `assignCameras`); a
 * named topic the bag lacks leaves its views missing, as does a view no topic is named for.
 */
export function planNamedCameras(
  views: readonly string[],
  cameras: readonly BagCamera[],
  named: NamedCameras,
): CameraPlan {
  const assigned = assignCameras(views, {
    topics: named.topics,
    types: named.types,
    views: named.views ?? [],
  });
  named.topics.forEach((topic, i) => {
    const recorded = cameras.find((c) => c.topic === topic);
    const given = named.types[i];
    if (recorded && given && given !== recorded.type) {
      throw new Error(
        `camera_types[${i}] is ${given}, but the bag records ${topic} as sensor_msgs/msg/${recorded.type}`,
      );
    }
  });
  const used: CameraInput[] = [];
  const index = new Map<string, number>();
  const inputs = views.map((view, v): ViewInput => {
    const c = assigned.sources[v];
    if (c === undefined) return { view, topic: noTopic(view), type: "Image", inBag: false };
    const topic = assigned.cameras[c]!.topic;
    const recorded = cameras.find((cam) => cam.topic === topic);
    const type = recorded?.type ?? assigned.cameras[c]!.type;
    if (recorded && !index.has(topic)) index.set(topic, used.push({ topic, type }) - 1);
    return { view, topic, type, inBag: recorded !== undefined };
  });
  return {
    views: inputs,
    cameras: used,
    sources: inputs.map((v) => (v.inBag ? index.get(v.topic) : undefined)),
    unused: cameras
      .filter((c) => !named.topics.includes(c.topic))
      .map((c) => ({ topic: c.topic, reason: "not in camera_topics" })),
  };
}

/**
 * How well a topic name names a view: 2 = one of its name parts (a path segment, `/cam_high/image_raw` for
 * view `cam_high`, or a word of one), 1 = inside a part, 0 = not at all.
 */
function nameMatch(topic: string, view: string): number {
  const t = topic.toLowerCase();
  const parts = t.split(/[^a-z0-9]+/);
  const v = view.toLowerCase();
  if (parts.includes(v) || t.split("/").includes(v)) return 2;
  return parts.some((p) => p.includes(v)) ? 1 : 0;
}

/**
 * Every camera of the bag, matched to the model's views by name (`/camera/front/image_raw` → view
 * `front`). Each view takes its best-named camera not taken by an earlier view: a whole name part before a
 * part containing the view name, raw Image before CompressedImage (no JPEG loss), then topic name. A
 * camera whose name matches no view is never fed to a view by position: that would score the wrong image
 * silently. Views with no camera are missing.
 */
export function planCamerasByName(views: readonly string[], cameras: readonly BagCamera[]): CameraPlan {
  const taken = new Set<string>();
  const inputs = views.map((view): ViewInput => {
    const best = cameras
      .map((c) => ({ c, score: nameMatch(c.topic, view) }))
      .filter(({ c, score }) => score > 0 && !taken.has(c.topic))
      .sort(
        (a, b) =>
          b.score - a.score ||
          Number(a.c.type === "CompressedImage") - Number(b.c.type === "CompressedImage") ||
          a.c.topic.localeCompare(b.c.topic),
      )[0];
    if (!best) return { view, topic: noTopic(view), type: "Image", inBag: false };
    taken.add(best.c.topic);
    return { view, topic: best.c.topic, type: best.c.type, inBag: true };
  });
  const fed = inputs.filter((v) => v.inBag).map((v) => ({ topic: v.topic, type: v.type }));
  return {
    views: inputs,
    cameras: fed,
    sources: inputs.map((v) => {
      const c = fed.findIndex((f) => v.inBag && f.topic === v.topic);
      return c < 0 ? undefined : c;
    }),
    unused: cameras
      .filter((c) => !taken.has(c.topic))
      .map((c) => {
        const matches = views.filter((v) => nameMatch(c.topic, v) > 0);
        return {
          topic: c.topic,
          reason:
            matches.length === 0
              ? `its name matches none of the model's views (${views.join(", ")})`
              : `view ${matches.join("/")} is fed by a better match`,
        };
      }),
  };
}
