/**
 * Policy-invariant potential-based shaping (Ng, Harada & Russell 1999; DESIGN §5):
 * r = r_gold + γ·Φ(s′) − Φ(s), with Φ(s′) = 0 on a true terminal, the estimate on a time-limit truncation
 * (the learner bootstraps), and Φ restarted at every episode start.
 */
export interface ShapingOptions {
  /** The learner's own discount; the shaping term is only policy-invariant with the same γ. */
  readonly gamma: number;
  /** δ: r_gold = 1 once Φ(s′) ≥ 1 − δ. */
  readonly successDelta: number;
}

export interface ShapedStep {
  readonly episodeId: bigint;
  /** 0 for the episode's first state (no transition yet, reward 0); k for the transition s_{k−1} → s_k. */
  readonly step: number;
  readonly reward: number;
  readonly rGold: number;
  /** Φ(s). */
  readonly phi: number;
  /** Φ(s′) as used in the shaping term: 0 on a terminal transition. */
  readonly phiNext: number;
  /** The model's estimate for s′ (equal to phiNext except on a terminal transition). */
  readonly estimate: number;
  readonly gamma: number;
  readonly terminal: boolean;
  readonly truncated: boolean;
}

export type Boundary = "terminal" | "truncated";

/** F = γ·Φ(s′) − Φ(s). */
export function shapingTerm(gamma: number, phi: number, phiNext: number): number {
  return gamma * phiNext - phi;
}

export function goldReward(estimate: number, successDelta: number, successReported: boolean): number {
  return successReported || estimate >= 1 - successDelta ? 1 : 0;
}

/** One episode's shaping state. Steps before a START or after the episode ended are not transitions. */
export class Shaper {
  private episode: bigint | undefined;
  private steps = 0;
  private last: number | undefined;
  private boundary: Boundary | undefined;
  private success = false;
  private ended = false;

  constructor(private readonly options: ShapingOptions) {
    if (!(options.gamma > 0 && options.gamma <= 1))
      throw new Error(`gamma must be in (0, 1], got ${options.gamma}`);
    if (!(options.successDelta >= 0 && options.successDelta < 1)) {
      throw new Error(`success_delta must be in [0, 1), got ${options.successDelta}`);
    }
  }

  get episodeId(): bigint | undefined {
    return this.episode;
  }

  /** True between a START and the transition that ended the episode. */
  get active(): boolean {
    return this.episode !== undefined && !this.ended;
  }

  /** Whether a TERMINAL/TRUNCATED event waits for the next state to close the episode. */
  get pendingBoundary(): Boundary | undefined {
    return this.ended ? undefined : this.boundary;
  }

  startEpisode(id: bigint): void {
    this.episode = id;
    this.steps = 0;
    this.last = undefined;
    this.boundary = undefined;
    this.success = false;
    this.ended = false;
  }

  /** The next transition ends the episode (its s′ is the state the event refers to). */
  markBoundary(kind: Boundary): void {
    if (this.active) this.boundary = kind;
  }

  /** The task reports success: the next transition pays r_gold = 1. */
  markSuccess(): void {
    if (this.active) this.success = true;
  }

  /** Shapes the transition into a state whose potential estimate is `estimate`; undefined outside an episode. */
  step(estimate: number): ShapedStep | undefined {
    if (!this.active || this.episode === undefined) return undefined;
    const { gamma, successDelta } = this.options;
    if (this.last === undefined) {
      this.last = estimate;
      return this.emit(
        { reward: 0, rGold: 0, phi: estimate, phiNext: estimate, estimate, gamma },
        false,
        false,
      );
    }
    const terminal = this.boundary === "terminal";
    const truncated = this.boundary === "truncated";
    const phi = this.last;
    const phiNext = terminal ? 0 : estimate;
    const rGold = goldReward(estimate, successDelta, this.success);
    this.last = estimate;
    this.success = false;
    if (terminal || truncated) this.ended = true;
    return this.emit(
      { reward: rGold + shapingTerm(gamma, phi, phiNext), rGold, phi, phiNext, estimate, gamma },
      terminal,
      truncated,
    );
  }

  /**
   * Closes a pending boundary when no new state arrived for it (cameras stopped with the episode): s′ is
   * taken to be the last state seen.
   */
  flush(): ShapedStep | undefined {
    if (this.pendingBoundary === undefined || this.last === undefined) return undefined;
    return this.step(this.last);
  }

  private emit(
    parts: Omit<ShapedStep, "episodeId" | "step" | "terminal" | "truncated">,
    terminal: boolean,
    truncated: boolean,
  ): ShapedStep {
    return { ...parts, episodeId: this.episode ?? 0n, step: this.steps++, terminal, truncated };
  }
}
