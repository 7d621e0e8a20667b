import { Shaper, shapingTerm } from "../reward/shaping.js";
import type { CameraFrame, FrameRequest, GroundTruthStep } from "./env.js";

/** The reward conditions the experiment compares. */
export const CONDITIONS = ["sparse", "naive", "pbrs", "pbrs_oracle"] as const;
export type Condition = (typeof CONDITIONS)[number];

export function parseConditions(list: string): Condition[] {
  const names = list
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  if (names.length === 0) throw new Error("--conditions: give at least one of " + CONDITIONS.join(", "));
  for (const n of names) {
    if (!(CONDITIONS as readonly string[]).includes(n)) {
      throw new Error(`--conditions: unknown condition '${n}' (known: ${CONDITIONS.join(", ")})`);
    }
  }
  return names as Condition[];
}

/** What a potential function may look at for one state. */
export interface PotentialInput {
  readonly episode: number;
  readonly step: number;
  readonly observation: Float32Array;
  readonly frames?: readonly CameraFrame[];
  /** Present in simulation only; an oracle potential reads it, a learned one must not. */
  readonly groundTruth?: GroundTruthStep;
}

/**
 * Φ(s) ∈ [0, 1] for each state of an episode, in order. `startEpisode` is called with the first state of
 * each episode (a history-dependent potential such as incremental fusion restarts there). The reward
 * pipeline's model is wired in through this interface; it may be asynchronous (ONNX inference).
 */
export interface PotentialSource {
  readonly name: string;
  /** Camera views the potential looks at; the episodes it scores are rendered with them. */
  readonly frames?: FrameRequest;
  startEpisode(first: PotentialInput): number | Promise<number>;
  potential(input: PotentialInput): number | Promise<number>;
}

/** Ground-truth progress from the simulator: the upper bound a perfect reward model would reach. */
export const oraclePotential: PotentialSource = {
  name: "oracle",
  startEpisode: (first) => oracleValue(first),
  potential: (input) => oracleValue(input),
};

function oracleValue(input: PotentialInput): number {
  if (!input.groundTruth)
    throw new Error("the oracle potential needs ground truth, which this environment does not give");
  return input.groundTruth.progress;
}

export interface RewardOptions {
  readonly gamma: number;
  /** δ of the reward node's success detector (unused here: the experiment's success comes from the task). */
  readonly successDelta: number;
  /** w of the shaped conditions (ShapingOptions.shapingWeight); `naive` pays w·(Φ(s′) − Φ(s)). Default 1. */
  readonly shapingWeight?: number;
}

/** What the environment reports about the transition into s′. */
export interface TransitionOutcome {
  readonly phiNext: number;
  /** The task reported success on this transition. */
  readonly success: boolean;
  readonly terminal: boolean;
  readonly truncated: boolean;
}

/**
 * The reward each condition hands the learner, one episode at a time. The shaped conditions are the reward
 * node's own `Shaper` (lib/reward/shaping.ts), driven as the node drives it (START, SUCCESS, TERMINAL /
 * TRUNCATED, one state at a time), so the experiment measures exactly what the node publishes. `naive` is
 * the semantic trap: Φ(s′) − Φ(s), no γ, no r_gold. `sparse` is r_gold from task success only.
 */
export class EpisodeRewards {
  private readonly shaper: Shaper | undefined;
  private readonly weight: number;
  private phi = 0;
  private episode = 0n;

  constructor(
    readonly condition: Condition,
    options: RewardOptions,
  ) {
    if (condition === "pbrs" || condition === "pbrs_oracle") this.shaper = new Shaper(options);
    this.weight = options.shapingWeight ?? 1;
  }

  /** Starts an episode whose first state has potential `phi` (0 for sparse). */
  startEpisode(phi: number): void {
    finite("phi", phi);
    this.phi = phi;
    this.episode++;
    if (this.shaper) {
      this.shaper.startEpisode(this.episode);
      this.shaper.step(phi);
    }
  }

  /** The reward of the transition s → s′. */
  step(outcome: TransitionOutcome): number {
    finite("phiNext", outcome.phiNext);
    const phi = this.phi;
    this.phi = outcome.phiNext;
    switch (this.condition) {
      case "sparse":
        return outcome.success ? 1 : 0;
      case "naive":
        return this.weight * shapingTerm(1, phi, outcome.phiNext);
      case "pbrs":
      case "pbrs_oracle": {
        const shaper = this.shaper!;
        if (outcome.success) shaper.markSuccess();
        if (outcome.terminal) shaper.markBoundary("terminal");
        else if (outcome.truncated) shaper.markBoundary("truncated");
        const shaped = shaper.step(outcome.phiNext);
        if (!shaped) throw new Error("a transition after the episode ended: call startEpisode() first");
        return shaped.reward;
      }
    }
  }
}

function finite(name: string, v: number): void {
  if (!Number.isFinite(v)) throw new Error(`reward input ${name} is not finite (${v})`);
}
