import { tf } from "./tf.js";

let instances = 0;

/**
 * A fully connected network held as tf variables. Hand-built rather than a tfjs-layers model because TD3
 * needs in-place Polyak updates of target networks and explicit variable lists per optimiser, which plain
 * variables give directly.
 */
export class Mlp {
  readonly variables: tf.Variable[] = [];

  constructor(
    readonly sizes: readonly number[],
    readonly outputActivation: "linear" | "tanh",
    seed: number,
    name: string,
  ) {
    if (sizes.length < 2) throw new Error(`network ${name} needs at least an input and an output size`);
    // tf variable names are global to the engine; a counter keeps several agents (one per seed) apart.
    const prefix = `${name}_${instances++}`;
    for (let i = 0; i + 1 < sizes.length; i++) {
      const [fanIn, fanOut] = [sizes[i]!, sizes[i + 1]!];
      // Uniform ±1/√fan_in, the usual default for actor-critic MLPs, seeded per layer.
      const limit = 1 / Math.sqrt(fanIn);
      this.variables.push(
        tf.variable(
          tf.randomUniform([fanIn, fanOut], -limit, limit, "float32", seed * 100 + i),
          true,
          `${prefix}/w${i}`,
        ),
        tf.variable(
          tf.randomUniform([fanOut], -limit, limit, "float32", seed * 100 + 50 + i),
          true,
          `${prefix}/b${i}`,
        ),
      );
    }
  }

  apply(x: tf.Tensor2D): tf.Tensor2D {
    let h = x;
    const layers = this.variables.length / 2;
    for (let i = 0; i < layers; i++) {
      h = tf.add(tf.matMul(h, this.variables[2 * i] as tf.Tensor2D), this.variables[2 * i + 1]!);
      if (i + 1 < layers) h = tf.relu(h);
    }
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
