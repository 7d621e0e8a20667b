import assert from "node:assert/strict";
import { test } from "node:test";
import { EpisodeEventKind } from "../../lib/codec/messages.js";
import { eventEnd, gammaMismatch, observationProblem, rewardEnd } from "./inputs.js";

test("an observation is acted on only with observation_dim finite values", () => {
  assert.equal(observationProblem(Float32Array.from([0, 1, -2]), 3), undefined);
  assert.equal(observationProblem(Float32Array.from([1, 2]), 3), "2 values, observation_dim is 3");
  assert.equal(observationProblem(Float32Array.from([0, Number.NaN, 1]), 3), "non-finite value");
  // Beyond float32's range a float64 becomes Infinity in the actor's input.
  assert.equal(observationProblem(Float32Array.from([0, 1e39, 1]), 3), "non-finite value");
  assert.equal(observationProblem(Float32Array.from([1, Number.NaN]), 3), "2 values, observation_dim is 3");
});

test("a reward shaped with another gamma is named, the same gamma is not", () => {
  assert.equal(gammaMismatch(0.99, 0.99), undefined);
  assert.equal(gammaMismatch(0.99 + 1e-12, 0.99), undefined);
  assert.equal(
    gammaMismatch(0.95, 0.99),
    "reward gamma 0.95 differs from the learner's gamma 0.99: shaping is no longer policy-invariant",
  );
});

test("reward flags and episode events map to the assembler's episode ends", () => {
  assert.equal(rewardEnd({ terminal: false, truncated: false }), undefined);
  assert.equal(rewardEnd({ terminal: true, truncated: false }), "terminal");
  assert.equal(rewardEnd({ terminal: false, truncated: true }), "truncated");
  assert.equal(rewardEnd({ terminal: true, truncated: true }), "terminal");
  assert.equal(eventEnd(EpisodeEventKind.TERMINAL), "terminal");
  assert.equal(eventEnd(EpisodeEventKind.TRUNCATED), "truncated");
  assert.equal(eventEnd(EpisodeEventKind.START), undefined);
  assert.equal(eventEnd(EpisodeEventKind.SUCCESS), undefined);
  assert.equal(eventEnd(7), undefined);
});
