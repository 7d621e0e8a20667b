import assert from "node:assert/strict";
import { test } from "node:test";
import { NStepTransitions } from "./nStepTransitions.js";
import { ReplayBuffer } from "./replayBuffer.js";
import type { Transition } from "./transition.js";

const GAMMA = 0.5;

/** An episode of `rewards.length` steps over observations [0], [1], …; `end` flags its last transition. */
function episode(rewards: number[], end: "terminal" | "truncated" | "open", from = 0): Transition[] {
  return rewards.map((reward, t) => ({
    observation: Float32Array.of(from + t),
    action: Float32Array.of(from + t),
    reward,
    nextObservation: Float32Array.of(from + t + 1),
    terminal: end === "terminal" && t === rewards.length - 1,
    truncated: end === "truncated" && t === rewards.length - 1,
  }));
}

function collect(steps: number, input: Transition[]): Transition[] {
  const out: Transition[] = [];
  const window = new NStepTransitions(steps, GAMMA, (t) => out.push(t));
  for (const t of input) window.push(t);
  return out;
}

const summary = (t: Transition): [number, number, number, boolean, boolean, number] => [
  t.observation[0]!,
  t.reward,
  t.nextObservation[0]!,
  t.terminal,
  t.truncated,
  t.bootstrapScale!,
];

test("3-step returns sum three discounted rewards and shorten at a terminal, which stops the bootstrap", () => {
  const out = collect(3, episode([1, 2, 4, 8, 16], "terminal"));
  assert.deepEqual(out.map(summary), [
    [0, 1 + 0.5 * 2 + 0.25 * 4, 3, false, false, 0.25],
    [1, 2 + 0.5 * 4 + 0.25 * 8, 4, false, false, 0.25],
    [2, 4 + 0.5 * 8 + 0.25 * 16, 5, true, false, 0.25],
    [3, 8 + 0.5 * 16, 5, true, false, 0.5],
    [4, 16, 5, true, false, 1],
  ]);
  // The replay turns a terminal into no bootstrap and an n-step transition into γ^(n−1).
  const replay = new ReplayBuffer(8, 1, 1);
  for (const t of out) replay.add(t);
  assert.deepEqual([...replay.data().bootstrap], [0.25, 0.25, 0, 0, 0]);
});

test("at a time limit the shortened returns bootstrap from the last state, discounted by their length", () => {
  const out = collect(3, episode([1, 1, 1, 1], "truncated"));
  assert.deepEqual(
    out.map((t) => [t.nextObservation[0], t.truncated, t.bootstrapScale]),
    [
      [3, false, 0.25],
      [4, true, 0.25],
      [4, true, 0.5],
      [4, true, 1],
    ],
  );
});

test("one step passes transitions through unchanged, each as it arrives", () => {
  const input = episode([3, 5], "open");
  const out = collect(1, input);
  assert.deepEqual(out.map(summary), [
    [0, 3, 1, false, false, 1],
    [1, 5, 2, false, false, 1],
  ]);
});

test("a transition that does not continue the previous one closes the window: no return spans the gap", () => {
  // Episode A loses its end flag (its last transition was dropped); episode B starts elsewhere.
  const out = collect(3, [...episode([1, 1], "open"), ...episode([2, 2, 2], "terminal", 10)]);
  assert.deepEqual(
    out.map((t) => [t.observation[0], t.reward, t.nextObservation[0]]),
    [
      [0, 1.5, 2],
      [1, 1, 2],
      [10, 3.5, 13],
      [11, 3, 13],
      [12, 2, 13],
    ],
  );
});

test("an n-step transition carries the potential of the state it ends in, as its next observation", () => {
  // Each step's potential is its next observation's value, 1, 2, 3.
  const steps = episode([1, 2, 4], "terminal").map((t) => ({ ...t, nextPotential: t.nextObservation[0]! }));
  const out = collect(2, steps);
  assert.deepEqual(
    out.map((t) => t.nextPotential),
    [2, 3, 3],
  );
  for (const t of out) assert.equal(t.nextPotential, t.nextObservation[0]);
  assert.equal(collect(2, episode([1, 2], "terminal"))[0]!.nextPotential, undefined);
});

test("n must be a whole number ≥ 1", () => {
  assert.throws(() => new NStepTransitions(0, GAMMA, () => {}), /n ≥ 1/);
  assert.throws(() => new NStepTransitions(2.5, GAMMA, () => {}), /n ≥ 1/);
});
