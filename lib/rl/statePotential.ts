import { Mlp } from "./mlp.js";
import { Rng } from "./random.js";
import type { PotentialInput, PotentialSource } from "./rewards.js";
import { observationNorm } from "./td3.js";
import { tf } from "./tf.js";

/** One recorded episode for potential training: observations and the stage index at each of them. */
export interface LabelledEpisode {
  readonly observations: readonly Float32Array[];
  readonly stages: readonly number[];
}

/**
 * Stage-aware progress labels (DESIGN §4, step-wise discretization): each stage gets an equal share 1/K of
 * progress, spread linearly over the steps spent in it, however long that stage took. Steps are assigned
 * to the highest stage reached so far, so a wobble back does not produce a label that goes down. A stage
 * index of `stageCount` or more marks the task done: label 1.
 */
export function stageLabels(stages: readonly number[], stageCount: number): number[] {
  const reached: number[] = [];
  let high = 0;
  for (const s of stages) reached.push((high = Math.max(high, s)));
  const labels = new Array<number>(stages.length);
  let start = 0;
  while (start < reached.length) {
    let end = start;
    while (end + 1 < reached.length && reached[end + 1] === reached[start]) end++;
    const k = reached[start]!;
    const n = end - start + 1;
    for (let i = 0; i < n; i++) labels[start + i] = k >= stageCount ? 1 : (k + (i + 1) / n) / stageCount;
    start = end + 1;
  }
  return labels;
}

export interface StatePotentialOptions {
  readonly hidden?: readonly number[];
  readonly steps?: number;
  readonly batchSize?: number;
  readonly learningRate?: number;
  readonly seed?: number;
}

export interface PotentialRegressionOptions extends StatePotentialOptions {
  /** The network's name (tfjs variable names are global: two live networks need two names). */
  readonly name?: string;
  /** The batch sampler's stream, `potential-<seed>` by default. */
  readonly rngName?: string;
  /** Normalized inputs are clipped to ±this (absent: not clipped), so a state unlike the data stays in range. */
  readonly inputClip?: number;
}

/**
 * Regression of a potential in [0, 1] (sigmoid output) onto labelled states: an MLP on states normalized by
 * their own mean and spread, fitted by Adam on sampled batches. Returns Φ̂ and the last batch's loss.
 */
export function regressPotential(
  xs: readonly Float32Array[],
  ys: readonly number[],
  options: PotentialRegressionOptions = {},
): { readonly predict: (x: Float32Array) => number; readonly trainLoss: number } {
  if (xs.length === 0) throw new Error("potential training needs at least one labelled step");
  if (xs.length !== ys.length) throw new Error(`${xs.length} states but ${ys.length} potential labels`);
  const dim = xs[0]!.length;
  const flat = new Float32Array(xs.length * dim);
  xs.forEach((x, i) => flat.set(x, i * dim));
  const norm = observationNorm(flat, dim);
  const seed = options.seed ?? 0;
  const net = new Mlp([dim, ...(options.hidden ?? [64, 64]), 1], "linear", seed, options.name ?? "potential");
  const optimizer = tf.train.adam(options.learningRate ?? 1e-3);
  const rng = new Rng(options.rngName ?? `potential-${seed}`);
  const batchSize = Math.min(options.batchSize ?? 128, xs.length);
  const mean = tf.keep(tf.tensor1d(norm.mean));
  const std = tf.keep(tf.tensor1d(norm.std));
  const clip = options.inputClip;
  const predict = (x: tf.Tensor2D): tf.Tensor2D => {
    const z = tf.div(tf.sub(x, mean), std) as tf.Tensor2D;
    return tf.sigmoid(net.apply(clip === undefined ? z : (tf.clipByValue(z, -clip, clip) as tf.Tensor2D)));
  };
  let trainLoss = NaN;
  for (let step = 0; step < (options.steps ?? 1500); step++) {
    const bx = new Float32Array(batchSize * dim);
    const by = new Float32Array(batchSize);
    for (let b = 0; b < batchSize; b++) {
      const i = rng.int(xs.length);
      bx.set(xs[i]!, b * dim);
      by[b] = ys[i]!;
    }
    trainLoss = tf.tidy(() => {
      const x = tf.tensor2d(bx, [batchSize, dim]);
      const y = tf.tensor2d(by, [batchSize, 1]);
      const loss = optimizer.minimize(
        () => tf.losses.meanSquaredError(y, predict(x)) as tf.Scalar,
        true,
        net.variables,
      )!;
      return loss.dataSync()[0]!;
    });
  }
  optimizer.dispose();
  return {
    trainLoss,
    predict: (x) => tf.tidy(() => predict(tf.tensor2d(x, [1, dim])).dataSync()[0]!),
  };
}

/**
 * A learned potential on the low-dimensional state: an MLP regressed onto stage-aware labels of recorded
 * episodes. It stands in for the image reward model where an environment has no cameras (the point-mass
 * fixture, or a robot that only gives state), and is learned from the same kind of data: labelled demos,
 * never the ground truth of the states the policy visits.
 */
export function trainStatePotential(
  episodes: readonly LabelledEpisode[],
  stageCount: number,
  options: StatePotentialOptions = {},
): PotentialSource & { readonly trainLoss: number } {
  const xs: Float32Array[] = [];
  const ys: number[] = [];
  for (const e of episodes) {
    if (e.observations.length !== e.stages.length) {
      throw new Error(
        `episode has ${e.observations.length} observations but ${e.stages.length} stage labels`,
      );
    }
    xs.push(...e.observations);
    ys.push(...stageLabels(e.stages, stageCount));
  }
  const { predict, trainLoss } = regressPotential(xs, ys, options);
  const value = (input: PotentialInput): number => predict(input.observation);
  return { name: "state-mlp", trainLoss, startEpisode: value, potential: value };
}
