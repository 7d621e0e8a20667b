// How well the learner's critics predict returns: clones the experiment's demos (same seeds and learner
// defaults), trains online for N rollouts under one reward condition with the oracle Φ, then runs 30
// held-out noisy rollouts and compares min(Q1, Q2)(s, a) with each step's discounted return to the
// episode's end. A tuning aid: it found the critics' mean Q 0.4 below the mean return until their output
// layers started at zero (docs/experiments/README.md). Steps of failed rollouts within 30 steps of the
// time limit are left out (their return is cut short where Q bootstraps). Usage (no rendering needed):
//   npx tsx scripts/critic-bias.ts [--condition pbrs_oracle] [--rollouts 40] [--task pick_place] [--seed 101]
//       [--held-out 30]
import { parseArgs } from "node:util";
import { collectDemos, runEpisode, training, type RunConfig } from "../lib/rl/experiment/runner.js";
import { DEFAULT_LEARNER, Learner } from "../lib/rl/learner.js";
import { oraclePotential, parseConditions } from "../lib/rl/rewards.js";
import { ACTION_DIM, normalizeAction } from "../lib/rl/spaces.js";
import { DEFAULT_TD3 } from "../lib/rl/td3.js";
import { createPolicyEnv } from "../sim/policyEnv.js";

const { values } = parseArgs({
  options: {
    condition: { type: "string", default: "pbrs_oracle" },
    rollouts: { type: "string", default: "40" },
    task: { type: "string", default: "pick_place" },
    seed: { type: "string", default: "101" },
    "held-out": { type: "string", default: "30" },
    "n-step": { type: "string", default: String(DEFAULT_LEARNER.nStep) },
    "q-weight": { type: "string", default: String(DEFAULT_TD3.alpha) },
    "updates-per-step": { type: "string", default: String(DEFAULT_LEARNER.updatesPerStep) },
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
    ...DEFAULT_LEARNER,
    td3: {
      ...DEFAULT_TD3,
      observationDim: env.observationNames.length,
      actionDim: ACTION_DIM,
      alpha: Number(values["q-weight"]),
    },
    nStep: Number(values["n-step"]),
    updatesPerStep: Number(values["updates-per-step"]),
    // The full-size experiment's cloning (docs/experiments/README.md).
    bcSteps: 2000,
  },
};
const { gamma } = run.learner.td3;
const potential = condition === "sparse" ? undefined : oraclePotential;
const learner = new Learner(run.learner, seed);
learner.pretrain(await collectDemos(env, potential, run));
const explore = (observation: Float32Array): Float32Array => learner.act(observation, true);

let trainingSuccesses = 0;
const learning = training(
  potential,
  run,
  (t) => learner.observe(t),
  (episode, success) => {
    if (!success) return;
    trainingSuccesses++;
    learner.imitate(episode);
  },
);
for (let i = 1; i <= run.rollouts; i++) await runEpisode(env, seed * 1_000_000 + i, explore, learning);

const q: number[] = [];
const g: number[] = [];
const heldOut = training(
  potential,
  run,
  () => undefined,
  (steps, success) => {
    let ret = 0;
    const returns = steps.map(() => 0);
    for (let t = steps.length - 1; t >= 0; t--) returns[t] = ret = steps[t]!.reward + gamma * ret;
    steps.forEach((t, k) => {
      if (!success && steps.length - k < 30) return;
      q.push(learner.agent.values(t.observation, t.action)[0]!);
      g.push(returns[k]!);
    });
  },
);
// Apart by whether the gripper holds the object: reaching and closing are where pick_place's cloned
// policies stall, and where the ground-truth Φ (distance to the object) and the expert (hover above, then
// descend) disagree most.
const cosines: { holding: boolean; cosine: number }[] = [];
const grasped = env.observationNames.indexOf("grasped");
const h = 0.05;
const steered = 4; // translation x, y, z and yaw: the binary gripper has no gradient to follow
const exploreAndCompare = (observation: Float32Array): Float32Array => {
  const pi = learner.act(observation, false);
  const expert = normalizeAction(env.expert(0), env.actionBounds);
  const want = Array.from({ length: steered }, (_, i) => expert[i]! - pi[i]!);
  if (Math.hypot(...want) > 0.1) {
    const probes = new Float32Array(2 * steered * ACTION_DIM);
    for (let i = 0; i < steered; i++)
      for (const [k, sign] of [
        [2 * i, 1],
        [2 * i + 1, -1],
      ] as const) {
        probes.set(pi, k * ACTION_DIM);
        probes[k * ACTION_DIM + i] = pi[i]! + sign * h;
      }
    const q = learner.agent.values(observation, probes);
    const grad = want.map((_, i) => (q[2 * i]! - q[2 * i + 1]!) / (2 * h));
    const dot = grad.reduce((acc, g, i) => acc + g * want[i]!, 0);
    const size = Math.hypot(...grad) * Math.hypot(...want);
    if (size > 0) cosines.push({ holding: observation[grasped]! > 0.5, cosine: dot / size });
  }
  return explore(observation);
};
for (let j = 0; j < Number(values["held-out"]); j++)
  await runEpisode(env, 7_000_000 + j, exploreAndCompare, heldOut);
const mean = (a: number[]): number => a.reduce((x, y) => x + y, 0) / a.length;
const [mq, mg] = [mean(q), mean(g)];
const cov = mean(q.map((x, i) => (x - mq) * (g[i]! - mg)));
const corr = cov / Math.sqrt(mean(q.map((x) => (x - mq) ** 2)) * mean(g.map((x) => (x - mg) ** 2)));
console.log(
  `${values.task} ${condition}, ${run.rollouts} rollouts (${trainingSuccesses} successful): over ${q.length} ` +
    `held-out steps mean Q ${mq.toFixed(3)}, mean return ${mg.toFixed(3)}, correlation ${Number.isFinite(corr) ? corr.toFixed(3) : "undefined (no return varied)"}`,
);
const alignment = (part: { cosine: number }[]): string =>
  `${part.length} steps, mean cosine ${mean(part.map((c) => c.cosine)).toFixed(3)}, positive on ` +
  `${((100 * part.filter((c) => c.cosine > 0).length) / part.length).toFixed(0)}%`;
console.log(
  `action gradient against the expert's direction: ${alignment(cosines)}; not holding the object: ` +
    `${alignment(cosines.filter((c) => !c.holding))}; holding it: ${alignment(cosines.filter((c) => c.holding))}`,
);
learner.dispose();
env.close();
