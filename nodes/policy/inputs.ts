import { EpisodeEventKind, type DenseReward } from "../../lib/codec/messages.js";
import type { EpisodeEnd } from "../../lib/rl/assembler.js";

/**
 * Why an observation cannot be acted on, or undefined when it can: the actor's input has exactly
 * `observationDim` values, and one non-finite value would reach the replay buffer and poison every later
 * update. Checked as float32, the precision the actor sees, so a float64 beyond its range is refused too.
 */
export function observationProblem(values: Float32Array, observationDim: number): string | undefined {
  if (values.length !== observationDim)
    return `${values.length} values, observation_dim is ${observationDim}`;
  if (values.some((v) => !Number.isFinite(v))) return "non-finite value";
  return undefined;
}

/**
 * Potential-based shaping leaves the optimal policy unchanged only when the reward node shapes with the
 * learner's own discount; undefined when the two agree.
 */
export function gammaMismatch(rewardGamma: number, learnerGamma: number): string | undefined {
  if (Math.abs(rewardGamma - learnerGamma) <= 1e-9) return undefined;
  return `reward gamma ${rewardGamma} differs from the learner's gamma ${learnerGamma}: shaping is no longer policy-invariant`;
}

/** The episode end a reward's flags announce for its s′, if any. */
export function rewardEnd(reward: Pick<DenseReward, "terminal" | "truncated">): EpisodeEnd | undefined {
  if (reward.terminal) return "terminal";
  return reward.truncated ? "truncated" : undefined;
}

/** The episode end an EpisodeEvent kind signals; START and SUCCESS end nothing (TERMINAL follows SUCCESS). */
export function eventEnd(kind: number): EpisodeEnd | undefined {
  switch (kind) {
    case EpisodeEventKind.TERMINAL:
      return "terminal";
    case EpisodeEventKind.TRUNCATED:
      return "truncated";
    default:
      return undefined;
  }
}
