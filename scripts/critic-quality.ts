// How well the learner's critics predict returns: clones the experiment's demos (same seeds and learner
// defaults), trains online for N rollouts under one reward condition with the oracle Φ, then runs 30
// held-out noisy rollouts and compares min(Q1, Q2)(s, a) with each step's discounted return to the
// episode's end. A tuning aid: it found the critics' mean Q 0.4 below the mean return until their output
// layers started at zero (docs/experiments/README.md). Steps of failed rollouts within 30 steps of the
// time limit are left out (their return is cut short where Q bootstraps). Usage (no rendering needed):
//   npx tsx scripts/critic-quality.ts [--condition pbrs_oracle] [--rollouts 40] [--task pick_place] [--seed 101]
//       [--held-out 30] [--n-step 1] [--q-weight 0.2] [--updates-per-step 1] [--progress-weight 0]
//       [--exploration-noise 0.2]
// Besides the values it prints slopes against the scripted expert's direction and against the true progress
// slope: the critics' ∇ₐQ, the critics' state values through a linear dynamics model fitted to the replay,
// with a progress weight the slope progress guidance follows (the learner's own Φ̂ through its own dynamics
// model), and a state-only model of Φ fitted here through the linear dynamics.
import { parseArgs } from "node:util";
import { cloneAndTrain, runEpisode, training, trainingOnlyRun } from "../lib/rl/experiment/runner.js";
import { DEFAULT_LEARNER, Learner } from "../lib/rl/learner.js";
import { oraclePotential, parseConditions } from "../lib/rl/rewards.js";
import { ACTION_DIM, normalizeAction } from "../lib/rl/spaces.js";
import { DEFAULT_TD3 } from "../lib/rl/td3.js";
import { tf } from "../lib/rl/tf.js";
import { regressPotential } from "../lib/rl/statePotential.js";
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
    "progress-weight": { type: "string", default: String(DEFAULT_TD3.progressWeight) },
    "exploration-noise": { type: "string", default: String(DEFAULT_LEARNER.explorationNoise) },
  },
});
const [condition] = parseConditions(values.condition);
if (!condition || condition === "pbrs") throw new Error("--condition: one of sparse, naive, pbrs_oracle");
const seed = Number(values.seed);
const maxSteps = 100;
const env = await createPolicyEnv(values.task, seed, { maxSteps });
const run = trainingOnlyRun({
  task: values.task,
  condition,
  seed,
  rollouts: Number(values.rollouts),
  demos: 10,
  maxSteps,
  learner: {
    ...DEFAULT_LEARNER,
    td3: {
      ...DEFAULT_TD3,
      observationDim: env.observationNames.length,
      actionDim: ACTION_DIM,
      alpha: Number(values["q-weight"]),
      progressWeight: condition === "sparse" ? 0 : Number(values["progress-weight"]),
    },
    nStep: Number(values["n-step"]),
    updatesPerStep: Number(values["updates-per-step"]),
    explorationNoise: Number(values["exploration-noise"]),
    // The full-size experiment's cloning (docs/experiments/README.md).
    bcSteps: 2000,
  },
});
const { gamma } = run.learner.td3;
const potential = condition === "sparse" ? undefined : oraclePotential;
const learner = new Learner(run.learner, seed);
// Each training state with its true Φ: what a state-only potential model is fitted to below.
const visited: { observation: Float32Array; phi: number }[] = [];
const explore = (observation: Float32Array): Float32Array => {
  visited.push({ observation, phi: env.progressIfMoved([0, 0, 0]) });
  return learner.act(observation, true);
};
const { trainingSuccesses } = await cloneAndTrain(env, potential, run, learner, { explore });

/**
 * A linear model of one step, s′ − s ≈ [a, 1]·B, fitted to the replay by least squares (Adam on the whole
 * buffer), one per value of `grasped` (a held cube moves with the gripper). With it the critics' slope can
 * be read through the state: ∇ₐ V(s + [a, 1]·B) with V(x) = min(Q1, Q2)(x, π(x)), the direction SVG(1)-style
 * actors follow, against ∇ₐ Q(s, a), which needs the critics to tell nearby actions apart.
 */
