import assert from "node:assert/strict";
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { writeCheckpoint } from "./checkpoint.js";
import { Learner, type LearnerConfig } from "./learner.js";
import { CheckpointSaver, loadLearner } from "./persist.js";
import { Rng } from "./random.js";
import { DEFAULT_TD3 } from "./td3.js";

const config: LearnerConfig = {
  td3: { ...DEFAULT_TD3, observationDim: 3, actionDim: 2, hidden: [16, 16], actorWarmupUpdates: 4 },
  replayCapacity: 500,
  batchSize: 16,
  updatesPerStep: 1,
  nStep: 1,
  warmupTransitions: 16,
  explorationNoise: 0.2,
  bcSteps: 20,
  demoBatchFraction: 0.25,
};

function transitions(n: number, seed: number) {
  const rng = new Rng(seed);
  return Array.from({ length: n }, () => {
    const s = Float32Array.of(rng.uniform(), rng.uniform(), rng.uniform());
    return {
      observation: s,
      action: Float32Array.of(rng.uniform() * 2 - 1, rng.uniform() * 2 - 1),
      reward: rng.uniform(),
      nextObservation: s.map((v) => v + 0.1),
      terminal: rng.uniform() < 0.1,
      truncated: false,
      nextPotential: rng.uniform(),
    };
  });
}

// XNNPACK (wasm backend) may sum in a different order for differently aligned buffers, so values agree to
// float rounding rather than bit for bit.
function close(a: number | undefined, b: number | undefined, what: string): void {
  assert.ok(
    a !== undefined && b !== undefined && Math.abs(a - b) <= 1e-5 * Math.max(1, Math.abs(b)),
    `${what}: ${a} vs ${b}`,
  );
}

// The second: an ensemble whose TD targets use a pair drawn from the learner's RNG on every update, and
// progress guidance, whose potential and dynamics models and their optimizer are checkpointed too, on the
// normalized observation alone (the first setting also has its fine-scale copy, the default).
const ensemble: LearnerConfig = {
  ...config,
  td3: { ...config.td3, criticCount: 4, pessimism: 1, progressWeight: 1, fineScale: 0 },
};
for (const [what, setting] of [
  ["", config],
  [" (a critic ensemble, a pessimistic actor, progress guidance, no fine-scale input)", ensemble],
] as const) {
  test(`a restored learner continues as the original would have${what}`, async () => {
    const original = new Learner(setting, 1);
    original.pretrain(transitions(40, 1));
    for (const t of transitions(60, 2)) original.observe(t);
    const restored = await Learner.restore(await original.snapshot(), setting);
    assert.deepEqual(restored.counters, original.counters);
    assert.equal(restored.replay.size, original.replay.size);
    // Same weights, optimiser moments, replay and RNG: the next updates and actions are identical.
    for (const t of transitions(10, 3)) {
      const [r, o] = [restored.observe(t)!, original.observe(t)!];
      close(r.criticLoss, o.criticLoss, "critic loss");
      assert.equal(
        r.actorLoss === undefined,
        o.actorLoss === undefined,
        "the actor moves on the same updates",
      );
      if (o.actorLoss !== undefined) close(r.actorLoss, o.actorLoss, "actor loss");
      close(r.meanQ, o.meanQ, "mean Q");
    }
    const probe = Float32Array.of(0.3, 0.2, 0.1);
    const [ra, oa] = [restored.act(probe, true), original.act(probe, true)];
    ra.forEach((v, i) => close(v, oa[i], `action ${i}`));
    original.dispose();
    restored.dispose();
  });
}

