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
  ];
  const censored = (v: number | undefined, budget: number): string =>
    v === undefined ? `> ${budget}` : String(v);
  const summaryRows = summaries.map((s) => {
    const at = [50, 100, 150, 200].map((n) => {
      const v = n <= s.budget ? successAt(s.meanCurve, n) : undefined;
      return v === undefined ? "—" : pct(v);
    });
    return [
      s.condition,
      String(s.seeds),
      pct(s.startSuccess),
      at.join(" / "),
      `${pct(s.finalSuccess)} ± ${pct(s.finalSuccessStd)}`,
      censored(s.rolloutsTo80Absolute, s.budget),
      censored(s.rolloutsTo90Absolute, s.budget),
    ];
  });
  lines.push(
    ...markdownTable(
      [
        "condition",
        "seeds",
        "BC start",
        "success at 50 / 100 / 150 / 200 rollouts (seed mean)",
        "final success (mean ± sd)",
        "rollouts until the seed mean first reaches 80%",
        "first rollouts at ≥ 90%",
      ],
      summaryRows,
    ),
  );
  lines.push("", "Per run (transitions and gradient updates show that experience and learning flowed):", "");
  const runRows = runs.map((r) => [
    r.condition,
    String(r.seed),
    String(r.demoTransitions),
    r.bcLoss.toFixed(4),
    String(r.counters.transitions),
    String(r.counters.updates),
    r.meanReward.toFixed(4),
    String(r.trainingSuccesses),
    String(r.imitatedTransitions),
    String(r.progressTransitions),
  ]);
  lines.push(
    ...markdownTable(
      [
        "condition",
        "seed",
        "demo transitions",
        "BC loss",
        "transitions",
        "updates",
        "mean reward",
        "training successes",
        "imitated transitions",
        "progress transitions",
      ],
      runRows,
    ),
  );
  if (header.notes.length) lines.push("", ...header.notes.map((n) => `- ${n}`));
  return lines.join("\n") + "\n";
}

/**
 * A table with every column padded to its widest cell, the layout the repository's prettier check wants, so
 * a report can be committed as written (cells here are single-width characters only).
 */
function markdownTable(header: readonly string[], rows: readonly (readonly string[])[]): string[] {
  const widths = header.map((h, i) => Math.max(3, h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: readonly string[]): string =>
    `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(" | ")} |`;
  return [line(header), line(widths.map((w) => "-".repeat(w))), ...rows.map(line)];
}
