import seedrandom from "seedrandom";

/**
 * Seeded random numbers for everything the learner draws (exploration noise, minibatches, demo noise), so a
 * run is repeated exactly from its seed. State can be saved with the checkpoint and restored.
 */
export class Rng {
  private prng: seedrandom.prng;
  private spare: number | undefined;

  constructor(seed: number | string, state?: object) {
    this.prng = seedrandom(String(seed), state ? { state } : { state: true });
  }

  /** Uniform in [0, 1). */
  uniform(): number {
    return this.prng();
  }

  /** Integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.prng() * n);
  }

  /** Standard normal (Marsaglia polar method; seedrandom only gives uniforms). */
  normal(): number {
    if (this.spare !== undefined) {
      const s = this.spare;
      this.spare = undefined;
      return s;
    }
    let u: number, v: number, s: number;
    do {
      u = this.prng() * 2 - 1;
      v = this.prng() * 2 - 1;
      s = u * u + v * v;
    } while (s >= 1 || s === 0);
    const m = Math.sqrt((-2 * Math.log(s)) / s);
    this.spare = v * m;
    return u * m;
  }

  /** The generator's state, for checkpoints. */
  state(): object {
    return this.prng.state();
  }
}
