import assert from "node:assert/strict";
import { test } from "node:test";
import { runCondition, type RunConfig } from "../lib/rl/experiment/runner.js";
import { createModelPotential } from "../lib/rl/modelPotential.js";
import { oraclePotential } from "../lib/rl/rewards.js";
import { ACTION_DIM, denormalizeAction, normalizeAction } from "../lib/rl/spaces.js";
import { DEFAULT_TD3 } from "../lib/rl/td3.js";
import { createPolicyEnv } from "./policyEnv.js";

const FRAMES = { views: ["front", "side", "wrist"], width: 16, height: 16 };

test("the policy env replays a seed's world with and without frames; the expert succeeds through it", async () => {
  const env = await createPolicyEnv("push", 3);
  try {
    assert.equal(env.observationNames[0], "ee_x");
    assert.deepEqual(env.stageNames, ["reach", "descend", "push"]);
    const first = env.reset(11);
    assert.equal(first.frames, undefined);
    await env.prepareFrames(FRAMES);
    const rendered = env.reset(11, FRAMES);
    assert.deepEqual(rendered.observation, first.observation);
    assert.deepEqual(
      rendered.frames?.map((f) => [f.view, f.width, f.height, f.data.length]),
      FRAMES.views.map((v) => [v, 16, 16, 16 * 16 * 3]),
    );
    let s = env.reset(11);
    let steps = 0;
    while (!s.groundTruth.terminal && !s.groundTruth.truncated) {
      // Through the learner's normalized action space and back, as the experiment's demos go.
      s = env.step(denormalizeAction(normalizeAction(env.expert(0), env.actionBounds), env.actionBounds));
      steps++;
    }
    assert.ok(s.groundTruth.success, `expert did not succeed in ${steps} steps`);
    assert.throws(() => env.reset(1, { ...FRAMES, width: 32 }), /were not prepared/);
  } finally {
    env.close();
  }
});

const smoke = (condition: RunConfig["condition"]): RunConfig => ({
  task: "push",
  condition,
  seed: 1,
  rollouts: 2,
  selfImitation: true,
  evalEvery: 2,
  evalEpisodes: 1,
  demos: 1,
  demoNoise: 0.002,
  successDelta: 0.05,
  learner: {
    td3: {
      ...DEFAULT_TD3,
      hidden: [16, 16],
      observationDim: 0,
      actionDim: ACTION_DIM,
      actorWarmupUpdates: 10,
    },
    replayCapacity: 2000,
    batchSize: 16,
    updatesPerStep: 1,
    nStep: 1,
    warmupTransitions: 32,
    explorationNoise: 0.1,
    bcSteps: 10,
    demoBatchFraction: 0.5,
  },
});

// CI smoke test of `--env sim`: the shipped push model scores rendered frames, the node's Shaper rewards.
test("an experiment run on the sim learns from the shipped model's shaped rewards", async () => {
  const potential = await createModelPotential({
    model: "models/hop_push",
    task: "push",
    fusion: "fused",
    threads: 1,
  });
  try {
    const phis: number[] = [];
    const scored = {
      name: potential.name,
      frames: potential.frames,
      startEpisode: potential.startEpisode.bind(potential),
      potential: async (input: Parameters<typeof potential.potential>[0]) => {
        assert.equal(input.frames?.length, 3, "each scored step carries the model's three views");
        const phi = await potential.potential(input);
        phis.push(phi);
        return phi;
      },
    };
    for (const condition of ["pbrs", "pbrs_oracle"] as const) {
      const run = await runCondition(
        createPolicyEnv,
        (c) => (c === "pbrs" ? scored : oraclePotential),
        smoke(condition),
      );
      assert.equal(run.curve.length, 2);
      assert.ok(run.demoTransitions > 10, `demo transitions ${run.demoTransitions}`);
      assert.ok(run.counters.transitions > 0 && run.counters.updates > 0, JSON.stringify(run.counters));
      assert.ok(Number.isFinite(run.meanReward) && run.meanReward !== 0, `mean reward ${run.meanReward}`);
    }
    assert.ok(phis.length > 10 && phis.every((p) => p >= 0 && p <= 1), "Φ in [0, 1]");
    assert.ok(new Set(phis.map((p) => p.toFixed(4))).size > 1, "Φ moves with the frames");
  } finally {
    await potential.release();
  }
});
