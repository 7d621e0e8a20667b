import assert from "node:assert/strict";
import { test } from "node:test";
import { spearman } from "../../lib/math/spearman.js";
import { classifyCompletion, trueCompletion, voc, vocF1, vroc } from "./metrics.js";

test("spearman matches the textbook value with ties averaged", () => {
  // x ranks 1,2,3,4,5; y = [1,2,2,4,3] ranks 1,2.5,2.5,5,4 → rho = 0.8721 (Pearson of the ranks)
  assert.ok(Math.abs(spearman([1, 2, 3, 4, 5], [1, 2, 2, 4, 3]) - 0.872082) < 1e-5);
  assert.equal(spearman([3, 1, 2], [3, 1, 2]), 1);
  assert.equal(spearman([1, 2, 3], [3, 2, 1]), -1);
});

test("constant, tied and too-short predictions give VOC 0 instead of NaN or a crash", () => {
  assert.equal(voc([0.5, 0.5, 0.5, 0.5]), 0);
  assert.equal(voc([0.2]), 0);
  assert.equal(voc([]), 0);
  assert.throws(() => voc([0.1, Number.NaN]), /finite/);
});

test("VOC rewards rising progress, VROC rewards falling progress on the reversed episode", () => {
  const rising = [0, 0.1, 0.3, 0.2, 0.6, 1];
  assert.ok(voc(rising) > 0.9);
  assert.ok(vroc([...rising].reverse()) > 0.9);
  // a model that predicts "forward" whatever it sees fails the reversed episode
  assert.ok(vroc(rising) < -0.9);
  assert.equal(vocF1(0.9, -0.9), 0);
  assert.ok(Math.abs(vocF1(0.9, 0.6) - 0.72) < 1e-12);
});

test("completion classes follow the thresholds of DESIGN §6", () => {
  assert.equal(classifyCompletion([0, 0.3, 0.7, 0.9, 0.95, 0.97]), "success");
  // ends high but the last third averages below 0.6 → not success; ≥ 0.4 → partial
  assert.equal(classifyCompletion([0, 0, 0, 0, 0.3, 0.85]), "partial");
  assert.equal(classifyCompletion([0, 0.2, 0.5, 0.5, 0.45, 0.4]), "partial");
  assert.equal(classifyCompletion([0, 0.2, 0.5, 0.3, 0.2, 0.1]), "failure");
  assert.equal(trueCompletion(true, [0, 0.1]), "success");
  assert.equal(trueCompletion(false, [0, 0.5, 0.5]), "partial");
  assert.equal(trueCompletion(false, [0, 0.5, 0.1]), "failure");
});
