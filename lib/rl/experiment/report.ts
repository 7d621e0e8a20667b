import { successAt, type ConditionSummary } from "./metrics.js";
import type { RunResult } from "./runner.js";

/** Success rate vs rollouts, one row per evaluation of each condition × seed, plus the mean over seeds. */
export function curvesCsv(runs: readonly RunResult[], summaries: readonly ConditionSummary[]): string {
  const rows = ["condition,seed,rollouts,success_rate"];
  for (const r of runs)
    for (const p of r.curve) rows.push(`${r.condition},${r.seed},${p.rollouts},${p.successRate}`);
  for (const s of summaries) {
    for (const p of s.meanCurve) rows.push(`${s.condition},mean,${p.rollouts},${p.successRate.toFixed(4)}`);
  }
  return rows.join("\n") + "\n";
}

const pct = (v: number): string => `${(v * 100).toFixed(0)}%`;

export interface ReportHeader {
  readonly title: string;
  readonly command: string;
  readonly environment: string;
  readonly notes: readonly string[];
}

/** The markdown table of the experiment, with the command that made it. */
export function markdownReport(
  header: ReportHeader,
  summaries: readonly ConditionSummary[],
  runs: readonly RunResult[],
): string {
  const lines = [
    `# ${header.title}`,
    "",
    "Made by:",
    "",
    "```",
    header.command,
    "```",
    "",
    `Environment: ${header.environment}`,
    "",
    "| condition | seeds | BC start | success at 50 / 100 / 150 / 200 rollouts (seed mean) | final success (mean ± sd) | rollouts until the seed mean first reaches 80% | first rollouts at ≥ 90% |",
    "| --- | --- | --- | --- | --- | --- | --- |",
  ];
  const censored = (v: number | undefined, budget: number): string =>
    v === undefined ? `> ${budget}` : String(v);
  for (const s of summaries) {
    const at = [50, 100, 150, 200].map((n) => {
      const v = n <= s.budget ? successAt(s.meanCurve, n) : undefined;
      return v === undefined ? "—" : pct(v);
    });
    lines.push(
      `| ${s.condition} | ${s.seeds} | ${pct(s.startSuccess)} | ${at.join(" / ")} | ${pct(s.finalSuccess)} ± ${pct(s.finalSuccessStd)} | ` +
        `${censored(s.rolloutsTo80Absolute, s.budget)} | ${censored(s.rolloutsTo90Absolute, s.budget)} |`,
    );
  }
  lines.push("", "Per run (transitions and gradient updates show that experience and learning flowed):", "");
  lines.push(
    "| condition | seed | demo transitions | BC loss | transitions | updates | mean reward | training successes | imitated transitions |",
  );
  lines.push("| --- | --- | --- | --- | --- | --- | --- | --- | --- |");
  for (const r of runs) {
    lines.push(
      `| ${r.condition} | ${r.seed} | ${r.demoTransitions} | ${r.bcLoss.toFixed(4)} | ${r.counters.transitions} | ` +
        `${r.counters.updates} | ${r.meanReward.toFixed(4)} | ${r.trainingSuccesses} | ${r.imitatedTransitions} |`,
    );
  }
  if (header.notes.length) lines.push("", ...header.notes.map((n) => `- ${n}`));
  return lines.join("\n") + "\n";
}
