import { FlatAdam } from "./flatAdam.js";
import { Mlp } from "./mlp.js";
import type { Rng } from "./random.js";
import { tf } from "./tf.js";
import type { Batch } from "./transition.js";

export interface Td3Config {
  readonly observationDim: number;
  readonly actionDim: number;
  /** The critics' hidden layer widths, and the actor's unless `actorHidden` says otherwise. */
  readonly hidden: readonly number[];
  /**
   * The actor's hidden layer widths. The actor is what behaviour cloning fits, and the scripted expert it
   * clones switches between phases (hover, descend, close, lift, carry): at 64×64 cloning 60 demos gave
   * 28–62% greedy success on pick_place, at 256×256 72% (scripts/bc-failure-stages.ts, seed 101).
   */
  readonly actorHidden?: readonly number[];
  /** The learner's discount; the shaping term must use the same value. */
  readonly gamma: number;
  readonly tau: number;
  readonly actorLr: number;
  readonly criticLr: number;
  /** Target policy smoothing (Fujimoto et al. 2018), in normalized action units. */
  readonly targetNoise: number;
  readonly targetNoiseClip: number;
  /** Actor and target updates once per this many critic updates. */
  readonly policyDelay: number;
  /**
   * Weight of the Q term in the actor loss. TD3+BC divides it by mean|Q|, but shaped returns hover near 0
   * (the potential terms telescope to about −Φ(s)), where that ratio explodes and the actor leaves the
   * demonstrations within a few updates; all rewards here are O(1) per episode, so a fixed weight is used.
   */
  readonly alpha: number;
  /** Weight of the behaviour-cloning regulariser on demonstration pairs (0 = plain TD3). */
  readonly bcWeight: number;
  /**
   * Critic-only updates before the actor starts to move: a critic that has not yet fitted the cloned
   * policy's returns drags a good BC actor towards arbitrary actions and undoes the demonstrations.
   */
  readonly actorWarmupUpdates: number;
  /** LayerNorm in the critics' hidden layers (RLPD): stable values at several updates per transition. */
  readonly criticLayerNorm: boolean;
  /**
   * What the actor regresses onto. `demos`: the demonstration actions, all alike (TD3+BC). `advantage`:
   * every action of the critic's batch (demos and the policy's own experience), weighted by how much better
   * the critics rate it than the actor's own choice (advantage-weighted regression, as AWAC, Nair et al.
   * 2020, and CRR do), so the policy copies its own successes and what a dense reward marks as progress,
   * while staying on actions it has seen.
   */
  readonly regressionTarget: "demos" | "advantage";
  /**
   * Temperature of the advantage weights, in units of the batch's advantage standard deviation: weights are
   * n·softmax(A / (β·std A)), so they do not depend on the reward's scale (sparse and shaped returns differ
   * by orders of magnitude) and average 1, keeping `bcWeight` meaningful.
   */
  readonly advantageTemperature: number;
  /**
   * Weight β of progress guidance in the actor loss, −β·Φ̂(ŝ′(s, π(s))): one-step ascent of the reward's
   * potential through two learned models, a state potential Φ̂(s) regressed onto every transition's
   * `nextPotential` and a dynamics model ŝ′(s, a) = s + D(s, a) regressed onto the replay's steps. The true
   * Φ's ascent is a good guide (greedy ascent succeeds on pick_place and push, scripts/potential-ascent.ts);
   * a model of the change Φ(s′) − Φ(s) from (s, a), like the critics, agreed with the true slope at a
   * cosine of only ≈ 0.3, where Φ̂ through fitted dynamics reached 0.69 (scripts/critic-quality.ts, seventh
   * tuning round): every state carries a potential label with Φ's whole range as signal, and how an
   * action moves the state is nearly linear, where an action's effect on Φ is a small part of the change
   * across states. A bias towards progress now, as the BC term is a bias towards the demonstrations: the
   * reward itself stays policy-invariant. 0 (the default): no models, nor labels to fit them to under a
   * sparse reward. Needs one-step transitions (nStep 1), since D learns one step.
   */
  readonly progressWeight: number;
  /**
   * The action dimensions progress guidance moves (indices; absent: all). The others still enter Φ̂(ŝ′),
   * as constants. Meant to keep the guidance off a binary gripper, whose effect on the state (the grasp)
   * one step's dynamics model cannot tell from its cause; on the tuning seed guiding the translation alone
   * collapsed at β ≥ 3 just as guiding every dimension did (docs/experiments/README.md, seventh round).
   */
  readonly progressActions?: readonly number[];
  /**
   * Fit the progress models (Φ̂ and D) even at `progressWeight` 0, for what ranks actions by Φ̂(ŝ′(s, a))
   * instead of pulling the actor (the learner's `candidateRanking`).
   */
  readonly progressModels?: boolean;
  /**
   * Critics in the ensemble, ≥ 2. Each TD target is the minimum of two of them drawn at random per update
   * (REDQ, Chen et al. 2021; with 2 that is TD3's clipped double Q), so more critics do not make the
   * target more pessimistic, only their disagreement better measured.
   */
  readonly criticCount?: number;
  /**
   * κ of the actor's value, mean − κ·std over the ensemble (a lower confidence bound, as SAC-N and EDAC
   * use against actions the data do not support, An et al. 2021): the actor follows the critics' slope
   * where they agree and is held back where they disagree. The sixth tuning round found the PBRS critics'
   * slope right on average (cosine 0.33 with the true progress) and every stronger pull on it lowering
   * success, the actor exploiting the slope's error. With 2 critics and κ = 0, TD3's own choice: the first
   * critic's value, one network's gradient instead of the ensemble's.
   */
  readonly pessimism?: number;
  /**
   * k of the fine-scale copy of the observation that the actor and the critics see beside the normalized
   * one: tanh(k·x/σ) per feature, σ the demonstrations' standard deviation and x not centred, so the copy
   * is steepest where a feature is 0, as an object's offset from the gripper is at the grasp. Normalized by
   * σ alone (floored at 0.1: 10 cm for the offsets), the last centimetres before a grasp are a few tenths of
   * a unit of input, which a small MLP fitted to a few demos does not resolve: cloned and fine-tuned policies
   * on pick_place stopped 1–4 cm beside the cube with a zero action and stayed there for the rest of the
   * episode (the commonest failure, traced in docs/experiments/README.md, ninth round). A fixed multi-scale input in the spirit of Fourier
   * features against an MLP's spectral bias (Tancik et al. 2020), without their random frequencies. A lower
   * floor on σ, the offsets' own scale, did not remove those failures. 0: the normalized observation alone.
   */
  readonly fineScale?: number;
  /**
   * Decoupled weight decay of the actor (AdamW). The actor keeps regressing onto the few demos for the
   * whole run, and on push that over-fits them: the cloned policy's greedy success fell from 16/40 after
   * 2000 behaviour-cloning steps to 5/40 after 8000, and online training lost its start the same way under
   * every reward; at 3 it held 23/40 after 8000 steps and push learned (docs/experiments, eleventh round).
   * On pick_place, whose grasp needs the fine-scale input's last millimetres, it cloned worse (15 and 11/40
   * against 17 and 23/40 on the tuning seeds): a per-task setting, 0 (none) by default.
   */
  readonly actorWeightDecay?: number;
}

