// How well the learner's critics predict returns: clones the experiment's demos (same seeds and learner
// defaults), trains online for N rollouts under one reward condition with the oracle Φ, then runs 15
// held-out noisy rollouts and compares min(Q1, Q2)(s, a) with each step's discounted return to the
// episode's end. A tuning aid: it found the critics' mean Q 0.4 below the mean return until their output
// layers started at zero (docs/experiments/README.md). Steps of failed rollouts within 30 steps of the
// time limit are left out (their return is cut short where Q bootstraps). Usage (no rendering needed):
//   npx tsx scripts/critic-bias.ts [--condition pbrs_oracle] [--rollouts 40] [--task pick_place] [--seed 101]
import { parseArgs } from "node:util";
import { collectDemos, type RunConfig } from "../lib/rl/experiment/runner.js";
import { Learner } from "../lib/rl/learner.js";
import { EpisodeRewards, oraclePotential, parseConditions } from "../lib/rl/rewards.js";
import { ACTION_DIM, denormalizeAction, executedAction } from "../lib/rl/spaces.js";
import { DEFAULT_TD3 } from "../lib/rl/td3.js";
import type { Transition } from "../lib/rl/transition.js";
import { createPolicyEnv } from "../sim/policyEnv.js";

const { values } = parseArgs({
  options: {
    condition: { type: "string", default: "pbrs_oracle" },
    rollouts: { type: "string", default: "40" },
    task: { type: "string", default: "pick_place" },
    seed: { type: "string", default: "101" },
  },
});
const [condition] = parseConditions(values.condition);
if (!condition || condition === "pbrs") throw new Error("--condition: one of sparse, naive, pbrs_oracle");
const seed = Number(values.seed);
const maxSteps = 100;
const env = await createPolicyEnv(values.task, seed, { maxSteps });
const run: RunConfig = {
  task: values.task,
  condition,
  seed,
  rollouts: Number(values.rollouts),
  evalEvery: 1,
  evalEpisodes: 0,
  demos: 10,
  demoNoise: 0.005,
  successDelta: 0.05,
  maxSteps,
  selfImitation: true,
  learner: {
    td3: { ...DEFAULT_TD3, observationDim: env.observationNames.length, actionDim: ACTION_DIM },
    replayCapacity: 200_000,
    batchSize: 128,
    updatesPerStep: 1,
    warmupTransitions: 256,
    explorationNoise: 0.2,
    bcSteps: 2000,
    demoBatchFraction: 0.5,
  },
};
const { gamma } = run.learner.td3;
const potential = condition === "sparse" ? undefined : oraclePotential;
const learner = new Learner(run.learner, seed);
learner.pretrain(await collectDemos(env, potential, run));
const rewards = new EpisodeRewards(condition, { gamma, successDelta: run.successDelta });

async function rollout(
  episodeSeed: number,
  learn: boolean,
): Promise<{ steps: Transition[]; success: boolean }> {
  let s = env.reset(episodeSeed);
  rewards.startEpisode(potential ? await potential.startEpisode({ episode: episodeSeed, step: 0, ...s }) : 0);
  const steps: Transition[] = [];
  for (let step = 1; ; step++) {
    const action = executedAction(learner.act(s.observation, true), env.actionBounds);
    const next = env.step(denormalizeAction(action, env.actionBounds));
    const gt = next.groundTruth;
    const phiNext = potential ? await potential.potential({ episode: episodeSeed, step, ...next }) : 0;
    const reward = rewards.step({
      phiNext,
      success: gt.success,
      terminal: gt.terminal,
      truncated: gt.truncated,
    });
    const t = {
      observation: s.observation,
      action,
      reward,
      nextObservation: next.observation,
      terminal: gt.terminal,
      truncated: gt.truncated,
    };
    steps.push(t);
    if (learn) learner.observe(t);
    s = next;
    if (gt.terminal || gt.truncated) return { steps, success: gt.success };
  }
}

let trainingSuccesses = 0;
for (let i = 1; i <= run.rollouts; i++) {
  const { steps, success } = await rollout(seed * 1_000_000 + i, true);
  if (success) {
    trainingSuccesses++;
    learner.imitate(steps);
  }
}
const q: number[] = [];
const g: number[] = [];
for (let j = 0; j < 15; j++) {
  const { steps, success } = await rollout(7_000_000 + j, false);
  let ret = 0;
  const returns = steps.map(() => 0);
  for (let t = steps.length - 1; t >= 0; t--) returns[t] = ret = steps[t]!.reward + gamma * ret;
  steps.forEach((t, k) => {
    if (!success && steps.length - k < 30) return;
    q.push(learner.agent.values(t.observation, t.action)[0]!);
    g.push(returns[k]!);
  });
}
const mean = (a: number[]): number => a.reduce((x, y) => x + y, 0) / a.length;
const [mq, mg] = [mean(q), mean(g)];
const cov = mean(q.map((x, i) => (x - mq) * (g[i]! - mg)));
const corr = cov / Math.sqrt(mean(q.map((x) => (x - mq) ** 2)) * mean(g.map((x) => (x - mg) ** 2)));
console.log(
  `${values.task} ${condition}, ${run.rollouts} rollouts (${trainingSuccesses} successful): over ${q.length} ` +
    `held-out steps mean Q ${mq.toFixed(3)}, mean return ${mg.toFixed(3)}, correlation ${corr.toFixed(3)}`,
);
learner.dispose();
env.close();
