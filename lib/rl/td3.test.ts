import assert from "node:assert/strict";
import { test } from "node:test";
import { Learner, type LearnerConfig } from "./learner.js";
import { Rng } from "./random.js";
import { DEFAULT_TD3 } from "./td3.js";
import type { Transition } from "./transition.js";

const config = (over: Partial<LearnerConfig> = {}): LearnerConfig => ({
  td3: {
    ...DEFAULT_TD3,
    observationDim: 2,
    actionDim: 2,
    hidden: [32, 32],
    actorWarmupUpdates: 100,
    bcWeight: 0,
    actorLr: 1e-3,
    criticLr: 1e-3,
  },
  replayCapacity: 5000,
  batchSize: 64,
  updatesPerStep: 1,
  nStep: 1,
  warmupTransitions: 64,
  explorationNoise: 0.3,
  bcSteps: 0,
  demoBatchFraction: 0,
  ...over,
});

// One-step task: the best action is a fixed function of the observation; reward −‖a − a*‖², terminal.
const best = (s: Float32Array): number[] => [0.6 * s[0]!, -0.5];
const reward = (s: Float32Array, a: Float32Array): number =>
  -best(s).reduce((acc, b, i) => acc + (a[i]! - b) ** 2, 0);

function error(learner: Learner, rng: Rng): number {
  let e = 0;
  for (let i = 0; i < 50; i++) {
    const s = Float32Array.of(rng.uniform() * 2 - 1, rng.uniform() * 2 - 1);
    e += -reward(s, learner.act(s, false));
  }
  return e / 50;
}

/** n transitions at random observations, each taking the best action, unrewarded. */
function bestActions(n: number, rng: Rng, terminal: boolean): Transition[] {
  return Array.from({ length: n }, () => {
    const s = Float32Array.of(rng.uniform() * 2 - 1, rng.uniform() * 2 - 1);
    return {
      observation: s,
      action: Float32Array.from(best(s)),
      reward: 0,
      nextObservation: s,
      terminal,
      truncated: false,
    };
  });
}

/** One transition of the one-step task: rewarded by `reward`, terminal. */
function observeOneStep(learner: Learner, s: Float32Array, a: Float32Array): void {
  learner.observe({
    observation: s,
    action: a,
    reward: reward(s, a),
    nextObservation: s,
    terminal: true,
    truncated: false,
  });
}

test("the critic and actor updates move the policy towards the rewarded action (no demos)", () => {
  const learner = new Learner(config(), 3);
  const rng = new Rng(11);
  const before = error(learner, new Rng(99));
  for (let i = 0; i < 900; i++) {
    const s = Float32Array.of(rng.uniform() * 2 - 1, rng.uniform() * 2 - 1);
    const a = learner.act(s, true);
    observeOneStep(learner, s, a);
  }
  const after = error(learner, new Rng(99));
  assert.ok(learner.counters.updates > 800);
  assert.ok(after < before / 4 && after < 0.05, `policy error ${before.toFixed(3)} -> ${after.toFixed(3)}`);
  learner.dispose();
});

test("a pessimistic critic ensemble moves the policy towards the rewarded action too, and refuses < 2 critics", () => {
  const learner = new Learner(config({ td3: { ...config().td3, criticCount: 5, pessimism: 1 } }), 3);
  assert.equal(learner.agent.critics.length, 5);
  const rng = new Rng(11);
  const before = error(learner, new Rng(99));
  for (let i = 0; i < 900; i++) {
    const s = Float32Array.of(rng.uniform() * 2 - 1, rng.uniform() * 2 - 1);
    observeOneStep(learner, s, learner.act(s, true));
  }
  const after = error(learner, new Rng(99));
  assert.ok(after < before / 4 && after < 0.05, `policy error ${before.toFixed(3)} -> ${after.toFixed(3)}`);
  learner.dispose();
  assert.throws(() => new Learner(config({ td3: { ...config().td3, criticCount: 1 } }), 3), /criticCount/);
});

test("behaviour cloning fits demonstrated actions, and the same seed gives the same learner", () => {
  const make = (): Learner => new Learner(config({ bcSteps: 300 }), 5);
  const rng = new Rng(2);
  const demos = bestActions(200, rng, true);
  const [a, b] = [make(), make()];
  const lossA = a.pretrain(demos);
  const lossB = b.pretrain(demos);
  assert.equal(lossA, lossB);
  assert.ok(lossA < 0.01, `BC loss ${lossA}`);
  assert.ok(error(a, new Rng(4)) < 0.02);
  assert.deepEqual(a.act(demos[0]!.observation, true), b.act(demos[0]!.observation, true));
  a.dispose();
  b.dispose();
});

