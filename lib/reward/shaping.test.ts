import assert from "node:assert/strict";
import { test } from "node:test";
import { Shaper, type ShapedStep } from "./shaping.js";
import { rng } from "./testing/rng.js";

interface Episode {
  estimates: number[];
  end: "terminal" | "truncated";
  successAtEnd: boolean;
}

/** Runs an episode through the shaper; returns the transitions (step ≥ 1). */
function run(gamma: number, ep: Episode, delta = 0.05, shapingWeight = 1): ShapedStep[] {
  const shaper = new Shaper({ gamma, successDelta: delta, shapingWeight });
  shaper.startEpisode(7n);
  const out: ShapedStep[] = [];
  ep.estimates.forEach((phi, i) => {
    if (i === ep.estimates.length - 1) {
      if (ep.successAtEnd) shaper.markSuccess();
      shaper.markBoundary(ep.end);
    }
    const s = shaper.step(phi);
    assert.ok(s);
    if (s.step > 0) out.push(s);
  });
  assert.equal(shaper.active, false, "the boundary closed the episode");
  assert.equal(shaper.step(0.5), undefined, "no transitions after the episode ended");
  return out;
}

const discounted = (gamma: number, xs: number[]): number => xs.reduce((acc, x, t) => acc + gamma ** t * x, 0);

function randomEpisode(r: () => number, end: Episode["end"]): Episode {
  const n = 2 + Math.floor(r() * 40);
  // A success is a true terminal, so only terminal episodes can end in one.
  return {
    estimates: Array.from({ length: n }, () => r()),
    end,
    successAtEnd: end === "terminal" && r() < 0.5,
  };
}

test("telescoping: Σ γᵗ Fₜ = γᵀ Φ(s_T) − Φ(s₀) over random episodes", () => {
  const r = rng(1);
  for (let i = 0; i < 200; i++) {
    const gamma = 0.5 + 0.5 * r();
    const ep = randomEpisode(r, r() < 0.5 ? "terminal" : "truncated");
    const steps = run(gamma, ep);
    const f = steps.map((s) => s.reward - s.rGold);
    const T = steps.length;
    const phiT = ep.end === "terminal" ? 0 : ep.estimates[T];
    const expected = gamma ** T * phiT - ep.estimates[0];
    assert.ok(Math.abs(discounted(gamma, f) - expected) < 1e-9, `episode ${i}`);
  }
});

test("a shaping weight w scales only the potential terms: Σ γᵗ rₜ = γᵀ·r_gold − w·Φ(s₀) at a terminal", () => {
  const r = rng(11);
  for (let i = 0; i < 100; i++) {
    const gamma = 0.8 + 0.2 * r();
    const w = 0.1 + 20 * r();
    const ep = randomEpisode(r, "terminal");
    const steps = run(gamma, ep, 0.05, w);
    const T = steps.length;
    const gold = ep.successAtEnd ? gamma ** (T - 1) : 0;
    assert.equal(steps.at(-1)!.rGold, ep.successAtEnd ? 1 : 0, `episode ${i}: r_gold stays 1, unscaled`);
    const expected = gold - w * ep.estimates[0]!;
    const got = discounted(
      gamma,
      steps.map((s) => s.reward),
    );
    assert.ok(Math.abs(got - expected) < 1e-9, `episode ${i}: ${got} vs ${expected}`);
  }
});

test("with a true terminal, the shaped return is the r_gold return minus Φ(s₀) (rankings unchanged)", () => {
  const r = rng(2);
  for (let i = 0; i < 200; i++) {
    const gamma = 0.8 + 0.2 * r();
    const ep = randomEpisode(r, "terminal");
    const steps = run(gamma, ep);
    const shaped = discounted(
      gamma,
      steps.map((s) => s.reward),
    );
    const gold = discounted(
      gamma,
      steps.map((s) => s.rGold),
    );
    assert.ok(Math.abs(shaped - (gold - ep.estimates[0])) < 1e-9, `episode ${i}`);
    assert.equal(steps.at(-1)?.phiNext, 0, "Φ(s′) = 0 on the terminal transition");
    assert.equal(steps.at(-1)?.terminal, true);
  }
});