export const DEFAULT_TD3: Omit<Td3Config, "observationDim" | "actionDim"> = {
  hidden: [64, 64],
  gamma: 0.98,
  tau: 0.005,
  actorLr: 3e-4,
  criticLr: 3e-4,
  targetNoise: 0.2,
  targetNoiseClip: 0.5,
  policyDelay: 2,
  // ConRFT's online weights (Q 1, BC 0.5; DESIGN §7) were tried on the tuning seed 101 (pick_place, 10
  // demos, 60 rollouts) and lost the cloned behaviour (pbrs_oracle 30% → 0%); Q 0.2, BC 1 with the same
  // LayerNorm critics and 2 updates per transition kept and improved it (30% → 50%): docs/experiments.
  alpha: 0.2,
  bcWeight: 1,
  actorWarmupUpdates: 1000,
  criticLayerNorm: true,
  regressionTarget: "demos",
  advantageTemperature: 1,
  progressWeight: 0,
  // Ninth tuning round and the full-size run on seeds 10–12 after it (docs/experiments): with k 3 sparse,
  // PBRS and PBRS on the true Φ each ended 12–31 points higher on pick_place than on the same seeds without
  // the copy.
  fineScale: 3,
};

export interface UpdateStats {
  criticLoss: number;
  /** Present on the updates that also moved the actor. */
  actorLoss?: number;
  meanQ: number;
}

