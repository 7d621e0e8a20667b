// How well a reward model's Φ tracks the true progress on the states an RL learner visits, not on the
// scripted episodes of its held-out evaluation: trains the experiment's pbrs learner (noisy demos, cloning,
// exploring rollouts rewarded by the model's Φ through the reward node's own code) and compares, per
// state, the model's Φ with the sim's true progress. It told that the shipped push model scored the push
// learner's failures (the block short of the goal, the gripper out of pose) at 0.6-0.97 where the truth
// was near 0.2 (docs/experiments/README.md). Usage below (--help prints it).
import { parseArgs } from "node:util";
import { spearman } from "../lib/math/spearman.js";
import { FUSION_MODES, type FusionMode } from "../lib/reward/fusion.js";
import { cloneAndTrain, trainingOnlyRun } from "../lib/rl/experiment/runner.js";
import { DEFAULT_LEARNER, Learner } from "../lib/rl/learner.js";
import { createModelPotential } from "../lib/rl/modelPotential.js";
import type { PotentialInput, PotentialSource } from "../lib/rl/rewards.js";
import { ACTION_DIM } from "../lib/rl/spaces.js";
import { DEFAULT_TD3 } from "../lib/rl/td3.js";
import { createPolicyEnv } from "../sim/policyEnv.js";

const USAGE = `usage: xvfb-run -a npx tsx scripts/potential-on-rollouts.ts [--task push] [--model models/hop_<task>]
    [--fusion fused] [--score-every 1] [--seed 101] [--rollouts 30] [--demos 5] [--actor-weight-decay 3] [--max-steps 100]
`;
const OPTIONS = {
  task: { type: "string", default: "push" },
  model: { type: "string" },
  fusion: { type: "string", default: "fused" },
  "score-every": { type: "string", default: "1" },
  seed: { type: "string", default: "101" },
  rollouts: { type: "string", default: "30" },
  demos: { type: "string", default: "5" },
  "actor-weight-decay": { type: "string", default: "3" },
  "max-steps": { type: "string", default: "100" },
  help: { type: "boolean", default: false },
} as const;
// A bad option is said and the script exits, rather than thrown: tfjs's wasm backend rethrows uncaught
// errors from its own minified module (as in bc-failure-stages.ts).
function usageError(message: string): never {
  process.stderr.write(`${message}\n${USAGE}`);
  process.exit(2);
}
let values: ReturnType<typeof parseArgs<{ options: typeof OPTIONS }>>["values"];
try {
  values = parseArgs({ options: OPTIONS }).values;
} catch (err) {
  usageError((err as Error).message);
}
if (values.help) {
  process.stdout.write(USAGE);
  process.exit(0);
}
const number = (name: keyof typeof OPTIONS, min: number): number => {
  const n = Number(values[name]);
  if (!Number.isFinite(n) || n < min)
    usageError(`--${name} must be a number ≥ ${min}, got '${values[name]}'`);
  return n;
};
function fusionMode(name: string): FusionMode {
  if (!(FUSION_MODES as readonly string[]).includes(name))
    usageError(`--fusion must be one of ${FUSION_MODES.join(", ")}, got '${name}'`);
  return name as FusionMode;
}
const task = values.task;
const seed = number("seed", 0);
const maxSteps = number("max-steps", 2);

interface Trace {
  readonly phi: number[];
  readonly truth: number[];
  readonly stage: number[];
}
const env = await createPolicyEnv(task, seed, { maxSteps });
const model = await createModelPotential({
  model: values.model ?? `models/hop_${task}`,
  task,
  fusion: fusionMode(values.fusion),
  threads: 1,
});
const traces: Trace[] = [];
const scoreEvery = number("score-every", 1);
let held = 0;
const logged = (phi: number, input: PotentialInput): number => {
  const t = traces.at(-1)!;
  t.phi.push(phi);
  t.truth.push(input.groundTruth!.progress);
  t.stage.push(input.groundTruth!.stage);
  return phi;
};
const potential: PotentialSource = {
  name: model.name,
  frames: model.frames,
  startEpisode: async (input) => {
    traces.push({ phi: [], truth: [], stage: [] });
    return logged((held = await model.startEpisode(input)), input);
  },
  // --score-every 2 scores every 2nd state (a reward node running at half the camera rate) and holds Φ
  // between: the hop models were trained on frames at least their frame_stride apart.
  potential: async (input) =>
    logged(input.step % scoreEvery === 0 ? (held = await model.potential(input)) : held, input),
};
await env.prepareFrames?.(model.frames);
const run = trainingOnlyRun({
  task,
  condition: "pbrs",
  seed,
  rollouts: number("rollouts", 1),
  demos: number("demos", 1),
  maxSteps,
  learner: {
    ...DEFAULT_LEARNER,
    td3: {
      ...DEFAULT_TD3,
      observationDim: env.observationNames.length,
      actionDim: ACTION_DIM,
      actorWeightDecay: number("actor-weight-decay", 0),
    },
  },
});
const learner = new Learner(run.learner, seed);
let demoEpisodes = 0;
await cloneAndTrain(env, potential, run, learner, { cloned: () => void (demoEpisodes = traces.length) });
learner.dispose();
await model.release();
env.close?.();

