import assert from "node:assert/strict";
import { test } from "node:test";
import { Rng } from "./random.js";
import { EpisodeRewards, parseConditions, type Condition } from "./rewards.js";

const options = { gamma: 0.9, successDelta: 0.05 };
const mid = { success: false, terminal: false, truncated: false };

/** Rewards of one episode whose states have potentials `phis` (the last transition gets `last`). */
function episode(
  condition: Condition,
  phis: readonly number[],
  last: Partial<typeof mid> = {},
  gamma = options.gamma,
): number[] {
  const r = new EpisodeRewards(condition, { ...options, gamma });
  r.startEpisode(phis[0]!);
  return phis
    .slice(1)
    .map((phiNext, t) => r.step({ ...mid, ...(t === phis.length - 2 ? last : {}), phiNext }));
}

const close = (a: number, b: number): boolean => Math.abs(a - b) < 1e-12;

test("each condition's reward follows its formula", () => {
  assert.deepEqual(episode("sparse", [0.2, 0.5]), [0]);
  assert.deepEqual(episode("sparse", [0.2, 0.5], { success: true, terminal: true }), [1]);
  assert.ok(close(episode("naive", [0.2, 0.5])[0]!, 0.3));
  assert.ok(close(episode("pbrs", [0.2, 0.5])[0]!, 0.9 * 0.5 - 0.2));
  assert.ok(close(episode("pbrs_oracle", [0.2, 0.5])[0]!, 0.9 * 0.5 - 0.2));
});

test("shaped rewards are the reward node's: Φ(s′) = 0 at a true terminal, r_gold only on success", () => {
  assert.ok(close(episode("pbrs", [0.6, 0.7], { terminal: true })[0]!, -0.6));
  assert.ok(close(episode("pbrs", [0.9, 1], { terminal: true, success: true })[0]!, 1 - 0.9));
  // Φ(s′) ≥ 1 − δ without the task's success pays no r_gold (the node's Shaper, success source task).
  const hover = episode("pbrs", [0.9, 0.96, 0.96, 0.96]);
  assert.ok(close(hover[0]!, 0.9 * 0.96 - 0.9));
  assert.ok(close(hover[1]!, 0.9 * 0.96 - 0.96));
  assert.ok(close(hover[2]!, 0.9 * 0.96 - 0.96));
  assert.ok(close(episode("pbrs", [0.9, 0.94])[0]!, 0.9 * 0.94 - 0.9));
  // Truncation bootstraps: Φ(s′) stays.
  assert.ok(close(episode("pbrs", [0.5, 0.5], { truncated: true })[0]!, 0.9 * 0.5 - 0.5));
  // A new episode pays r_gold again.
  const r = new EpisodeRewards("pbrs", options);
  for (let e = 0; e < 2; e++) {
    r.startEpisode(0.9);
    assert.ok(close(r.step({ ...mid, phiNext: 0.97, terminal: true, success: true }), 1 - 0.9));
  }
});

test("over an episode ending in a true terminal the shaped return is the r_gold return minus Φ(s₀); naive is not", () => {
  const rng = new Rng(7);
  for (let trial = 0; trial < 50; trial++) {
    const T = 1 + rng.int(30);
    const phis = Array.from({ length: T + 1 }, () => rng.uniform() * 0.9);
    const success = rng.uniform() < 0.5;
    if (success) phis[T] = 1;
    const gamma = 0.95;
    const ret = (c: Condition): number =>
      episode(c, phis, { success, terminal: true }, gamma).reduce((acc, r, t) => acc + gamma ** t * r, 0);
    const gold = success ? gamma ** (T - 1) : 0;
    assert.ok(Math.abs(ret("pbrs") - (gold - phis[0]!)) < 1e-9, `trial ${trial}`);
    if (T > 2) assert.notEqual(Number(ret("naive").toFixed(9)), Number((gold - phis[0]!).toFixed(9)));
  }
});

test("non-finite inputs and unknown conditions are named", () => {
  assert.throws(() => new EpisodeRewards("pbrs", options).startEpisode(NaN), /phi is not finite/);
  const r = new EpisodeRewards("naive", options);
  r.startEpisode(0);
  assert.throws(() => r.step({ ...mid, phiNext: Infinity }), /phiNext is not finite/);
  assert.deepEqual(parseConditions("sparse, pbrs"), ["sparse", "pbrs"]);
  assert.throws(() => parseConditions("sparse,dense"), /unknown condition 'dense'/);
  assert.throws(() => parseConditions(""), /at least one/);
});
