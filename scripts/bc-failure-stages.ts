// Where a greedy policy fails: clones N noisy expert demos as the experiment does (same seeds, same learner
// defaults), optionally trains it for --rollouts rollouts as the experiment does (exploring, learning from
// every transition, imitating its successes) under a state-only reward (sparse or the ground-truth Φ), then
// runs the greedy policy on the experiment's evaluation episodes. It counts, for each failure, the furthest
// stage reached, and with --trace prints how each failed episode ended: the stage, the object's offset from
// the gripper, the finger gap, the last action beside the scripted expert's there, and for how many steps
// at the end the commanded translation was all but still. A tuning aid: it told that pick_place's cloned policies stall in `reach` beside the
// cube, and that after training they still stop there with a zero action (docs/experiments/README.md).
// Rendering is not needed; usage below (--help prints it).
import { parseArgs } from "node:util";
import { cloneAndTrain, EVAL_SEED_BASE, trainingOnlyRun } from "../lib/rl/experiment/runner.js";
import { DEFAULT_LEARNER, Learner, type LearnerConfig } from "../lib/rl/learner.js";
import { oraclePotential } from "../lib/rl/rewards.js";
import { ACTION_DIM, denormalizeAction, executedAction, normalizeAction } from "../lib/rl/spaces.js";
import { DEFAULT_TD3 } from "../lib/rl/td3.js";
import { createPolicyEnv } from "../sim/policyEnv.js";

const USAGE = `usage: npx tsx scripts/bc-failure-stages.ts [--task pick_place] [--demos 10] [--bc-steps 2000]
    [--seed 101] [--episodes 20] [--max-steps 100] [--actor-hidden 64,64] [--fine-scale 3]
    [--actor-weight-decay 0] [--rollouts 0] [--condition sparse|pbrs_oracle] [--trace]
`;
const OPTIONS = {
  task: { type: "string", default: "pick_place" },
  demos: { type: "string", default: "10" },
  "bc-steps": { type: "string", default: "2000" },
  seed: { type: "string", default: "101" },
  episodes: { type: "string", default: "20" },
  "max-steps": { type: "string", default: "100" },
  "actor-hidden": { type: "string", default: DEFAULT_TD3.hidden.join(",") },
  "fine-scale": { type: "string", default: String(DEFAULT_TD3.fineScale) },
  "actor-weight-decay": { type: "string", default: String(DEFAULT_TD3.actorWeightDecay ?? 0) },
  rollouts: { type: "string", default: "0" },
  condition: { type: "string", default: "sparse" },
  trace: { type: "boolean", default: false },
  help: { type: "boolean", default: false },
} as const;
// A bad option is said and the script exits, rather than thrown: tfjs's wasm backend rethrows uncaught
// errors from its own minified module, so a thrown message came out buried in 38 kB of that source.
function usageError(message: string): never {
  process.stderr.write(`${message}\n${USAGE}`);
  process.exit(2);
}
function parseOptions() {
  try {
    return parseArgs({ options: OPTIONS });
  } catch (err) {
    return usageError((err as Error).message);
  }
}
const { values } = parseOptions();
if (values.help) {
  process.stdout.write(USAGE);
  process.exit(0);
}
// Every numeric option is a whole number (≥ 1, or ≥ 0 where zero means none; a width list for the actor)
// or, for the scales, a number ≥ 0: said here, not as NaN deep in tfjs.
function whole(name: keyof typeof values, min = 1): number[] {
  const raw = String(values[name]);
  const out = raw.split(",").map(Number);
  if (out.some((n) => !Number.isInteger(n) || n < min))
    usageError(`--${name} must be whole numbers ≥ ${min} (comma-separated for --actor-hidden), got '${raw}'`);
  return out;
}
const condition = values.condition;
if (condition !== "sparse" && condition !== "pbrs_oracle")
  usageError(`--condition must be sparse or pbrs_oracle (the state-only rewards), got '${condition}'`);
