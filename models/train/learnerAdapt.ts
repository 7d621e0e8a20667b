import { existsSync } from "node:fs";
import { copyFile, mkdir, readFile, rm } from "node:fs/promises";
import { join } from "node:path";
import type { Logger } from "../../lib/node/log.js";
import type { LearnerConfig } from "../../lib/rl/learner.js";
import { loadManifest } from "../../lib/reward/manifest.js";
import { packagePath } from "../../lib/paths.js";
import type { TaskName } from "../../sim/tasks/index.js";
import { VIEW_NAMES } from "../../sim/world/spec.js";
import { sealModel } from "../card.js";
import { addRecordings, DatasetWriter } from "../data/dataset.js";
import { addLearnerRollouts } from "../data/learnerRollouts.js";
import { episodePlan } from "../data/simEpisodes.js";
import { recordPlan } from "../data/simRecordings.js";
import type { EvalOutput } from "../eval/run.js";
import type { FineTuning } from "./modelCard.js";
import { checkSeedsApart, evaluateIntoCard, runPython } from "./pipeline.js";

export interface LearnerAdaptOptions {
  /** The trained model folder to start from (its checkpoint.pt). */
  readonly model: string;
  readonly out: string;
  /** The sim training plan re-recorded beside the rollouts, so the model keeps what it learned there. */
  readonly planEpisodes: number;
  readonly planFirstSeed: number;
  readonly learnerSeeds: readonly number[];
  readonly rollouts: number;
  readonly demos: number;
  readonly maxSteps: number;
  readonly learner: LearnerConfig;
  /** Keep every n-th step of the recordings and rollouts; the model's frame_stride when absent. */
  readonly stride?: number;
  readonly steps: number;
  readonly lr: number;
  readonly evalEpisodes: number;
  readonly evalSeed: number;
  readonly data: string;
  readonly python: string;
  readonly threads: number;
  readonly log: Logger;
}

/**
 * Fine-tunes a trained hop model for its task on the task's sim training plan together with the
 * experiment's own learners' rollouts (models/data/learnerRollouts.ts), then evaluates it held out and
 * writes its card. The learner seeds and the plan's seeds must stay apart from those an experiment reports
 * on (`experiment --seed`) and from the evaluation seeds.
 */
export async function adaptToLearner(o: LearnerAdaptOptions): Promise<EvalOutput> {
  const { manifest: m, sha256 } = await loadManifest(o.model);
  const task = m.default_task as TaskName;
  const checkpoint = join(o.model, "checkpoint.pt");
  if (!existsSync(checkpoint)) throw new Error(`model ${o.model}: no checkpoint.pt to fine-tune from`);
  // frame_stride is outside the reward node's contract (lib/reward/manifest.ts), so it is read raw, as adapt does.
  const raw = JSON.parse(await readFile(join(o.model, "manifest.json"), "utf8")) as { frame_stride: number };
  checkSeedsApart({ ...o, firstSeed: o.planFirstSeed, episodes: o.planEpisodes });
  const size = m.image.width;
  const stride = o.stride ?? raw.frame_stride;
  const started = Date.now();

  await rm(o.data, { recursive: true, force: true });
  await mkdir(o.data, { recursive: true });
  // A copy, so that --out may be the model folder itself (it is emptied before training).
  const init = join(o.data, "init-checkpoint.pt");
  await copyFile(checkpoint, init);
  const options = { views: VIEW_NAMES, size, stride };
  const writer = await DatasetWriter.create({ out: o.data, ...options });
  const recordings = await recordPlan(episodePlan(task, o.planFirstSeed, o.planEpisodes), {
    dir: join(o.data, "recordings"),
    size,
  });
  await addRecordings(writer, recordings, options);
  const planFrames = writer.frames;
  const rollouts = await addLearnerRollouts(writer, {
    task,
    seeds: o.learnerSeeds,
    rollouts: o.rollouts,
    demos: o.demos,
    maxSteps: o.maxSteps,
    learner: o.learner,
    size,
    stride,
    onRun: (seed, r) => o.log.info(`learner seed ${seed}: ${r.episodes} episodes, ${r.successes} successful`),
  });
  const provenance: Omit<FineTuning, "steps" | "lr"> = {
    sim_plan: { task, first_seed: o.planFirstSeed, episodes: o.planEpisodes, frames: planFrames },
    learner_rollouts: {
      learner_seeds: o.learnerSeeds,
      rollouts_per_learner: o.rollouts,
      demos: o.demos,
      max_steps: o.maxSteps,
      actor_weight_decay: o.learner.td3.actorWeightDecay ?? 0,
      episodes: rollouts.episodes,
      successes: rollouts.successes,
      frames: writer.frames - planFrames,
    },
  };
  await writer.finish(provenance);
  const dataSeconds = Math.round((Date.now() - started) / 1000);

  const trainStart = Date.now();
  await rm(o.out, { recursive: true, force: true });
  await runPython(o.python, [
    packagePath("models", "train", "train.py"),
    ...["--data", o.data, "--init", init, "--out", o.out, "--exact-out"],
    ...["--steps", String(o.steps), "--lr", String(o.lr), "--threads", String(o.threads)],
  ]);
  await sealModel(o.out, (manifest) => {
    const training = manifest.training as Record<string, unknown>;
    training.base = m.training;
    training.adapted_from = { model: m.name, sha256 };
    training.fine_tuning = { ...provenance, steps: o.steps, lr: o.lr };
    training.seconds = { data: dataSeconds, train: Math.round((Date.now() - trainStart) / 1000) };
    manifest.description = `'${m.name}' fine-tuned on its task's sim plan and the experiment's learner rollouts (README.md is the model card).`;
  });
  const report = await evaluateIntoCard(o.out, task, o);
  return report;
}
