import { tf } from "./tf.js";

let instances = 0;

const LAYER_NORM_EPSILON = 1e-5;

/**
 * A dense layer's x·W + b with its gradient taken through explicit transposes. tfjs's own MatMul gradient
 * uses the transposed-operand forms (`matMul(dy, W, false, true)`, `matMul(x, dy, true, false)`), which the
 * wasm backend runs outside XNNPACK: at the learner's sizes (batch 256, 64 wide) each took ≈ 0.9 ms against
 * ≈ 0.1 ms for a plain product plus a transpose (tf.profile, bench/learner.ts), and they were most of an
 * update's time. The bias is in the same function so its gradient is one sum, not autodiff's broadcast
 * reduction and the copies it saves. mlp.test.ts checks all three gradients against tfjs's own.
 */
export const dense = tf.customGrad((x, w, b, save) => {
  (save as tf.GradSaveFunc)([x as tf.Tensor, w as tf.Tensor]);
  return {
    value: tf.add(tf.matMul(x as tf.Tensor2D, w as tf.Tensor2D), b as tf.Tensor),
    gradFunc: (dy, saved) => {
      const [xs, ws] = saved as [tf.Tensor2D, tf.Tensor2D];
      const g = dy as tf.Tensor2D;
      return [tf.matMul(g, tf.transpose(ws)), tf.matMul(tf.transpose(xs), g), tf.sum(g, 0)];
    },
  };
}) as (x: tf.Tensor2D, w: tf.Tensor2D, b: tf.Tensor1D) => tf.Tensor2D;

/**
 * LayerNorm over the last axis, (h − μ)/√(σ² + ε)·gain + shift, with its gradient written out. Composed of
 * tf ops (tf.moments and the affine), it took 12 kernels forward, and autodiff added about three times as
 * many backward plus an Identity for every tensor each op saves: with four LayerNorms per critic pair on
 * every update they were a sixth of the update's ~840 kernels (tf.profile). Here it is 9 forward and 12
 * backward, the textbook LayerNorm gradient dx = (ĝ − mean(ĝ) − x̂·mean(ĝ·x̂))/σ with ĝ = dy·gain;
 * mlp.test.ts checks it against autodiff through tf.moments.
 */
export const layerNorm = tf.customGrad((h, gain, shift, save) => {
  const x = h as tf.Tensor2D;
  const centred = tf.sub(x, tf.mean(x, 1, true));
  const inverseStd = tf.rsqrt(tf.add(tf.mean(tf.square(centred), 1, true), LAYER_NORM_EPSILON));
  const normalized = tf.mul(centred, inverseStd);
  (save as tf.GradSaveFunc)([normalized, inverseStd, gain as tf.Tensor]);
  return {
    value: tf.add(tf.mul(normalized, gain as tf.Tensor), shift as tf.Tensor),
    gradFunc: (dy, saved) => {
      const [xh, rstd, g] = saved as [tf.Tensor2D, tf.Tensor2D, tf.Tensor1D];
      const d = dy as tf.Tensor2D;
      const gh = tf.mul(d, g);
      const dx = tf.mul(
        tf.sub(tf.sub(gh, tf.mean(gh, 1, true)), tf.mul(xh, tf.mean(tf.mul(gh, xh), 1, true))),
        rstd,
      );
      return [dx, tf.sum(tf.mul(d, xh), 0), tf.sum(d, 0)];
    },
  };
}) as (h: tf.Tensor2D, gain: tf.Tensor1D, shift: tf.Tensor1D) => tf.Tensor2D;

/**
 * A fully connected network held as tf variables. Hand-built rather than a tfjs-layers model because TD3
 * needs in-place Polyak updates of target networks and explicit variable lists per optimiser, which plain
 * variables give directly.
 */
export class Mlp {
  readonly variables: tf.Variable[] = [];

  /** Per layer: weights, bias, and with layer norm on hidden layers its gain and shift. */
  private readonly layers: { w: tf.Variable; b: tf.Variable; gain?: tf.Variable; shift?: tf.Variable }[] = [];

