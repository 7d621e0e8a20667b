import type { Command } from "commander";
import { createLogger } from "../../lib/node/log.js";
import { packagePath } from "../../lib/paths.js";
import { trainHopModel, trainOnBags } from "../../models/train/pipeline.js";
import { TASK_NAMES, type TaskName } from "../../sim/tasks/index.js";
import { summarize } from "./eval.js";
import { wholeNumber } from "../options.js";

interface TrainCliOptions {
  tasks: string;
  episodes: string;
  seed: string;
  evalEpisodes: string;
  evalSeed: string;
  size: string;
  stride: string;
  steps: string;
  trainSeed: string;
  out: string;
  data: string;
  python: string;
  threads: string;
  reuseData?: boolean;
  reuseFit?: boolean;
  bags?: string;
  cameras?: string;
}

export function addTrainCommand(program: Command): void {
  program
    .command("train")
    .description(
      "Regenerate the sim training data and train, export, evaluate and hash the hop reward model (needs a display for the sim's WebGL: run under xvfb-run, as `npm run train` does)",
    )
    .option("--tasks <list>", "comma-separated sim tasks", TASK_NAMES.join(","))
    .option("--episodes <n>", "training episodes per task", "100")
    .option("--seed <n>", "first training seed", "1000")
    .option("--eval-episodes <n>", "held-out evaluation episodes per task (0: skip)", "100")
    .option("--eval-seed <n>", "first evaluation seed", "900000")
    .option("--size <px>", "square image side", "64")
    .option("--stride <n>", "keep every n-th control step", "2")
    .option("--steps <n>", "optimisation steps", "6000")
    .option("--train-seed <n>", "PyTorch / sampling seed", "0")
    .option("--out <prefix>", "model folders are <prefix>_<task>", packagePath("models", "hop"))
    .option("--data <dir>", "dataset folder (regenerated)", packagePath("build", "hop-data"))
    .option("--python <exe>", "Python with torch and onnx", "/usr/bin/python3")
    .option("--threads <n>", "CPU threads for PyTorch and ONNX Runtime", "2")
    .option(
      "--bags <list>",
      "train on these real recordings instead of the sim (comma-separated rosbag2 folders / MCAP files without /sim/ground_truth, labelled by their annotations.yaml); --out is then the model folder, --stride defaults to 1, --tasks/--episodes/--eval-* do not apply",
    )
    .option(
      "--cameras <t1,t2,...>",
      "with --bags: the camera topics that become the model's views, in order (default: every camera topic)",
    )
    .option("--reuse-data", "keep the dataset already in --data")
    .option("--reuse-fit", "keep the model folders already exported (evaluate, write cards and hashes only)")
    .action(async (opts: TrainCliOptions, cmd: Command) => {
      const log = createLogger("train");
      try {
        if (opts.bags) {
          const bags = opts.bags
            .split(",")
            .map((b) => b.trim())
            .filter(Boolean);
          const dirs = await trainOnBags({
            bags,
            out: opts.out,
            size: wholeNumber("size", opts.size, 16),
            stride:
              cmd.getOptionValueSource("stride") === "default" ? 1 : wholeNumber("stride", opts.stride, 1),
            steps: wholeNumber("steps", opts.steps, 1),
            trainSeed: wholeNumber("train-seed", opts.trainSeed, 0),
            cameras: opts.cameras
              ?.split(",")
              .map((t) => t.trim())
              .filter(Boolean),
            data: opts.data,
            python: opts.python,
            threads: wholeNumber("threads", opts.threads, 1),
            log,
          });
          process.stdout.write(`wrote ${dirs.join(", ")}\n`);
          return;
        }
        const tasks = opts.tasks.split(",").map((t) => t.trim());
        for (const t of tasks) {
          if (!(TASK_NAMES as readonly string[]).includes(t))
            throw new Error(`unknown task '${t}': expected ${TASK_NAMES.join(", ")}`);
        }
        const reports = await trainHopModel({
          tasks: tasks as TaskName[],
          episodes: wholeNumber("episodes", opts.episodes, 2),
          firstSeed: wholeNumber("seed", opts.seed, 0),
          evalEpisodes: wholeNumber("eval-episodes", opts.evalEpisodes, 0),
          evalSeed: wholeNumber("eval-seed", opts.evalSeed, 0),
          size: wholeNumber("size", opts.size, 16),
          stride: wholeNumber("stride", opts.stride, 1),
          steps: wholeNumber("steps", opts.steps, 1),
          trainSeed: wholeNumber("train-seed", opts.trainSeed, 0),
          out: opts.out,
          data: opts.data,
          python: opts.python,
          threads: wholeNumber("threads", opts.threads, 1),
          log,
          reuseData: opts.reuseData,
          reuseFit: opts.reuseFit,
        });
        for (const r of Object.values(reports)) process.stdout.write(summarize(r) + "\n");
      } catch (err) {
        process.stderr.write(`process-reward train: ${(err as Error).message}\n`);
        process.exitCode = 1;
      }
    });
}
