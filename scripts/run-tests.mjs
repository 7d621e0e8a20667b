// Runs every *.test.ts under the source folders with node's test runner (through tsx), so CI reads node's
// own summary. Node 20's --test does not expand globs itself, hence this file list.
// Usage: node scripts/run-tests.mjs [path-substring ...]
import { spawnSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { join } from "node:path";

const roots = ["lib", "nodes", "cli", "sim", "models", "bench", "launch", "scripts", "test"];
const skip = new Set(["node_modules", "dist", "build"]);

function walk(dir, out) {
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return;
  }
  for (const e of entries) {
    if (skip.has(e.name)) continue;
    const p = join(dir, e.name);
    if (e.isDirectory()) walk(p, out);
    else if (e.name.endsWith(".test.ts")) out.push(p);
  }
}

const files = [];
for (const r of roots) walk(r, files);
const filters = process.argv.slice(2);
const selected = filters.length ? files.filter((f) => filters.some((s) => f.includes(s))) : files;
if (selected.length === 0) {
  console.error("no test files matched");
  process.exit(1);
}
const concurrency = process.env.TEST_CONCURRENCY ?? "2";
const result = spawnSync(
  process.execPath,
  [
    "--import",
    "tsx",
    "--test",
    `--test-concurrency=${concurrency}`,
    "--test-reporter=spec",
    ...selected.sort(),
  ],
  { stdio: "inherit" },
);
process.exit(result.status ?? 1);
