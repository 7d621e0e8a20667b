import type { Env, EnvFactory, EnvStep } from "../env.js";
import { Learner, type LearnerConfig, type LearnerCounters } from "../learner.js";
import { progressTransitions, type ProgressImitation } from "../progressImitation.js";
import { EpisodeRewards, type Condition, type PotentialInput, type PotentialSource } from "../rewards.js";
import { denormalizeAction, executedAction, normalizeAction } from "../spaces.js";
import type { Transition } from "../transition.js";

export interface RunConfig {
  readonly task: string;
  readonly condition: Condition;
  readonly seed: number;
  /** Training rollouts (episodes) after behaviour cloning. */
  readonly rollouts: number;
  /** Evaluate the deterministic policy after every this many rollouts (and at 0, the BC start). */
  readonly evalEvery: number;
  readonly evalEpisodes: number;
  /** Successful noisy demonstrations to clone from. */
  readonly demos: number;
  readonly demoNoise: number;
  readonly successDelta: number;
  /** w in r = r_gold + w·F for the shaped conditions (ShapingOptions.shapingWeight); default 1. */
  readonly shapingWeight?: number;
  /** Episode time limit (the user's choice for learning); the task's own when absent. */
  readonly maxSteps?: number;
  /** The learner's successful training episodes join its demonstrations (Learner.imitate). */
  readonly selfImitation: boolean;
  /** Steps of failed training episodes that the condition's reward marks as progress join them too. */
  readonly progressImitation?: ProgressImitation;
  /** td3.observationDim is taken from the environment. */
  readonly learner: LearnerConfig;
}

export interface CurvePoint {
  readonly rollouts: number;
  readonly successRate: number;
}

export interface RunResult {
  readonly condition: Condition;
  readonly seed: number;
  readonly curve: readonly CurvePoint[];
  readonly counters: LearnerCounters;
  readonly demoTransitions: number;
  readonly bcLoss: number;
  /** Mean reward per training transition, to see that rewards flowed. */
  readonly meanReward: number;
  readonly trainingSuccesses: number;
  /** Transitions of successful training rollouts that joined the demonstrations (self-imitation). */
  readonly imitatedTransitions: number;
  /** Transitions of failed training rollouts that joined them as progress (`progressImitation`). */
  readonly progressTransitions: number;
}

/** Chooses the potential for a condition; `pbrs` gets the learned one, `pbrs_oracle` ground truth. */
export type PotentialFor = (
  condition: Condition,
  env: Env,
) => PotentialSource | undefined | Promise<PotentialSource | undefined>;

// Evaluation episodes use their own seed range, the same for every condition and learner seed.
export const EVAL_SEED_BASE = 1_000_000_000;

/** The episode seed of a run's i-th training rollout (1-based), so diagnostics replay the experiment's own. */
export function trainingEpisodeSeed(runSeed: number, rollout: number): number {
  return runSeed * 1_000_000 + rollout;
}

interface EpisodeOutcome {
  readonly success: boolean;
  readonly transitions: number;
  readonly rewardSum: number;
}

/**
 * Runs one condition × seed: collect demos with the scripted expert, clone them, then alternate training
 * rollouts (exploring, learning from each transition) with evaluations of the deterministic policy.
 */
export async function runCondition(
  makeEnv: EnvFactory,
  potentialFor: PotentialFor,
  config: RunConfig,
  onProgress?: (point: CurvePoint) => void,
): Promise<RunResult> {
  const env = await makeEnv(config.task, config.seed, { maxSteps: config.maxSteps });
  const potential = await potentialFor(config.condition, env);
  if (config.condition !== "sparse" && !potential) {
    throw new Error(
      `condition '${config.condition}' needs a potential, and none was given for task '${config.task}'`,
    );
  }

  // The observation size comes from the environment; the rest of the learner from the run's config.
  if (potential?.frames) await env.prepareFrames?.(potential.frames);

  const td3 = { ...config.learner.td3, observationDim: env.observationNames.length };
  const learner = new Learner({ ...config.learner, td3 }, config.seed);
  try {
    const curve: CurvePoint[] = [];
    const evaluate = async (rollouts: number): Promise<void> => {
      let successes = 0;
      for (let j = 0; j < config.evalEpisodes; j++) {
        const outcome = await runEpisode(env, EVAL_SEED_BASE + j, (obs) => learner.act(obs, false));
        if (outcome.success) successes++;
      }
      const point = { rollouts, successRate: successes / config.evalEpisodes };
      curve.push(point);
      onProgress?.(point);
    };
    const trained = await cloneAndTrain(env, potential, config, learner, {
      cloned: () => evaluate(0),
      rolledOut: async (i) => {
        if (i % config.evalEvery === 0 || i === config.rollouts) await evaluate(i);
      },
    });
    const { transitions, rewardSum, ...rest } = trained;
    return {
      condition: config.condition,
      seed: config.seed,
      curve,
      counters: { ...learner.counters },
      meanReward: transitions > 0 ? rewardSum / transitions : 0,
      ...rest,
    };
  } finally {
    learner.dispose();
    env.close?.();
  }
}

