import type { Command } from "commander";
import { createLogger } from "../../lib/node/log.js";
import { packagePath } from "../../lib/paths.js";
import { DEFAULT_LEARNER } from "../../lib/rl/learner.js";
import { ACTION_DIM } from "../../lib/rl/spaces.js";
import { DEFAULT_TD3 } from "../../lib/rl/td3.js";
import { loadManifest } from "../../lib/reward/manifest.js";
import { adaptToLearner } from "../../models/train/learnerAdapt.js";
import { TASK_NAMES } from "../../sim/tasks/index.js";
import { wholeNumber } from "../options.js";
import { readTaskSettings } from "../taskSettings.js";
import { summarize } from "./eval.js";

interface AdaptToLearnerCliOptions {
  model: string;
  out: string;
  learnerSeeds: string;
  rollouts: string;
  demos: string;
  maxSteps: string;
  planEpisodes: string;
  planSeed: string;
  stride?: string;
  steps: string;
  lr: string;
  evalEpisodes: string;
  evalSeed: string;
  data: string;
  python: string;
  threads: string;
}

export function addAdaptToLearnerCommand(program: Command): void {
  program
    .command("adapt-to-learner")
    .description(
      "Fine-tune a sim task's hop model on the task's training plan together with the experiment's own learners' rollouts (cloned from noisy demos, exploring, failing as a learned policy fails), labelled by the sim's ground truth; then evaluate it held out and write its card. Needs a display (xvfb-run).",
    )
    .requiredOption("--model <dir>", "trained model folder of a sim task (with checkpoint.pt)")
    .requiredOption("--out <dir>", "fine-tuned model folder (may be --model itself)")
    .option(
      "--learner-seeds <s1,s2,...>",
      "one learner per seed; keep them apart from the seeds an experiment reports on",
      "501,502,503,504",
    )
    .option("--rollouts <n>", "exploring training rollouts per learner", "50")
    .option("--demos <n>", "noisy demos each learner clones", "5")
    .option("--max-steps <n>", "episode time limit of the rollouts (the experiment's)", "100")
    .option("--plan-episodes <n>", "episodes of the task's sim training plan recorded beside them", "100")
    .option("--plan-seed <n>", "first seed of that plan (the model's own training seeds)", "1000")
    .option("--stride <n>", "keep every n-th control step (default: the model's frame_stride)")
    .option("--steps <n>", "fine-tuning steps", "1500")
    .option("--lr <x>", "fine-tuning learning rate", "5e-4")
    .option("--eval-episodes <n>", "held-out sim episodes for the model card", "100")
    .option("--eval-seed <n>", "first held-out seed", "900000")
    .option(
      "--data <dir>",
      "scratch dataset folder (regenerated)",
      packagePath("build", "learner-adapt-data"),
    )
    .option("--python <exe>", "Python with torch and onnx", "/usr/bin/python3")
    .option("--threads <n>", "CPU threads", "2")
    .action(async (opts: AdaptToLearnerCliOptions) => {
      const log = createLogger("adapt-to-learner");
      try {
        const task = (await loadManifest(opts.model)).manifest.default_task;
        if (!(TASK_NAMES as readonly string[]).includes(task))
          throw new Error(`model task '${task}' is not a sim task (${TASK_NAMES.join(", ")})`);
        const lr = Number(opts.lr);
        if (!(lr > 0)) throw new Error(`--lr must be a positive number, got '${opts.lr}'`);
        const learnerSeeds = opts.learnerSeeds
          .split(",")
          .map((s) => wholeNumber("learner-seeds", s.trim(), 0));
        // The learners run with the task's policy settings, as the experiment's runs of the task do.
        const { policy } = await readTaskSettings(task);
        const actorWeightDecay = Number(policy.actor_weight_decay ?? DEFAULT_TD3.actorWeightDecay ?? 0);
        log.info(`learners with actor weight decay ${actorWeightDecay} (config/tasks/${task}.yaml)`);
        const report = await adaptToLearner({
          model: opts.model,
          out: opts.out,
          planEpisodes: wholeNumber("plan-episodes", opts.planEpisodes, 2),
          planFirstSeed: wholeNumber("plan-seed", opts.planSeed, 0),
          learnerSeeds,
          rollouts: wholeNumber("rollouts", opts.rollouts, 0),
          demos: wholeNumber("demos", opts.demos, 1),
          maxSteps: wholeNumber("max-steps", opts.maxSteps, 2),
          learner: {
            ...DEFAULT_LEARNER,
            td3: { ...DEFAULT_TD3, observationDim: 0, actionDim: ACTION_DIM, actorWeightDecay },
          },
          ...(opts.stride === undefined ? {} : { stride: wholeNumber("stride", opts.stride, 1) }),
          steps: wholeNumber("steps", opts.steps, 1),
          lr,
          evalEpisodes: wholeNumber("eval-episodes", opts.evalEpisodes, 1),
          evalSeed: wholeNumber("eval-seed", opts.evalSeed, 0),
          data: opts.data,
          python: opts.python,
          threads: wholeNumber("threads", opts.threads, 1),
          log,
        });
        process.stdout.write(`${summarize(report)}\n`);
      } catch (err) {
        process.stderr.write(`process-reward adapt-to-learner: ${(err as Error).message}\n`);
        process.exitCode = 1;
      }
    });
}
