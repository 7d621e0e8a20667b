import { writeFile } from "node:fs/promises";
import type { Command } from "commander";
import { z } from "zod";
import { runBenchmarks } from "../../bench/all.js";
import { runSoak, soakSummary } from "../../bench/soak.js";
import { packagePath } from "../../lib/paths.js";

const options = z.object({
  full: z.boolean(),
  out: z.string().min(1),
  soak: z.boolean(),
  minutes: z.coerce.number().positive(),
  transport: z.enum(["local", "dds"]),
  json: z.string().optional(),
});

/** `process-reward bench`: every benchmark in one table, or (--soak) the long run at 3 × 30 Hz. */
export function addBenchCommand(program: Command): void {
  program
    .command("bench")
    .description(
      "Run the benchmarks (reward pipeline, DDS vs ddsperf, simulator) and write BENCHMARKS.md + benchmarks.json; --soak runs the soak instead",
    )
    .option("--full", "longer runs (several minutes) instead of the short defaults", false)
    .option("--out <dir>", "where BENCHMARKS.md and benchmarks.json are written", packagePath("docs"))
    .option("--soak", "run the soak: 3 × 30 Hz 640×480 through the reward node", false)
    .option("--minutes <m>", "soak length", "10")
    .option("--transport <t>", "soak transport: local | dds", "local")
    .option("--json <file>", "soak: also write the full result (samples included) as JSON")
    .action(async (raw: Record<string, unknown>) => {
      const parsed = options.safeParse(raw);
      if (!parsed.success) {
        const issues = parsed.error.issues.map((i) => `--${i.path.join(".")}: ${i.message}`).join("; ");
        process.stderr.write(`process-reward bench: bad option: ${issues}\n`);
        process.exitCode = 2;
        return;
      }
      const o = parsed.data;
      const command = `process-reward ${process.argv.slice(process.argv.indexOf("bench")).join(" ")}`;
      if (o.soak) {
        const seconds = o.minutes * 60;
        const result = await runSoak({
          seconds,
          transport: o.transport,
          warmupSeconds: Math.min(60, seconds / 5),
          onSample: (s) =>
            s.t % 30 < 1 &&
            process.stderr.write(
              `  t=${s.t.toFixed(0)} s  RSS ${s.rssMB.toFixed(0)} MB  backlog ${s.backlog}  rewards ${s.rewards}\n`,
            ),
        });
        process.stdout.write(`${soakSummary(result)}\n`);
        if (o.json) await writeFile(o.json, JSON.stringify({ command, ...result }, null, 2));
        process.exitCode = result.failures.length === 0 ? 0 : 1;
        return;
      }
      await runBenchmarks({
        full: o.full,
        outDir: o.out,
        command,
        log: (line) => process.stdout.write(`${line}\n`),
      });
      process.stdout.write(`wrote ${o.out}/BENCHMARKS.md and ${o.out}/benchmarks.json\n`);
    });
}