test("the fine-scale copy of the observation lets a cloned actor resolve the last centimetres before a goal", () => {
  // An expert that steps towards an offset's zero at up to 1 cm a step, from offsets of up to ±30 cm: within
  // the last centimetres its action turns steeply, a few hundredths of the offset's σ. The demos, like a
  // reach, sit mostly far out.
  const expert = (x: number): number => Math.max(-1, Math.min(1, -x / 0.01));
  const rng = new Rng(21);
  const demos: Transition[] = Array.from({ length: 400 }, () => {
    const x = (rng.uniform() * 2 - 1) * 0.3;
    const s = Float32Array.of(x, rng.uniform() * 2 - 1);
    return {
      observation: s,
      action: Float32Array.of(expert(x), 0),
      reward: 0,
      nextObservation: s,
      terminal: true,
      truncated: false,
    };
  });
  const nearMiss = (fineScale: number): number => {
    const learner = new Learner(config({ td3: { ...config().td3, fineScale }, bcSteps: 1500 }), 5);
    learner.pretrain(demos);
    let e = 0;
    for (let i = 0; i < 60; i++) {
      const x = (i % 2 === 0 ? 1 : -1) * (0.004 + (0.026 * i) / 60);
      e += (learner.act(Float32Array.of(x, 0), false)[0]! - expert(x)) ** 2 / 60;
    }
    learner.dispose();
    return e;
  };
  const [plain, fine] = [nearMiss(0), nearMiss(10)];
  assert.ok(
    fine < plain / 2,
    `squared action error within 3 cm: ${plain.toFixed(3)} alone, ${fine.toFixed(3)} with the copy`,
  );
  assert.throws(() => new Learner(config({ td3: { ...config().td3, fineScale: -1 } }), 5), /fineScale/);
});

// A world for the progress models: a step moves the state by 0.5·a and the potential peaks at the goal, so
// the best action is (goal − s)/0.5, and the reward (0) says nothing about it.
const goal = [0.1, -0.1];
const goalAction = (s: Float32Array): number[] => goal.map((g, i) => (g - s[i]!) / 0.5);
const stepTowards = (s: Float32Array, a: Float32Array): Float32Array => s.map((v, k) => v + 0.5 * a[k]!);
const goalPotential = (s: Float32Array): number => 1 - s.reduce((acc, v, k) => acc + (v - goal[k]!) ** 2, 0);

/** Mean squared distance of the greedy action from the goal's. */
function goalMiss(learner: Learner): number {
  const rng = new Rng(99);
  let e = 0;
  for (let i = 0; i < 50; i++) {
    const s = Float32Array.of(rng.uniform() * 0.6 - 0.3, rng.uniform() * 0.6 - 0.3);
    const a = learner.act(s, false);
    e += goalAction(s).reduce((acc, b, k) => acc + (a[k]! - b) ** 2, 0) / 50;
  }
  return e;
}

/** n one-step transitions of the goal world from the learner's own actions, labelled with Φ(s′) or not. */
function observeGoalWorld(learner: Learner, n: number, labelled: boolean): void {
  const rng = new Rng(11);
  for (let i = 0; i < n; i++) {
    const s = Float32Array.of(rng.uniform() * 0.6 - 0.3, rng.uniform() * 0.6 - 0.3);
    const a = learner.act(s, true);
    const next = stepTowards(s, a);
    learner.observe({
      observation: s,
      action: a,
      reward: 0,
      nextObservation: next,
      terminal: true,
      truncated: false,
      ...(labelled ? { nextPotential: goalPotential(next) } : {}),
    });
  }
}