test("a checkpoint with tf.train.adam's per-variable optimizer state (before FlatAdam) continues alike", async () => {
  const original = new Learner(config, 1);
  original.pretrain(transitions(40, 1));
  for (const t of transitions(60, 2)) original.observe(t);
  const current = await original.snapshot();
  // The layout tf.train.adam's getWeights() gave: [iterations, m per variable…, v per variable…].
  const arrays = { ...current.arrays };
  const optimizers: Record<string, number[][]> = {};
  for (const [name, variables] of [
    ["actor_optimizer", original.agent.actor.variables],
    ["critic_optimizer", [...original.agent.critics[0].variables, ...original.agent.critics[1].variables]],
  ] as const) {
    const { iterations } = (current.meta.optimizers as Record<string, { iterations: number }>)[name]!;
    const [m, v] = [arrays[`${name}/m`]!, arrays[`${name}/v`]!];
    delete arrays[`${name}/m`];
    delete arrays[`${name}/v`];
    arrays[`${name}/0`] = Float32Array.of(iterations);
    let at = 0;
    variables.forEach((variable, i) => {
      arrays[`${name}/${1 + i}`] = m.slice(at, at + variable.size);
      arrays[`${name}/${1 + variables.length + i}`] = v.slice(at, at + variable.size);
      at += variable.size;
    });
    optimizers[name] = [[], ...variables.map((x) => x.shape), ...variables.map((x) => x.shape)];
  }
  const legacy = { meta: { ...current.meta, optimizers }, arrays };
  const [a, b] = [await Learner.restore(current, config), await Learner.restore(legacy, config)];
  for (const t of transitions(10, 3)) {
    const [x, y] = [a.observe(t)!, b.observe(t)!];
    close(y.criticLoss, x.criticLoss, "critic loss");
    if (x.actorLoss !== undefined) close(y.actorLoss, x.actorLoss, "actor loss");
  }
  for (const learner of [original, a, b]) learner.dispose();
});

test("a checkpoint for other networks is refused with the mismatch named", async () => {
  const learner = new Learner(config, 1);
  const snapshot = await learner.snapshot();
  await assert.rejects(
    Learner.restore(snapshot, { ...config, td3: { ...config.td3, hidden: [32, 32] } }),
    /hidden = \[16,16\], this learner has \[32,32\]/,
  );
  await assert.rejects(Learner.restore(snapshot, ensemble), /criticCount = 2, this learner has 4/);
  await assert.rejects(
    Learner.restore(snapshot, { ...config, td3: { ...config.td3, fineScale: 0 } }),
    /fineScale = 3, this learner has 0/,
  );
  learner.dispose();
});

test("a corrupt checkpoint stops the start unless a fresh start is asked for", async () => {
  const dir = await mkdtemp(join(tmpdir(), "persist-"));
  const path = join(dir, "policy.ckpt");
  const warnings: string[] = [];
  const opts = { path, config, seed: 4, freshStartOnCorrupt: false, warn: (m: string) => warnings.push(m) };
  const fresh = await loadLearner(opts);
  assert.equal(fresh.origin, "fresh");
  for (const t of transitions(30, 5)) fresh.learner.observe(t);
  await writeCheckpoint(path, await fresh.learner.snapshot());
  const again = await loadLearner(opts);
  assert.equal(again.origin, "restored");
  assert.equal(again.learner.counters.transitions, 30);
  await writeFile(path, "garbage");
  await assert.rejects(loadLearner(opts), /is corrupt.*fresh_start_on_corrupt_checkpoint/);
  const forced = await loadLearner({ ...opts, freshStartOnCorrupt: true });
  assert.equal(forced.origin, "fresh-after-corrupt");
  assert.match(warnings[0]!, /starting fresh/);
  for (const l of [fresh.learner, again.learner, forced.learner]) l.dispose();
});

test("the saver writes at most once per interval and flushes on demand", async () => {
  const dir = await mkdtemp(join(tmpdir(), "saver-"));
  const learner = new Learner(config, 1);
  const errors: Error[] = [];
  const saver = new CheckpointSaver(
    join(dir, "p.ckpt"),
    1000,
    () => learner,
    0,
    (e) => errors.push(e),
  );
  assert.equal(saver.maybeSave(500), undefined);
  await saver.maybeSave(1000);
  assert.equal(saver.saves, 1);
  assert.equal(saver.maybeSave(1500), undefined);
  await saver.flush();
  assert.equal(saver.saves, 2);
  const broken = new CheckpointSaver(
    join(dir, "missing-dir", "p.ckpt"),
    1,
    () => learner,
    0,
    (e) => errors.push(e),
  );
  await broken.flush();
  assert.match(errors[0]!.message, /could not write checkpoint/);
  learner.dispose();
});