const NORM_CLIP = 5;

// The same value as tf.losses.meanSquaredError, in two kernels instead of its weighted-loss machinery
// (casts, a weights tensor, a division), which the learner pays on every update.
function meanSquare(a: tf.Tensor, b: tf.Tensor): tf.Scalar {
  return tf.mean(tf.squaredDifference(a, b));
}

/** Observation normalization, fixed once from the demonstrations so the networks see O(1) inputs. */
export interface ObservationNorm {
  readonly mean: Float32Array;
  readonly std: Float32Array;
}

export function observationNorm(observations: Float32Array, dim: number, minStd = 0.1): ObservationNorm {
  const n = observations.length / dim;
  if (!Number.isInteger(n) || n < 1)
    throw new Error(`need at least one ${dim}-value observation for normalization`);
  const mean = new Float32Array(dim);
  const std = new Float32Array(dim);
  for (let i = 0; i < n; i++) for (let j = 0; j < dim; j++) mean[j]! += observations[i * dim + j]! / n;
  for (let i = 0; i < n; i++)
    for (let j = 0; j < dim; j++) std[j]! += (observations[i * dim + j]! - mean[j]!) ** 2 / n;
  for (let j = 0; j < dim; j++) std[j] = Math.max(Math.sqrt(std[j]!), minStd);
  return { mean, std };
}

/**
 * TD3 (twin critics, delayed actor, target smoothing) with the TD3+BC actor objective of Fujimoto & Gu
 * (2021), −α·Q(s, π(s)) + w·‖π(s_demo) − a_demo‖², so that online learning starts from and stays anchored
 * to the cloned behaviour. Actions are in [-1, 1] (tanh actor).
 */
export class Td3Agent {
  readonly actor: Mlp;
  readonly critics: readonly Mlp[];
  readonly actorTarget: Mlp;
  readonly criticTargets: readonly Mlp[];
  readonly actorOptimizer: FlatAdam;
  readonly criticOptimizer: FlatAdam;
  /** The state-potential and dynamics models of progress guidance and their optimizer, when `progressWeight` > 0. */
  readonly progress:
    { readonly potential: Mlp; readonly dynamics: Mlp; readonly optimizer: FlatAdam } | undefined;
  /** 1 on the dimensions `progressActions` names, 0 elsewhere; absent when guidance moves them all. */
  private readonly progressMask: tf.Tensor2D | undefined;
  /** Regression steps the progress models have had: an unfitted model's slope would only be noise. */
  progressUpdates = 0;
  private normMean: tf.Tensor1D;
  private normStd: tf.Tensor1D;
  /** μ/σ, so that the fine-scale copy tanh(k·x/σ) = tanh(k·(z + μ/σ)) is made from the normalized z. */
  private normOffset: tf.Tensor1D;
  criticUpdates = 0;

