import assert from "node:assert/strict";
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { filter, firstValueFrom } from "rxjs";
import { EpisodeEventKind, MsgType, RewardStatus, type DenseReward } from "../../lib/codec/messages.js";
import { createLogger, type LogLevel } from "../../lib/node/log.js";
import { startNode } from "../../lib/node/node.js";
import { EpisodeRewards } from "../../lib/rl/rewards.js";
import { actionVector } from "../../lib/rl/spaces.js";
import { PointMassEnv } from "../../lib/rl/testing/pointMass.js";
import { sleep } from "../../lib/testing/wait.js";
import { LocalBus, LocalTransport } from "../../lib/transport/local.js";
import { createPublisher, subscribe } from "../../lib/transport/typed.js";
import { policyNode, type PolicyNodeHandle } from "./policy.js";

const GAMMA = 0.95;
const header = (step: number) => ({ stamp: { sec: step, nanosec: 0 }, frame_id: "sim" });

function reward(
  episode: bigint,
  step: number,
  value: number,
  terminal: boolean,
  truncated: boolean,
): DenseReward {
  return {
    header: header(step),
    source_topics: [],
    source_stamps: [],
    source_present: [],
    episode_id: episode,
    step,
    reward: value,
    r_gold: 0,
    phi: 0,
    phi_next: 0,
    gamma: GAMMA,
    terminal,
    truncated,
    success_source: "",
    potential: "oracle",
    stage: 0,
    stage_names: [],
    stage_probabilities: [],
    stage_progress: 0,
    progress: 0,
    confidence: 1,
    model_name: "",
    model_sha256: "",
    status: RewardStatus.OK,
    status_detail: "",
    latency_ms: 0,
  };
}

/**
 * Plays the simulator and the reward node on the local bus: publishes an observation, waits for the
 * policy's action, steps the point-mass fixture, publishes the next observation, the oracle-shaped
 * reward and, at the end, the episode event. `endViaEvent` leaves the flags off the reward message.
 */
async function drive(
  bus: LocalBus,
  episodes: number,
  options: { endViaEvent?: boolean; firstEpisode?: bigint; expertSteps?: boolean } = {},
) {
  const transport = new LocalTransport(bus);
  const obsPub = createPublisher(transport, "/sim/observation", MsgType.Observation);
  const rewardPub = createPublisher(transport, "/reward", MsgType.DenseReward);
  const eventPub = createPublisher(transport, "/episode", MsgType.EpisodeEvent);
  const actions = subscribe(transport, "/action", MsgType.Action);
  const env = new PointMassEnv("push", 1);
  let steps = 0;
  let observations = 0;
  let successes = 0;
  for (let e = 0; e < episodes; e++) {
    const id = (options.firstEpisode ?? 1n) + BigInt(e);
    let s = env.reset(e);
    const shaped = new EpisodeRewards("pbrs_oracle", { gamma: GAMMA, successDelta: 0.05 });
    shaped.startEpisode(s.groundTruth.progress);
    for (let step = 0; ; step++) {
      const next = firstValueFrom(actions.pipe(filter((a) => a.episode_id === id && a.step === step)));
      obsPub.publish({
        header: header(step),
        episode_id: id,
        step,
        names: [...env.observationNames],
        values: s.observation,
      });
      observations++;
      const action = actionVector(await next);
      // The node's action still has to come; with expertSteps the fixture's expert moves instead, so
      // that episodes succeed.
      s = env.step(options.expertSteps ? env.expert(0) : action);
      steps++;
      const gt = s.groundTruth;
      const r = shaped.step({
        phiNext: gt.progress,
        success: gt.success,
        terminal: gt.terminal,
        truncated: gt.truncated,
      });
      const flags = options.endViaEvent ? [false, false] : [gt.terminal, gt.truncated];
      rewardPub.publish(reward(id, step + 1, r, flags[0]!, flags[1]!));
      if (gt.terminal || gt.truncated) {
        obsPub.publish({
          header: header(step + 1),
          episode_id: id,
          step: step + 1,
          names: [],
          values: s.observation,
        });
        observations++;
        // As the reward node announces a success: SUCCESS, then TERMINAL.
        if (gt.success) {
          successes++;
          eventPub.publish({
            header: header(step + 1),
            event: EpisodeEventKind.SUCCESS,
            episode_id: id,
            step: step + 1,
            task: "push",
            detail: "task",
          });
        }
        eventPub.publish({
          header: header(step + 1),
          event: gt.terminal ? EpisodeEventKind.TERMINAL : EpisodeEventKind.TRUNCATED,
          episode_id: id,
          step: step + 1,
          task: "push",
          detail: "",
        });
        break;
      }
    }
  }
  // Let the last messages reach the node before the caller looks at its counters.
  await sleep(50);
  await transport.close();
  return { steps, observations, successes };
}

const quiet = (lines: string[]) =>
  createLogger(
    "policy",
    (level: LogLevel, _name: string, message: string) => lines.push(`${level}: ${message}`),
    "debug",
  );

