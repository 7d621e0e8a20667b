import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { Command } from "commander";
import { FUSION_MODES, type FusionMode } from "../../lib/reward/fusion.js";
import { createModelPotential, type ModelPotential } from "../../lib/rl/modelPotential.js";
import { DEFAULT_LEARNER, type LearnerConfig } from "../../lib/rl/learner.js";
import { DEFAULT_TD3, type Td3Config } from "../../lib/rl/td3.js";
import { ACTION_DIM } from "../../lib/rl/spaces.js";
import type { EnvFactory } from "../../lib/rl/env.js";
import { demoStatePotential, potentialModule, type PotentialFactory } from "../../lib/rl/potentials.js";
import { summarize } from "../../lib/rl/experiment/metrics.js";
import { writeSuccessPlot } from "../../lib/rl/experiment/plot.js";
import { curvesCsv, markdownReport } from "../../lib/rl/experiment/report.js";
import { runCondition, type RunResult } from "../../lib/rl/experiment/runner.js";
import {
  oraclePotential,
  parseConditions,
  type Condition,
  type PotentialSource,
} from "../../lib/rl/rewards.js";
import { createPointMassEnv } from "../../lib/rl/testing/pointMass.js";
import { createPolicyEnv } from "../../sim/policyEnv.js";

/** The environments an experiment can run in, handed down to the learner, which knows none of them. */
const ENVS = { sim: createPolicyEnv, pointmass: createPointMassEnv } satisfies Record<string, EnvFactory>;
type EnvKind = keyof typeof ENVS;
const ENV_KINDS = Object.keys(ENVS) as EnvKind[];

interface ExperimentOptions {
  task: string;
  conditions: string;
  seeds: string;
  rollouts: string;
  out: string;
  env: string;
  potentialModule?: string;
  model?: string;
  grmEndpoint?: string;
  fusion: string;
  demos: string;
  demoNoise?: string;
  evalEvery: string;
  evalEpisodes: string;
  updatesPerStep: string;
  nStep: string;
  actorHidden?: string;
  gamma: string;
  shapingWeight: string;
  bcSteps: string;
  qWeight: string;
  bcWeight: string;
  policyDelay: string;
  critics: string;
  progressActions?: string;
  pessimism: string;
  progressWeight: string;
  imitationSteps: string;
  explorationNoise: string;
  noiseCorrelation: string;
  seed: string;
  maxSteps?: string;
  batchSize: string;
  demoFraction: string;
  criticLayerNorm: boolean;
  actorRegression: string;
  selfImitation: boolean;
  progressHorizon: string;
  actionCandidates: string;
  candidateRanking: string;
  greedyCandidates: string;
  progressMargin: string;
  advantageTemperature: string;
  fineScale: string;
  actorWeightDecay: string;
}

function widths(name: string, value: string): number[] {
  const out = value.split(",").map(Number);
  if (out.length === 0 || out.some((w) => !Number.isInteger(w) || w < 1))
    throw new Error(`${name} must be comma-separated whole numbers ≥ 1, e.g. 256,256; got '${value}'`);
  return out;
}

function positiveInt(name: string, value: string, allowZero = false): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < (allowZero ? 0 : 1))
    throw new Error(`${name} must be a ${allowZero ? "non-negative" : "positive"} integer (got '${value}')`);
  return n;
}

function integerIn(name: string, value: string, lo: number, hi: number): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < lo || n > hi)
    throw new Error(`${name} must be an integer in [${lo}, ${hi}] (got '${value}')`);
  return n;
}

function indices(name: string, value: string, size: number): number[] {
  const out = value.split(",").map(Number);
  if (out.some((i) => !Number.isInteger(i) || i < 0 || i >= size))
    throw new Error(`${name} must be comma-separated indices in [0, ${size}) (got '${value}')`);
  return out;
}

function fraction(name: string, value: string, lo: number, hi: number): number {
  const n = Number(value);
  if (!(n >= lo && n <= hi)) throw new Error(`${name} must be in [${lo}, ${hi}] (got '${value}')`);
  return n;
}

