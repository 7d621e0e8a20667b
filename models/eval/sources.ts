import { subsample } from "../data/dataset.js";
import { readRecording } from "../data/recording.js";
import type { EvalEpisode } from "./episodeScorer.js";

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
