import type { CameraInput, CameraType } from "./cameraFrames.js";

/**
 * Which camera serves which model view. `cameras` are the distinct camera topics to subscribe to (one
 * stream each); `sources[v]` is the index in `cameras` of the camera that fills model view v, or undefined
 * for a view no camera serves (masked in every step: the status says degraded).
 */
export interface CameraAssignment {
  readonly cameras: readonly CameraInput[];
  readonly sources: readonly (number | undefined)[];
}

/** The camera parameters as the reward node takes them (`camera_topics`, `camera_types`, `camera_views`). */
export interface CameraParameters {
  readonly topics: readonly string[];
  /** Per topic; empty = all Image. */
  readonly types: readonly CameraType[];
  /**
   * Per topic, the model views it serves: a view name, several joined by commas (`front,side,wrist`), or
   * `*` for every view. Empty = the i-th topic serves the i-th view.
   */
  readonly views: readonly string[];
}

/** The placeholder topic of a view that no camera serves; not a ROS name, so it cannot be taken for one. */
export function noTopic(view: string): string {
  return `(no topic for view ${view})`;
}

/** The views of one `camera_views` entry, checked against the model's views. */
function viewsOfEntry(entry: string, index: number, views: readonly string[]): number[] {
  const names = entry.split(",").map((s) => s.trim());
  if (names.length === 1 && names[0] === "*") return views.map((_v, i) => i);
  return names.map((name) => {
    if (name === "")
      throw new Error(`camera_views[${index}] '${entry}' has an empty view name; name the views it serves`);
    const v = views.indexOf(name);
    if (v < 0)
      throw new Error(
        `camera_views[${index}] names view '${name}', the model's views are ${views.join(", ")}`,
      );
    return v;
  });
}

/**
 * The cameras of the reward node's parameters against a model's views. A model view may be served by no
 * camera (masked), one topic may serve several views, and a topic listed twice is one camera. Throws with
 * the parameter named when the parameters cannot be right (more topics than views without camera_views,
 * a view served twice, an unknown view name, lists of different lengths).
 */
export function assignCameras(views: readonly string[], params: CameraParameters): CameraAssignment {
  const { topics, types } = params;
  if (topics.length === 0) throw new Error("camera_topics is empty: name at least one camera topic");
  if (types.length > 0 && types.length !== topics.length) {
    throw new Error(`camera_types has ${types.length} entries for ${topics.length} camera_topics`);
  }
  let served: number[][];
  if (params.views.length === 0) {
    if (topics.length > views.length) {
      throw new Error(
        `camera_topics has ${topics.length} entries, the model has ${views.length} views (${views.join(", ")}); ` +
          "give at most one topic per view, or name the view of each topic in camera_views",
      );
    }
    served = topics.map((_t, i) => [i]);
  } else {
    if (params.views.length !== topics.length) {
      throw new Error(
        `camera_views has ${params.views.length} entries for ${topics.length} camera_topics; give the view(s) of each topic`,
      );
    }
    served = params.views.map((entry, i) => viewsOfEntry(entry, i, views));
  }
  const cameras: CameraInput[] = [];
  const sources = new Array<number | undefined>(views.length).fill(undefined);
  topics.forEach((topic, i) => {
    const type = types[i] ?? "Image";
    let c = cameras.findIndex((cam) => cam.topic === topic);
    if (c >= 0 && cameras[c]!.type !== type) {
      throw new Error(`camera_topics lists ${topic} twice with different camera_types`);
    }
    if (c < 0) c = cameras.push({ topic, type }) - 1;
    for (const v of served[i]!) {
      if (sources[v] !== undefined && cameras[sources[v]]!.topic !== topic) {
        throw new Error(
          `view ${views[v]} is served by two topics (${cameras[sources[v]]!.topic} and ${topic}); give each view at most one`,
        );
      }
      sources[v] = c;
    }
  });
  return { cameras, sources };
}

/** One line per view, for logs: `front ← /cam (Image)`, `side: no camera (masked)`. */
export function describeAssignment(views: readonly string[], a: CameraAssignment): string {
  return views
    .map((view, v) => {
      const c = a.sources[v];
      return c === undefined
        ? `${view}: no camera (masked)`
        : `${view} ← ${a.cameras[c]!.topic} (${a.cameras[c]!.type})`;
    })
    .join(", ");
}