/**
 * `process-reward experiment`: trains the policy from a BC start under each reward condition and seed,
 * and writes success-vs-rollouts curves (CSV, PNG), rollouts to 80% of final success, final success and a
 * markdown table to --out.
 */
export function addExperimentCommand(program: Command): void {
  program
    .command("experiment")
    .description("Compare reward conditions for online RL (success rate vs rollouts, CSV + PNG + markdown)")
    .requiredOption("--task <name>", "task, e.g. pick_place")
    .option(
      "--conditions <list>",
      "comma-separated: sparse,naive,pbrs,pbrs_oracle",
      "sparse,naive,pbrs,pbrs_oracle",
    )
    .option("--seeds <n>", "learner seeds per condition", "3")
    .option(
      "--seed <n>",
      "first learner seed (seeds are --seed … --seed + --seeds − 1); tune on other seeds",
      "1",
    )
    .option("--max-steps <n>", "episode time limit in steps (default: the task's own)")
    .option("--rollouts <n>", "training rollouts after behaviour cloning", "200")
    .requiredOption("--out <dir>", "output folder, e.g. docs/experiments/<name>")
    .option("--env <kind>", `environment: ${ENV_KINDS.join(" | ")} (pointmass is the test fixture)`, "sim")
    .option(
      "--potential-module <file>",
      "module exporting createPotential(task, env, seed) for the learned Φ",
    )
    .option("--model <dir>", "reward model for the learned Φ with --env sim (default models/hop_<task>)")
    .option(
      "--grm-endpoint <url>",
      "with a grm --model: API base URL, overriding the manifest's grm.endpoint",
    )
    .option("--fusion <mode>", `the reward node's fusion mode: ${FUSION_MODES.join(" | ")}`, "fused")
    .option("--demos <n>", "successful noisy expert demos to clone", "10")
    .option(
      "--demo-noise <x>",
      "expert noise for the demos, in the env's units (sim: metres per step; default sim 0.005, pointmass 0.1)",
    )
    .option("--eval-every <n>", "evaluate after every n rollouts", "10")
    .option("--eval-episodes <n>", "greedy evaluation episodes per evaluation", "20")
    .option(
      "--updates-per-step <n>",
      "gradient updates per transition (the policy node's default)",
      String(DEFAULT_LEARNER.updatesPerStep),
    )
    .option(
      "--n-step <n>",
      "steps of reward per stored transition before the critic bootstraps (n-step returns; the policy node's default)",
      String(DEFAULT_LEARNER.nStep),
    )
    .option(
      "--batch-size <n>",
      "learner batch size (the policy node's default)",
      String(DEFAULT_LEARNER.batchSize),
    )
    .option(
      "--demo-fraction <x>",
      "share of each critic batch drawn from the demonstrations",
      String(DEFAULT_LEARNER.demoBatchFraction),
    )
    .option("--no-critic-layer-norm", "critics without LayerNorm")
    .option(
      "--actor-hidden <widths>",
      `the actor's hidden layer widths, e.g. 256,256 (default: the critics', ${DEFAULT_TD3.hidden.join(",")})`,
    )
    .option("--gamma <x>", "learner discount, also used by the shaped rewards", String(DEFAULT_TD3.gamma))
    .option(
      "--shaping-weight <w>",
      "w in r = r_gold + w·(γΦ(s′) − Φ(s)) (naive: w·(Φ(s′) − Φ(s))); any w > 0 is policy-invariant",
      "1",
    )
    .option("--bc-steps <n>", "behaviour-cloning steps", String(DEFAULT_LEARNER.bcSteps))
    .option("--q-weight <x>", "weight of Q in the actor loss", String(DEFAULT_TD3.alpha))
    .option("--bc-weight <x>", "weight of the BC regulariser in the actor loss", String(DEFAULT_TD3.bcWeight))
    .option(
      "--progress-weight <x>",
      "weight of progress guidance in the actor loss (one-step ascent of a learned Φ through learned dynamics; not for sparse)",
      String(DEFAULT_TD3.progressWeight),
    )
    .option(
      "--imitation-steps <n>",
      "actor-only BC steps on the demonstrations each time a successful rollout joins them",
      "0",
    )
    .option(
      "--progress-actions <indices>",
      "the action dimensions progress guidance moves, e.g. 0,1,2 for the translation (default: all)",
    )
    .option("--critics <n>", "critics in the ensemble (≥ 2; TD targets use a random pair of them)", "2")
    .option(
      "--pessimism <k>",
      "the actor maximizes the critics' mean − k·std (0 with 2 critics: TD3's first critic)",
      "0",
    )
    .option(
      "--policy-delay <n>",
      "critic updates per actor update (TD3's delay)",
      String(DEFAULT_TD3.policyDelay),
    )
    .option(
      "--exploration-noise <x>",
      "Gaussian exploration std (normalized action units)",
      String(DEFAULT_LEARNER.explorationNoise),
    )
    .option(
      "--noise-correlation <x>",
      "step-to-step correlation of the exploration noise (0: white; 0.9 drifts over about 10 steps)",
      String(DEFAULT_LEARNER.noiseCorrelation),
    )
    .option("--no-self-imitation", "successful training rollouts do not join the demonstrations")
    .option(
      "--progress-horizon <n>",
      "steps of failed training rollouts whose n-step return of the condition's reward exceeds --progress-margin join the demonstrations (0: none)",
      "0",
    )
    .option(
      "--action-candidates <n>",
      "while training, take the best of n noisy actions by --candidate-ranking (1: plain noise)",
      "1",
    )
    .option(
      "--candidate-ranking <what>",
      "what ranks action candidates: critics (min Q) | progress (the predicted potential of the next state; shaped conditions only, sparse takes plain actions)",
      "critics",
    )
    .option(
      "--greedy-candidates <n>",
      "evaluation actions are the best of π(s) and n − 1 noisy variations by --candidate-ranking (1: π(s))",
      "1",
    )
    .option("--progress-margin <x>", "with --progress-horizon: the n-step return a step must exceed", "0.05")
    .option(
      "--actor-regression <target>",
      "what the actor regresses onto: demos (TD3+BC) | advantage (every replayed action, weighted by its advantage)",
      DEFAULT_TD3.regressionTarget,
    )
    .option(
      "--advantage-temperature <x>",
      "with --actor-regression advantage: weight temperature, in advantage standard deviations",
      String(DEFAULT_TD3.advantageTemperature),
    )
    .option(
      "--fine-scale <k>",
      "the actor and critics also see tanh(k·x/σ) of each observation feature (0: the normalized observation alone)",
      String(DEFAULT_TD3.fineScale),
    )
    .option(
      "--actor-weight-decay <x>",
      "decoupled weight decay of the actor (AdamW): keeps it from over-fitting the few demos it keeps regressing onto",
      String(DEFAULT_TD3.actorWeightDecay ?? 0),
    )
    .action(async (opts: ExperimentOptions) => {
      try {
        await runExperiment(opts);
      } catch (err) {
        process.stderr.write(`experiment: ${(err as Error).message}\n`);
        process.exitCode = 2;
      }
    });
}