  constructor(
    readonly config: Td3Config,
    seed: number,
    norm?: ObservationNorm,
  ) {
    const { observationDim: o, actionDim: a, hidden } = config;
    const fine = config.fineScale ?? 0;
    if (!(fine >= 0)) throw new Error(`fineScale must be ≥ 0, got ${fine}`);
    // The networks that act and judge see the observation at both scales; the progress models keep the
    // normalized state, which their dynamics model steps.
    const input = fine > 0 ? 2 * o : o;
    const actorSizes = [input, ...(config.actorHidden ?? hidden), a];
    this.actor = new Mlp(actorSizes, "tanh", seed, "actor");
    this.actorTarget = new Mlp(actorSizes, "tanh", seed, "actor_target");
    const ln = config.criticLayerNorm;
    const count = config.criticCount ?? 2;
    if (!Number.isInteger(count) || count < 2)
      throw new Error(`criticCount must be an integer ≥ 2, got ${count}`);
    const pessimism = config.pessimism ?? 0;
    if (!(pessimism >= 0)) throw new Error(`pessimism must be ≥ 0, got ${pessimism}`);
    // Seeds seed+1, seed+2 are the twin critics' as before ensembles; the state potential keeps seed+3.
    const criticSeed = (i: number): number => seed + (i < 2 ? i + 1 : i + 2);
    const critic = (i: number, suffix: string): Mlp =>
      new Mlp([input + a, ...hidden, 1], "linear", criticSeed(i), `critic${i + 1}${suffix}`, ln, true);
    this.critics = Array.from({ length: count }, (_, i) => critic(i, ""));
    this.criticTargets = Array.from({ length: count }, (_, i) => critic(i, "_target"));
    this.syncTargets();
    this.actorOptimizer = new FlatAdam(this.actor.variables, config.actorLr, config.actorWeightDecay ?? 0);
    this.criticOptimizer = new FlatAdam(
      this.critics.flatMap((c) => c.variables),
      config.criticLr,
    );
    if (config.progressWeight > 0 || config.progressModels) {
      const potential = new Mlp([o, ...hidden, 1], "linear", seed + 3, "potential", ln);
      // Zero output layer: the first prediction is "the state does not move".
      const dynamics = new Mlp([o + a, ...hidden, o], "linear", seed + 100, "dynamics", ln, true);
      const variables = [...potential.variables, ...dynamics.variables];
      this.progress = { potential, dynamics, optimizer: new FlatAdam(variables, config.criticLr) };
      const dims = config.progressActions;
      if (dims) {
        if (dims.some((d) => !Number.isInteger(d) || d < 0 || d >= a))
          throw new Error(`progressActions must be action indices in [0, ${a}), got [${dims.join(", ")}]`);
        const mask = Float32Array.from({ length: a }, (_, i) => (dims.includes(i) ? 1 : 0));
        this.progressMask = tf.keep(tf.tensor2d(mask, [1, a]));
      }
    }
    this.normMean = tf.keep(tf.zeros([o]));
    this.normStd = tf.keep(tf.ones([o]));
    this.normOffset = tf.keep(tf.zeros([o]));
    if (norm) this.setNorm(norm);
  }

  setNorm(norm: ObservationNorm): void {
    const o = this.config.observationDim;
    if (norm.mean.length !== o || norm.std.length !== o) {
      throw new Error(`observation normalization has ${norm.mean.length} values, the learner expects ${o}`);
    }
    this.normMean.dispose();
    this.normStd.dispose();
    this.normOffset.dispose();
    this.normMean = tf.keep(tf.tensor1d(norm.mean));
    this.normStd = tf.keep(tf.tensor1d(norm.std));
    this.normOffset = tf.keep(tf.div(this.normMean, this.normStd));
  }

  norm(): ObservationNorm {
    return { mean: this.normMean.dataSync() as Float32Array, std: this.normStd.dataSync() as Float32Array };
  }

  syncTargets(): void {
    this.actorTarget.copyFrom(this.actor);
    this.criticTargets.forEach((t, i) => t.copyFrom(this.critics[i]!));
  }

  // Clipped: a feature that never changed in the demos (say, the gripper flag) has a tiny std, and the
  // first time the policy flips it the unclipped input would be tens of σ out and the networks' output junk.
  private normalize(observations: tf.Tensor2D): tf.Tensor2D {
    const z = tf.div(tf.sub(observations, this.normMean), this.normStd);
    return tf.clipByValue(z, -NORM_CLIP, NORM_CLIP) as tf.Tensor2D;
  }

  /** What the actor and the critics take for normalized states z: z itself, or z beside its fine-scale copy. */
  private input(z: tf.Tensor2D): tf.Tensor2D {
    const k = this.config.fineScale ?? 0;
    if (k <= 0) return z;
    return tf.concat([z, tf.tanh(tf.mul(k, tf.add(z, this.normOffset)))], 1) as tf.Tensor2D;
  }

  /** The deterministic policy for one observation, in [-1, 1]. */
  act(observation: Float32Array): Float32Array {
    return tf.tidy(() => {
      const x = this.normalize(tf.tensor2d(observation, [1, this.config.observationDim]));
      return this.actor.apply(this.input(x)).dataSync() as Float32Array;
    });
  }

