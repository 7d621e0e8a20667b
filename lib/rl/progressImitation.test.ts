import assert from "node:assert/strict";
import { test } from "node:test";
import { nStepReturns, progressTransitions } from "./progressImitation.js";
import { Shaper } from "../reward/shaping.js";
import type { Transition } from "./transition.js";

test("n-step returns match the direct sum and stop at the episode's end", () => {
  const r = [0.3, -0.1, 0, 0.7, 0.2, -0.4, 1];
  const gamma = 0.9;
  for (const n of [1, 2, 3, 10]) {
    const got = nStepReturns(r, gamma, n);
    r.forEach((_, t) => {
      let want = 0;
      for (let k = 0; k < n && t + k < r.length; k++) want += gamma ** k * r[t + k]!;
      assert.ok(Math.abs(got[t]! - want) < 1e-12, `n=${n} t=${t}: ${got[t]} vs ${want}`);
    });
  }
  assert.throws(() => nStepReturns(r, gamma, 0), /horizon must be ≥ 1/);
});

/** A failed episode's rewards as the reward node's Shaper pays them, for a progress trace Φ(s_0..s_T). */
function shapedFailure(phis: readonly number[], gamma: number): Transition[] {
  const shaper = new Shaper({ gamma, successDelta: 0.05 });
  shaper.startEpisode(1n);
  shaper.step(phis[0]!);
  return phis.slice(1).map((phi, i) => {
    if (i === phis.length - 2) shaper.markBoundary("truncated");
    const reward = shaper.step(phi)!.reward;
    const o = Float32Array.of(i);
    return {
      observation: o,
      action: o,
      reward,
      nextObservation: o,
      terminal: false,
      truncated: i === phis.length - 2,
    };
  });
}

test("shaped rewards mark the steps that made progress; stalling and regress are not imitated", () => {
  const gamma = 0.98;
  // reach (0 → 0.3), stall at 0.3, drop back to 0.1, stall again
  const phis = [0, 0.1, 0.2, 0.3, 0.3, 0.3, 0.3, 0.3, 0.1, 0.1, 0.1, 0.1];
  const episode = shapedFailure(phis, gamma);
  const kept = progressTransitions(episode, gamma, { horizon: 3, margin: 0.02 }).map((t) => t.observation[0]);
  assert.deepEqual(kept, [0, 1, 2]);
  // a sparse failure pays nothing, so nothing of it is imitated
  const sparse = episode.map((t) => ({ ...t, reward: 0 }));
  assert.deepEqual(progressTransitions(sparse, gamma, { horizon: 3, margin: 0 }), []);
});
