// Where a behaviour-cloned policy fails: clones N noisy expert demos as the experiment does (same seeds,
// same learner defaults), then runs the greedy policy on the experiment's evaluation episodes and counts, for
// each failure, the furthest stage it reached. A tuning aid: it told that pick_place's cloned policies stall
// in `reach` beside the cube (docs/experiments/README.md). Usage (rendering is not needed):
//   npx tsx scripts/bc-failure-stages.ts [--task pick_place] [--demos 10] [--bc-steps 2000] [--seed 101]
//       [--episodes 20] [--max-steps 100] [--actor-hidden 64,64]
import { parseArgs } from "node:util";
import { collectDemos, EVAL_SEED_BASE } from "../lib/rl/experiment/runner.js";
import { DEFAULT_LEARNER, Learner, type LearnerConfig } from "../lib/rl/learner.js";
import { ACTION_DIM, denormalizeAction, executedAction } from "../lib/rl/spaces.js";
import { DEFAULT_TD3 } from "../lib/rl/td3.js";
import { createPolicyEnv } from "../sim/policyEnv.js";

const { values } = parseArgs({
  options: {
    task: { type: "string", default: "pick_place" },
    demos: { type: "string", default: "10" },
    "bc-steps": { type: "string", default: "2000" },
    seed: { type: "string", default: "101" },
    episodes: { type: "string", default: "20" },
    "max-steps": { type: "string", default: "100" },
    "actor-hidden": { type: "string", default: DEFAULT_TD3.hidden.join(",") },
  },
});
// Every numeric option is a whole number ≥ 1 (a width list of them for the actor): said here, not as NaN deep in tfjs.
function whole(name: keyof typeof values): number[] {
  const raw = String(values[name]);
  const out = raw.split(",").map(Number);
  if (out.some((n) => !Number.isInteger(n) || n < 1))
    throw new Error(`--${name} must be whole numbers ≥ 1 (comma-separated for --actor-hidden), got '${raw}'`);
  return out;
}
const [seed, maxSteps] = [whole("seed")[0]!, whole("max-steps")[0]!];
const env = await createPolicyEnv(values.task, seed, { maxSteps });
const learner: LearnerConfig = {
  ...DEFAULT_LEARNER,
  td3: {
    ...DEFAULT_TD3,
    observationDim: env.observationNames.length,
    actionDim: ACTION_DIM,
    actorHidden: whole("actor-hidden"),
  },
  explorationNoise: 0,
  bcSteps: whole("bc-steps")[0]!,
};
// The experiment's own demo collection (seeds, noise, success filter); the reward condition does not
// matter to cloning.
const demos = await collectDemos(env, undefined, {
  task: values.task,
  condition: "sparse",
  seed,
  rollouts: 0,
  evalEvery: 1,
  evalEpisodes: 0,
  demos: whole("demos")[0]!,
  demoNoise: 0.005,
  successDelta: 0.05,
  maxSteps,
  selfImitation: false,
  learner,
});
const cloned = new Learner(learner, seed);
const bcLoss = cloned.pretrain(demos);

const furthest = new Array<number>(env.stageNames.length).fill(0);
let successes = 0;
const episodes = whole("episodes")[0]!;
for (let j = 0; j < episodes; j++) {
  let s = env.reset(EVAL_SEED_BASE + j);
  let stage = 0;
  for (;;) {
    const action = executedAction(cloned.act(s.observation, false), env.actionBounds);
    s = env.step(denormalizeAction(action, env.actionBounds));
    stage = Math.max(stage, s.groundTruth.stage);
    if (s.groundTruth.terminal || s.groundTruth.truncated) break;
  }
  if (s.groundTruth.success) successes++;
  else furthest[stage]!++;
}
console.log(
  `${values.task}: ${demos.length} demo transitions, BC loss ${bcLoss.toFixed(4)}; greedy success ${successes}/${episodes}`,
);
console.log(
  `failures by the furthest stage reached: ${env.stageNames.map((n, k) => `${n} ${furthest[k]}`).join(", ")}`,
);
cloned.dispose();
env.close();