/** The experiment's sim demo noise (its `--demo-noise` default there) and success δ. */
export const SIM_DEMO_NOISE = 0.005;
export const SUCCESS_DELTA = 0.05;

/**
 * A run that clones and trains as the experiment's run of `seed` does, with self-imitation and without
 * evaluation: for the tools that replay its learning (scripts/, models/data/learnerRollouts.ts).
 */
export function trainingOnlyRun(
  o: Pick<RunConfig, "task" | "condition" | "seed" | "rollouts" | "demos" | "maxSteps" | "learner">,
): RunConfig {
  return {
    ...o,
    evalEvery: Math.max(1, o.rollouts),
    evalEpisodes: 0,
    demoNoise: SIM_DEMO_NOISE,
    successDelta: SUCCESS_DELTA,
    selfImitation: true,
  };
}

/** What cloning and training did, apart from the learner itself. */
export interface TrainingSummary {
  readonly demoTransitions: number;
  readonly bcLoss: number;
  readonly transitions: number;
  readonly rewardSum: number;
  readonly trainingSuccesses: number;
  readonly imitatedTransitions: number;
  readonly progressTransitions: number;
}

/** Where a caller of cloneAndTrain looks in or steps in; evaluation, in the experiment. */
export interface TrainingHooks {
  /** After behaviour cloning, before the first rollout. */
  readonly cloned?: () => Promise<void> | void;
  /** After each training rollout (1-based). */
  readonly rolledOut?: (rollout: number) => Promise<void> | void;
  /** The exploring policy; the learner's own noisy action when absent. */
  readonly explore?: (observation: Float32Array) => Float32Array;
}

/**
 * The experiment's learning, for it and for the diagnostics that replay it (scripts/bc-failure-stages.ts,
 * scripts/critic-quality.ts): demos from the scripted expert, behaviour cloning, then `config.rollouts`
 * training rollouts that reward every transition by the run's condition and let successes (and, with
 * `progressImitation`, the progress of failures) join the demonstrations.
 */
export async function cloneAndTrain(
  env: Env,
  potential: PotentialSource | undefined,
  config: RunConfig,
  learner: Learner,
  hooks: TrainingHooks = {},
): Promise<TrainingSummary> {
  const demos = await collectDemos(env, potential, config);
  const bcLoss = learner.pretrain(demos);
  await hooks.cloned?.();
  let imitatedTransitions = 0;
  let progressed = 0;
  const { selfImitation, progressImitation } = config;
  const rollouts = training(
    potential,
    config,
    (t) => learner.observe(t),
    selfImitation || progressImitation
      ? (episode, success) => {
          if (success && selfImitation) {
            learner.imitate(episode);
            imitatedTransitions += episode.length;
          } else if (!success && progressImitation) {
            const kept = progressTransitions(episode, config.learner.td3.gamma, progressImitation);
            learner.imitate(kept);
            progressed += kept.length;
          }
        }
      : undefined,
  );
  const explore = hooks.explore ?? ((obs: Float32Array) => learner.act(obs, true));
  let rewardSum = 0;
  let transitions = 0;
  let trainingSuccesses = 0;
  for (let i = 1; i <= config.rollouts; i++) {
    learner.startEpisode();
    const outcome = await runEpisode(env, trainingEpisodeSeed(config.seed, i), explore, rollouts);
    rewardSum += outcome.rewardSum;
    transitions += outcome.transitions;
    if (outcome.success) trainingSuccesses++;
    await hooks.rolledOut?.(i);
  }
  return {
    demoTransitions: demos.length,
    bcLoss,
    transitions,
    rewardSum,
    trainingSuccesses,
    imitatedTransitions,
    progressTransitions: progressed,
  };
}