async function demoFile(dir: string): Promise<string> {
  const env = new PointMassEnv("push", 9);
  const transitions = [];
  for (let e = 0; e < 2; e++) {
    let s = env.reset(100 + e);
    while (!s.groundTruth.terminal && !s.groundTruth.truncated) {
      const action = env.expert(0);
      const next = env.step(action);
      transitions.push({
        observation: [...s.observation],
        action: [...action],
        reward: next.groundTruth.success ? 1 : 0,
        next_observation: [...next.observation],
        terminal: next.groundTruth.terminal,
        truncated: next.groundTruth.truncated,
      });
      s = next;
    }
  }
  const path = join(dir, "demos.json");
  await writeFile(path, JSON.stringify({ transitions }));
  return path;
}

test("over the local bus the node acts on every observation, joins transitions, learns and checkpoints", async (t) => {
  const dir = await mkdtemp(join(tmpdir(), "policy-node-"));
  const checkpoint = join(dir, "policy.ckpt");
  const params = {
    observation_dim: 15,
    gamma: GAMMA,
    hidden_units: [16, 16],
    batch_size: 16,
    warmup_transitions: 32,
    actor_warmup_updates: 10,
    bc_steps: 20,
    checkpoint_path: checkpoint,
    checkpoint_interval_s: 3600,
    demonstrations: await demoFile(dir),
  };
  const bus = new LocalBus();
  const logs: string[] = [];
  const node = await startNode(policyNode, {
    transport: new LocalTransport(bus),
    params,
    logger: quiet(logs),
  });
  // A failed assertion must not leave a node's timer holding the test process open.
  const running = new Set<{ stop(): Promise<void> }>([node]);
  t.after(async () => {
    for (const n of running) await n.stop();
  });
  const handle = node.running as PolicyNodeHandle;
  assert.ok(
    logs.some((l) => /cloned \d+ demonstration transitions/.test(l)),
    logs.join("\n"),
  );
  const first = await drive(bus, 2);
  const stats = handle.stats();
  assert.equal(stats.actionsPublished, first.observations);
  assert.equal(stats.assembler.emitted, first.steps);
  assert.equal(stats.assembler.terminal + stats.assembler.truncated, 2);
  assert.equal(stats.learner.transitions, first.steps);
  assert.ok(stats.learner.updates > 0, "updates ran");
  assert.equal(stats.imitatedEpisodes, first.successes, "each successful episode joined the demonstrations");
  await node.stop();
  running.delete(node);

  // Restart from the checkpoint written at stop: the learner continues where it was.
  const again = await startNode(policyNode, {
    transport: new LocalTransport(bus),
    params,
    logger: quiet(logs),
  });
  assert.equal((again.running as PolicyNodeHandle).stats().learner.transitions, first.steps);
  assert.ok(logs.some((l) => l.includes(`restored ${checkpoint}`)));
  // Ends signalled only by episode events still close the episode; a wrong-size observation is refused.
  const bad = new LocalTransport(bus);
  createPublisher(bad, "/sim/observation", MsgType.Observation).publish({
    header: header(0),
    episode_id: 99n,
    step: 0,
    names: [],
    values: [1, 2],
  });
  const second = await drive(bus, 1, { endViaEvent: true, firstEpisode: 10n });
  const after = (again.running as PolicyNodeHandle).stats();
  assert.equal(after.rejectedObservations, 1);
  assert.equal(after.learner.transitions, first.steps + second.steps);
  assert.equal(after.assembler.terminal + after.assembler.truncated, 1);
  await bad.close();
  await again.stop();
  running.delete(again);

  await writeFile(checkpoint, "not a checkpoint");
  await assert.rejects(
    startNode(policyNode, { transport: new LocalTransport(bus), params, logger: quiet(logs) }),
    /policy.ckpt is corrupt.*fresh_start_on_corrupt_checkpoint/,
  );
  const fresh = await startNode(policyNode, {
    transport: new LocalTransport(bus),
    params: { ...params, fresh_start_on_corrupt_checkpoint: true },
    logger: quiet(logs),
  });
  running.add(fresh);
  assert.equal((fresh.running as PolicyNodeHandle).stats().learner.transitions, 0);
  await fresh.stop();
  running.delete(fresh);
});

test("an episode announced SUCCESS joins the demonstrations once its last transition is in", async (t) => {
  const bus = new LocalBus();
  const node = await startNode(policyNode, {
    transport: new LocalTransport(bus),
    params: { observation_dim: 15, gamma: GAMMA, hidden_units: [8], warmup_transitions: 1000 },
    logger: quiet([]),
  });
  t.after(() => node.stop());
  const driven = await drive(bus, 3, { expertSteps: true });
  assert.ok(driven.successes > 0, "the expert's episodes succeed");
  const stats = (node.running as PolicyNodeHandle).stats();
  assert.equal(stats.imitatedEpisodes, driven.successes);
});

test("a reward published with another gamma is reported", async (t) => {
  const bus = new LocalBus();
  const logs: string[] = [];
  const node = await startNode(policyNode, {
    transport: new LocalTransport(bus),
    params: { observation_dim: 15, gamma: 0.99, hidden_units: [8] },
    logger: quiet(logs),
  });
  t.after(() => node.stop());
  await drive(bus, 1);
  assert.ok(logs.some((l) => /reward gamma 0.95 differs from the learner's gamma 0.99/.test(l)));
  assert.ok(logs.some((l) => /untrained actor/.test(l)));
});
