import assert from "node:assert/strict";
import { test } from "node:test";
import { applyHop, hop, hopBinCenters, hopFromLogits } from "./hop.js";

test("hop follows H(p→q) of DESIGN §4 on hand-computed cases", () => {
  const close = (a: number, b: number): void => assert.ok(Math.abs(a - b) < 1e-12, `${a} ≠ ${b}`);
  close(hop(0.2, 0.6), 0.5); // forward: share of the distance left, 0.4 / 0.8
  close(hop(0.5, 0.25), -0.5); // backward: share of the progress held, −0.25 / 0.5
  assert.equal(hop(0.3, 0.3), 0);
  assert.equal(hop(0, 1), 1);
  assert.equal(hop(1, 0), -1);
  assert.equal(hop(1, 1), 0);
});

test("applyHop inverts hop over a grid of potentials", () => {
  for (let p = 0; p <= 1; p += 0.05) {
    for (let q = 0; q <= 1; q += 0.05) {
      if (p === 0 && q < p) continue;
      const h = hop(p, q);
      assert.ok(h >= -1 && h <= 1, `H(${p}→${q}) = ${h} out of [−1, 1]`);
      if (p < 1 || q < p) assert.ok(Math.abs(applyHop(p, h) - q) < 1e-12, `applyHop(${p}, H) ≠ ${q}`);
    }
  }
});

test("applyHop stays in [0, 1] for every hop in [−1, 1]", () => {
  for (let p = 0; p <= 1; p += 0.1)
    for (let h = -1; h <= 1; h += 0.1) {
      const q = applyHop(p, h);
      assert.ok(q >= -1e-12 && q <= 1 + 1e-12, `applyHop(${p}, ${h}) = ${q}`);
    }
});

test("hop bins: expectation and confidence from logits", () => {
  const centers = hopBinCenters(5);
  assert.deepEqual([...centers], [-1, -0.5, 0, 0.5, 1]);
  const peaked = hopFromLogits([0, 0, 0, 50, 0], 0, centers);
  assert.ok(Math.abs(peaked.value - 0.5) < 1e-9);
  assert.ok(peaked.confidence > 0.999);
  const flat = hopFromLogits([9, 1, 1, 1, 1, 1], 1, centers);
  assert.ok(Math.abs(flat.value) < 1e-12);
  // uniform over {−1, −.5, 0, .5, 1}: variance 0.5
  assert.ok(Math.abs(flat.confidence - (1 - Math.sqrt(0.5))) < 1e-12);
  assert.throws(() => hopBinCenters(1), /hop bins/);
});
