import assert from "node:assert/strict";
import { test } from "node:test";
import { Rng } from "./random.js";
import { ReplayBuffer } from "./replayBuffer.js";

const t = (i: number, terminal = false) => ({
  observation: Float32Array.of(i, i),
  action: Float32Array.of(i / 10),
  reward: i,
  nextObservation: Float32Array.of(i + 1, i + 1),
  terminal,
  truncated: false,
});

test("the ring keeps the newest transitions and marks terminals as non-bootstrapping", () => {
  const b = new ReplayBuffer(3, 2, 1);
  for (let i = 0; i < 5; i++) b.add(t(i, i === 4));
  assert.equal(b.size, 3);
  const batch = b.sample(200, new Rng(1));
  const seen = new Set(Array.from(batch.rewards));
  assert.deepEqual([...seen].sort(), [2, 3, 4]);
  for (let k = 0; k < batch.size; k++) {
    assert.equal(batch.bootstrap[k], batch.rewards[k] === 4 ? 0 : 1);
    assert.equal(batch.observations[2 * k], batch.rewards[k]);
    assert.equal(batch.nextObservations[2 * k], batch.rewards[k]! + 1);
  }
});

test("data round-trips and sampling is repeatable from the seed", () => {
  const b = new ReplayBuffer(10, 2, 1);
  for (let i = 0; i < 7; i++) b.add(t(i));
  const copy = ReplayBuffer.fromData(b.data(), 2, 1);
  assert.deepEqual(copy.sample(20, new Rng(5)), b.sample(20, new Rng(5)));
  copy.add(t(100));
  assert.equal(copy.size, 8);
});

test("next potentials are stored where known, NaN where not, and checkpoints from before them load", () => {
  const b = new ReplayBuffer(4, 2, 1);
  b.add({ ...t(1), nextPotential: 0.25 });
  b.add(t(2));
  const stored = b.data().nextPotentials!;
  assert.equal(stored[0], 0.25);
  assert.ok(Number.isNaN(stored[1]));
  const batch = b.sample(50, new Rng(2));
  for (let k = 0; k < batch.size; k++)
    assert.ok(
      batch.rewards[k] === 1 ? batch.nextPotentials[k] === 0.25 : Number.isNaN(batch.nextPotentials[k]),
    );
  const { nextPotentials: _, ...before } = b.data();
  const old = ReplayBuffer.fromData(before, 2, 1);
  assert.ok(Array.from(old.data().nextPotentials!).every(Number.isNaN));
});

test("bad transitions are refused with the reason", () => {
  const b = new ReplayBuffer(4, 2, 1);
  assert.throws(
    () => b.add({ ...t(0), observation: Float32Array.of(1) }),
    /1\/2 values, the learner expects 2/,
  );
  assert.throws(() => b.add({ ...t(0), reward: NaN }), /reward is not finite/);
  assert.throws(() => b.sample(1, new Rng(0)), /empty/);
  assert.throws(() => ReplayBuffer.fromData({ ...b.data(), size: 2 }, 2, 1), /expected 4/);
});
