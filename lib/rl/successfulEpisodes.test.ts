import assert from "node:assert/strict";
import { test } from "node:test";
import type { AssembledTransition } from "./assembler.js";
import { SuccessfulEpisodes } from "./successfulEpisodes.js";
import type { Transition } from "./transition.js";

const step = (episode: bigint, i: number, end?: "terminal" | "truncated"): AssembledTransition => ({
  episode,
  step: i,
  observation: Float32Array.of(i),
  action: Float32Array.of(0),
  reward: 0,
  nextObservation: Float32Array.of(i + 1),
  terminal: end === "terminal",
  truncated: end === "truncated",
});

test("a successful episode is handed over whole, whether SUCCESS comes before or after its last transition", () => {
  const got: (readonly Transition[])[] = [];
  const episodes = new SuccessfulEpisodes((e) => got.push(e));
  episodes.transition(step(1n, 0));
  episodes.success(1n);
  assert.equal(got.length, 0, "not before the ending transition");
  episodes.transition(step(1n, 1, "terminal"));
  episodes.transition(step(2n, 0));
  episodes.transition(step(2n, 1, "terminal"));
  episodes.success(2n);
  assert.deepEqual(
    got.map((e) => e.map((t) => t.observation[0])),
    [
      [0, 1],
      [0, 1],
    ],
  );
});

test("failed, truncated and never-ending episodes are not imitated, and memory stays bounded", () => {
  const got: (readonly Transition[])[] = [];
  const episodes = new SuccessfulEpisodes((e) => got.push(e), 2);
  episodes.transition(step(1n, 0, "terminal"));
  episodes.transition(step(2n, 0, "truncated"));
  for (let e = 3n; e < 10n; e++) episodes.transition(step(e, 0));
  // Episode 1 was evicted by the later ones: a SUCCESS that late is ignored.
  episodes.success(1n);
  assert.equal(got.length, 0);
});
