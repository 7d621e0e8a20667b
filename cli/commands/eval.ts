import type { Command } from "commander";
import { FUSION_MODES, type FusionMode } from "../../lib/reward/fusion.js";
import { createLogger } from "../../lib/node/log.js";
import { runEval, type EvalOutput } from "../../models/eval/run.js";
import { recordingEpisodes, simEvalEpisodes } from "../../models/eval/sources.js";
import { TASK_NAMES, type TaskName } from "../../sim/tasks/index.js";
import { VARIANT_NAMES, variantByName } from "../../models/data/variants.js";

interface EvalOptions {
  model: string;
  sim?: boolean;
  task?: string;
  episodes: string;
  seed: string;
  bag?: string;
  cameras?: string;
  json?: string;
  plots?: string;
  fusion: string;
  stride?: string;
  threads: string;
  variant?: string;
  grmEndpoint?: string;
}

const positiveInt = (name: string, value: string): number => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new Error(`--${name} must be a whole number ≥ 0, got '${value}'`);
  return n;
};

/** A one-line summary per task and configuration for the terminal. */
export function summarize(out: EvalOutput): string {
  const lines = [
    `model ${out.model.name} (${out.model.sha256.slice(0, 12)}), fusion ${out.fusion}, stride ${out.frame_stride}`,
  ];
  for (const [task, configs] of Object.entries(out.tasks)) {
    for (const [name, m] of Object.entries(configs)) {
      lines.push(
        `${task.padEnd(11)} ${name.padEnd(12)} VOC ${m.voc ?? "-"} (monotone ${m.voc_monotone ?? "-"})  VROC ${m.vroc ?? "-"}  VOC-F1 ${m.voc_f1 ?? "-"}  ` +
          `completion ${m.completion_accuracy ?? "-"}  |Φ−true| ${m.progress_mae ?? "-"}  (${m.episodes} episodes, ${m.successful} successful)`,
      );
    }
    const c = out.ceiling.tasks[task];
    lines.push(
      `${task.padEnd(11)} ${"true Φ".padEnd(12)} VOC ${c.voc ?? "-"} (monotone ${c.voc_monotone ?? "-"})  completion ${c.completion_accuracy ?? "-"}  (the ceiling: a perfect model's score)`,
    );
  }
  if (out.served) {
    const s = out.served;
    lines.push(
      `served at ${s.endpoint}, scored step by step: ${s.steps} steps, ${s.failed_steps} failed (held the previous Φ)${s.errors.length ? `; first errors: ${s.errors.join(" | ")}` : ""}`,
    );
  }
  return lines.join("\n");
}

export function addEvalCommand(program: Command): void {
  program
    .command("eval")
    .description(
      "Evaluate a hop or served (grm) reward model: VOC, VROC, VOC-F1, completion classification, with each view dropped, plus plots",
    )
    .requiredOption("--model <dir>", "model folder (manifest.json with ONNX files, or of kind grm)")
    .option("--sim", "roll out held-out sim episodes (needs --task)")
    .option("--task <name>", `sim task (${TASK_NAMES.join(", ")}); with --bag, only this task's episodes`)
    .option("--episodes <n>", "sim episodes", "40")
    .option("--seed <n>", "first sim seed (keep it outside the training seeds in the manifest)", "900000")
    .option(
      "--bag <path>",
      "a sim recording (MCAP with ground truth), or any rosbag2 bag labelled by its annotations.yaml (no annotations: one stage, uniform in time)",
    )
    .option(
      "--cameras <topics>",
      "with --bag: the camera topic of each model view, comma-separated in view order ('' for none); default: topics named for the views",
    )
    .option("--json <file>", "write the full report here")
    .option("--plots <dir>", "write PNG plots of predicted vs true progress here")
    .option("--fusion <mode>", `progress fusion (${FUSION_MODES.join(", ")})`, "fused")
    .option("--stride <n>", "score every n-th step (default: the model's frame_stride)")
    .option("--threads <n>", "ONNX Runtime intra-op threads (0 = its choice)", "2")
    .option("--grm-endpoint <url>", "grm models: API base URL, overriding the manifest's grm.endpoint")
    .option("--variant <name>", `sim task variant held out of training (${VARIANT_NAMES.join(", ")})`)
    .action(async (opts: EvalOptions) => {
      const log = createLogger("eval");
      try {
        if (!!opts.sim === !!opts.bag) throw new Error("give exactly one of --sim or --bag <file>");
        if (!(FUSION_MODES as readonly string[]).includes(opts.fusion)) {
          throw new Error(`--fusion must be one of ${FUSION_MODES.join(", ")}, got '${opts.fusion}'`);
        }
        if (opts.sim && !opts.task) throw new Error(`--sim needs --task (${TASK_NAMES.join(", ")})`);
        if (opts.sim && !(TASK_NAMES as readonly string[]).includes(opts.task!)) {
          throw new Error(`unknown task '${opts.task}': expected one of ${TASK_NAMES.join(", ")}`);
        }
        const episodes = positiveInt("episodes", opts.episodes);
        const seed = positiveInt("seed", opts.seed);
        if (opts.variant && !opts.sim) throw new Error("--variant applies to --sim rollouts");
        const variant = opts.variant === undefined ? undefined : variantByName(opts.variant);
        const stride = opts.stride === undefined ? undefined : positiveInt("stride", opts.stride);
        if (stride === 0) throw new Error("--stride must be ≥ 1");
        const out = await runEval({
          model: opts.model,
          fusion: opts.fusion as FusionMode,
          json: opts.json,
          plots: opts.plots,
          stride,
          threads: positiveInt("threads", opts.threads),
          grmEndpoint: opts.grmEndpoint,
          log,
          source: opts.sim
            ? { sim: { task: opts.task, episodes, first_seed: seed } }
            : { bag: opts.bag, task: opts.task },
          episodes: (m) =>
            opts.sim
              ? simEvalEpisodes(opts.task as TaskName, seed, episodes, m, variant?.randomization)
              : recordingEpisodes(opts.bag!, m.views, m.stride, opts.task, {
                  modelTask: m.task,
                  cameras: opts.cameras?.split(",").map((t) => t.trim()),
                }),
        });
        process.stdout.write(summarize(out) + "\n");
      } catch (err) {
        process.stderr.write(`process-reward eval: ${(err as Error).message}\n`);
        process.exitCode = 1;
      }
    });
}