  constructor(
    readonly sizes: readonly number[],
    readonly outputActivation: "linear" | "tanh",
    seed: number,
    name: string,
    /**
     * LayerNorm after each hidden layer (before the ReLU), as RLPD's critics have: it keeps Q bounded when
     * the critic is updated many times per transition on few data (Ball et al. 2023).
     */
    readonly layerNorm = false,
    /**
     * The output layer starts at zero, so the network's first outputs are 0 rather than whatever a random
     * layer gives (Lillicrap et al. 2015 start theirs near zero for the same reason). For a critic this
     * matters: its targets bootstrap from its own outputs, and a shaped reward of ~0.02 per step is
     * drowned by random initial values that decay only as fast as the target networks move. Measured
     * on pick_place (seed 101, 40 rollouts): the critics' mean Q on held-out rollouts was 0.4 below their
     * mean discounted return with random output layers and within 0.02 of it with zero ones
     * (scripts/critic-quality.ts).
     */
    readonly zeroOutput = false,
  ) {
    if (sizes.length < 2) throw new Error(`network ${name} needs at least an input and an output size`);
    // tf variable names are global to the engine; a counter keeps several agents (one per seed) apart.
    const prefix = `${name}_${instances++}`;
    for (let i = 0; i + 1 < sizes.length; i++) {
      const [fanIn, fanOut] = [sizes[i]!, sizes[i + 1]!];
      // Uniform ±1/√fan_in, the usual default for actor-critic MLPs, seeded per layer.
      const limit = zeroOutput && i + 2 === sizes.length ? 0 : 1 / Math.sqrt(fanIn);
      const layer: (typeof this.layers)[number] = {
        w: tf.variable(
          tf.randomUniform([fanIn, fanOut], -limit, limit, "float32", seed * 100 + i),
          true,
          `${prefix}/w${i}`,
        ),
        b: tf.variable(
          tf.randomUniform([fanOut], -limit, limit, "float32", seed * 100 + 50 + i),
          true,
          `${prefix}/b${i}`,
        ),
      };
      this.variables.push(layer.w, layer.b);
      if (layerNorm && i + 2 < sizes.length) {
        layer.gain = tf.variable(tf.ones([fanOut]), true, `${prefix}/ln_gain${i}`);
        layer.shift = tf.variable(tf.zeros([fanOut]), true, `${prefix}/ln_shift${i}`);
        this.variables.push(layer.gain, layer.shift);
      }
      this.layers.push(layer);
    }
  }

  apply(x: tf.Tensor2D): tf.Tensor2D {
    let h = x;
    this.layers.forEach((layer, i) => {
      h = dense(h, layer.w as tf.Tensor2D, layer.b as tf.Tensor1D);
      if (i + 1 === this.layers.length) return;
      if (layer.gain && layer.shift) {
        h = layerNorm(h, layer.gain as tf.Tensor1D, layer.shift as tf.Tensor1D);
      }
      h = tf.relu(h);
    });
    return this.outputActivation === "tanh" ? tf.tanh(h) : h;
  }

  copyFrom(source: Mlp): void {
    tf.tidy(() => this.variables.forEach((v, i) => v.assign(source.variables[i]!)));
  }

  /** θ ← τ θ_source + (1 − τ) θ (Polyak averaging for target networks). */
  softUpdate(source: Mlp, tau: number): void {
    tf.tidy(() =>
      this.variables.forEach((v, i) =>
        v.assign(tf.add(tf.mul(source.variables[i]!, tau), tf.mul(v, 1 - tau))),
      ),
    );
  }

  read(): Float32Array[] {
    return this.variables.map((v) => v.dataSync() as Float32Array);
  }

  write(values: readonly Float32Array[]): void {
    if (values.length !== this.variables.length) {
      throw new Error(`expected ${this.variables.length} weight arrays, got ${values.length}`);
    }
    tf.tidy(() =>
      this.variables.forEach((v, i) => {
        if (values[i]!.length !== v.size) {
          throw new Error(`weight ${i} has ${values[i]!.length} values, the network needs ${v.size}`);
        }
        v.assign(tf.tensor(values[i]!, v.shape));
      }),
    );
  }

  dispose(): void {
    for (const v of this.variables) v.dispose();
  }
}
