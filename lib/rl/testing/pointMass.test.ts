import assert from "node:assert/strict";
import { test } from "node:test";
import { POINT_MASS_TASKS, PointMassEnv } from "./pointMass.js";

function rollout(env: PointMassEnv, seed: number, noise: number) {
  let s = env.reset(seed);
  const stages = [s.groundTruth.stage];
  const progress = [s.groundTruth.progress];
  const observations = [s.observation];
  while (!s.groundTruth.terminal && !s.groundTruth.truncated) {
    s = env.step(env.expert(noise));
    stages.push(s.groundTruth.stage);
    progress.push(s.groundTruth.progress);
    observations.push(s.observation);
  }
  return { stages, progress, observations, last: s.groundTruth };
}

for (const task of POINT_MASS_TASKS) {
  test(`${task}: the clean expert passes every stage in order and succeeds as a true terminal`, () => {
    const env = new PointMassEnv(task, 1);
    for (let seed = 0; seed < 20; seed++) {
      const { stages, progress, last } = rollout(env, seed, 0);
      assert.ok(last.success && last.terminal && !last.truncated, `seed ${seed}`);
      for (let i = 1; i < stages.length; i++)
        assert.ok(stages[i]! >= stages[i - 1]!, `stage went back at step ${i}`);
      assert.deepEqual([...new Set(stages)], [...env.stageNames.keys()]);
      assert.equal(progress[progress.length - 1], 1);
    }
  });

  test(`${task}: same seed, same episode; a random policy is truncated at the step limit`, () => {
    const a = rollout(new PointMassEnv(task, 3), 42, 0.5);
    const b = rollout(new PointMassEnv(task, 3), 42, 0.5);
    assert.deepEqual(a.observations, b.observations);
    const env = new PointMassEnv(task, 0);
    env.reset(1);
    let s;
    let steps = 0;
    do {
      s = env.step(Float32Array.of(0, 0, 0.04, 0, 0));
      steps++;
    } while (!s.groundTruth.terminal && !s.groundTruth.truncated);
    assert.equal(s.groundTruth.truncated, true);
    assert.equal(steps, env.maxSteps);
    assert.throws(() => env.step(Float32Array.of(0, 0, 0, 0, 0)), /after the episode ended/);
  });
}
