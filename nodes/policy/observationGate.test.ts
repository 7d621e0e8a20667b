import assert from "node:assert/strict";
import { test } from "node:test";
import { ObservationGate } from "./observationGate.js";

const key = (episode: bigint, step: number) => ({ episode, step });

test("an observation waits for the reward of the transition into it; an episode's first state does not", () => {
  const released: string[] = [];
  const gate = new ObservationGate<string>(500, (x) => released.push(x));
  gate.observe(key(1n, 0), "s0", 0);
  assert.deepEqual(released, ["s0"]);
  gate.observe(key(1n, 1), "s1", 10);
  assert.deepEqual(released, ["s0"], "held until its reward");
  gate.reward(key(1n, 2));
  assert.deepEqual(released, ["s0"], "another step's reward does not release it");
  gate.reward(key(1n, 1));
  assert.deepEqual(released, ["s0", "s1"]);
  gate.reward(key(1n, 2));
  gate.observe(key(1n, 2), "s2", 20);
  assert.deepEqual(
    released,
    ["s0", "s1", "s2"],
    "a reward that came first lets its observation straight through",
  );
});

test("an overdue reward releases the observation at the timeout, on the caller's clock", () => {
  const released: string[] = [];
  const gate = new ObservationGate<string>(500, (x) => released.push(x));
  gate.observe(key(2n, 3), "s3", 1000);
  assert.equal(gate.tick(1499), false);
  assert.deepEqual(released, []);
  assert.equal(gate.tick(1500), true);
  assert.deepEqual(released, ["s3"]);
  assert.equal(gate.timeouts, 1);
  assert.equal(gate.tick(5000), false, "nothing left to release");
  gate.reward(key(2n, 3));
  assert.deepEqual(released, ["s3"], "a late reward does not act twice");
});

test("a newer observation replaces one still waiting", () => {
  const released: string[] = [];
  const gate = new ObservationGate<string>(500, (x) => released.push(x));
  gate.observe(key(1n, 4), "s4", 0);
  gate.observe(key(1n, 5), "s5", 1);
  gate.reward(key(1n, 4));
  assert.deepEqual(released, []);
  gate.reward(key(1n, 5));
  assert.deepEqual(released, ["s5"]);
});