function oneOf<T extends string>(name: string, value: string, allowed: readonly T[]): T {
  if (!(allowed as readonly string[]).includes(value))
    throw new Error(`${name} must be one of ${allowed.join(", ")} (got '${value}')`);
  return value as T;
}

const REGRESSION_TARGETS: readonly Td3Config["regressionTarget"][] = ["demos", "advantage"];
const CANDIDATE_RANKINGS: readonly NonNullable<LearnerConfig["candidateRanking"]>[] = ["critics", "progress"];

/** The command with every option spelled out, defaults included, so the report can be re-made exactly. */
function commandLine(opts: ExperimentOptions): string {
  const flags = Object.entries(opts)
    .filter(([, v]) => v !== undefined && v !== true)
    .map(([k, v]) => {
      const flag = k.replace(/[A-Z]/g, (c) => "-" + c.toLowerCase());
      return v === false ? `--no-${flag}` : `--${flag} ${String(v)}`;
    });
  return `process-reward experiment ${flags.join(" ")}`;
}

async function runExperiment(opts: ExperimentOptions): Promise<void> {
  const conditions = parseConditions(opts.conditions);
  const seeds = positiveInt("--seeds", opts.seeds);
  const rollouts = positiveInt("--rollouts", opts.rollouts);
  const kind: EnvKind = oneOf("--env", opts.env, ENV_KINDS);
  // The experts' noise is in each environment's own units: the sim's metres per 3 cm step, the fixture's.
  opts.demoNoise ??= kind === "sim" ? "0.005" : "0.1";
  const fusion: FusionMode = oneOf("--fusion", opts.fusion, FUSION_MODES);
  oneOf("--candidate-ranking", opts.candidateRanking, CANDIDATE_RANKINGS);
  // The shipped reward model, loaded once: Φ does not depend on the learner's seed.
  let model: Promise<ModelPotential> | undefined;
  const modelPotential: PotentialFactory = () =>
    (model ??= createModelPotential({
      model: opts.model ?? `models/hop_${opts.task}`,
      task: opts.task,
      fusion,
      threads: 1,
      grmEndpoint: opts.grmEndpoint,
    }));
  const learned: PotentialFactory | undefined = opts.potentialModule
    ? await potentialModule(opts.potentialModule)
    : kind === "pointmass"
      ? demoStatePotential({ episodes: 30, noise: 0.3 })
      : modelPotential;
  try {
    await runAll(opts, kind, conditions, seeds, rollouts, learned);
  } finally {
    await (await model?.catch(() => undefined))?.release();
  }
}