  /** The minimum over the critics of Q(s, a), for one observation and each of several actions (row-major). */
  values(observation: Float32Array, actions: Float32Array): Float32Array {
    return this.evaluate(observation, actions, (s, a) => this.minimumQ(this.critics, this.input(s), a));
  }

  /** Φ̂(ŝ′(s, a)), what progress guidance climbs and progress ranking sorts by, for one observation and several actions. */
  predictedProgress(observation: Float32Array, actions: Float32Array): Float32Array {
    if (!this.progress)
      throw new Error("this learner has no progress models (progressWeight is 0 and progressModels off)");
    return this.evaluate(observation, actions, (s, a) => this.potentialAfter(s, a));
  }

  /** Φ̂ of the predicted next state, in normalized units as the networks see states. */
  private potentialAfter(s: tf.Tensor2D, a: tf.Tensor2D): tf.Tensor2D {
    const { potential, dynamics } = this.progress!;
    return potential.apply(tf.add(s, this.stateAction(dynamics, s, a)) as tf.Tensor2D);
  }

  private evaluate(
    observation: Float32Array,
    actions: Float32Array,
    net: (s: tf.Tensor2D, a: tf.Tensor2D) => tf.Tensor2D,
  ): Float32Array {
    const { observationDim: od, actionDim: ad } = this.config;
    const k = actions.length / ad;
    return tf.tidy(() => {
      const s = this.normalize(tf.tile(tf.tensor2d(observation, [1, od]), [k, 1]));
      return net(s, tf.tensor2d(actions, [k, ad])).dataSync() as Float32Array;
    });
  }

  /** A network of (s, a): the critics, the dynamics model. */
  private stateAction(net: Mlp, observations: tf.Tensor2D, actions: tf.Tensor2D): tf.Tensor2D {
    return net.apply(tf.concat([observations, actions], 1));
  }

  private minimumQ(critics: readonly Mlp[], s: tf.Tensor2D, a: tf.Tensor2D): tf.Tensor2D {
    return critics.map((c) => this.stateAction(c, s, a)).reduce((m, q) => tf.minimum(m, q));
  }

  /** What the actor maximizes: the ensemble's lower bound, mean − κ·std (see `pessimism`). */
  private actorValue(s: tf.Tensor2D, pi: tf.Tensor2D): tf.Tensor2D {
    const pessimism = this.config.pessimism ?? 0;
    if (this.critics.length === 2 && pessimism === 0) return this.stateAction(this.critics[0]!, s, pi);
    const qs = tf.concat(
      this.critics.map((c) => this.stateAction(c, s, pi)),
      1,
    );
    const { mean, variance } = tf.moments(qs, 1, true);
    if (pessimism === 0) return mean as tf.Tensor2D;
    return tf.sub(mean, tf.mul(pessimism, tf.sqrt(tf.add(variance, 1e-12)))) as tf.Tensor2D;
  }

  /** Two distinct critics' indices, drawn per update for the TD target (REDQ); [0, 1] with two critics. */
  private targetPair(rng: Rng): [number, number] {
    const n = this.critics.length;
    if (n === 2) return [0, 1];
    const i = rng.int(n);
    const j = (i + 1 + rng.int(n - 1)) % n;
    return [i, j];
  }