test("the identity fails without γ in the shaping term and with Φ as the reward", () => {
  const r = rng(3);
  const gamma = 0.9;
  let withoutGamma = 0;
  let phiAsReward = 0;
  for (let i = 0; i < 50; i++) {
    const ep = randomEpisode(r, "terminal");
    const steps = run(gamma, ep);
    const gold =
      discounted(
        gamma,
        steps.map((s) => s.rGold),
      ) - ep.estimates[0];
    const noGamma = discounted(
      gamma,
      steps.map((s) => s.rGold + s.phiNext - s.phi),
    );
    const asReward = discounted(
      gamma,
      steps.map((s) => s.rGold + s.phiNext),
    );
    if (Math.abs(noGamma - gold) > 1e-6) withoutGamma++;
    if (Math.abs(asReward - gold) > 1e-6) phiAsReward++;
  }
  assert.ok(withoutGamma >= 45, `Φ(s′) − Φ(s) broke the identity in only ${withoutGamma}/50 episodes`);
  assert.ok(phiAsReward >= 45, `Φ as reward broke the identity in only ${phiAsReward}/50 episodes`);
});

test("semantic trap: Φ as reward prefers lingering below the goal; the shaped reward prefers finishing", () => {
  const gamma = 0.99;
  const limit = 200;
  // finisher: rises to the goal in 10 steps and ends (success, true terminal)
  const finish: Episode = {
    estimates: Array.from({ length: 11 }, (_, i) => i / 10),
    end: "terminal",
    successAtEnd: true,
  };
  // linger: rises to 0.9 and stays there until the time limit (truncated, never succeeds)
  const linger: Episode = {
    estimates: Array.from({ length: limit + 1 }, (_, i) => Math.min(0.9, i / 10)),
    end: "truncated",
    successAtEnd: false,
  };
  const fin = run(gamma, finish);
  const lin = run(gamma, linger);
  const phiReturn = (s: ShapedStep[]): number =>
    discounted(
      gamma,
      s.map((x) => x.estimate),
    );
  assert.ok(phiReturn(lin) > phiReturn(fin), "Φ as reward: lingering outscores finishing");
  // shaped return of the truncated episode includes the learner's bootstrap γᵀ·V(s_T); with V ≈ Φ's own
  // value of lingering (no gold ever), the shaped return is at most γᵀΦ(s_T) − Φ(s₀) < 1·γ⁹ − Φ(s₀).
  const shaped = (s: ShapedStep[]): number =>
    discounted(
      gamma,
      s.map((x) => x.reward),
    );
  assert.ok(shaped(fin) > shaped(lin), "shaped: finishing outscores lingering");
});

test("truncation bootstraps: Φ(s′) is the estimate, not 0", () => {
  const steps = run(0.9, { estimates: [0.1, 0.4, 0.7], end: "truncated", successAtEnd: false });
  const last = steps.at(-1);
  assert.ok(last);
  assert.equal(last.truncated, true);
  assert.equal(last.terminal, false);
  assert.equal(last.phiNext, 0.7);
  assert.ok(Math.abs(last.reward - (0.9 * 0.7 - 0.4)) < 1e-12);
});

test("task source: r_gold only on the transition the task's SUCCESS ends; Φ ≥ 1 − δ alone pays nothing", () => {
  const shaper = new Shaper({ gamma: 0.9, successDelta: 0.05 });
  assert.equal(shaper.step(0.3), undefined, "no episode yet");
  shaper.startEpisode(1n);
  assert.deepEqual((({ step, reward, phi }) => ({ step, reward, phi }))(shaper.step(0.3)!), {
    step: 0,
    reward: 0,
    phi: 0.3,
  });
  // Φ passes 1 − δ before the task succeeds (as ground-truth progress does on the approach): no r_gold.
  for (const phi of [0.96, 0.99, 1]) {
    const s = shaper.step(phi)!;
    assert.equal(s.rGold, 0, `Φ(s′) = ${phi} before success`);
    assert.equal(s.terminal, false);
    assert.equal(s.successBy, undefined);
  }
  assert.equal(shaper.markSuccess(), true);
  const success = shaper.step(1)!;
  assert.equal(success.rGold, 1);
  assert.equal(success.terminal, true, "success ends the episode: Φ(s′) = 0, no bootstrap");
  assert.equal(success.phiNext, 0);
  assert.equal(success.successBy, "task");
  assert.equal(shaper.active, false);
  assert.equal(shaper.step(1), undefined, "nothing after the success");
  shaper.startEpisode(3n);
  const first = shaper.step(0.05)!;
  assert.equal(first.step, 0);
  assert.equal(first.phi, 0.05, "Φ(s) does not carry over from the previous episode");
  assert.equal(first.episodeId, 3n);
});