export interface Training {
  readonly potential: PotentialSource | undefined;
  readonly rewards: EpisodeRewards;
  readonly learn: (t: Transition) => void;
  /** Called with the whole episode when it ends, and whether the task reported success. */
  readonly ended?: (episode: readonly Transition[], success: boolean) => void;
}

/** What a rewarded episode does with its transitions: the condition's rewards, learning, the episode's end. */
export function training(
  potential: PotentialSource | undefined,
  config: RunConfig,
  learn: (t: Transition) => void,
  ended?: (episode: readonly Transition[], success: boolean) => void,
): Training {
  const rewards = new EpisodeRewards(config.condition, {
    gamma: config.learner.td3.gamma,
    successDelta: config.successDelta,
    ...(config.shapingWeight === undefined ? {} : { shapingWeight: config.shapingWeight }),
  });
  return { potential, rewards, learn, ...(ended ? { ended } : {}) };
}

function potentialInput(episode: number, step: number, s: EnvStep): PotentialInput {
  return { episode, step, observation: s.observation, frames: s.frames, groundTruth: s.groundTruth };
}

/**
 * One episode. `policy` gives a normalized action; with `training`, every transition is rewarded by the
 * condition and handed to the learner (terminal vs truncated kept apart: only truncation bootstraps).
 */
export async function runEpisode(
  env: Env,
  seed: number,
  policy: (observation: Float32Array) => Float32Array,
  training?: Training,
): Promise<EpisodeOutcome> {
  // Only a potential's own episodes are rendered: evaluation needs no frames.
  const potential = training?.potential;
  let s = env.reset(seed, potential?.frames);
  if (training)
    training.rewards.startEpisode(potential ? await potential.startEpisode(potentialInput(seed, 0, s)) : 0);
  let rewardSum = 0;
  const episode: Transition[] = [];
  for (let step = 0; ; step++) {
    const action = executedAction(policy(s.observation), env.actionBounds);
    const next = env.step(denormalizeAction(action, env.actionBounds));
    const gt = next.groundTruth;
    if (training) {
      const phiNext = potential ? await potential.potential(potentialInput(seed, step + 1, next)) : 0;
      const reward = training.rewards.step({
        phiNext,
        success: gt.success,
        terminal: gt.terminal,
        truncated: gt.truncated,
      });
      rewardSum += reward;
      const transition: Transition = {
        observation: s.observation,
        action,
        reward,
        nextObservation: next.observation,
        terminal: gt.terminal,
        truncated: gt.truncated,
        ...(potential ? { nextPotential: phiNext } : {}),
      };
      training.learn(transition);
      if (training.ended) episode.push(transition);
    }
    s = next;
    if (gt.terminal || gt.truncated) {
      training?.ended?.(episode, gt.success);
      return { success: gt.success, transitions: step + 1, rewardSum };
    }
  }
}

/** Noisy expert episodes, kept only when they succeed, with rewards from the run's own condition. */
export async function collectDemos(
  env: Env,
  potential: PotentialSource | undefined,
  config: RunConfig,
): Promise<Transition[]> {
  const out: Transition[] = [];
  let kept = 0;
  const maxAttempts = config.demos * 10;
  for (let attempt = 0; attempt < maxAttempts && kept < config.demos; attempt++) {
    const episode: Transition[] = [];
    const seed = config.seed * 1_000_000 + 500_000 + attempt;
    // The expert acts in physical units; the learner stores actions normalized.
    const expert = (): Float32Array => normalizeAction(env.expert(config.demoNoise), env.actionBounds);
    const outcome = await runEpisode(
      env,
      seed,
      expert,
      training(potential, config, (t) => episode.push(t)),
    );
    if (outcome.success) {
      out.push(...episode);
      kept++;
    }
  }
  if (kept < config.demos) {
    throw new Error(
      `only ${kept} of ${config.demos} noisy demos succeeded in ${maxAttempts} attempts (noise ${config.demoNoise})`,
    );
  }
  return out;
}
