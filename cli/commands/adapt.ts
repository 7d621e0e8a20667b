import { existsSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { Option, type Command } from "commander";
import { createLogger } from "../../lib/node/log.js";
import { loadManifest } from "../../lib/reward/manifest.js";
import { packagePath } from "../../lib/paths.js";
import { hasGroundTruth } from "../../models/data/annotatedBag.js";
import { VARIANT_NAMES, variantByName } from "../../models/data/variants.js";
import { runEval } from "../../models/eval/run.js";
import { simEvalEpisodes } from "../../models/eval/sources.js";
import {
  ADAPT_TUNES,
  adaptModel,
  recordVariantDemo,
  writeAdaptedCard,
  type AdaptTune,
} from "../../models/train/adapt.js";
import { TASK_NAMES, type TaskName } from "../../sim/tasks/index.js";
import { summarize } from "./eval.js";
import { wholeNumber } from "../options.js";

interface AdaptCliOptions {
  model: string;
  demo?: string;
  recordDemo?: string;
  demoSeed: string;
  data?: string;
  cameras?: string;
  stride?: string;
  out: string;
  steps: string;
  tune: AdaptTune;
  evalVariant?: string;
  evalEpisodes: string;
  evalSeed: string;
  python: string;
  threads: string;
}

export function addAdaptCommand(program: Command): void {
  program
    .command("adapt")
    .description(
      "One-shot adaptation of a hop model from one expert demonstration: a sim recording of a held-out task variant, or a real bag (no /sim/ground_truth) labelled by its annotations.yaml — the adapted model then takes the bag's camera names as its views and the annotated stages as its stages",
    )
    .requiredOption("--model <dir>", "trained model folder (with checkpoint.pt)")
    .option(
      "--demo <file.mcap|bag>",
      "one-episode sim recording of an expert demonstration, or a real rosbag2 bag with its stage annotations",
    )
    .option(
      "--cameras <t1,t2,...>",
      "real bag: the camera topics that become the adapted model's views, in order (default: every camera topic, named by its first path part)",
    )
    .option(
      "--stride <n>",
      "keep every n-th step of the demo (default: the model's frame_stride; 1 for a real bag)",
    )
    .option(
      "--record-demo <variant>",
      `record the demo in the sim first (${VARIANT_NAMES.join(", ")}) to --demo`,
    )
    .option("--demo-seed <n>", "sim seed of a recorded demo", "800000")
    .requiredOption("--out <dir>", "adapted model folder")
    .option("--steps <n>", "fine-tuning steps", "150")
    .addOption(new Option("--tune <part>", "weights to fine-tune").choices(ADAPT_TUNES).default("all"))
    .option(
      "--eval-variant <variant>",
      "evaluate VOC on this sim variant before and after, into the model card",
    )
    .option("--eval-episodes <n>", "held-out variant episodes", "10")
    .option("--eval-seed <n>", "first seed of the variant evaluation", "910000")
    .option("--data <dir>", "scratch dataset folder (regenerated)", packagePath("build", "adapt-data"))
    .option("--python <exe>", "Python with torch and onnx", "/usr/bin/python3")
    .option("--threads <n>", "CPU threads", "2")
    .action(async (opts: AdaptCliOptions) => {
      const log = createLogger("adapt");
      try {
        const threads = wholeNumber("threads", opts.threads, 1);
        const { manifest } = await loadManifest(opts.model);
        const task = manifest.default_task;
        const demo =
          opts.demo ??
          (opts.recordDemo ? join(packagePath("build"), `demo_${task}_${opts.recordDemo}.mcap`) : undefined);
        if (!demo) throw new Error("give --demo <file.mcap>, or --record-demo <variant> to record one");
        if (opts.recordDemo) {
          if (!(TASK_NAMES as readonly string[]).includes(task))
            throw new Error(`model task '${task}' is not a sim task`);
          await mkdir(packagePath("build"), { recursive: true });
          await recordVariantDemo(
            task as TaskName,
            opts.recordDemo,
            wholeNumber("demo-seed", opts.demoSeed, 0),
            manifest.image.width,
            demo,
          );
          log.info(`recorded the ${opts.recordDemo} demonstration to ${demo}`);
        }
        if (opts.evalVariant && !opts.recordDemo && existsSync(demo) && !(await hasGroundTruth(demo)))
          throw new Error(
            `--eval-variant scores sim episodes, and ${demo} is a real recording (no /sim/ground_truth): evaluate the adapted model with eval --bag <another recording>`,
          );
        await adaptModel({
          model: opts.model,
          demo,
          out: opts.out,
          steps: wholeNumber("steps", opts.steps, 1),
          stride: opts.stride === undefined ? undefined : wholeNumber("stride", opts.stride, 1),
          cameras: opts.cameras
            ?.split(",")
            .map((t) => t.trim())
            .filter(Boolean),
          tune: opts.tune,
          data: opts.data ?? packagePath("build", "adapt-data"),
          python: opts.python,
          threads,
          log,
        });
        if (opts.evalVariant) {
          const variant = variantByName(opts.evalVariant);
          const episodes = wholeNumber("eval-episodes", opts.evalEpisodes, 1);
          const seed = wholeNumber("eval-seed", opts.evalSeed, 0);
          const evaluate = (model: string) =>
            runEval({
              model,
              fusion: "fused",
              threads,
              log,
              source: { sim: { task, episodes, first_seed: seed, variant: opts.evalVariant } },
              episodes: (m) => simEvalEpisodes(task as TaskName, seed, episodes, m, variant.randomization),
            });
          const before = await evaluate(opts.model);
          const after = await evaluate(opts.out);
          await writeAdaptedCard(opts.out, opts.evalVariant, before, after);
          process.stdout.write(`before:\n${summarize(before)}\nafter:\n${summarize(after)}\n`);
        }
      } catch (err) {
        process.stderr.write(`process-reward adapt: ${(err as Error).message}\n`);
        process.exitCode = 1;
      }
    });
}
