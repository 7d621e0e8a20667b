import assert from "node:assert/strict";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { DEFAULT_LEARNER } from "../../lib/rl/learner.js";
import { ACTION_DIM } from "../../lib/rl/spaces.js";
import { DEFAULT_TD3 } from "../../lib/rl/td3.js";
import { createPolicyEnv } from "../../sim/policyEnv.js";
import { VIEW_NAMES } from "../../sim/world/spec.js";
import { DatasetWriter } from "./dataset.js";
import { addLearnerRollouts } from "./learnerRollouts.js";

// The rollouts must be the experiment's own learner's episodes, labelled by the sim's truth at the kept steps.
test("learner rollouts become dataset episodes: demos then exploring rollouts, every stride-th step and the last, true labels", async () => {
  const dir = await mkdtemp(join(tmpdir(), "learner-rollouts-"));
  try {
    const size = 16;
    const stride = 2;
    const writer = await DatasetWriter.create({ out: dir, views: VIEW_NAMES, size, stride });
    const learner = {
      ...DEFAULT_LEARNER,
      bcSteps: 5,
      td3: { ...DEFAULT_TD3, observationDim: 0, actionDim: ACTION_DIM },
    };
    const maxSteps = 100;
    const summary = await addLearnerRollouts(writer, {
      task: "push",
      seeds: [7],
      rollouts: 2,
      demos: 1,
      maxSteps,
      learner,
      size,
      stride,
    });
    await writer.finish({});
    const meta = JSON.parse(await readFile(join(dir, "dataset.json"), "utf8"));
    const policies: string[] = meta.episodes.map((e: { policy: string }) => e.policy);
    assert.equal(summary.episodes, meta.episodes.length);
    assert.deepEqual(policies.slice(-2), ["learner-rollout", "learner-rollout"]);
    assert.ok(policies.slice(0, -2).every((p) => p === "learner-demo"));
    // The last demo attempt succeeded (one demo was asked for); the first of them starts at seed 7's demo range.
    assert.equal(meta.episodes[policies.length - 3].success, true);

    // Replaying a rollout's kept steps is not possible without the learner, so check the demo against the
    // sim: its first kept label is the reset's truth, and every episode keeps step 0, each stride-th, the last.
    for (const e of meta.episodes as { steps: number[]; first: number; count: number }[]) {
      assert.equal(e.steps.length, e.count);
      assert.equal(e.steps[0], 0);
      for (let i = 1; i < e.steps.length - 1; i++) assert.equal(e.steps[i], i * stride);
      assert.ok(e.steps.at(-1)! - e.steps.at(-2)! <= stride);
    }
    const env = await createPolicyEnv("push", 7, { maxSteps });
    const first = env.reset(7_000_000 + 500_000).groundTruth;
    assert.equal(meta.frames.progress[0], first.progress);
    assert.equal(meta.frames.stage[0], first.stage);
    env.close?.();
    const frames = await readFile(join(dir, "frames.u8"));
    assert.equal(frames.length, meta.frames.progress.length * VIEW_NAMES.length * size * size * 3);
    assert.ok(
      frames.some((b) => b > 0),
      "frames hold pixels",
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
