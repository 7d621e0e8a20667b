import type { CameraMessage } from "../../lib/image/cameraImage.js";
import type { TaskName } from "../../sim/tasks/index.js";
import type { RandomizationOptions } from "../../sim/world/randomize.js";
import { subsample } from "../data/dataset.js";
import { episodePlan, policyLabel, simEpisodes } from "../data/simEpisodes.js";
import { readRecording } from "../data/recording.js";
import type { EvalEpisode } from "./episodeScorer.js";
import { rgbImage } from "../../lib/image/rgbImage.js";

/** Episodes of a sim recording (MCAP) for evaluation, every `stride`-th step (and the last). */
export async function* recordingEpisodes(
  path: string,
  views: readonly string[],
  stride: number,
  task?: string,
): AsyncGenerator<EvalEpisode> {
  let any = false;
  for await (const ep of readRecording(path, views)) {
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
