import type { Rng } from "./random.js";
import type { Batch, Transition } from "./transition.js";

export interface ReplayBufferData {
  readonly capacity: number;
  readonly size: number;
  readonly next: number;
  readonly observations: Float32Array;
  readonly actions: Float32Array;
  readonly rewards: Float32Array;
  readonly nextObservations: Float32Array;
  readonly bootstrap: Float32Array;
  /** Absent in checkpoints written before the learner stored potentials: NaN (unknown) then. */
  readonly nextPotentials?: Float32Array;
}

/** Fixed-capacity ring buffer of transitions in flat typed arrays; the oldest is overwritten when full. */
export class ReplayBuffer {
  private observations: Float32Array;
  private actions: Float32Array;
  private rewards: Float32Array;
  private nextObservations: Float32Array;
  private bootstrap: Float32Array;
  private nextPotentials: Float32Array;
  private next = 0;
  size = 0;

  constructor(
    readonly capacity: number,
    readonly observationDim: number,
    readonly actionDim: number,
  ) {
    if (!Number.isInteger(capacity) || capacity < 1)
      throw new Error(`replay capacity must be ≥ 1 (got ${capacity})`);
    this.observations = new Float32Array(capacity * observationDim);
    this.actions = new Float32Array(capacity * actionDim);
    this.rewards = new Float32Array(capacity);
    this.nextObservations = new Float32Array(capacity * observationDim);
    this.bootstrap = new Float32Array(capacity);
    this.nextPotentials = new Float32Array(capacity).fill(NaN);
  }

  add(t: Transition): void {
    if (t.observation.length !== this.observationDim || t.nextObservation.length !== this.observationDim) {
      throw new Error(
        `transition observation has ${t.observation.length}/${t.nextObservation.length} values, ` +
          `the learner expects ${this.observationDim}`,
      );
    }
    if (t.action.length !== this.actionDim) {
      throw new Error(
        `transition action has ${t.action.length} values, the learner expects ${this.actionDim}`,
      );
    }
    if (!Number.isFinite(t.reward)) throw new Error(`transition reward is not finite (${t.reward})`);
    const i = this.next;
    this.observations.set(t.observation, i * this.observationDim);
    this.actions.set(t.action, i * this.actionDim);
    this.rewards[i] = t.reward;
    this.nextObservations.set(t.nextObservation, i * this.observationDim);
    this.bootstrap[i] = t.terminal ? 0 : (t.bootstrapScale ?? 1);
    this.nextPotentials[i] = t.nextPotential ?? NaN;
    this.next = (i + 1) % this.capacity;
    this.size = Math.min(this.size + 1, this.capacity);
  }

  /** Uniform sample with replacement. */
  sample(batchSize: number, rng: Rng): Batch {
    if (this.size === 0) throw new Error("cannot sample from an empty replay buffer");
    const [od, ad] = [this.observationDim, this.actionDim];
    const batch = {
      size: batchSize,
      observations: new Float32Array(batchSize * od),
      actions: new Float32Array(batchSize * ad),
      rewards: new Float32Array(batchSize),
      nextObservations: new Float32Array(batchSize * od),
      bootstrap: new Float32Array(batchSize),
      nextPotentials: new Float32Array(batchSize),
    };
    for (let b = 0; b < batchSize; b++) {
      const i = rng.int(this.size);
      batch.observations.set(this.observations.subarray(i * od, (i + 1) * od), b * od);
      batch.actions.set(this.actions.subarray(i * ad, (i + 1) * ad), b * ad);
      batch.rewards[b] = this.rewards[i]!;
      batch.nextObservations.set(this.nextObservations.subarray(i * od, (i + 1) * od), b * od);
      batch.bootstrap[b] = this.bootstrap[i]!;
      batch.nextPotentials[b] = this.nextPotentials[i]!;
    }
    return batch;
  }

  /** The stored observations (first `size` rows), e.g. for normalization statistics. */
  storedObservations(): Float32Array {
    return this.observations.subarray(0, this.size * this.observationDim);
  }

  data(): ReplayBufferData {
    const n = this.size;
    return {
      capacity: this.capacity,
      size: n,
      next: this.next,
      observations: this.observations.slice(0, n * this.observationDim),
      actions: this.actions.slice(0, n * this.actionDim),
      rewards: this.rewards.slice(0, n),
      nextObservations: this.nextObservations.slice(0, n * this.observationDim),
      bootstrap: this.bootstrap.slice(0, n),
      nextPotentials: this.nextPotentials.slice(0, n),
    };
  }

  static fromData(data: ReplayBufferData, observationDim: number, actionDim: number): ReplayBuffer {
    const buffer = new ReplayBuffer(data.capacity, observationDim, actionDim);
    const n = data.size;
    const expect = (name: string, got: number, want: number): void => {
      if (got !== want) throw new Error(`replay data '${name}' has ${got} values, expected ${want}`);
    };
    expect("observations", data.observations.length, n * observationDim);
    expect("actions", data.actions.length, n * actionDim);
    expect("rewards", data.rewards.length, n);
    expect("nextObservations", data.nextObservations.length, n * observationDim);
    expect("bootstrap", data.bootstrap.length, n);
    if (data.nextPotentials) expect("nextPotentials", data.nextPotentials.length, n);
    if (n > data.capacity || data.next < 0 || data.next >= data.capacity) {
      throw new Error(`replay data has size ${n} and cursor ${data.next} for capacity ${data.capacity}`);
    }
    buffer.observations.set(data.observations);
    buffer.actions.set(data.actions);
    buffer.rewards.set(data.rewards);
    buffer.nextObservations.set(data.nextObservations);
    buffer.bootstrap.set(data.bootstrap);
    if (data.nextPotentials) buffer.nextPotentials.set(data.nextPotentials);
    buffer.size = n;
    buffer.next = data.next;
    return buffer;
  }
}
