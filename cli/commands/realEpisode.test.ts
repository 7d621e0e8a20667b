// The real-robot path end to end on the shared Robo-Dopamine episode, so it cannot rot: import (few frames,
// small) → one-shot adapt (few steps) → eval --bag → replay, each through the CLI as a user runs it.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { loadManifest } from "../../lib/reward/manifest.js";
import { packagePath } from "../../lib/paths.js";
import { phiTrace } from "../../models/eval/phiTrace.js";
import type { ReplaySummary } from "../../nodes/reward/replay/replay.js";
import { cli, type Run } from "../testing/runCli.js";

const REAL = packagePath("..", "shared", "data", "robo_dopamine_clean_table");
const skip = !existsSync(REAL)
  ? `shared episode not found at ${REAL}`
  : (() => {
      try {
        execFileSync("ffmpeg", ["-version"], { stdio: "ignore" });
        return false;
      } catch {
        return "ffmpeg not installed (scripts/install-system-deps.sh)";
      }
    })();

const ok = (r: Run, what: string): void =>
  assert.equal(r.status, 0, `${what} failed:\n${r.stderr.slice(-3000)}\n${r.stdout.slice(-2000)}`);

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), "real-episode-"));
});
after(() => rm(dir, { recursive: true, force: true }));

const VIEWS = ["cam_high", "cam_left_wrist", "cam_right_wrist"];

/** `adapt` of the shipped pick_place model to one demonstration. */
const adaptShipped = (demo: string, out: string, ...options: string[]): Promise<Run> =>
  cli("adapt", "--model", packagePath("models", "hop_pick_place"), "--demo", demo, "--out", out, ...options);

test("real episode: import → adapt → eval --bag → replay", { skip }, async () => {
  const real = join(dir, "real");
  const bag = join(real, "episode_001");
  ok(await cli("import", "robo-dopamine", REAL, "--out", real, "--every", "100", "--width", "64"), "import");

  const model = join(dir, "adapted");
  const adapt = await adaptShipped(
    bag,
    model,
    "--steps",
    "3",
    "--threads",
    "1",
    "--data",
    join(dir, "adapt-data"),
  );
  ok(adapt, "adapt");
  const { manifest } = await loadManifest(model);
  assert.deepEqual(manifest.views, VIEWS, "the adapted model's views are the bag's cameras");
  assert.equal(manifest.default_task, "clean the table");
  const task = manifest.tasks[manifest.default_task]!;
  assert.equal(task.stages.length, 16, "the 16 annotated sub-tasks are its stages");
  assert.deepEqual(
    Object.keys(task.goal ?? {}).sort(),
    VIEWS,
    "a goal image per view (the demo's last frame)",
  );

  const report = join(dir, "eval.json");
  ok(await cli("eval", "--model", model, "--bag", bag, "--threads", "1", "--json", report), "eval --bag");
  const ev = JSON.parse(await readFile(report, "utf8")) as {
    tasks: Record<string, { all: { voc: number | null; episodes?: number } }>;
  };
  const all = ev.tasks["clean the table"]!.all;
  assert.equal(typeof all.voc, "number", "eval reports a VOC on the real episode");

  const params = join(dir, "params.yaml");
  await writeFile(
    params,
    "reward:\n  ros__parameters:\n    providers: [cpu]\n    ort_threads: 1\n    max_age_ms: 7000\n",
  );
  const out = join(dir, "replay");
  const replay = await cli(
    "replay",
    bag,
    "--model",
    model,
    "--params",
    params,
    "--out",
    out,
    "--json",
    "--no-progress",
  );
  ok(replay, "replay");
  const summary = JSON.parse(replay.stdout) as ReplaySummary;
  assert.equal(summary.groups, 13, "every 100th of 1277 frames: 13 synced groups");
  assert.equal(summary.rewards, summary.groups, "one reward per synced group");
  assert.equal(summary.degraded, 0, "max_age_ms above the frame gap: no view stale");
  assert.ok(summary.out.endsWith(".mcap"), summary.out);
  const trace = await phiTrace(summary.out, bag);
  assert.equal(trace.rewards, 13);
  assert.ok(Number.isFinite(trace.spearman_time), JSON.stringify(trace));
});

test("real episode: adapt names a demo that is not there", { skip }, async () => {
  const missing = join(dir, "no_such_bag");
  const r = await adaptShipped(missing, join(dir, "x"));
  assert.equal(r.status, 1);
  assert.match(r.stderr, new RegExp(`${missing}: no such demonstration`));
});