test("progress guidance climbs the potential of the predicted next state when the reward itself says nothing", () => {
  // Q weight 0 and no demos: only the progress models can move the actor, to an action no transition shows.
  const miss = goalMiss;
  const guided = (labelled: boolean, progressActions?: number[]): [number, number, Learner] => {
    const td3 = {
      ...config().td3,
      alpha: 0,
      progressWeight: 1,
      ...(progressActions ? { progressActions } : {}),
    };
    const learner = new Learner(config({ td3 }), 3);
    const before = miss(learner);
    observeGoalWorld(learner, 1500, labelled);
    return [before, miss(learner), learner];
  };
  const [before, after, learner] = guided(true);
  assert.ok(learner.agent.progressUpdates > 1400);
  assert.ok(after < before / 4 && after < 0.05, `policy error ${before.toFixed(3)} -> ${after.toFixed(3)}`);
  learner.dispose();
  // Without potentials (a sparse reward) the models are never fitted and the actor is left where it was.
  const [unmoved, still, idle] = guided(false);
  assert.equal(idle.agent.progressUpdates, 0);
  assert.equal(still, unmoved);
  idle.dispose();
  assert.throws(
    () => new Learner(config({ nStep: 3, td3: { ...config().td3, progressWeight: 1 } }), 3),
    /one-step transitions/,
  );
  // Guidance limited to the first dimension: the actor's output weights for the second get no gradient.
  const secondOutput = (l: Learner): number[] => {
    const [w, b] = l.agent.actor.read().slice(-2) as [Float32Array, Float32Array];
    return [...w.filter((_, i) => i % 2 === 1), b[1]!];
  };
  const fresh = new Learner(config(), 3);
  const [, , partial] = guided(true, [0]);
  assert.ok(partial.agent.progressUpdates > 1400);
  assert.deepEqual(secondOutput(partial), secondOutput(fresh));
  assert.notDeepEqual(partial.agent.actor.read().at(-1), fresh.agent.actor.read().at(-1));
  for (const l of [fresh, partial]) l.dispose();
  assert.throws(() => guided(true, [2]), /progressActions must be action indices in \[0, 2\)/);
});

test("progress-ranked greedy actions climb the predicted potential while the actor stays where it was", () => {
  // No Q term, no demos, no guidance: the actor never moves, so any gain is the ranking's.
  const ranked = (candidates: number): Learner =>
    new Learner(
      config({
        td3: { ...config().td3, alpha: 0 },
        candidateRanking: "progress",
        actionCandidates: candidates,
        greedyCandidates: candidates,
      }),
      3,
    );
  const learner = ranked(16);
  const actorBefore = learner.agent.actor.read();
  const before = goalMiss(learner);
  observeGoalWorld(learner, 1500, true);
  assert.ok(learner.agent.progressUpdates > 1400);
  assert.deepEqual(learner.agent.actor.read(), actorBefore);
  const after = goalMiss(learner);
  assert.ok(after < before * 0.6, `greedy action's miss ${before.toFixed(3)} -> ${after.toFixed(3)}`);
  learner.dispose();
  // One candidate: π(s) itself, whatever the ranking.
  const single = ranked(1);
  observeGoalWorld(single, 300, true);
  assert.equal(goalMiss(single), before);
  single.dispose();
  assert.throws(() => new Learner(config({ nStep: 2, candidateRanking: "progress" }), 3), /one-step/);
});

test("imitation steps fit the actor to a successful episode when it joins the demonstrations", () => {
  const rng = new Rng(8);
  const episode = bestActions(100, rng, false);
  const seed = Float32Array.of(0.1, 0.1);
  const fitted = (steps: number): number => {
    const learner = new Learner(config({ imitationSteps: steps }), 6);
    // The normalization comes from the demos, as in pretrain; a single demo fixes it here.
    learner.pretrain([{ ...episode[0]!, observation: seed, nextObservation: seed }]);
    learner.imitate(episode);
    const e = error(learner, new Rng(4));
    assert.equal(learner.demos.size, 101, "the episode joined the demonstrations");
    learner.dispose();
    return e;
  };
  const [without, with300] = [fitted(0), fitted(300)];
  assert.ok(
    with300 < 0.05 && with300 < without / 4,
    `policy error ${without.toFixed(3)} -> ${with300.toFixed(3)}`,
  );
});

