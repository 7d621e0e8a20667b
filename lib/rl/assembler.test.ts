import assert from "node:assert/strict";
import { test } from "node:test";
import { TransitionAssembler, type AssembledTransition } from "./assembler.js";

function setup(timeout = 100) {
  const out: AssembledTransition[] = [];
  const a = new TransitionAssembler({ rewardTimeoutMs: timeout, onTransition: (t) => out.push(t) });
  const obs = (ep: bigint, step: number, now = 0) => a.addObservation(ep, step, Float32Array.of(step), now);
  const act = (ep: bigint, step: number) => a.addAction(ep, step, Float32Array.of(step / 10));
  return { a, out, obs, act };
}

test("transitions join s, a, r, s′ by episode and step, and only the true terminal stops bootstrapping", () => {
  const { a, out, obs, act } = setup();
  for (let s = 0; s <= 3; s++) {
    obs(1n, s);
    if (s < 3) act(1n, s);
    if (s > 0) a.addReward(1n, s, s * 10, s === 3 ? "terminal" : undefined, 0);
  }
  assert.deepEqual(
    out.map((t) => [
      t.step,
      t.observation[0],
      t.action[0],
      t.reward,
      t.nextObservation[0],
      t.terminal,
      t.truncated,
    ]),
    [
      [0, 0, 0, 10, 1, false, false],
      [1, 1, Math.fround(0.1), 20, 2, false, false],
      [2, 2, Math.fround(0.2), 30, 3, true, false],
    ],
  );
  assert.equal(a.stats.terminal, 1);
});

test("the reward's potential of s′ travels with its transition, and is absent where the reward had none", () => {
  const { a, out, obs, act } = setup();
  for (let s = 0; s <= 2; s++) {
    obs(5n, s);
    if (s < 2) act(5n, s);
    if (s > 0) a.addReward(5n, s, 0, s === 2 ? "terminal" : undefined, 0, s === 1 ? 0.25 : undefined);
  }
  assert.deepEqual(
    out.map((t) => t.nextPotential),
    [0.25, undefined],
  );
  assert.ok(!("nextPotential" in out[1]!));
});

test("a reward that arrives before its observation, and an end known only from the episode event, still join", () => {
  const { a, out, obs, act } = setup();
  obs(7n, 0);
  act(7n, 0);
  a.addReward(7n, 1, 0.5, undefined, 0);
  assert.equal(out.length, 0, "s′ not seen yet");
  obs(7n, 1);
  assert.equal(out.length, 0, "cannot tell yet whether s′ ends the episode");
  a.addEpisodeEnd(7n, 1, "truncated");
  assert.equal(out.length, 1);
  assert.equal(out[0]!.truncated, true);
  assert.equal(out[0]!.terminal, false);
});

test("a missing reward is dropped after the timeout and counted; a late one is counted, not used", () => {
  const { a, out, obs, act } = setup(100);
  obs(2n, 0, 0);
  act(2n, 0);
  obs(2n, 1, 10);
  act(2n, 1);
  obs(2n, 2, 20);
  a.addReward(2n, 2, 1, undefined, 20);
  a.tick(50);
  assert.equal(a.stats.droppedMissingReward, 0, "still within the bound");
  a.tick(111);
  assert.equal(a.stats.droppedMissingReward, 1);
  a.addReward(2n, 1, 5, undefined, 112);
  assert.equal(a.stats.lateRewards, 1);
  obs(2n, 3, 113);
  assert.deepEqual(
    out.map((t) => [t.step, t.reward]),
    [[1, 1]],
  );
});

test("without any end signal the last transition is emitted as continuing after the timeout", () => {
  const { a, out, obs, act } = setup(100);
  obs(3n, 0, 0);
  act(3n, 0);
  obs(3n, 1, 0);
  a.addReward(3n, 1, 1, undefined, 0);
  a.tick(50);
  assert.equal(out.length, 0);
  a.tick(200);
  assert.equal(out.length, 1);
  assert.equal(out[0]!.terminal, false);
  assert.equal(a.stats.assumedContinuing, 1);
});

test("interleaved episodes do not mix, and observations the node did not act on are dropped", () => {
  const { a, out, obs, act } = setup(100);
  obs(10n, 0);
  obs(11n, 0);
  act(10n, 0);
  act(11n, 0);
  obs(11n, 1);
  obs(10n, 1);
  a.addReward(10n, 1, 10, "terminal", 0);
  a.addReward(11n, 1, 11, "terminal", 0);
  assert.deepEqual(
    out.map((t) => [t.episode, t.reward]),
    [
      [10n, 10],
      [11n, 11],
    ],
  );
  obs(12n, 0, 0);
  obs(12n, 1, 0);
  a.addReward(12n, 1, 1, "terminal", 0);
  a.tick(500);
  assert.equal(a.stats.droppedMissingAction, 1);
});

test("when the last step's observation arrives after its reward, the step before it is not lost", () => {
  const { a, out, obs, act } = setup();
  obs(4n, 0);
  act(4n, 0);
  a.addReward(4n, 1, 1, undefined, 0);
  obs(4n, 1);
  act(4n, 1);
  a.addReward(4n, 2, 2, "truncated", 0);
  obs(4n, 2);
  assert.deepEqual(
    out.map((t) => [t.step, t.truncated]),
    [
      [0, false],
      [1, true],
    ],
  );
});

test("steps whose next observation never comes are forgotten after twice the bound and counted", () => {
  const { a, out, obs, act } = setup(100);
  obs(5n, 0, 0);
  act(5n, 0);
  a.tick(150);
  assert.equal(a.stats.droppedIncomplete, 0);
  a.tick(200);
  assert.equal(a.stats.droppedIncomplete, 1);
  // The episode is gone: a reward for it now is late.
  a.addReward(5n, 1, 1, undefined, 201);
  assert.equal(a.stats.lateRewards, 1);
  assert.equal(out.length, 0);
});

test("a reward may come before its episode's first observation; one after the episode ended is late", () => {
  const { a, out, obs, act } = setup();
  a.addReward(6n, 1, 3, "terminal", 0);
  obs(6n, 0);
  act(6n, 0);
  obs(6n, 1);
  assert.deepEqual(
    out.map((t) => [t.reward, t.terminal]),
    [[3, true]],
  );
  a.addReward(6n, 1, 3, "terminal", 1);
  assert.equal(a.stats.lateRewards, 1);
});
