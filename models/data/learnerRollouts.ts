import sharp from "sharp";
import { cloneAndTrain, trainingOnlyRun } from "../../lib/rl/experiment/runner.js";
import { Learner, type LearnerConfig } from "../../lib/rl/learner.js";
import type { PotentialInput, PotentialSource } from "../../lib/rl/rewards.js";
import { createPolicyEnv } from "../../sim/policyEnv.js";
import { taskByName, type TaskName } from "../../sim/tasks/index.js";
import { VIEW_NAMES } from "../../sim/world/spec.js";
import { toRgb8, type DatasetStep, type DatasetWriter } from "./dataset.js";
import { TRAINING_JPEG } from "./simRecordings.js";

export interface LearnerRolloutOptions {
  readonly task: TaskName;
  /** One learner per seed, cloned and trained as the experiment's run of that seed would be. */
  readonly seeds: readonly number[];
  /** Training rollouts per learner (the demonstrations and failed demo attempts are kept too). */
  readonly rollouts: number;
  readonly demos: number;
  readonly maxSteps: number;
  /** td3.observationDim is taken from the environment. */
  readonly learner: LearnerConfig;
  readonly size: number;
  /** Keep every `stride`-th step (and the last), as the sim recordings do. */
  readonly stride: number;
  readonly onRun?: (seed: number, summary: { episodes: number; successes: number }) => void;
}

/**
 * Adds the experiment's own learners' episodes to a hop-model dataset: for each seed, noisy demos, behaviour
 * cloning and `rollouts` exploring training rollouts that learn under the ground-truth potential, every kept
 * step labelled with the sim's stage-aware truth. A model trained on scripted experts and their scripted
 * failures only has never seen what an imperfect learned policy does (a push that slides off the block's
 * side and leaves it short of the goal, with the gripper out of pose); there its Φ strays far from the truth
 * (docs/experiments/README.md), and these are the states the learner explores.
 */
export async function addLearnerRollouts(
  writer: DatasetWriter,
  o: LearnerRolloutOptions,
): Promise<{ episodes: number; successes: number }> {
  const stageNames = taskByName(o.task).stageNames;
  const frames = { views: VIEW_NAMES, width: o.size, height: o.size };
  let episodes = 0;
  let successes = 0;
  for (const seed of o.seeds) {
    const env = await createPolicyEnv(o.task, seed, { maxSteps: o.maxSteps });
    let phase: "demo" | "rollout" = "demo";
    let index = 0;
    let kept: { step: number; truth: DatasetStep }[] = [];
    const run = { episodes: 0, successes: 0 };
    // The ground-truth potential, asked for every state's frames: it shapes the learner's rewards (pbrs_oracle)
    // and hands every stride-th state and the last (known when it comes: terminal or truncated) to the dataset.
    const record = async (input: PotentialInput): Promise<number> => {
      const gt = input.groundTruth;
      if (!gt || !input.frames)
        throw new Error(`${o.task} seed ${seed}: a learner rollout needs ground truth and frames`);
      if (input.step === 0) kept = [];
      const last = gt.terminal || gt.truncated;
      if (input.step % o.stride === 0 || last) {
        const views = await Promise.all(VIEW_NAMES.map((v) => cameraAsRecorded(input, v, o.size)));
        kept.push({
          step: input.step,
          truth: { stage: gt.stage, stageProgress: gt.stageProgress, progress: gt.progress, views },
        });
      }
      if (last) {
        if (kept.length >= 2) {
          await writer.addEpisode(
            {
              task: o.task,
              stageNames,
              policy: `learner-${phase}`,
              seed: seed * 1_000_000 + index,
              success: gt.success,
            },
            kept.map((k) => k.truth),
            kept.map((k) => k.step),
          );
          run.episodes++;
          if (gt.success) run.successes++;
        }
        index++;
      }
      return gt.progress;
    };
    const potential: PotentialSource = {
      name: "ground truth (recorded)",
      frames,
      startEpisode: record,
      potential: record,
    };
    await env.prepareFrames?.(frames);
    const config = trainingOnlyRun({
      task: o.task,
      condition: "pbrs_oracle",
      seed,
      rollouts: o.rollouts,
      demos: o.demos,
      maxSteps: o.maxSteps,
      learner: { ...o.learner, td3: { ...o.learner.td3, observationDim: env.observationNames.length } },
    });
    const learner = new Learner(config.learner, seed);
    try {
      await cloneAndTrain(env, potential, config, learner, { cloned: () => void (phase = "rollout") });
    } finally {
      learner.dispose();
      env.close?.();
    }
    episodes += run.episodes;
    successes += run.successes;
    o.onRun?.(seed, run);
  }
  return { episodes, successes };
}

/**
 * A rendered rgb8 view as the sim's recordings store it: compressed with TRAINING_JPEG, then decoded by the
 * same `toRgb8` that reads the recordings into the dataset.
 */
async function cameraAsRecorded(input: PotentialInput, view: string, size: number): Promise<Uint8Array> {
  const frame = input.frames!.find((f) => f.view === view);
  if (!frame) throw new Error(`step ${input.step}: no '${view}' frame was rendered`);
  const raw = { width: frame.width, height: frame.height, channels: 3 as const };
  const jpeg = await sharp(frame.data, { raw }).jpeg(TRAINING_JPEG).toBuffer();
  const header = { stamp: { sec: 0, nanosec: 0 }, frame_id: view };
  return toRgb8(
    `learner rollout ${view} camera`,
    {
      kind: "CompressedImage",
      message: { header, format: "jpeg", data: jpeg },
    },
    size,
  );
}
