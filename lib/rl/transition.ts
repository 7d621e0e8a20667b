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
  /**
   * Scales γ in the TD target: γ^(m−1) for an m-step transition, whose reward sums m steps (NStepTransitions),
   * so its bootstrap is discounted by γ^m. 1 when absent.
   */
  readonly bootstrapScale?: number;
  /**
   * Φ(s′), the reward's potential estimate of the next state (the estimate, also on a terminal transition,
   * where the shaping term takes Φ(s′) = 0): the label the learner's state-potential model
   * (Td3Config.progressWeight) is fitted to. Absent where the reward has no potential (sparse).
   */
  readonly nextPotential?: number;
}

/** A minibatch in row-major typed arrays, ready to become tensors. */
export interface Batch {
  readonly size: number;
  readonly observations: Float32Array;
  readonly actions: Float32Array;
  readonly rewards: Float32Array;
  readonly nextObservations: Float32Array;
  /** What multiplies γ·Q′(s′): 0 at a true terminal, else the transition's bootstrapScale (1 for one step). */
  readonly bootstrap: Float32Array;
  /** Transition.nextPotential per row; NaN where it was absent. */
  readonly nextPotentials: Float32Array;
}
