// Real recordings (bags without simulator ground truth, labelled by their stage annotations) → the same
// dataset as sim recordings (frames.u8 + dataset.json), for `train --bags` and `adapt --demo <bag>`.
import { basename, extname } from "node:path";
import { openBag } from "../../lib/bag/openBag.js";
import { camerasIn } from "../../lib/replay/cameras.js";
import { readAnnotatedBag } from "./annotatedBag.js";
import { DatasetWriter, subsample, toRgb8, type DatasetStep } from "./dataset.js";

/**
 * The view a camera topic is named for: its first path part, or the second where the first is `camera`
 * and more follow (`/cam_high/image_raw/compressed` → `cam_high`, `/camera/front/image_raw` → `front`).
 */
export function viewNameOfTopic(topic: string): string {
  const parts = topic.split("/").filter(Boolean);
  if (parts.length === 0) throw new Error(`camera topic '${topic}' has no name`);
  return parts[0] === "camera" && parts.length > 2 ? parts[1]! : parts[0]!;
}

/**
 * The views of a model made from a bag: one per camera topic (`cameras`, or every camera topic of the
 * bag in name order), named by `viewNameOfTopic`.
 */
export async function bagViews(
  path: string,
  cameras?: readonly string[],
): Promise<{ views: string[]; cameras: string[] }> {
  const bag = await openBag(path);
  let topics: string[];
  try {
    const recorded = camerasIn(bag.topics).map((c) => c.topic);
    if (recorded.length === 0)
      throw new Error(`${path}: no camera topics (sensor_msgs/Image or CompressedImage, CDR)`);
    for (const t of cameras ?? []) {
      if (!recorded.includes(t))
        throw new Error(`${path}: no camera topic ${t} (it has ${recorded.join(", ")})`);
    }
    topics = cameras && cameras.length > 0 ? [...cameras] : recorded.sort();
  } finally {
    await bag.close();
  }
  const views = topics.map(viewNameOfTopic);
  const twice = views.find((v, i) => views.indexOf(v) !== i);
  if (twice)
    throw new Error(
      `${path}: two camera topics are named for the view '${twice}' (${topics.join(", ")}); list one topic per view (--cameras)`,
    );
  return { views, cameras: topics };
}

export interface AnnotatedDatasetOptions {
  readonly out: string;
  /** Square side of the stored frames. */
  readonly size: number;
  /** Keep every `stride`-th frame group (and the last). */
  readonly stride: number;
  /** Camera topic of each view, in view order, in every bag; default: the first bag's camera topics by name. */
  readonly cameras?: readonly string[];
}

/**
 * Annotated bags → dataset. The views come from the first bag's camera topics (`bagViews`); later bags feed
 * them by topic name. Labels are the annotations' (DESIGN §4: equal share per stage, linear in time); every
 * annotated episode is a successful demonstration. Returns the views and the stage names per task.
 */
export async function writeAnnotatedDataset(
  bags: readonly string[],
  o: AnnotatedDatasetOptions,
): Promise<{ frames: number; episodes: number; views: string[]; tasks: Record<string, string[]> }> {
  if (bags.length === 0) throw new Error("no bags to read");
  const { views, cameras } = await bagViews(bags[0]!, o.cameras);
  const writer = await DatasetWriter.create({ out: o.out, views, size: o.size, stride: o.stride });
  const tasks: Record<string, string[]> = {};
  const sources: unknown[] = [];
  for (const [b, bag] of bags.entries()) {
    const episodes = await readAnnotatedBag(bag, views, b === 0 || o.cameras ? cameras : undefined);
    let used = 0;
    for (const recorded of episodes) {
      // No annotations (or no task line in them): the task is named after the first bag.
      const ep = { ...recorded, task: recorded.task || taskOfBag(bags[0]!) };
      const kept = subsample(ep.steps, o.stride);
      if (kept.length < 2) continue;
      const steps: DatasetStep[] = [];
      for (const step of kept) {
        const pixels = await Promise.all(
          views.map((v) => {
            const m = step.images.get(v);
            return m ? toRgb8(`${bag} ${v}`, m, o.size) : undefined;
          }),
        );
        steps.push({ ...step.truth, views: pixels });
      }
      try {
        await writer.addEpisode(
          {
            task: ep.task,
            stageNames: ep.stageNames,
            policy: "demo",
            seed: Number(ep.id),
            success: ep.success,
          },
          steps,
          kept.map((s) => s.step),
        );
      } catch (err) {
        throw new Error(`${bag}: ${(err as Error).message}`, { cause: err });
      }
      tasks[ep.task] = [...ep.stageNames];
      used++;
    }
    if (used === 0)
      throw new Error(`${bag}: no annotated episode with at least 2 frame groups (stride ${o.stride})`);
    sources.push({ bag, episodes: used });
  }
  const summary = await writer.finish({
    real: { bags: sources, cameras, labels: "stage annotations (DESIGN §4)" },
  });
  return { ...summary, views, tasks };
}

/** A task name from a bag's folder or file name (`robot_demo/` → `robot_demo`). */
function taskOfBag(bag: string): string {
  const name = basename(bag.replace(/\/+$/, ""));
  return name.slice(0, name.length - extname(name).length) || "task";
}