test("task source: a success on the step the time limit is reached is a terminal success, not a truncation", () => {
  const shaper = new Shaper({ gamma: 0.9, successDelta: 0.05 });
  shaper.startEpisode(1n);
  shaper.step(0.5);
  shaper.markBoundary("truncated");
  shaper.markSuccess();
  const s = shaper.step(1)!;
  assert.deepEqual([s.terminal, s.truncated, s.rGold, s.successBy], [true, false, 1, "task"]);
});

test("model source: Φ(s′) ≥ 1 − δ on successHold transitions ends the episode with r_gold; task SUCCESS unused", () => {
  const shaper = new Shaper({ gamma: 0.9, successDelta: 0.05, successSource: "model", successHold: 2 });
  shaper.startEpisode(1n);
  shaper.step(0.2);
  assert.equal(shaper.markSuccess(), false, "the task's SUCCESS is not the success source");
  const once = shaper.step(0.97)!;
  assert.deepEqual([once.rGold, once.terminal], [0, false], "held once of twice");
  const dip = shaper.step(0.9)!;
  assert.deepEqual([dip.rGold, dip.terminal], [0, false], "a dip restarts the hold");
  assert.equal(shaper.step(0.96)!.rGold, 0);
  const detected = shaper.step(0.98)!;
  assert.equal(detected.rGold, 1);
  assert.equal(detected.terminal, true);
  assert.equal(detected.phiNext, 0);
  assert.equal(detected.estimate, 0.98);
  assert.equal(detected.successBy, "model");
  assert.equal(shaper.active, false, "a model-detected success ends the episode");
});

test("finishing earns more than hovering below the goal, and a success is paid once", () => {
  const gamma = 0.99;
  const shaper = new Shaper({ gamma, successDelta: 0.05 });
  // The learner's view of an episode: Σ γᵗ rₜ, plus γᵀ·V(s_T) after a time-limit truncation, where V of a
  // state that the policy hovers in forever is Σ γᵗ (γΦ − Φ) = −Φ.
  const learnerReturn = (estimates: number[], end: "success" | "truncated"): number => {
    shaper.startEpisode(1n);
    const rewards = estimates.map((phi, i) => {
      if (i === estimates.length - 1) {
        if (end === "success") shaper.markSuccess();
        else shaper.markBoundary("truncated");
      }
      return shaper.step(phi)!.reward;
    });
    const transitions = rewards.slice(1); // step 0 is the first state, not a transition
    const g = transitions.reduce((sum, r, t) => sum + gamma ** t * r, 0);
    const last = estimates[estimates.length - 1]!;
    return end === "truncated" ? g + gamma ** transitions.length * -last : g;
  };
  // One policy reaches the goal and the task succeeds; the other hovers near it (Φ above 1 − δ, as a
  // learned Φ can be), the task never succeeding, until the time limit.
  const finish = learnerReturn([0.2, 0.6, 0.97], "success");
  for (const hover of [5, 40, 400]) {
    const hovering = learnerReturn([0.2, 0.6, ...Array(hover).fill(0.96)], "truncated");
    assert.ok(
      hovering < finish - 0.5,
      `hovering ${hover} steps (${hovering.toFixed(4)}) < finishing (${finish.toFixed(4)})`,
    );
  }
});

test("flush closes a pending terminal with the last state when no new frame arrives", () => {
  const shaper = new Shaper({ gamma: 0.9, successDelta: 0.05 });
  shaper.startEpisode(3n);
  shaper.step(0.2);
  shaper.step(0.5);
  assert.equal(shaper.flush(), undefined, "nothing pending");
  shaper.markBoundary("terminal");
  const closed = shaper.flush()!;
  assert.equal(closed.terminal, true);
  assert.equal(closed.phi, 0.5);
  assert.equal(closed.phiNext, 0);
  assert.ok(Math.abs(closed.reward - -0.5) < 1e-12);
  assert.equal(shaper.flush(), undefined);
});

test("rejects γ, δ, the success source, the hold and the shaping weight outside their ranges", () => {
  assert.throws(() => new Shaper({ gamma: 0, successDelta: 0.05 }), /gamma/);
  assert.throws(() => new Shaper({ gamma: 0.9, successDelta: 1 }), /success_delta/);
  const bad = "oracle" as unknown as "task";
  assert.throws(() => new Shaper({ gamma: 0.9, successDelta: 0.05, successSource: bad }), /success_source/);
  assert.throws(() => new Shaper({ gamma: 0.9, successDelta: 0.05, successHold: 0 }), /success_hold/);
  for (const w of [0, -1, NaN, Infinity])
    assert.throws(() => new Shaper({ gamma: 0.9, successDelta: 0.05, shapingWeight: w }), /shaping_weight/);
});