function nonNegative(name: "fine-scale" | "actor-weight-decay"): number {
  const n = Number(values[name]);
  if (!(n >= 0)) usageError(`--${name} must be ≥ 0, got '${values[name]}'`);
  return n;
}
const [seed, maxSteps, rollouts] = [whole("seed")[0]!, whole("max-steps")[0]!, whole("rollouts", 0)[0]!];
const env = await createPolicyEnv(values.task, seed, { maxSteps });
const learner: LearnerConfig = {
  ...DEFAULT_LEARNER,
  td3: {
    ...DEFAULT_TD3,
    observationDim: env.observationNames.length,
    actionDim: ACTION_DIM,
    actorHidden: whole("actor-hidden"),
    fineScale: nonNegative("fine-scale"),
    actorWeightDecay: nonNegative("actor-weight-decay"),
  },
  // The cloned policy alone is deterministic; training explores as the experiment does.
  explorationNoise: rollouts > 0 ? DEFAULT_LEARNER.explorationNoise : 0,
  bcSteps: whole("bc-steps")[0]!,
};
const run = trainingOnlyRun({
  task: values.task,
  condition,
  seed,
  rollouts,
  demos: whole("demos")[0]!,
  maxSteps,
  learner,
});
const potential = condition === "pbrs_oracle" ? oraclePotential : undefined;
// The experiment's own demo collection (seeds, noise, success filter) and training loop.
const policy = new Learner(learner, seed);
const { demoTransitions, bcLoss, trainingSuccesses } = await cloneAndTrain(env, potential, run, policy);

const at = (name: string): number => {
  const i = env.observationNames.indexOf(name);
  if (i < 0) throw new Error(`the ${values.task} observation has no '${name}'`);
  return i;
};
const cm = (v: number): string => (v * 100).toFixed(1);
const vector = (a: Float32Array): string => `[${Array.from(a, (v) => v.toFixed(2)).join(", ")}]`;
// Every task's moved object is named "object" (sim/tasks).
const offsets = ["x", "y", "z"].map((axis) => at(`object_from_ee_${axis}`));
const gap = at("gripper_gap");
const furthest = new Array<number>(env.stageNames.length).fill(0);
let successes = 0;
const episodes = whole("episodes")[0]!;
for (let j = 0; j < episodes; j++) {
  let s = env.reset(EVAL_SEED_BASE + j);
  let stage = 0;
  let still = 0;
  let last: string | undefined;
  for (;;) {
    // What the scripted expert, following along, would command here: tells a policy that stops where the
    // expert would move (an imitation error) from one the expert itself would leave stuck.
    const expert = executedAction(normalizeAction(env.expert(0), env.actionBounds), env.actionBounds);
    const action = executedAction(policy.act(s.observation, false), env.actionBounds);
    still = Math.max(...[0, 1, 2].map((i) => Math.abs(action[i]!))) < 0.05 ? still + 1 : 0;
    const o = s.observation;
    last = `offset (${offsets.map((i) => cm(o[i]!)).join(", ")}) cm, gap ${cm(o[gap]!)} cm, action ${vector(action)} (expert ${vector(expert)}), still for the last ${still} steps`;
    s = env.step(denormalizeAction(action, env.actionBounds));
    stage = Math.max(stage, s.groundTruth.stage);
    if (s.groundTruth.terminal || s.groundTruth.truncated) break;
  }
  if (s.groundTruth.success) successes++;
  else {
    furthest[stage]!++;
    if (values.trace)
      console.log(
        `episode ${j}: furthest ${env.stageNames[stage]}, ended in ${env.stageNames[s.groundTruth.stage]} (${s.groundTruth.terminal ? "terminal" : "time limit"}); ${last ?? ""}`,
      );
  }
}
console.log(
  `${values.task}: ${demoTransitions} demo transitions, BC loss ${bcLoss.toFixed(4)}` +
    (rollouts > 0 ? `, then ${rollouts} ${condition} rollouts (${trainingSuccesses} successful)` : "") +
    `; greedy success ${successes}/${episodes}`,
);
console.log(
  `failures by the furthest stage reached: ${env.stageNames.map((n, k) => `${n} ${furthest[k]}`).join(", ")}`,
);
policy.dispose();
env.close();