test("advantage-weighted regression copies the better of the replayed actions, not their average", () => {
  // No Q term in the actor: whatever it learns comes from the weighted regression. Half the replayed actions
  // are the best one, half are 0.8 off in the first dimension; plain regression would land halfway (error
  // 0.16), the weighted one on the better action.
  const learner = new Learner(
    config({
      td3: {
        ...config().td3,
        alpha: 0,
        bcWeight: 1,
        regressionTarget: "advantage",
        advantageTemperature: 0.3,
      },
      explorationNoise: 0,
    }),
    7,
  );
  const rng = new Rng(12);
  for (let i = 0; i < 1500; i++) {
    const s = Float32Array.of(rng.uniform() * 2 - 1, rng.uniform() * 2 - 1);
    const b = best(s);
    const a = Float32Array.from(i % 2 === 0 ? b : [b[0]! + 0.8, b[1]!]);
    observeOneStep(learner, s, a);
  }
  const after = error(learner, new Rng(99));
  assert.ok(after < 0.05, `policy error ${after.toFixed(3)} (halfway between the two actions: 0.160)`);
  learner.dispose();
});

test("critic-ranked exploration takes better actions than the noise alone, once the critic has warmed up", () => {
  // The actor never moves (no Q term, no BC): any gain comes from ranking the noisy candidates by Q.
  const learner = new Learner(
    config({ td3: { ...config().td3, alpha: 0, actorWarmupUpdates: 100 }, actionCandidates: 16 }),
    5,
  );
  const rng = new Rng(13);
  const meanReward = (act: (s: Float32Array) => Float32Array): number => {
    const probe = new Rng(98);
    let sum = 0;
    for (let i = 0; i < 200; i++) {
      const s = Float32Array.of(probe.uniform() * 2 - 1, probe.uniform() * 2 - 1);
      sum += reward(s, act(s));
    }
    return sum / 200;
  };
  const noiseOnly = (s: Float32Array): Float32Array =>
    learner.act(s, false).map((a) => Math.max(-1, Math.min(1, a + 0.3 * rng.normal())));
  assert.equal(learner.agent.criticUpdates, 0);
  const untrained = meanReward((s) => learner.act(s, true));
  for (let i = 0; i < 1200; i++) {
    const s = Float32Array.of(rng.uniform() * 2 - 1, rng.uniform() * 2 - 1);
    observeOneStep(learner, s, learner.act(s, true));
  }
  const ranked = meanReward((s) => learner.act(s, true));
  const plain = meanReward(noiseOnly);
  assert.ok(ranked > plain + 0.1, `ranked ${ranked.toFixed(3)} vs noise only ${plain.toFixed(3)}`);
  assert.ok(Math.abs(untrained - plain) < 0.1, `before warm-up ${untrained.toFixed(3)} is plain noise`);
  learner.dispose();
});

test("correlated exploration noise keeps white noise's spread, drifts step to step and restarts each episode", () => {
  const noiseOf = (rho: number): { std: number; lag1: number; acrossEpisodes: number } => {
    const learner = new Learner(config({ explorationNoise: 0.05, noiseCorrelation: rho }), 8);
    const s = Float32Array.of(0.1, -0.2);
    const greedy = learner.act(s, false)[0]!;
    const steps = 40;
    const episodes = 100;
    const noise: number[][] = [];
    for (let e = 0; e < episodes; e++) {
      learner.startEpisode();
      noise.push(Array.from({ length: steps }, () => learner.act(s, true)[0]! - greedy));
    }
    learner.dispose();
    const all = noise.flat();
    const variance = all.reduce((acc, x) => acc + x * x, 0) / all.length;
    const corr = (pairs: [number, number][]): number =>
      pairs.reduce((acc, [a, b]) => acc + a * b, 0) / pairs.length / variance;
    return {
      std: Math.sqrt(variance),
      lag1: corr(noise.flatMap((n) => n.slice(1).map((x, t): [number, number] => [n[t]!, x]))),
      // The last step of one episode against the first of the next.
      acrossEpisodes: corr(noise.slice(1).map((n, e): [number, number] => [noise[e]!.at(-1)!, n[0]!])),
    };
  };
  const white = noiseOf(0);
  const drifting = noiseOf(0.9);
  for (const n of [white, drifting]) assert.ok(Math.abs(n.std - 0.05) < 0.006, `spread ${n.std}`);
  assert.ok(Math.abs(white.lag1) < 0.1, `white noise lag-1 correlation ${white.lag1}`);
  assert.ok(Math.abs(drifting.lag1 - 0.9) < 0.05, `correlated noise lag-1 correlation ${drifting.lag1}`);
  assert.ok(Math.abs(drifting.acrossEpisodes) < 0.3, `across episodes ${drifting.acrossEpisodes}`);
});