function fitDynamics(holding: boolean): Float32Array {
  const d = learner.replay.data();
  const o = env.observationNames.length;
  const rows: number[] = [];
  for (let i = 0; i < d.size; i++)
    if (d.bootstrap[i]! > 0 && d.observations[i * o + grasped]! > 0.5 === holding) rows.push(i);
  const x = new Float32Array(rows.length * (ACTION_DIM + 1));
  const y = new Float32Array(rows.length * o);
  rows.forEach((i, r) => {
    x.set(d.actions.subarray(i * ACTION_DIM, (i + 1) * ACTION_DIM), r * (ACTION_DIM + 1));
    x[r * (ACTION_DIM + 1) + ACTION_DIM] = 1;
    for (let j = 0; j < o; j++) y[r * o + j] = d.nextObservations[i * o + j]! - d.observations[i * o + j]!;
  });
  const b = tf.variable(tf.zeros([ACTION_DIM + 1, o]));
  const [xt, yt] = [tf.tensor2d(x, [rows.length, ACTION_DIM + 1]), tf.tensor2d(y, [rows.length, o])];
  const adam = tf.train.adam(0.01);
  for (let k = 0; k < 1500; k++)
    adam.minimize(() => tf.mean(tf.square(tf.sub(tf.matMul(xt, b), yt))) as tf.Scalar);
  const out = b.dataSync() as Float32Array;
  tf.dispose([b, xt, yt]);
  adam.dispose();
  return out;
}
const grasped = env.observationNames.indexOf("grasped");
const dynamics = [fitDynamics(false), fitDynamics(true)] as const;
const predictNext = (s: Float32Array, a: Float32Array): Float32Array => {
  const b = dynamics[s[grasped]! > 0.5 ? 1 : 0];
  const o = s.length;
  const next = Float32Array.from(s);
  for (let j = 0; j < o; j++) {
    let v = b[ACTION_DIM * o + j]!;
    for (let i = 0; i < ACTION_DIM; i++) v += a[i]! * b[i * o + j]!;
    next[j] = next[j]! + v;
  }
  return next;
};
/**
 * Φ̂(s), an MLP regressed onto the true Φ of every training state: a state's potential is a label each state
 * has (the reward model scores every camera group), so Φ̂ is fitted on all of them with Φ's full range as
 * signal, where a model of Φ(s′) − Φ(s) from (s, a) learns an action's small effect. Its slope through the
 * linear dynamics, ∇ₐ Φ̂(s + [a, 1]·B), is one-step potential ascent with learned parts only.
 */
// The ±5 clip and the sampler's stream are those the seventh round's figures were measured with.
const statePotential = regressPotential(
  visited.map((v) => v.observation),
  visited.map((v) => v.phi),
  { seed, name: "state_potential", rngName: "state-potential", inputClip: 5, batchSize: 256, steps: 4000 },
).predict;

const stateValue = (x: Float32Array): number => learner.agent.values(x, learner.act(x, false))[0]!;

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
const throughState: { holding: boolean; cosine: number }[] = [];
const h = 0.05;
const steered = 4; // translation x, y, z and yaw: the binary gripper has no gradient to follow
/** Central differences of `f` at π(s) along each steered dimension, all probes in one call. */
function slope(pi: Float32Array, f: (probes: Float32Array) => Float32Array): number[] {
  const probes = new Float32Array(2 * steered * ACTION_DIM);
  for (let i = 0; i < steered; i++)
    for (const [k, sign] of [
      [2 * i, 1],
      [2 * i + 1, -1],
    ] as const) {
      probes.set(pi, k * ACTION_DIM);
      probes[k * ACTION_DIM + i] = pi[i]! + sign * h;
    }
  const v = f(probes);
  return Array.from({ length: steered }, (_, i) => (v[2 * i]! - v[2 * i + 1]!) / (2 * h));
}
const eachProbe =
  (value: (a: Float32Array) => number) =>
  (probes: Float32Array): Float32Array =>
    Float32Array.from({ length: probes.length / ACTION_DIM }, (_, k) =>
      value(probes.subarray(k * ACTION_DIM, (k + 1) * ACTION_DIM)),
    );
