import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { test } from "node:test";
import { writeDataset } from "./dataset.js";
import { episodePlan, simEpisodes } from "./simEpisodes.js";
import { recordingRuns, recordPlan } from "./simRecordings.js";

test("an episode plan groups into recordings of consecutive seeds with one policy, covering every episode", () => {
  const plan = episodePlan("push", 100, 20);
  const runs = recordingRuns(plan);
  assert.deepEqual(
    runs.slice(0, 6).map((r) => [r.firstSeed, r.episodes, r.policy, r.failure]),
    [
      [100, 3, "expert", "none"],
      [103, 3, "noisy", "none"],
      [106, 1, "expert", "drop"],
      [107, 1, "noisy", "undo"],
      [108, 1, "noisy", "stall"],
      [109, 1, "random", "none"],
    ],
  );
  const seeds = runs.flatMap((r) => Array.from({ length: r.episodes }, (_, i) => r.firstSeed + i));
  assert.deepEqual(
    seeds,
    plan.map((p) => p.seed),
  );
  for (const r of runs) {
    for (let i = 0; i < r.episodes; i++) {
      const p = plan.find((e) => e.seed === r.firstSeed + i)!;
      assert.deepEqual([p.policy, p.failure], [r.policy, r.failure]);
    }
  }
});

// Training reads the sim's MCAP recordings; they must hold the same episodes as a direct rollout of the
// plan, with frames that differ only by JPEG error.
test("recorded training episodes match direct sim rollouts: steps, labels, outcome; frames within JPEG error", async () => {
  const dir = await mkdtemp(join(tmpdir(), "sim-recordings-"));
  try {
    const plan = episodePlan("push", 40, 4).slice(2);
    const size = 32;
    const stride = 3;
    const sources = await recordPlan(plan, { dir: join(dir, "rec"), size });
    assert.deepEqual(
      sources.map((s) => [s.seed, s.policy]),
      [
        [42, "expert"],
        [43, "noisy"],
      ],
    );
    for (const s of sources) assert.ok(existsSync(join(dirname(s.path), "metadata.yaml")), s.path);

    const out = join(dir, "data");
    const views = ["front", "side", "wrist"];
    await writeDataset(sources, { out, views, size, stride });
    const meta = JSON.parse(await readFile(join(out, "dataset.json"), "utf8"));
    const frames = await readFile(join(out, "frames.u8"));

    const direct = [];
    for await (const ep of simEpisodes(plan, { size, stride })) direct.push(ep);
    assert.equal(meta.episodes.length, direct.length);
    const plane = size * size * 3;
    for (const [i, ep] of direct.entries()) {
      const got = meta.episodes[i];
      assert.deepEqual([got.seed, got.success, got.steps], [ep.planned.seed, ep.success, ep.steps]);
      const progress = meta.frames.progress.slice(got.first, got.first + got.count);
      assert.deepEqual(
        progress.map((p: number) => p.toFixed(5)),
        ep.truth.map((t) => t.progress.toFixed(5)),
      );
      let err = 0;
      ep.frames.forEach((viewsAt, k) =>
        viewsAt.forEach((raw, v) => {
          const at = (got.first + k) * views.length * plane + v * plane;
          for (let j = 0; j < plane; j++) err += Math.abs(frames[at + j]! - raw[j]!);
        }),
      );
      const mean = err / (ep.frames.length * views.length * plane);
      assert.ok(mean < 3, `mean abs pixel error ${mean.toFixed(2)} over JPEG round trips`);
      assert.ok(mean > 0, "frames came through JPEG, not raw");
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
