import assert from "node:assert/strict";
import { mkdtemp, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import * as prettier from "prettier";
import { oraclePotential } from "../rewards.js";
import { ACTION_DIM } from "../spaces.js";
import { DEFAULT_TD3 } from "../td3.js";
import { createPointMassEnv } from "../testing/pointMass.js";
import { rolloutsToFraction, summarize } from "./metrics.js";
import { writeSuccessPlot } from "./plot.js";
import { curvesCsv, markdownReport } from "./report.js";
import { runCondition, type RunConfig } from "./runner.js";

const smoke = (condition: RunConfig["condition"]): RunConfig => ({
  task: "push",
  condition,
  seed: 1,
  rollouts: 3,
  selfImitation: true,
  progressImitation: { horizon: 5, margin: 0 },
  evalEvery: 3,
  evalEpisodes: 2,
  demos: 2,
  demoNoise: 0.1,
  successDelta: 0.05,
  learner: {
    td3: {
      ...DEFAULT_TD3,
      hidden: [32, 32],
      observationDim: 0,
      actionDim: ACTION_DIM,
      actorWarmupUpdates: 20,
    },
    replayCapacity: 5000,
    batchSize: 32,
    updatesPerStep: 1,
    nStep: 1,
    warmupTransitions: 64,
    explorationNoise: 0.1,
    bcSteps: 50,
    demoBatchFraction: 0.5,
  },
});

// CI smoke test: a few rollouts end to end on the point-mass fixture; transitions, rewards and updates flow.
test("an experiment run clones demos, then learns from rewarded transitions and evaluates", async () => {
  const runs = [];
  for (const condition of ["sparse", "pbrs_oracle"] as const) {
    const points: number[] = [];
    const run = await runCondition(
      createPointMassEnv,
      (c) => (c === "sparse" ? undefined : oraclePotential),
      smoke(condition),
      (p) => points.push(p.rollouts),
    );
    assert.deepEqual(points, [0, 3]);
    assert.ok(run.demoTransitions > 20, `demo transitions ${run.demoTransitions}`);
    assert.ok(run.counters.transitions >= 3, "every training step became a transition");
    assert.ok(
      run.counters.updates > 0 && run.counters.updates <= run.counters.transitions,
      `updates ${run.counters.updates}`,
    );
    assert.ok(Number.isFinite(run.counters.lastCriticLoss));
    assert.ok(Number.isFinite(run.bcLoss));
    // Self-imitation: exactly the successful training rollouts join the demonstrations.
    assert.equal(run.imitatedTransitions > 0, run.trainingSuccesses > 0);
    assert.ok(run.imitatedTransitions >= run.trainingSuccesses);
    assert.ok(run.imitatedTransitions + run.progressTransitions <= run.counters.transitions);
    runs.push(run);
  }
  // Shaped rewards are dense: non-zero even when no training rollout succeeded.
  assert.notEqual(runs[1]!.meanReward, 0);
  // Sparse rewards come from success alone: non-zero exactly when a training rollout succeeded.
  const sparse = runs[0]!;
  assert.equal(
    sparse.meanReward > 0,
    sparse.trainingSuccesses > 0,
    `sparse mean reward ${sparse.meanReward} with ${sparse.trainingSuccesses} successful training rollouts`,
  );

  // Progress imitation: a sparse failure pays nothing, so none of it is imitated; shaped failures move.
  assert.equal(sparse.progressTransitions, 0);
  const shaped = runs[1]!;
  assert.ok(shaped.trainingSuccesses < 3 && shaped.progressTransitions > 0, JSON.stringify(shaped));

  const summaries = [summarize("sparse", [runs[0]!]), summarize("pbrs_oracle", [runs[1]!])];
  const dir = await mkdtemp(join(tmpdir(), "experiment-"));
  await writeSuccessPlot(join(dir, "success.png"), summaries, { title: "smoke" });
  const png = await readFile(join(dir, "success.png"));
  assert.deepEqual([...png.subarray(1, 4)], [...Buffer.from("PNG")]);
  const csv = curvesCsv(runs, summaries).trim().split("\n");
  assert.equal(csv[0], "condition,seed,rollouts,success_rate");
  assert.equal(csv.length, 1 + 2 * 2 + 2 * 2);
  const md = markdownReport(
    { title: "smoke", command: "cmd", environment: "pointmass", notes: [] },
    summaries,
    runs,
  );
  assert.match(md, /\| pbrs_oracle +\| 1 +\|/);
  // Committed as written: the repository's lint runs prettier over docs/experiments.
  const options = { ...(await prettier.resolveConfig("docs/experiments/README.md")), parser: "markdown" };
  assert.ok(await prettier.check(md, options), `prettier would reformat:\n${md}`);
});

test("rollouts to 80% of final success reads the first evaluation at that level", () => {
  const curve = [0, 0.1, 0.5, 0.7, 0.8].map((s, i) => ({ rollouts: i * 10, successRate: s }));
  assert.equal(rolloutsToFraction(curve, 0.8), 30);
  assert.equal(rolloutsToFraction([{ rollouts: 0, successRate: 0 }], 0.8), undefined);
  const run = (seed: number, rates: number[]) => ({
    condition: "pbrs" as const,
    seed,
    curve: rates.map((s, i) => ({ rollouts: i * 10, successRate: s })),
    counters: { transitions: 0, updates: 0, lastCriticLoss: 0, lastActorLoss: 0, lastMeanQ: 0 },
    demoTransitions: 0,
    bcLoss: 0,
    meanReward: 0,
    trainingSuccesses: 0,
    imitatedTransitions: 0,
    progressTransitions: 0,
  });
  const s = summarize("pbrs", [run(1, [0, 0.5, 1]), run(2, [0, 0.3, 0.6])]);
  assert.deepEqual(
    s.meanCurve.map((p) => p.successRate),
    [0, 0.4, 0.8],
  );
  assert.ok(Math.abs(s.finalSuccess - 0.8) < 1e-12 && Math.abs(s.finalSuccessStd - 0.2) < 1e-12);
  assert.equal(s.rolloutsTo80, 20);
  assert.deepEqual(s.perSeedRolloutsTo80, [20, 20]);
  assert.throws(() => summarize("pbrs", [run(1, [0, 1]), run(2, [0, 1, 1])]), /different rollout counts/);
});
