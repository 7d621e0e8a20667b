import type { Condition } from "../rewards.js";
import type { CurvePoint, RunResult } from "./runner.js";

export interface ConditionSummary {
  readonly condition: Condition;
  readonly seeds: number;
  /** Mean success rate over seeds at each evaluation point. */
  readonly meanCurve: readonly CurvePoint[];
  readonly minCurve: readonly CurvePoint[];
  readonly maxCurve: readonly CurvePoint[];
  /** Success at the BC start (rollout 0), mean over seeds. */
  readonly startSuccess: number;
  /** Success at the last evaluation, mean over seeds, and its standard deviation across seeds. */
  readonly finalSuccess: number;
  readonly finalSuccessStd: number;
  /** First rollout count where the mean curve reaches 80% of its final success (undefined if final is 0). */
  readonly rolloutsTo80: number | undefined;
  readonly perSeedRolloutsTo80: readonly (number | undefined)[];
  /** First rollout count where the mean curve reaches 90% absolute success (undefined if never). */
  readonly rolloutsTo90Absolute: number | undefined;
  /** First rollout count where the mean curve reaches 80% absolute success (undefined if never: censored). */
  readonly rolloutsTo80Absolute: number | undefined;
  /** The training budget, the censoring value of the rollout counts above. */
  readonly budget: number;
}

/** Mean success at a rollout count: the last evaluation at or before it. */
export function successAt(curve: readonly CurvePoint[], rollouts: number): number | undefined {
  const before = curve.filter((p) => p.rollouts <= rollouts);
  return before.length > 0 ? before[before.length - 1]!.successRate : undefined;
}

/** The first evaluation point at or above `fraction` of the curve's last value. */
export function rolloutsToFraction(curve: readonly CurvePoint[], fraction: number): number | undefined {
  if (curve.length === 0) return undefined;
  const final = curve[curve.length - 1]!.successRate;
  if (final <= 0) return undefined;
  return curve.find((p) => p.successRate >= fraction * final - 1e-12)?.rollouts;
}

export function rolloutsToLevel(curve: readonly CurvePoint[], level: number): number | undefined {
  return curve.find((p) => p.successRate >= level - 1e-12)?.rollouts;
}

export function summarize(condition: Condition, runs: readonly RunResult[]): ConditionSummary {
  if (runs.length === 0) throw new Error(`no runs to summarize for condition '${condition}'`);
  const points = runs[0]!.curve.map((p) => p.rollouts);
  for (const r of runs) {
    if (r.curve.length !== points.length || r.curve.some((p, i) => p.rollouts !== points[i])) {
      throw new Error(
        `runs of '${condition}' were evaluated at different rollout counts; cannot average them`,
      );
    }
  }
  const at = (i: number): number[] => runs.map((r) => r.curve[i]!.successRate);
  const meanCurve = points.map((rollouts, i) => ({ rollouts, successRate: mean(at(i)) }));
  const finals = at(points.length - 1);
  return {
    condition,
    seeds: runs.length,
    meanCurve,
    minCurve: points.map((rollouts, i) => ({ rollouts, successRate: Math.min(...at(i)) })),
    maxCurve: points.map((rollouts, i) => ({ rollouts, successRate: Math.max(...at(i)) })),
    startSuccess: mean(at(0)),
    finalSuccess: mean(finals),
    finalSuccessStd: std(finals),
    rolloutsTo80: rolloutsToFraction(meanCurve, 0.8),
    perSeedRolloutsTo80: runs.map((r) => rolloutsToFraction(r.curve, 0.8)),
    rolloutsTo90Absolute: rolloutsToLevel(meanCurve, 0.9),
    rolloutsTo80Absolute: rolloutsToLevel(meanCurve, 0.8),
    budget: points[points.length - 1]!,
  };
}

function mean(xs: readonly number[]): number {
  return xs.reduce((a, b) => a + b, 0) / xs.length;
}

function std(xs: readonly number[]): number {
  const m = mean(xs);
  return Math.sqrt(xs.reduce((a, b) => a + (b - m) ** 2, 0) / xs.length);
}