const mean = (xs: readonly number[]): number => xs.reduce((s, x) => s + x, 0) / xs.length;
function pearson(a: readonly number[], b: readonly number[]): number {
  const [ma, mb] = [mean(a), mean(b)];
  let [c, va, vb] = [0, 0, 0];
  a.forEach((x, i) => {
    c += (x - ma) * (b[i]! - mb);
    va += (x - ma) ** 2;
    vb += (b[i]! - mb) ** 2;
  });
  return va > 0 && vb > 0 ? c / Math.sqrt(va * vb) : 0;
}
function summary(name: string, part: readonly Trace[]): string {
  if (part.length === 0) return `${name}: none`;
  const steps = (f: (t: Trace, i: number) => number) =>
    part.flatMap((t) => t.phi.slice(1).map((_, i) => f(t, i + 1)));
  const dPhi = steps((t, i) => t.phi[i]! - t.phi[i - 1]!);
  const dTruth = steps((t, i) => t.truth[i]! - t.truth[i - 1]!);
  const error = part.flatMap((t) => t.phi.map((p, i) => Math.abs(p - t.truth[i]!)));
  const bias = part.flatMap((t) => t.phi.map((p, i) => p - t.truth[i]!));
  return (
    `${name}: ${part.length} episodes, ${error.length} states; Spearman Φ vs truth pooled ` +
    `${spearman(
      part.flatMap((t) => t.phi),
      part.flatMap((t) => t.truth),
    ).toFixed(3)}, per episode (mean) ${mean(part.map((t) => spearman(t.phi, t.truth))).toFixed(3)}; ` +
    `mean |Φ − truth| ${mean(error).toFixed(3)}, mean Φ − truth ${mean(bias).toFixed(3)}; ` +
    `Pearson of step changes ${pearson(dPhi, dTruth).toFixed(3)}; Pearson of final Φ with final truth ` +
    `${pearson(
      part.map((t) => t.phi.at(-1)!),
      part.map((t) => t.truth.at(-1)!),
    ).toFixed(3)}`
  );
}
const rollouts = traces.slice(demoEpisodes);
// An episode's last state is a success exactly when its true progress is 1 (the sim's stage-aware truth).
const succeeded = (t: Trace): boolean => t.truth.at(-1)! >= 1;
process.stdout.write(
  `model ${model.name}, fusion ${values.fusion}, scored every ${scoreEvery} step(s), task ${task}, learner seed ${seed}, ${run.rollouts} rollouts from ${run.demos} demos\n` +
    [
      summary("demo attempts", traces.slice(0, demoEpisodes)),
      summary("training rollouts", rollouts),
      summary("  successful", rollouts.filter(succeeded)),
      summary(
        "  failed",
        rollouts.filter((t) => !succeeded(t)),
      ),
    ].join("\n") +
    "\n",
);
const stages = [...new Set(rollouts.flatMap((t) => t.stage))].sort((a, b) => a - b);
for (const s of stages) {
  const gap = rollouts.flatMap((t) => t.phi.flatMap((p, i) => (t.stage[i] === s ? [p - t.truth[i]!] : [])));
  process.stdout.write(
    `true stage ${s}: ${gap.length} states, mean Φ − truth ${mean(gap).toFixed(3)}, mean |Φ − truth| ${mean(gap.map(Math.abs)).toFixed(3)}\n`,
  );
}
