import assert from "node:assert/strict";
import { mkdtemp, readFile, readdir } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { Command } from "commander";
import { addExperimentCommand } from "./experiment.js";

async function run(args: string[]): Promise<{ stderr: string; exitCode: number | undefined }> {
  const program = new Command("process-reward").exitOverride();
  addExperimentCommand(program);
  const write = process.stderr.write.bind(process.stderr);
  let stderr = "";
  process.stderr.write = ((chunk: string) => ((stderr += chunk), true)) as typeof process.stderr.write;
  const before = process.exitCode;
  try {
    await program.parseAsync(["node", "process-reward", "experiment", ...args]);
    const exitCode = process.exitCode as number | undefined;
    return { stderr, exitCode };
  } finally {
    process.stderr.write = write;
    process.exitCode = before;
  }
}

test("the experiment command writes the curves, the plot and the table for the fixture env", async () => {
  const out = join(await mkdtemp(join(tmpdir(), "exp-cli-")), "run");
  const { exitCode } = await run(
    `--env pointmass --task push --conditions pbrs,sparse --seeds 1 --rollouts 2 --eval-every 2 --eval-episodes 2 --demos 2 --bc-steps 20 --out ${out}`.split(
      " ",
    ),
  );
  assert.equal(exitCode, undefined);
  assert.deepEqual((await readdir(out)).sort(), ["curves.csv", "results.md", "success.png", "summary.json"]);
  const md = await readFile(join(out, "results.md"), "utf8");
  assert.match(md, /process-reward experiment .*--task push/);
  assert.match(md, /\| pbrs +\| 1 +\|/);
  // Same seed, same demos: fitting the learned Φ for pbrs must not shift the environment's randomness.
  const demoCounts = [...md.matchAll(/^\| (sparse|pbrs) +\| 1 +\| (\d+) +\|/gm)].map((m) => m[2]);
  assert.equal(demoCounts.length, 2);
  assert.equal(demoCounts[0], demoCounts[1]);
});

test("bad options are clear errors, exit code 2", async () => {
  const bad = await run(["--task", "push", "--conditions", "sparse,dense", "--out", "/tmp/x"]);
  assert.equal(bad.exitCode, 2);
  assert.match(bad.stderr, /unknown condition 'dense'/);
  const seeds = await run(["--env", "pointmass", "--task", "push", "--seeds", "0", "--out", "/tmp/x"]);
  assert.match(seeds.stderr, /--seeds must be a positive integer/);
  const task = await run([
    "--env",
    "pointmass",
    "--task",
    "stack",
    "--conditions",
    "sparse",
    "--seeds",
    "1",
    "--out",
    "/tmp/x",
  ]);
  assert.match(task.stderr, /no task 'stack'/);
});
