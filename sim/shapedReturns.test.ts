import assert from "node:assert/strict";
import { test } from "node:test";
import type { EnvStep } from "../lib/rl/env.js";
import { Shaper, type ShapedStep } from "../lib/reward/shaping.js";
import { createPolicyEnv } from "./policyEnv.js";

// DESIGN §5 on recorded sim rollouts with the ground-truth Φ: what a learner is paid for finishing a task
// against hovering just below its goal, with success from the task (the simulator's own signal).
const GAMMA = 0.98;
const SEEDS = [0, 1, 2, 3, 4, 5];

interface Rollout {
  readonly steps: EnvStep[];
}

/** One episode of the noisy expert; with `hoverAt`, it stops moving once true progress reaches it. */
async function rollout(task: string, seed: number, hoverAt?: number): Promise<Rollout> {
  const env = await createPolicyEnv(task, seed);
  try {
    let s = env.reset(seed);
    const steps = [s];
    let held: Float32Array = new Float32Array(5);
    while (!s.groundTruth.terminal && !s.groundTruth.truncated) {
      if (hoverAt === undefined || s.groundTruth.progress < hoverAt) held = env.expert(0.005);
      else held = Float32Array.of(0, 0, 0, 0, held[4]!); // stays put, the gripper as it was
      s = env.step(held);
      steps.push(s);
    }
    return { steps };
  } finally {
    env.close();
  }
}

/** The rollout through the reward node's Shaper as the node is driven: SUCCESS, then TERMINAL / TRUNCATED. */
function shape(r: Rollout): ShapedStep[] {
  const shaper = new Shaper({ gamma: GAMMA, successDelta: 0.05, successSource: "task" });
  shaper.startEpisode(1n);
  return r.steps.flatMap((s, i) => {
    if (i > 0) {
      if (s.groundTruth.success) shaper.markSuccess();
      if (s.groundTruth.terminal) shaper.markBoundary("terminal");
      else if (s.groundTruth.truncated) shaper.markBoundary("truncated");
    }
    const shaped = shaper.step(s.groundTruth.progress)!;
    return i === 0 ? [] : [shaped];
  });
}

/** Σ γᵗ rₜ, plus γᵀ·V(s_T) after a truncation, with V of hovering in s_T forever = Σ γᵗ(γΦ − Φ) = −Φ(s_T). */
function learnerReturn(steps: readonly ShapedStep[]): number {
  const g = steps.reduce((sum, s, t) => sum + GAMMA ** t * s.reward, 0);
  const last = steps.at(-1)!;
  return last.truncated ? g + GAMMA ** steps.length * -last.phiNext : g;
}

test("pick_place with ground-truth Φ: finishing earns a higher shaped return than hovering below the goal", async () => {
  let earlyCrossings = 0;
  for (const seed of SEEDS) {
    const finish = await rollout("pick_place", seed);
    const hover = await rollout("pick_place", seed, 0.9);
    assert.ok(finish.steps.at(-1)!.groundTruth.success, `seed ${seed}: the expert succeeds`);
    assert.ok(!hover.steps.at(-1)!.groundTruth.success, `seed ${seed}: the hovering policy never succeeds`);
    const fin = shape(finish);
    const hov = shape(hover);
    // r_gold is paid on the success transition and nowhere else, however early true progress passed 1 − δ.
    const successAt = finish.steps.findIndex((s) => s.groundTruth.success) - 1;
    // The shaping terms telescope, so the two returns differ by exactly the discounted r_gold of finishing.
    const [f, h] = [learnerReturn(fin), learnerReturn(hov)];
    assert.ok(f > h, `seed ${seed}: finishing ${f.toFixed(3)} vs hovering ${h.toFixed(3)}`);
    assert.ok(Math.abs(f - h - GAMMA ** successAt) < 1e-9, `seed ${seed}: difference ${f - h}`);
    assert.deepEqual(
      fin.flatMap((s, t) => (s.rGold > 0 ? [t] : [])),
      [successAt],
      `seed ${seed}: r_gold only on the transition into success`,
    );
    assert.equal(fin[successAt]!.terminal, true);
    assert.equal(fin[successAt]!.successBy, "task");
    assert.ok(
      hov.every((s) => s.rGold === 0),
      `seed ${seed}: no r_gold while hovering`,
    );
    if (finish.steps.slice(0, successAt + 1).some((s) => s.groundTruth.progress >= 0.95)) earlyCrossings++;
  }
  assert.ok(
    earlyCrossings > 0,
    "some rollout's true progress passes 1 − δ before success (the case at stake)",
  );
});
