/**
 * Policy-invariant potential-based shaping (Ng, Harada & Russell 1999; DESIGN §5):
 * r = r_gold + γ·Φ(s′) − Φ(s), with Φ(s′) = 0 on a true terminal, the estimate on a time-limit truncation
 * (the learner bootstraps), and Φ restarted at every episode start.
 */

/** Who decides that an episode succeeded (DESIGN §5). */
export type SuccessSource = "task" | "model";
export const SUCCESS_SOURCES: readonly SuccessSource[] = ["task", "model"];

export interface ShapingOptions {
  /** The learner's own discount; the shaping term is only policy-invariant with the same γ. */
  readonly gamma: number;
  /** δ of the model's success detector: success once Φ(s′) ≥ 1 − δ (success source `model` only). */
  readonly successDelta: number;
  /**
   * `task`: the task's SUCCESS event (robot or simulator) ends the episode in success. `model`: the
   * reward model does, when Φ(s′) ≥ 1 − δ on `successHold` consecutive transitions; the task's SUCCESS
   * events are then not used. Default `task`.
   */
  readonly successSource?: SuccessSource;
  /** Consecutive transitions with Φ(s′) ≥ 1 − δ that make a model-detected success; default 1. */
  readonly successHold?: number;
  /**
   * w in r = r_gold + w·(γ·Φ(s′) − Φ(s)); default 1. w·Φ is a potential too, so any w > 0 leaves the
   * optimal policy unchanged (Ng et al. 1999), but it sets how much a step's progress is worth beside
   * r_gold = 1: at w = 1 an expert's step (ΔΦ ≈ 0.02 on pick_place) is worth a fiftieth of finishing.
   */
  readonly shapingWeight?: number;
}

export interface ShapedStep {
  readonly episodeId: bigint;
  /** 0 for the episode's first state (no transition yet, reward 0); k for the transition s_{k−1} → s_k. */
  readonly step: number;
  readonly reward: number;
  /** 1 on the transition that ends the episode in success, 0 on every other. */
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
  /** Which source decided the success this transition ends in; absent when it is not a success. */
  readonly successBy?: SuccessSource;
}

export type Boundary = "terminal" | "truncated";

/** F = γ·Φ(s′) − Φ(s). */
export function shapingTerm(gamma: number, phi: number, phiNext: number): number {
  return gamma * phiNext - phi;
}

/** One episode's shaping state. Steps before a START or after the episode ended are not transitions. */
export class Shaper {
  private episode: bigint | undefined;
  private steps = 0;
  private last: number | undefined;
  private boundary: Boundary | undefined;
  private success = false;
  /** Consecutive transitions so far with Φ(s′) ≥ 1 − δ (success source `model`). */
  private atGoal = 0;
  private ended = false;
  readonly successSource: SuccessSource;
  private readonly successHold: number;
  private readonly shapingWeight: number;

  constructor(private readonly options: ShapingOptions) {
    if (!(options.gamma > 0 && options.gamma <= 1))
      throw new Error(`gamma must be in (0, 1], got ${options.gamma}`);
    if (!(options.successDelta >= 0 && options.successDelta < 1)) {
      throw new Error(`success_delta must be in [0, 1), got ${options.successDelta}`);
    }
    this.successSource = options.successSource ?? "task";
    if (!SUCCESS_SOURCES.includes(this.successSource))
      throw new Error(
        `success_source must be one of ${SUCCESS_SOURCES.join(", ")}, got ${this.successSource}`,
      );
    this.successHold = options.successHold ?? 1;
    if (!(Number.isInteger(this.successHold) && this.successHold >= 1))
      throw new Error(`success_hold must be an integer ≥ 1, got ${this.successHold}`);
    this.shapingWeight = options.shapingWeight ?? 1;
    if (!(Number.isFinite(this.shapingWeight) && this.shapingWeight > 0))
      throw new Error(`shaping_weight must be a finite number > 0, got ${this.shapingWeight}`);
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
    this.atGoal = 0;
    this.ended = false;
  }

  /** The next transition ends the episode (its s′ is the state the event refers to). */
  markBoundary(kind: Boundary): void {
    if (this.active) this.boundary = kind;
  }

  /**
   * The task reports success: the next transition ends the episode (terminal) and pays r_gold = 1. Returns
   * false when the report is not used: outside an episode, or when the model is the success source.
   */
  markSuccess(): boolean {
    if (!this.active || this.successSource !== "task") return false;
    this.success = true;
    this.boundary = "terminal";
    return true;
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
    if (this.successSource === "model") this.atGoal = estimate >= 1 - successDelta ? this.atGoal + 1 : 0;
    const succeeded = this.successSource === "task" ? this.success : this.atGoal >= this.successHold;
    const successBy = succeeded ? this.successSource : undefined;
    // A success is a true terminal whatever else was announced for this transition (a time limit reached on
    // the same step included); r_gold is paid on it and on no other transition (DESIGN §5).
    const terminal = successBy !== undefined || this.boundary === "terminal";
    const truncated = !terminal && this.boundary === "truncated";
    const phi = this.last;
    const phiNext = terminal ? 0 : estimate;
    const rGold = successBy ? 1 : 0;
    this.last = estimate;
    if (terminal || truncated) this.ended = true;
    return this.emit(
      {
        reward: rGold + this.shapingWeight * shapingTerm(gamma, phi, phiNext),
        rGold,
        phi,
        phiNext,
        estimate,
        gamma,
        ...(successBy ? { successBy } : {}),
      },
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
