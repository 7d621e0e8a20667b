import { tf } from "./tf.js";

/** Adam's state: the step count and both moment estimates, flat in the order of the variable list. */
export interface AdamState {
  readonly iterations: number;
  readonly m: Float32Array;
  readonly v: Float32Array;
}

/**
 * Adam (Kingma & Ba 2015, with tfjs's defaults and update rule) over a list of variables held as one flat
 * vector. tf.train.adam runs about fifteen kernels per variable; a LayerNorm critic pair has twenty
 * variables, so its optimiser step was a quarter of the learner's update on the wasm backend, which pays a
 * fixed cost per kernel. Here the gradients are concatenated once and the moment update is a handful of
 * kernels whatever the number of variables. flatAdam.test.ts checks it step for step against tf.train.adam.
 */
export class FlatAdam {
  private readonly m: tf.Variable;
  private readonly v: tf.Variable;
  private readonly sizes: number[];
  private iterations = 0;

  // tfjs's Adam defaults.
  readonly beta1 = 0.9;
  readonly beta2 = 0.999;
  readonly epsilon = 1e-7;

  constructor(
    readonly variables: readonly tf.Variable[],
    readonly learningRate: number,
    /**
     * Decoupled weight decay (AdamW, Loshchilov & Hutter 2019): each step also shrinks every weight by
     * learningRate·weightDecay of itself, apart from the gradient's moments. 0: plain Adam.
     */
    readonly weightDecay = 0,
  ) {
    if (!(weightDecay >= 0)) throw new Error(`weight decay must be ≥ 0, got ${weightDecay}`);
    this.sizes = variables.map((v) => v.size);
    const n = this.sizes.reduce((a, b) => a + b, 0);
    this.m = tf.variable(tf.zeros([n]), false);
    this.v = tf.variable(tf.zeros([n]), false);
  }

  /** One step on the gradient of `loss` with respect to the variables; returns the loss before the step. */
  minimize(loss: () => tf.Scalar): number {
    return tf.tidy(() => {
      const { value, grads } = tf.variableGrads(loss, [...this.variables]);
      const g = tf.concat(this.variables.map((x) => tf.reshape(grads[x.name]!, [-1])));
      this.iterations++;
      const m = tf.add(tf.mul(this.m, this.beta1), tf.mul(g, 1 - this.beta1));
      const v = tf.add(tf.mul(this.v, this.beta2), tf.mul(tf.square(g), 1 - this.beta2));
      this.m.assign(m);
      this.v.assign(v);
      const stepSize = this.learningRate / (1 - this.beta1 ** this.iterations);
      const vHat = tf.div(v, 1 - this.beta2 ** this.iterations);
      const update = tf.mul(tf.div(m, tf.add(tf.sqrt(vHat), this.epsilon)), stepSize);
      tf.split(update, this.sizes).forEach((u, i) => {
        const x = this.variables[i]!;
        const kept = this.weightDecay > 0 ? tf.mul(x, 1 - this.learningRate * this.weightDecay) : x;
        x.assign(tf.sub(kept, tf.reshape(u, x.shape)));
      });
      return value.dataSync()[0]!;
    });
  }

  state(): AdamState {
    return {
      iterations: this.iterations,
      m: this.m.dataSync() as Float32Array,
      v: this.v.dataSync() as Float32Array,
    };
  }

  restore(state: AdamState): void {
    if (state.m.length !== this.m.size || state.v.length !== this.v.size)
      throw new Error(
        `optimizer state has ${state.m.length} and ${state.v.length} moments, the networks have ${this.m.size} parameters`,
      );
    this.iterations = state.iterations;
    tf.tidy(() => {
      this.m.assign(tf.tensor1d(state.m));
      this.v.assign(tf.tensor1d(state.v));
    });
  }

  dispose(): void {
    this.m.dispose();
    this.v.dispose();
  }
}
