import { spawn } from "node:child_process";
import { rm } from "node:fs/promises";
import { basename, join } from "node:path";
import type { Logger } from "../../lib/node/log.js";
import { packagePath } from "../../lib/paths.js";
import type { TaskName } from "../../sim/tasks/index.js";
import { VIEW_NAMES } from "../../sim/world/spec.js";
import { sealModel } from "../card.js";
import { writeDataset } from "../data/dataset.js";
import { writeAnnotatedDataset } from "../data/annotatedDataset.js";
import { episodePlan } from "../data/simEpisodes.js";
import { recordPlan, TRAINING_JPEG } from "../data/simRecordings.js";
import { runEval, type EvalOutput } from "../eval/run.js";
import { simEvalEpisodes } from "../eval/sources.js";
import { writeModelCard } from "./modelCard.js";

export interface TrainOptions {
  readonly tasks: readonly TaskName[];
  /** Training episodes per task, on seeds firstSeed … firstSeed + episodes − 1. */
  readonly episodes: number;
  readonly firstSeed: number;
  /** Held-out evaluation episodes per task, on seeds evalSeed … (must not overlap the training seeds). */
  readonly evalEpisodes: number;
  readonly evalSeed: number;
  readonly size: number;
  readonly stride: number;
  readonly steps: number;
  readonly trainSeed: number;
  /** Model folders are `<out>_<task>`. */
  readonly out: string;
  readonly data: string;
  readonly python: string;
  readonly threads: number;
  readonly log: Logger;
  /** Reuse the dataset already in `data` / the model folders already exported (a run cut short). */
  readonly reuseData?: boolean;
  readonly reuseFit?: boolean;
}

/** Sim recordings (MCAP) → dataset → PyTorch training + ONNX export → held-out evaluation → model card + hashes. */
export async function trainHopModel(o: TrainOptions): Promise<Record<string, EvalOutput>> {
  checkSeedsApart(o);
  const trainEnd = o.firstSeed + o.episodes;
  const started = Date.now();
  if (!o.reuseData) await generate(o);
  const dataSeconds = (Date.now() - started) / 1000;

  const trainStart = Date.now();
  if (!o.reuseFit) {
    await runTrainer(o, ["--export-every", String(Math.max(100, Math.floor(o.steps / 4)))]);
  }
  const trainSeconds = (Date.now() - trainStart) / 1000;

  const reports: Record<string, EvalOutput> = {};
  for (const task of o.tasks) {
    const dir = `${o.out}_${task}`;
    await sealModel(dir, (m) => {
      const training = m.training as Record<string, unknown>;
      training.train_seeds = { first: o.firstSeed, last: trainEnd - 1, per_task: true };
      training.eval_seeds =
        o.evalEpisodes > 0 ? { first: o.evalSeed, last: o.evalSeed + o.evalEpisodes - 1 } : null;
      const previous = (training.seconds ?? {}) as { data?: number; train?: number };
      training.seconds = {
        data: o.reuseData ? previous.data : Math.round(dataSeconds),
        train: o.reuseFit ? previous.train : Math.round(trainSeconds),
      };
    });
    if (o.evalEpisodes === 0) continue;
    reports[task] = await evaluateIntoCard(dir, task, o);
  }
  return reports;
}

type HeldOut = Pick<TrainOptions, "evalSeed" | "evalEpisodes" | "firstSeed" | "episodes">;

/** Refuses held-out evaluation seeds that overlap the sim seeds a model was trained on. */
export function checkSeedsApart(o: HeldOut): void {
  const trainEnd = o.firstSeed + o.episodes;
  if (o.evalEpisodes > 0 && o.evalSeed < trainEnd && o.evalSeed + o.evalEpisodes > o.firstSeed) {
    throw new Error(
      `evaluation seeds ${o.evalSeed}…${o.evalSeed + o.evalEpisodes - 1} overlap the training seeds ${o.firstSeed}…${trainEnd - 1}`,
    );
  }
}

/** Held-out sim evaluation of a model folder (fusion `fused`) → eval/, model card, manifest metrics, hashes. */
export async function evaluateIntoCard(
  dir: string,
  task: TaskName,
  o: Pick<TrainOptions, "evalSeed" | "evalEpisodes" | "threads" | "log">,
): Promise<EvalOutput> {
  const report = await runEval({
    model: dir,
    fusion: "fused",
    json: join(dir, "eval", "report.json"),
    plots: join(dir, "eval"),
    threads: o.threads,
    log: o.log,
    source: { sim: { task, episodes: o.evalEpisodes, first_seed: o.evalSeed } },
    episodes: (m) => simEvalEpisodes(task, o.evalSeed, o.evalEpisodes, m),
  });
  await writeModelCard(dir, report);
  return report;
}

