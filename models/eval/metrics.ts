/** Reward-model evaluation metrics of DESIGN §6. */
import { spearman } from "../../lib/math/spearman.js";

/** VOC: rank correlation of predicted progress with time (DESIGN §6). */
export function voc(progress: readonly number[]): number {
  return spearman(
    progress,
    progress.map((_, i) => i),
  );
}

/**
 * VROC: the same on the time-reversed episode, whose progress should fall: `reversedProgress` is the
 * prediction over the frames played backwards, and a model that tracks the scene scores 1 while one that
 * always predicts "forward" scores −1.
 */
export function vroc(reversedProgress: readonly number[]): number {
  return -voc(reversedProgress);
}

/** Harmonic mean of VOC and VROC; 0 unless both are positive. */
export function vocF1(vocValue: number, vrocValue: number): number {
  return vocValue > 0 && vrocValue > 0 ? (2 * vocValue * vrocValue) / (vocValue + vrocValue) : 0;
}

export type Completion = "success" | "partial" | "failure";
export const COMPLETIONS: readonly Completion[] = ["success", "partial", "failure"];

/** Mean of the last third of a progress sequence (at least one value). */
export function lastThirdMean(progress: readonly number[]): number {
  if (progress.length === 0) throw new Error("completion of an empty progress sequence");
  const tail = progress.slice(Math.floor((2 * progress.length) / 3));
  return tail.reduce((s, x) => s + x, 0) / tail.length;
}

/**
 * Completion class of a progress sequence (DESIGN §6): success if the final progress is above 0.8 and the
 * last third averages above 0.6; partial if the last third averages at least 0.4; failure otherwise.
 */
export function classifyCompletion(progress: readonly number[]): Completion {
  const mean = lastThirdMean(progress);
  if (progress[progress.length - 1] > 0.8 && mean > 0.6) return "success";
  return mean >= 0.4 ? "partial" : "failure";
}

/**
 * The true class of a recorded episode: success when the sim reported it, otherwise partial or failure
 * by the last-third mean of the ground-truth progress (the same threshold the prediction is held to).
 */
export function trueCompletion(success: boolean, trueProgress: readonly number[]): Completion {
  if (success) return "success";
  return lastThirdMean(trueProgress) >= 0.4 ? "partial" : "failure";
}
