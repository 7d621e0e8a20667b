import { readFile } from "node:fs/promises";
import { join } from "node:path";
import type { LoadedManifest, ModelManifest } from "./manifest.js";
import type { Preprocessor } from "./preprocess.js";

/** The manifest's entry for `task`, or an error that lists the tasks the model has. */
export function taskSpec(manifest: ModelManifest, task: string): ModelManifest["tasks"][string] {
  const spec = manifest.tasks[task];
  if (!spec) {
    throw new Error(
      `task '${task}' is not in model '${manifest.name}' (tasks: ${Object.keys(manifest.tasks).join(", ")})`,
    );
  }
  return spec;
}

/**
 * The task's GOAL images (PNG files of the model folder, one per view) as one normalized input tensor in
 * view order, through the same preprocessing as camera frames.
 */
export async function goalImageTensor(
  model: LoadedManifest,
  preprocessor: Preprocessor,
  task: string,
): Promise<Float32Array> {
  const spec = taskSpec(model.manifest, task);
  const images = new Float32Array(model.manifest.views.length * preprocessor.size);
  await Promise.all(
    model.manifest.views.map(async (view, v) => {
      const file = spec.goal?.[view];
      if (!file) throw new Error(`task '${task}' has no goal image for view '${view}'`);
      const data = await readFile(join(model.dir, file));
      const message = { header: { stamp: { sec: 0, nanosec: 0 }, frame_id: "" }, format: "png", data };
      await preprocessor.toTensor(
        `goal image ${file}`,
        { kind: "CompressedImage", message },
        images,
        v * preprocessor.size,
      );
    }),
  );
  return images;
}

/**
 * The goal of `task` as `encode` makes it from the task's GOAL image tensor, computed once per task and kept
 * in `cache`; an unknown task is an error before anything is read.
 */
export async function cachedTaskGoal<T>(
  cache: Map<string, T>,
  model: LoadedManifest,
  preprocessor: Preprocessor,
  task: string,
  encode: (images: Float32Array) => Promise<T>,
): Promise<T> {
  taskSpec(model.manifest, task);
  let goal = cache.get(task);
  if (!goal) {
    goal = await encode(await goalImageTensor(model, preprocessor, task));
    cache.set(task, goal);
  }
  return goal;
}