async function runAll(
  opts: ExperimentOptions,
  kind: EnvKind,
  conditions: Condition[],
  seeds: number,
  rollouts: number,
  learned: PotentialFactory | undefined,
): Promise<void> {
  const makeEnv = ENVS[kind];
  const needsLearned = conditions.some((c) => c !== "sparse" && c !== "pbrs_oracle");
  if (needsLearned && !learned) {
    throw new Error(
      "conditions naive and pbrs* need a learned potential: pass --potential-module (the reward pipeline)",
    );
  }
  const gamma = fraction("--gamma", opts.gamma, 0, 0.9999);
  const runs: RunResult[] = [];
  const started = performance.now();
  // Rewritten after every run, so a long experiment that is stopped still leaves what it measured.
  const writeReport = async (complete: boolean): Promise<void> => {
    const summaries = conditions
      .filter((c) => runs.some((r) => r.condition === c))
      .map((c) =>
        summarize(
          c,
          runs.filter((r) => r.condition === c),
        ),
      );
    await mkdir(opts.out, { recursive: true });
    const command = commandLine(opts);
    const title = `${opts.task} on ${kind === "pointmass" ? "the point-mass fixture" : "the simulator"}: success vs rollouts`;
    await writeFile(join(opts.out, "curves.csv"), curvesCsv(runs, summaries));
    await writeSuccessPlot(join(opts.out, "success.png"), summaries, { title });
    await writeFile(
      join(opts.out, "results.md"),
      markdownReport(
        {
          title,
          command,
          environment: kind,
          notes: [
            `Success rate: greedy policy on ${opts.evalEpisodes} fixed evaluation episodes after every ${opts.evalEvery} training rollouts (rollout 0 = behaviour-cloning start).`,
            "Final success: the last evaluation. Rollouts until 80%: the first evaluation at which the seed-mean success reaches 80% (> budget when it never does).",
            `Learner: TD3+BC (actor regression onto ${opts.actorRegression === "advantage" ? `advantage-weighted replayed actions, temperature ${opts.advantageTemperature}` : "demo actions"}), ${opts.actorHidden ? `${opts.actorHidden.split(",").join("×")} actor, ` : ""}${DEFAULT_TD3.hidden.join("×")} MLPs${opts.fineScale === "0" ? "" : ` on the observation and its fine-scale copy (k ${opts.fineScale})`}${opts.actorWeightDecay === "0" ? "" : `, actor weight decay ${opts.actorWeightDecay}`}${opts.criticLayerNorm ? ", LayerNorm critics" : ""}, batch ${opts.batchSize} (${opts.demoFraction} from demos), ${opts.updatesPerStep} update(s) per transition, ${opts.nStep}-step returns, gamma ${gamma}${opts.shapingWeight === "1" ? "" : `, shaping weight ${opts.shapingWeight}`}, ` +
              `Q weight ${opts.qWeight}, BC weight ${opts.bcWeight}${opts.policyDelay === String(DEFAULT_TD3.policyDelay) ? "" : `, an actor update every ${opts.policyDelay} critic update(s)`}${opts.critics === "2" && opts.pessimism === "0" ? "" : `, ${opts.critics} critics (actor: mean − ${opts.pessimism}·std)`}${Number(opts.progressWeight) > 0 ? `, progress guidance ${opts.progressWeight} (shaped conditions${opts.progressActions ? `, action dimensions ${opts.progressActions}` : ""})` : ""}, exploration ${opts.explorationNoise}${opts.noiseCorrelation === "0" ? "" : ` (correlation ${opts.noiseCorrelation})`}${opts.actionCandidates === "1" ? "" : ` (best of ${opts.actionCandidates} by ${opts.candidateRanking === "progress" ? "the predicted potential" : "the critics"})`}${opts.greedyCandidates === "1" ? "" : `; greedy actions the best of ${opts.greedyCandidates}`}; BC from ${opts.demos} noisy demos (noise ${opts.demoNoise}); self-imitation of successful training rollouts ${opts.selfImitation ? `on${opts.imitationSteps === "0" ? "" : ` (${opts.imitationSteps} actor BC steps each)`}` : "off"}` +
              (progressImitation
                ? `; steps of failed rollouts with a ${progressImitation.horizon}-step return above ${progressImitation.margin} imitated too.`
                : "."),
            `Wall time: ${((performance.now() - started) / 1000).toFixed(0)} s.`,
            ...(complete ? [] : [`PARTIAL: ${runs.length} of ${conditions.length * seeds} runs done.`]),
          ],
        },
        summaries,
        runs,
      ),
    );
    await writeFile(join(opts.out, "summary.json"), JSON.stringify({ command, summaries }, null, 2) + "\n");
  };
  const firstSeed = positiveInt("--seed", opts.seed, true);
  const progressHorizon = positiveInt("--progress-horizon", opts.progressHorizon, true);
  const progressImitation =
    progressHorizon > 0
      ? { horizon: progressHorizon, margin: fraction("--progress-margin", opts.progressMargin, -10, 10) }
      : undefined;
  const maxSteps = opts.maxSteps === undefined ? undefined : positiveInt("--max-steps", opts.maxSteps);
  const envOptions = { maxSteps };
  for (let seed = firstSeed; seed < firstSeed + seeds; seed++) {
    // One learned Φ per seed, shared by the conditions that use it, so they differ only in the formula.
    let learnedPhi: PotentialSource | undefined;
    for (const condition of conditions) {
      const potentialFor = async (c: Condition): Promise<PotentialSource | undefined> => {
        if (c === "pbrs_oracle") return oraclePotential;
        if (c === "sparse") return undefined;
        if (!learnedPhi) {
          // Its own environment instance, so fitting Φ does not shift the run's demos or noise.
          const phiEnv = await makeEnv(opts.task, seed + 10_000, envOptions);
          try {
            learnedPhi = await learned!(opts.task, phiEnv, seed);
          } finally {
            phiEnv.close?.();
          }
        }
        return learnedPhi;
      };
      const run = await runCondition(makeEnv, potentialFor, {
        task: opts.task,
        condition,
        seed,
        rollouts,
        evalEvery: positiveInt("--eval-every", opts.evalEvery),
        evalEpisodes: positiveInt("--eval-episodes", opts.evalEpisodes),
        demos: positiveInt("--demos", opts.demos),
        demoNoise: fraction("--demo-noise", opts.demoNoise!, 0, 10),
        successDelta: 0.05,
        shapingWeight: fraction("--shaping-weight", opts.shapingWeight, 1e-6, 1000),
        maxSteps,
        selfImitation: opts.selfImitation,
        ...(progressImitation ? { progressImitation } : {}),
        learner: {
          td3: {
            ...DEFAULT_TD3,
            gamma,
            alpha: fraction("--q-weight", opts.qWeight, 0, 1000),
            bcWeight: fraction("--bc-weight", opts.bcWeight, 0, 1000),
            policyDelay: positiveInt("--policy-delay", opts.policyDelay),
            ...(opts.progressActions
              ? { progressActions: indices("--progress-actions", opts.progressActions, ACTION_DIM) }
              : {}),
            criticCount: integerIn("--critics", opts.critics, 2, 64),
            pessimism: fraction("--pessimism", opts.pessimism, 0, 100),
            // A sparse reward has no potential to model.
            progressWeight:
              condition === "sparse" ? 0 : fraction("--progress-weight", opts.progressWeight, 0, 1000),
            criticLayerNorm: opts.criticLayerNorm,
            ...(opts.actorHidden ? { actorHidden: widths("--actor-hidden", opts.actorHidden) } : {}),
            regressionTarget: oneOf("--actor-regression", opts.actorRegression, REGRESSION_TARGETS),
            advantageTemperature: fraction("--advantage-temperature", opts.advantageTemperature, 0.01, 100),
            fineScale: fraction("--fine-scale", opts.fineScale, 0, 100),
            actorWeightDecay: fraction("--actor-weight-decay", opts.actorWeightDecay, 0, 1000),
            observationDim: 0,
            actionDim: ACTION_DIM,
          },
          replayCapacity: DEFAULT_LEARNER.replayCapacity,
          batchSize: positiveInt("--batch-size", opts.batchSize),
          updatesPerStep: positiveInt("--updates-per-step", opts.updatesPerStep, true),
          nStep: positiveInt("--n-step", opts.nStep),
          warmupTransitions: DEFAULT_LEARNER.warmupTransitions,
          explorationNoise: fraction("--exploration-noise", opts.explorationNoise, 0, 2),
          noiseCorrelation: fraction("--noise-correlation", opts.noiseCorrelation, 0, 0.999),
          bcSteps: positiveInt("--bc-steps", opts.bcSteps, true),
          demoBatchFraction: fraction("--demo-fraction", opts.demoFraction, 0, 1),
          // A sparse reward has no potential to rank by: that condition takes plain actions.
          ...(condition === "sparse" && opts.candidateRanking === "progress"
            ? { actionCandidates: 1, greedyCandidates: 1 }
            : {
                actionCandidates: positiveInt("--action-candidates", opts.actionCandidates),
                greedyCandidates: positiveInt("--greedy-candidates", opts.greedyCandidates),
              }),
          candidateRanking: oneOf("--candidate-ranking", opts.candidateRanking, CANDIDATE_RANKINGS),
          imitationSteps: positiveInt("--imitation-steps", opts.imitationSteps, true),
        },
      });
      runs.push(run);
      const last = run.curve[run.curve.length - 1]!;
      process.stdout.write(
        `${condition} seed ${seed}: start ${run.curve[0]!.successRate.toFixed(2)} -> ${last.successRate.toFixed(2)} ` +
          `after ${last.rollouts} rollouts (${run.counters.updates} updates; ${((performance.now() - started) / 1000).toFixed(0)} s into the experiment)\n`,
      );
      await writeReport(false);
    }
  }
  await writeReport(true);
  process.stdout.write(`wrote ${opts.out}/results.md, curves.csv, success.png\n`);
}
