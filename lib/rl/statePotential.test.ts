import assert from "node:assert/strict";
import { test } from "node:test";
import { regressPotential, stageLabels, trainStatePotential } from "./statePotential.js";
import { PointMassEnv } from "./testing/pointMass.js";
import { demoStatePotential } from "./potentials.js";

test("stage-aware labels give each stage an equal share, whatever its length, and never go down", () => {
  assert.deepEqual(stageLabels([0, 0, 1, 1, 1, 1], 2), [0.25, 0.5, 0.625, 0.75, 0.875, 1]);
  // A wobble back to stage 0 keeps the stage reached; the done marker (K) is 1.
  assert.deepEqual(stageLabels([0, 1, 0, 2], 2), [0.5, 0.75, 1, 1]);
});

test("a potential learned from demos rises along held-out expert episodes", async () => {
  const env = new PointMassEnv("pick_place", 8);
  const phi = await demoStatePotential({ episodes: 20, noise: 0.2 })("pick_place", env, 1);
  let concordant = 0;
  let pairs = 0;
  for (let seed = 500; seed < 505; seed++) {
    let s = env.reset(seed);
    const values = [await phi.startEpisode({ episode: seed, step: 0, observation: s.observation })];
    while (!s.groundTruth.terminal && !s.groundTruth.truncated) {
      s = env.step(env.expert(0));
      values.push(await phi.potential({ episode: seed, step: values.length, observation: s.observation }));
    }
    for (let i = 0; i < values.length; i++)
      for (let j = i + 5; j < values.length; j++, pairs++) if (values[j]! > values[i]!) concordant++;
    assert.ok(values[values.length - 1]! > 0.8, `final Φ ${values[values.length - 1]}`);
    assert.ok(values[0]! < 0.3, `initial Φ ${values[0]}`);
  }
  assert.ok(concordant / pairs > 0.9, `order agreement ${concordant}/${pairs}`);
});

test("mismatched labels are refused", () => {
  assert.throws(
    () => trainStatePotential([{ observations: [Float32Array.of(1)], stages: [] }], 2),
    /1 observations but 0 stage labels/,
  );
});

test("the potential regressor fits a ramp, refuses mismatched labels and holds clipped inputs at the clip", () => {
  const xs = Array.from({ length: 64 }, (_, i) => Float32Array.of(i / 63));
  const ys = xs.map((x) => 0.1 + 0.8 * x[0]!);
  const fit = (inputClip?: number) =>
    regressPotential(xs, ys, { steps: 600, ...(inputClip === undefined ? {} : { inputClip }) }).predict;
  const plain = fit();
  for (const x of [0.1, 0.5, 0.9]) assert.ok(Math.abs(plain(Float32Array.of(x)) - (0.1 + 0.8 * x)) < 0.05);
  // The ramp's inputs span ±1.7 σ: a clip of 1 flattens Φ̂ beyond one σ, however far out.
  const clipped = fit(1);
  assert.equal(clipped(Float32Array.of(2)), clipped(Float32Array.of(3)));
  assert.notEqual(plain(Float32Array.of(2)), plain(Float32Array.of(3)));
  assert.throws(() => regressPotential(xs, ys.slice(1)), /64 states but 63 potential labels/);
});
