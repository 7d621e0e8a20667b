import assert from "node:assert/strict";
import { test } from "node:test";
import { Rng } from "./random.js";
import { conditionReward, parseConditions, type Condition } from "./rewards.js";

const base = { success: false, terminal: false, gamma: 0.9, successDelta: 0.05 };

test("each condition's reward follows its formula", () => {
  const r = { ...base, phi: 0.2, phiNext: 0.5 };
  assert.deepEqual(conditionReward("sparse", r), { reward: 0, rGold: 0 });
  assert.deepEqual(conditionReward("sparse", { ...r, success: true }), { reward: 1, rGold: 1 });
  assert.ok(Math.abs(conditionReward("naive", r).reward - 0.3) < 1e-12);
  assert.ok(Math.abs(conditionReward("pbrs", r).reward - (0.9 * 0.5 - 0.2)) < 1e-12);
  assert.ok(Math.abs(conditionReward("pbrs_oracle", r).reward - (0.9 * 0.5 - 0.2)) < 1e-12);
});

test("shaped rewards take Φ(s′) = 0 at a true terminal and pay r_gold on success or Φ(s′) ≥ 1 − δ", () => {
  const fail = conditionReward("pbrs", { ...base, phi: 0.6, phiNext: 0.7, terminal: true });
  assert.ok(Math.abs(fail.reward - -0.6) < 1e-12);
  const win = conditionReward("pbrs", { ...base, phi: 0.9, phiNext: 1, terminal: true, success: true });
  assert.ok(Math.abs(win.reward - (1 - 0.9)) < 1e-12);
  assert.equal(conditionReward("pbrs", { ...base, phi: 0.9, phiNext: 0.96 }).rGold, 1);
  assert.equal(conditionReward("pbrs", { ...base, phi: 0.9, phiNext: 0.94 }).rGold, 0);
  assert.equal(conditionReward("pbrs_success_gold", { ...base, phi: 0.9, phiNext: 0.96 }).rGold, 0);
  assert.equal(
    conditionReward("pbrs_success_gold", { ...base, phi: 0.9, phiNext: 0.96, success: true }).rGold,
    1,
  );
  // Truncation bootstraps: Φ(s′) stays.
  assert.ok(
    Math.abs(conditionReward("pbrs", { ...base, phi: 0.5, phiNext: 0.5 }).reward - (0.9 * 0.5 - 0.5)) < 1e-12,
  );
});

test("over an episode ending in a true terminal the shaped return is the r_gold return minus Φ(s₀); naive is not", () => {
  const rng = new Rng(7);
  for (let trial = 0; trial < 50; trial++) {
    const T = 1 + rng.int(30);
    const phis = Array.from({ length: T + 1 }, () => rng.uniform() * 0.9);
    const success = rng.uniform() < 0.5;
    const gamma = 0.95;
    const ret = (c: Condition): number =>
      phis.slice(0, T).reduce((acc, phi, t) => {
        const last = t === T - 1;
        const { reward } = conditionReward(c, {
          phi,
          phiNext: last && success ? 1 : phis[t + 1]!,
          success: last && success,
          terminal: last,
          gamma,
          successDelta: 0.05,
        });
        return acc + gamma ** t * reward;
      }, 0);
    const gold = success ? gamma ** (T - 1) : 0;
    assert.ok(Math.abs(ret("pbrs") - (gold - phis[0]!)) < 1e-9, `trial ${trial}`);
    if (T > 2) assert.notEqual(Number(ret("naive").toFixed(9)), Number((gold - phis[0]!).toFixed(9)));
  }
});

test("non-finite inputs and unknown conditions are named", () => {
  assert.throws(() => conditionReward("pbrs", { ...base, phi: NaN, phiNext: 0 }), /phi is not finite/);
  assert.deepEqual(parseConditions("sparse, pbrs"), ["sparse", "pbrs"]);
  assert.throws(() => parseConditions("sparse,dense"), /unknown condition 'dense'/);
  assert.throws(() => parseConditions(""), /at least one/);
});