type Alignment = { holding: boolean; cosine: number }[];
const progressSlopes: Alignment = [];
const record = (into: Alignment, grad: number[], want: number[], holding: boolean): void => {
  const size = Math.hypot(...grad) * Math.hypot(...want);
  if (size > 0) into.push({ holding, cosine: grad.reduce((acc, g, i) => acc + g * want[i]!, 0) / size });
};
/**
 * The ground truth's own slope ∂Φ(s′)/∂a over the three translation dimensions, in normalized action
 * units: the progress a step would make, which the shaped reward pays and the critics and the progress
 * model should have learned. Compared on every step (the expert's direction differs from it: the expert
 * also steers towards where the next stages need it).
 */
const translation = 3;
const { low, high } = env.actionBounds;
const trueSlope = (): number[] =>
  Array.from({ length: translation }, (_, i) => {
    const [up, down] = [1, -1].map((sign) => {
      const offset: [number, number, number] = [0, 0, 0];
      offset[i] = (sign * h * (high[i]! - low[i]!)) / 2;
      return env.progressIfMoved(offset);
    });
    return (up! - down!) / (2 * h);
  });
const againstTruth: Record<"q" | "state" | "progress" | "statePotential", Alignment> = {
  q: [],
  state: [],
  progress: [],
  statePotential: [],
};
const exploreAndCompare = (observation: Float32Array): Float32Array => {
  const pi = learner.act(observation, false);
  const truth = trueSlope();
  const holdingNow = observation[grasped]! > 0.5;
  const vsTruth = (into: Alignment, grad: number[]): void =>
    record(into, grad.slice(0, translation), truth, holdingNow);
  const expert = normalizeAction(env.expert(0), env.actionBounds);
  const want = Array.from({ length: steered }, (_, i) => expert[i]! - pi[i]!);
  if (Math.hypot(...want) > 0.1) {
    const q = slope(pi, (probes) => learner.agent.values(observation, probes));
    record(cosines, q, want, holdingNow);
    vsTruth(againstTruth.q, q);
    const viaState = slope(
      pi,
      eachProbe((a) => stateValue(predictNext(observation, a))),
    );
    record(throughState, viaState, want, holdingNow);
    vsTruth(againstTruth.state, viaState);
    vsTruth(
      againstTruth.statePotential,
      slope(
        pi,
        eachProbe((a) => statePotential(predictNext(observation, a))),
      ),
    );
    if (learner.agent.progress) {
      const p = slope(pi, (probes) => learner.agent.predictedProgress(observation, probes));
      record(progressSlopes, p, want, holdingNow);
      vsTruth(againstTruth.progress, p);
    }
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
console.log(
  `∇ₐ V(s′(a)) through the fitted linear dynamics (without the step's own reward): ${alignment(throughState)}; ` +
    `not holding: ${alignment(throughState.filter((c) => !c.holding))}; holding: ` +
    `${alignment(throughState.filter((c) => c.holding))}`,
);
if (learner.agent.progress)
  console.log(
    `∇ₐ Φ̂(ŝ′(s, a)) of progress guidance (learned potential through learned dynamics): ${alignment(progressSlopes)}; not holding: ` +
      `${alignment(progressSlopes.filter((c) => !c.holding))}; holding: ` +
      `${alignment(progressSlopes.filter((c) => c.holding))}`,
  );
for (const [what, part] of Object.entries(againstTruth))
  if (part.length > 0)
    console.log(
      `against the true progress slope ∂Φ(s′)/∂a (translation), ${what}: ${alignment(part)}; not holding: ` +
        `${alignment(part.filter((c) => !c.holding))}; holding: ${alignment(part.filter((c) => c.holding))}`,
    );
learner.dispose();
env.close();
