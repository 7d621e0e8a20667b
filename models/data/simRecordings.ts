import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { recordEpisodes } from "../../sim/record.js";
import type { PolicyKind } from "../../sim/rollout.js";
import type { FailureMode } from "../../sim/experts/expert.js";
import type { TaskName } from "../../sim/tasks/index.js";
import type { RecordingSource } from "./dataset.js";
import { policyLabel, type PlannedEpisode } from "./simEpisodes.js";

/** Consecutive seeds of one task rolled out with the same policy: one recording file. */
export interface PlannedRecording {
  readonly task: TaskName;
  readonly policy: PolicyKind;
  readonly failure: FailureMode;
  readonly firstSeed: number;
  readonly episodes: number;
}

/**
 * Groups an episode plan into runs of consecutive seeds with the same task, policy and failure: the
 * sim's recorder rolls one policy over consecutive seeds, so each run is one MCAP file and the episodes
 * are exactly the planned ones.
 */
export function recordingRuns(plan: readonly PlannedEpisode[]): PlannedRecording[] {
  const runs: PlannedRecording[] = [];
  for (const p of plan) {
    const last = runs[runs.length - 1];
    if (
      last &&
      last.task === p.task &&
      last.policy === p.policy &&
      last.failure === p.failure &&
      last.firstSeed + last.episodes === p.seed
    ) {
      runs[runs.length - 1] = { ...last, episodes: last.episodes + 1 };
    } else {
      runs.push({ task: p.task, policy: p.policy, failure: p.failure, firstSeed: p.seed, episodes: 1 });
    }
  }
  return runs;
}

/**
 * JPEG settings of every sim recording that becomes training data (the training set and adaptation demos
 * alike, so both see the same frames). 4:4:4: a camera's 4:2:0 chroma is harmless at 640 px and
 * downsampled, but these frames are recorded at the model's 64 px, where halving the colour resolution
 * smears objects a few pixels wide (mean error 8-10 levels even at quality 100, against 0.5 with 4:4:4,
 * measured at 32 px). Quality 95 keeps the mean error near 2 levels (3.4 at 90).
 */
export const TRAINING_JPEG = { quality: 95, chromaSubsampling: "4:4:4" } as const;

/**
 * Records the planned episodes as rosbag2 bags (MCAP) under `dir`, cameras as JPEG `CompressedImage`
 * (TRAINING_JPEG) at the model's image size (the form a robot's recordings usually take, and a fraction of
 * raw rgb8 on disk), and returns them as dataset sources in plan order.
 */
export async function recordPlan(
  plan: readonly PlannedEpisode[],
  options: {
    readonly dir: string;
    readonly size: number;
    readonly onRecording?: (done: number, total: number) => void;
  },
): Promise<RecordingSource[]> {
  const runs = recordingRuns(plan);
  const sources: RecordingSource[] = [];
  for (const run of runs) {
    const policy = policyLabel(run);
    // One rosbag2 folder per recording (its metadata.yaml sits beside the .mcap).
    const name = `${run.task}_${run.firstSeed}_${policy.replace("+", "_")}`;
    await mkdir(join(options.dir, name), { recursive: true });
    const path = join(options.dir, name, `${name}.mcap`);
    await recordEpisodes({
      task: run.task,
      seed: run.firstSeed,
      episodes: run.episodes,
      policy: run.policy,
      failure: run.failure,
      width: options.size,
      height: options.size,
      compressed: true,
      jpegQuality: TRAINING_JPEG.quality,
      jpegChromaSubsampling: TRAINING_JPEG.chromaSubsampling,
      out: path,
    });
    sources.push({ path, task: run.task, policy, seed: run.firstSeed });
    options.onRecording?.(sources.length, runs.length);
  }
  return sources;
}