async function generate(o: TrainOptions): Promise<void> {
  await rm(o.data, { recursive: true, force: true });
  const plan = o.tasks.flatMap((t) => episodePlan(t, o.firstSeed, o.episodes));
  const sources = await recordPlan(plan, {
    dir: join(o.data, "recordings"),
    size: o.size,
    onRecording: (done, total) => {
      if (done % 10 === 0 || done === total) o.log.info(`recorded ${done}/${total} sim recordings`);
    },
  });
  const summary = await writeDataset(
    sources,
    { out: o.data, views: VIEW_NAMES, size: o.size, stride: o.stride },
    {
      sim: {
        tasks: o.tasks,
        first_seed: o.firstSeed,
        episodes_per_task: o.episodes,
        plan: "models/data/simEpisodes.ts episodePlan",
        recordings: `${sources.length} rosbag2 MCAP files (models/data/simRecordings.ts)`,
        cameras: `sensor_msgs/CompressedImage, JPEG quality ${TRAINING_JPEG.quality} ${TRAINING_JPEG.chromaSubsampling}, ${o.size}x${o.size}`,
        stride: o.stride,
      },
    },
  );
  o.log.info(`dataset: ${summary.episodes} episodes, ${summary.frames} frames`);
}

/** Runs the Python trainer with inherited output; rejects on a non-zero exit. */
export function runPython(command: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: "inherit" });
    child.on("error", (err) => reject(new Error(`cannot start ${command}: ${err.message}`)));
    child.on("exit", (code) =>
      code === 0 ? resolve() : reject(new Error(`${command} ${args[0]} exited with ${code}`)),
    );
  });
}

/** models/train/train.py on a dataset folder, with the options every training run passes. */
function runTrainer(
  o: { python: string; data: string; out: string; steps: number; trainSeed: number; threads: number },
  extra: readonly string[],
): Promise<void> {
  return runPython(o.python, [
    packagePath("models", "train", "train.py"),
    "--data",
    o.data,
    "--out",
    o.out,
    "--steps",
    String(o.steps),
    "--seed",
    String(o.trainSeed),
    "--threads",
    String(o.threads),
    ...extra,
  ]);
}

export interface BagTrainOptions {
  /** Annotated bags (rosbag2 folders or MCAP files without simulator ground truth). */
  readonly bags: readonly string[];
  /** The model folder (one task in the bags) or prefix `<out>_<task>` (several). */
  readonly out: string;
  readonly size: number;
  readonly stride: number;
  readonly steps: number;
  readonly trainSeed: number;
  readonly cameras?: readonly string[];
  readonly data: string;
  readonly python: string;
  readonly threads: number;
  readonly log: Logger;
}

/**
 * Real recordings labelled by their stage annotations → dataset → PyTorch training + ONNX export → hashes.
 * The model's views are the bags' cameras (`bagViews`), its stages the annotated ones; no held-out
 * evaluation (use `eval --bag` on other recordings).
 */
export async function trainOnBags(o: BagTrainOptions): Promise<string[]> {
  const started = Date.now();
  await rm(o.data, { recursive: true, force: true });
  const summary = await writeAnnotatedDataset(o.bags, {
    out: o.data,
    size: o.size,
    stride: o.stride,
    cameras: o.cameras,
  });
  const tasks = Object.keys(summary.tasks);
  o.log.info(
    `dataset: ${summary.episodes} episodes, ${summary.frames} frame groups, views ${summary.views.join(", ")}, tasks ${tasks.map((t) => `'${t}' (${summary.tasks[t]!.length} stages)`).join(", ")}`,
  );
  const dataSeconds = (Date.now() - started) / 1000;
  const trainStart = Date.now();
  const single = tasks.length === 1;
  await runTrainer(o, [
    ...(single ? ["--exact-out"] : []),
    // few episodes: every step sees them all
    "--episodes-per-step",
    String(Math.min(6, summary.episodes)),
    "--frames-per-episode",
    "16",
  ]);
  const trainSeconds = (Date.now() - trainStart) / 1000;
  const dirs = single ? [o.out] : tasks.map((t) => `${o.out}_${t}`);
  for (const dir of dirs) {
    await sealModel(dir, (m) => {
      const training = m.training as Record<string, unknown>;
      training.real = { bags: o.bags, views: summary.views, labels: "stage annotations (DESIGN §4)" };
      training.seconds = { data: Math.round(dataSeconds), train: Math.round(trainSeconds) };
      m.description = `Stage-aware hop model trained from scratch on ${o.bags.length} real recording(s) (${o.bags.map((b) => basename(b)).join(", ")}); views ${summary.views.join(", ")}; labels from their stage annotations.`;
    });
  }
  return dirs;
}
