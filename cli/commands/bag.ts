import type { Command } from "commander";
import { summarizeBag, type BagSummary } from "../../lib/bag/bagInfo.js";
import { openBag } from "../../lib/bag/openBag.js";

function seconds(ns: bigint): string {
  const s = ns / 1_000_000_000n;
  const frac = (ns % 1_000_000_000n).toString().padStart(9, "0");
  return `${s}.${frac}`;
}

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  return rows
    .map((r) =>
      r
        .map((cell, c) => cell.padEnd(widths[c]!))
        .join("  ")
        .trimEnd(),
    )
    .join("\n");
}

export function formatSummary(s: BagSummary): string {
  const lines = [
    `bag:          ${s.path}`,
    `storage:      ${s.storage} (${s.files.length} file${s.files.length === 1 ? "" : "s"})`,
    `compression:  ${s.compression}`,
    `messages:     ${s.messageCount}`,
  ];
  if (s.startTime !== undefined && s.endTime !== undefined) {
    lines.push(`duration:     ${seconds(s.endTime - s.startTime)} s`);
    lines.push(
      `start:        ${seconds(s.startTime)} (${new Date(Number(s.startTime / 1_000_000n)).toISOString()})`,
    );
    lines.push(
      `end:          ${seconds(s.endTime)} (${new Date(Number(s.endTime / 1_000_000n)).toISOString()})`,
    );
  }
  lines.push("");
  lines.push(
    table([
      ["topic", "type", "count", "definition"],
      ...s.topics.map((t) => [t.name, t.type, String(t.count), t.problem ? "cannot decode" : t.definition!]),
    ]),
  );
  const undecodable = s.topics.filter((t) => t.problem);
  if (undecodable.length > 0) {
    lines.push("", "cannot decode:");
    for (const t of undecodable) lines.push(`  ${t.name} (${t.type}): ${t.problem}`);
  }
  if (s.notes.length > 0) lines.push("", "notes:", ...s.notes.map((n) => `  ${n}`));
  if (s.damage.length > 0) lines.push("", "damage:", ...s.damage.map((d) => `  ${d}`));
  return lines.join("\n") + "\n";
}

function toJson(s: BagSummary): string {
  return JSON.stringify(s, (_, v: unknown) => (typeof v === "bigint" ? v.toString() : v), 2) + "\n";
}

/** `process-reward bag info <bag>`: what a recording holds and what of it this project can decode. */
export function addBagCommand(program: Command): void {
  const bag = program.command("bag").description("Inspect rosbag2 recordings (MCAP or SQLite)");
  bag
    .command("info")
    .description("Topics, types, counts, duration, and which topics cannot be decoded and why")
    .argument("<bag>", "bag folder (with metadata.yaml) or a .mcap / .db3 file")
    .option("--check", "decode every message, not only the first of each topic")
    .option("--json", "print the summary as JSON")
    .addHelpText(
      "after",
      "\nExit status: 0 readable, 1 damaged or (with --check) messages that do not decode, 2 usage.",
    )
    .action(async (path: string, opts: { check?: boolean; json?: boolean }) => {
      let summary: BagSummary;
      try {
        const opened = await openBag(path);
        try {
          summary = await summarizeBag(opened, { check: !!opts.check });
        } finally {
          await opened.close();
        }
      } catch (err) {
        process.stderr.write(`error: ${(err as Error).message}\n`);
        process.exitCode = 1;
        return;
      }
      process.stdout.write(opts.json ? toJson(summary) : formatSummary(summary));
      const undecodable = summary.topics.some((t) => t.problem && t.definition);
      if (summary.damage.length > 0 || (opts.check && undecodable)) process.exitCode = 1;
    });
}
