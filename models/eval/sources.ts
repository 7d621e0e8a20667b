import type { CameraMessage } from "../../lib/image/cameraImage.js";
import type { TaskName } from "../../sim/tasks/index.js";
import type { RandomizationOptions } from "../../sim/world/randomize.js";
import { subsample } from "../data/dataset.js";
import { episodePlan, policyLabel, simEpisodes } from "../data/simEpisodes.js";
import { readRecording } from "../data/recording.js";
import { hasGroundTruth, readAnnotatedBag } from "../data/annotatedBag.js";
import type { EvalEpisode } from "./episodeScorer.js";
import { rgbImage } from "../../lib/image/rgbImage.js";

/**
 * Episodes of a recording for evaluation, every `stride`-th step (and the last): a sim recording (MCAP with
 * ground truth), or any bag labelled by its stage annotations (`readAnnotatedBag`; scored against the
 * model's task `modelTask`, its frames fed to the views by `cameras` or by name).
 */
export async function* recordingEpisodes(
  path: string,
  views: readonly string[],
  stride: number,
  task?: string,
  real?: { modelTask: string; cameras?: readonly string[] },
): AsyncGenerator<EvalEpisode> {
  let any = false;
  const annotated = !(await hasGroundTruth(path));
  const source = annotated ? await readAnnotatedBag(path, views, real?.cameras) : readRecording(path, views);
  for await (const recorded of source) {
    const ep = annotated ? { ...recorded, task: task ?? real?.modelTask ?? recorded.task } : recorded;
    if (task && ep.task !== task) continue;
    const kept = subsample(ep.steps, stride);
    if (kept.length === 0) continue;
    if (!kept.some((s) => views.some((v) => s.images.has(v)))) {
      throw new Error(`${path}: episode ${ep.id} has no frames of the model's views (${views.join(", ")})`);
    }
    any = true;
    yield {
      task: ep.task,
      label: `episode ${ep.id}`,
      success: ep.success,
      trueProgress: kept.map((s) => s.truth.progress),
      frames: kept.map((s) => views.map((v) => s.images.get(v))),
    };
  }
  if (!any) throw new Error(`${path}: no episodes${task ? ` of task '${task}'` : ""} with camera frames`);
}

/** Held-out sim rollouts (the training plan's mix of policies) as evaluation episodes. */
export async function* simEvalEpisodes(
  task: TaskName,
  firstSeed: number,
  count: number,
  model: { views: readonly string[]; size: number; stride: number },
  randomization?: Partial<RandomizationOptions>,
): AsyncGenerator<EvalEpisode> {
  const plan = episodePlan(task, firstSeed, count);
  const options = { size: model.size, stride: model.stride, views: model.views, randomization };
  for await (const ep of simEpisodes(plan, options)) {
    yield {
      task,
      label: `seed ${ep.planned.seed} ${policyLabel(ep.planned)}`,
      success: ep.success,
      trueProgress: ep.truth.map((t) => t.progress),
      frames: ep.frames.map((views) => views.map((data) => rgbMessage(data, model.size))),
    };
  }
}

function rgbMessage(data: Uint8Array, size: number): CameraMessage {
  return {
    kind: "Image",
    message: rgbImage(size, size, data, { stamp: { sec: 0, nanosec: 0 }, frame_id: "" }),
  };
}
