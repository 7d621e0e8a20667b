/** One step of experience, as the learner stores it. */
export interface Transition {
  readonly observation: Float32Array;
  /** Normalized to [-1, 1] per dimension (see spaces.ts). */
  readonly action: Float32Array;
  readonly reward: number;
  readonly nextObservation: Float32Array;
  /** True terminal: no bootstrap from nextObservation. */
  readonly terminal: boolean;
  /** Time-limit truncation: the learner bootstraps from nextObservation. */
  readonly truncated: boolean;
}

/** A minibatch in row-major typed arrays, ready to become tensors. */
export interface Batch {
  readonly size: number;
  readonly observations: Float32Array;
  readonly actions: Float32Array;
  readonly rewards: Float32Array;
  readonly nextObservations: Float32Array;
  /** 1 where the learner bootstraps (not terminal), 0 at a true terminal. */
  readonly bootstrap: Float32Array;
}
