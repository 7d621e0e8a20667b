import { applyHop } from "./hop.js";

export type FusionMode = "incremental" | "forward" | "backward" | "fused" | "gated";
export const FUSION_MODES: readonly FusionMode[] = ["incremental", "forward", "backward", "fused", "gated"];

/** The three hops a hop model gives per step (DESIGN §4, multi-perspective fusion). */
export interface StepHops {
  /** H(previous state → now). */
  readonly incremental: number;
  /** H(episode start → now). */
  readonly forward: number;
  /** H(goal → now); ≤ 0 for any state short of the goal. */
  readonly backward: number;
}

export interface FusedPotential {
  readonly phi: number;
  readonly incremental: number;
  readonly forward: number;
  readonly backward: number;
  /** Agreement weight of the anchored views (1 unless gated). */
  readonly weight: number;
}

export interface FusionOptions {
  readonly mode: FusionMode;
  /** Gate sharpness α in w = exp(−α·d²). */
  readonly alpha?: number;
  /** ε in d = |Φ_B − Φ_F| / (Φ̄ + ε). */
  readonly epsilon?: number;
}

const clamp01 = (x: number): number => Math.min(1, Math.max(0, x));

/**
 * Turns each step's hops into the potential Φ*ₜ. Stateful (Φ*ₜ₋₁) because the incremental and gated
 * modes depend on history; `reset()` at every episode start (Φ restarts at 0, the start state's value by
 * the stage-aware labelling).
 */
export class PotentialFusion {
  private previous = 0;
  private readonly alpha: number;
  private readonly epsilon: number;

  constructor(private readonly options: FusionOptions) {
    this.alpha = options.alpha ?? 20;
    this.epsilon = options.epsilon ?? 1e-6;
  }

  get mode(): FusionMode {
    return this.options.mode;
  }

  reset(): void {
    this.previous = 0;
  }

  step(hops: StepHops): FusedPotential {
    const prev = this.previous;
    const incremental = clamp01(applyHop(prev, hops.incremental));
    const forward = clamp01(hops.forward);
    const backward = clamp01(1 + hops.backward);
    const fused = (incremental + forward + backward) / 3;
    let phi: number;
    let weight = 1;
    switch (this.options.mode) {
      case "incremental":
        phi = incremental;
        break;
      case "forward":
        phi = forward;
        break;
      case "backward":
        phi = backward;
        break;
      case "fused":
        phi = fused;
        break;
      case "gated": {
        // DESIGN §4 leaves "move Φ* towards the evidence only by w" to us: Φ*ₜ = Φ*ₜ₋₁ + w·(fused − Φ*ₜ₋₁),
        // so disagreeing anchors (w → 0) hold the last estimate instead of jumping.
        const mean = (forward + backward) / 2;
        const d = Math.abs(backward - forward) / (mean + this.epsilon);
        weight = Math.exp(-this.alpha * d * d);
        phi = prev + weight * (fused - prev);
        break;
      }
    }
    this.previous = phi;
    return { phi, incremental, forward, backward, weight };
  }
}
