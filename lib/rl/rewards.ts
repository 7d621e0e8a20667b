import type { CameraFrame, GroundTruthStep } from "./env.js";

/** The reward conditions the experiment compares. */
// pbrs_success_gold: pbrs with r_gold from task success only, without the Φ(s′) ≥ 1 − δ rule, to see what
// that rule costs when the learned Φ overshoots on states that have not succeeded.
export const CONDITIONS = ["sparse", "naive", "pbrs", "pbrs_oracle", "pbrs_success_gold"] as const;
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

export interface RewardInput {
  readonly phi: number;
  readonly phiNext: number;
  /** The task reported success on this transition. */
  readonly success: boolean;
  readonly terminal: boolean;
  readonly gamma: number;
  /** r_gold also fires when Φ(s′) ≥ 1 − δ (DESIGN §5). */
  readonly successDelta: number;
}

export interface ConditionReward {
  readonly reward: number;
  readonly rGold: number;
}

/**
 * The reward each condition hands the learner for one transition. The shaped conditions follow DESIGN §5
 * (the same formula the reward node publishes); `naive` is the semantic trap: Φ(s′) − Φ(s), no γ, no r_gold.
 */
export function conditionReward(condition: Condition, r: RewardInput): ConditionReward {
  for (const [name, v] of [
    ["phi", r.phi],
    ["phiNext", r.phiNext],
    ["gamma", r.gamma],
  ] as const) {
    if (!Number.isFinite(v)) throw new Error(`reward input ${name} is not finite (${v})`);
  }
  switch (condition) {
    case "sparse": {
      const rGold = r.success ? 1 : 0;
      return { reward: rGold, rGold };
    }
    case "naive":
      return { reward: r.phiNext - r.phi, rGold: 0 };
    case "pbrs":
    case "pbrs_oracle":
    case "pbrs_success_gold": {
      const fromPhi = condition !== "pbrs_success_gold" && r.phiNext >= 1 - r.successDelta;
      const rGold = r.success || fromPhi ? 1 : 0;
      const phiNext = r.terminal ? 0 : r.phiNext;
      return { reward: rGold + r.gamma * phiNext - r.phi, rGold };
    }
  }
}