  /** One TD3 step: critic regression to the clipped double-Q target, and every policyDelay steps the actor. */
  update(batch: Batch, demos: Batch | undefined, rng: Rng): UpdateStats {
    const { observationDim: od, actionDim: ad, gamma } = this.config;
    const n = batch.size;
    let stats: UpdateStats = { criticLoss: NaN, meanQ: NaN };
    tf.tidy(() => {
      const s = this.normalize(tf.tensor2d(batch.observations, [n, od]));
      const a = tf.tensor2d(batch.actions, [n, ad]);
      const r = tf.tensor2d(batch.rewards, [n, 1]);
      const s2 = this.normalize(tf.tensor2d(batch.nextObservations, [n, od]));
      const [fs, fs2] = [this.input(s), this.input(s2)];
      const boot = tf.tensor2d(batch.bootstrap, [n, 1]);
      const { targetNoise, targetNoiseClip } = this.config;
      const noise = tf.clipByValue(
        tf.randomNormal([n, ad], 0, targetNoise, "float32", rng.int(2 ** 31)),
        -targetNoiseClip,
        targetNoiseClip,
      );
      const a2 = tf.clipByValue(tf.add(this.actorTarget.apply(fs2), noise), -1, 1) as tf.Tensor2D;
      const [i, j] = this.targetPair(rng);
      const q2 = this.minimumQ([this.criticTargets[i]!, this.criticTargets[j]!], fs2, a2);
      const y = tf.add(r, tf.mul(tf.mul(boot, gamma), q2)) as tf.Tensor2D;
      let meanQ = 0;
      const criticLoss = this.criticOptimizer.minimize(() => {
        const qs = this.critics.map((c) => this.stateAction(c, fs, a));
        meanQ = qs[0]!.mean().dataSync()[0]!;
        return qs.map((q) => meanSquare(y, q)).reduce((l, m) => tf.add(l, m)) as tf.Scalar;
      });
      const out: UpdateStats = { criticLoss, meanQ };
      this.fitProgress(s, a, s2, batch.nextPotentials);
      this.criticUpdates++;
      const actorReady = this.criticUpdates > this.config.actorWarmupUpdates;
      if (actorReady && this.criticUpdates % this.config.policyDelay === 0) {
        out.actorLoss =
          this.config.regressionTarget === "advantage"
            ? this.advantageActorStep(fs, s, a, y)
            : this.actorStep(fs, s, demos);
        this.actorTarget.softUpdate(this.actor, this.config.tau);
      }
      if (this.criticUpdates % this.config.policyDelay === 0) {
        this.criticTargets.forEach((t, i) => t.softUpdate(this.critics[i]!, this.config.tau));
      }
      stats = out;
    });
    return stats;
  }

  /** `fs` is the batch as the actor and critics take it (input), `s` the normalized states. */
  private actorStep(fs: tf.Tensor2D, s: tf.Tensor2D, demos: Batch | undefined): number {
    const { observationDim: od, actionDim: ad, alpha, bcWeight } = this.config;
    const demoS = demos
      ? this.input(this.normalize(tf.tensor2d(demos.observations, [demos.size, od])))
      : undefined;
    const demoA = demos ? tf.tensor2d(demos.actions, [demos.size, ad]) : undefined;
    return this.actorOptimizer.minimize(() => {
      const pi = this.actor.apply(fs);
      const q = this.actorValue(fs, pi);
      let l = this.withProgress(tf.neg(tf.mul(alpha, tf.mean(q))) as tf.Scalar, s, pi);
      if (demoS && demoA && bcWeight > 0) {
        l = tf.add(l, tf.mul(bcWeight, meanSquare(demoA, this.actor.apply(demoS))));
      }
      return l;
    });
  }

  /**
   * −α·Q(s, π(s)) + w·Σ softmax-weighted ‖π(s) − a‖² over the critic's batch (see `regressionTarget`). The
   * advantage is the one-step one, r + γ·Q′(s′, π′(s′)) − Q(s, π(s)), using the critic's own target `y`: a
   * dense reward credits the action that made progress at once, where Q(s, a) − Q(s, π(s)) would wait for
   * the critic to tell apart nearby actions from a few thousand transitions.
   */
  private advantageActorStep(fs: tf.Tensor2D, s: tf.Tensor2D, a: tf.Tensor2D, y: tf.Tensor2D): number {
    const { alpha, bcWeight, advantageTemperature } = this.config;
    const n = s.shape[0];
    const weights = tf.tidy(() => {
      const pi = this.actor.apply(fs);
      const value = this.minimumQ(this.critics, fs, pi);
      const advantage = tf.sub(y, value).reshape([n]);
      const { variance } = tf.moments(advantage);
      const scale = tf.mul(tf.sqrt(tf.add(variance, 1e-12)), advantageTemperature);
      return tf.mul(tf.softmax(tf.div(advantage, scale)), n).reshape([n, 1]);
    });
    const loss = this.actorOptimizer.minimize(() => {
      const pi = this.actor.apply(fs);
      const q = this.actorValue(fs, pi);
      const regression = tf.mean(tf.mul(weights, tf.mean(tf.square(tf.sub(pi, a)), 1, true)));
      return this.withProgress(
        tf.sub(tf.mul(bcWeight, regression), tf.mul(alpha, tf.mean(q))) as tf.Scalar,
        s,
        pi,
      );
    });
    weights.dispose();
    return loss;
  }

  /**
   * The actor loss minus β·mean Φ̂(ŝ′(s, π(s))), the progress guidance; the loss itself, with no extra
   * kernels on the actor's hot path, while there are no fitted progress models.
   */
  private withProgress(loss: tf.Scalar, s: tf.Tensor2D, pi: tf.Tensor2D): tf.Scalar {
    if (!this.progress || this.progressUpdates === 0 || this.config.progressWeight === 0) return loss;
    const mask = this.progressMask;
    // A copy made from the values is outside the gradient tape: the unguided dimensions are constants.
    const guided = mask
      ? tf.add(tf.mul(pi, mask), tf.mul(tf.tensor2d(pi.dataSync(), pi.shape), tf.sub(1, mask)))
      : pi;
    const guidance = tf.mul(
      this.config.progressWeight,
      tf.mean(this.potentialAfter(s, guided as tf.Tensor2D)),
    );
    return tf.sub(loss, guidance) as tf.Scalar;
  }

  /**
   * One regression step of both progress models: Φ̂(s′) onto the rows whose potential is known, and
   * D(s, a) onto every row's step s′ − s (normalized states, so each feature's error counts alike).
   */
  private fitProgress(s: tf.Tensor2D, a: tf.Tensor2D, s2: tf.Tensor2D, nextPotentials: Float32Array): void {
    if (!this.progress) return;
    const n = nextPotentials.length;
    const known = new Float32Array(n);
    const target = new Float32Array(n);
    let count = 0;
    for (let i = 0; i < n; i++) {
      const v = nextPotentials[i]!;
      if (!Number.isFinite(v)) continue;
      known[i] = 1;
      target[i] = v;
      count++;
    }
    if (count === 0) return;
    const [mask, y] = [tf.tensor2d(known, [n, 1]), tf.tensor2d(target, [n, 1])];
    const { potential, dynamics, optimizer } = this.progress;
    const step = tf.sub(s2, s);
    this.progressUpdates++;
    optimizer.minimize(() => {
      const potentialLoss = tf.div(tf.sum(tf.mul(mask, tf.squaredDifference(potential.apply(s2), y))), count);
      return tf.add(potentialLoss, meanSquare(this.stateAction(dynamics, s, a), step)) as tf.Scalar;
    });
  }

  /** Behaviour cloning: regress the actor onto demonstration actions (MSE), then copy it to its target. */
  cloneBehaviour(sample: () => Batch, steps: number): number {
    let last = NaN;
    for (let i = 0; i < steps; i++) last = this.imitationStep(sample());
    this.actorTarget.copyFrom(this.actor);
    return last;
  }

  /** One behaviour-cloning step of the actor alone (MSE onto the batch's actions); the target is left to lag. */
  imitationStep(demos: Batch): number {
    const { observationDim: od, actionDim: ad } = this.config;
    return tf.tidy(() => {
      const s = this.normalize(tf.tensor2d(demos.observations, [demos.size, od]));
      const a = tf.tensor2d(demos.actions, [demos.size, ad]);
      const fs = this.input(s);
      return this.actorOptimizer.minimize(() => meanSquare(a, this.actor.apply(fs)));
    });
  }

  dispose(): void {
    for (const m of [this.actor, this.actorTarget, ...this.critics, ...this.criticTargets]) m.dispose();
    this.progress?.potential.dispose();
    this.progressMask?.dispose();
    this.progress?.dynamics.dispose();
    this.progress?.optimizer.dispose();
    this.actorOptimizer.dispose();
    this.criticOptimizer.dispose();
    this.normMean.dispose();
    this.normStd.dispose();
    this.normOffset.dispose();
  }
}
