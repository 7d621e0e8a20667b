import assert from "node:assert/strict";
import { cp, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import {
  EpisodeEventKind,
  MsgType,
  RewardStatus,
  type DenseReward,
  type Image,
} from "../../lib/codec/messages.js";
import { createLogger, type LogLevel } from "../../lib/node/log.js";
import { startNode } from "../../lib/node/node.js";
import { packagePath } from "../../lib/paths.js";
import { sha256Hex } from "../../lib/reward/manifest.js";
import { timeFromSeconds } from "../../lib/time/rosTime.js";
import { LocalBus, LocalTransport } from "../../lib/transport/local.js";
import { QOS_SENSOR_DATA } from "../../lib/transport/qos.js";
import { createPublisher, subscribe } from "../../lib/transport/typed.js";
import { policyNode, type PolicyNodeHandle } from "../../nodes/policy/policy.js";
import { rewardNode, type RunningRewardNode } from "../../nodes/reward/reward.js";
import { rgbImage } from "../../lib/image/rgbImage.js";
import { sleep, until } from "../../lib/testing/wait.js";

// Fault injection at the level of running nodes on the local bus. Each test states the expected behaviour
// that docs/RELIABILITY.md lists; faults already covered elsewhere are cited there, not repeated here.

const TOPICS = ["/cam/front", "/cam/left", "/cam/wrist"];
const temps: string[] = [];
after(async () => {
  for (const t of temps) await rm(t, { recursive: true, force: true });
});

function frame(t: number, view: number): Image {
  const width = 40;
  const height = 30;
  const data = new Uint8Array(width * height * 3);
  for (let i = 0; i < data.length; i++) data[i] = (i * 7 + view * 50 + Math.round(t * 100)) & 0xff;
  return rgbImage(width, height, data, { stamp: timeFromSeconds(t), frame_id: TOPICS[view]! });
}

function logSink(lines: string[]) {
  return createLogger(
    "fault",
    (level: LogLevel, _n: string, m: string) => lines.push(`${level}: ${m}`),
    "debug",
  );
}

const rewardParams = {
  camera_topics: TOPICS,
  providers: ["cpu"],
  ort_threads: 1,
  sync_slop_ms: 5,
  max_age_ms: 200,
  gamma: 0.95,
  diagnostics_period_s: 60,
};

/** A camera rig + episode manager on `transport`, with a closed-loop step that waits for its reward. */
function rig(transport: LocalTransport) {
  const cams = TOPICS.map((t) => createPublisher(transport, t, MsgType.Image, QOS_SENSOR_DATA));
  const events = createPublisher(transport, "/episode", MsgType.EpisodeEvent);
  const rewards: DenseReward[] = [];
  const sub = subscribe(transport, "/reward", MsgType.DenseReward).subscribe((m) => rewards.push(m));
  return {
    rewards,
    event(kind: number, id: bigint, t: number): void {
      events.publish({
        header: { stamp: timeFromSeconds(t), frame_id: "" },
        event: kind,
        episode_id: id,
        step: 0,
        task: "",
        detail: "",
      });
    },
    publish(t: number): void {
      cams.forEach((c, v) => c.publish(frame(t, v)));
    },
    async step(t: number): Promise<DenseReward> {
      const before = rewards.length;
      this.publish(t);
      await until(() => rewards.length > before, { what: `a reward for t=${t.toFixed(3)}` });
      return rewards.at(-1)!;
    },
    close: () => sub.unsubscribe(),
  };
}

test("stamps that jump back (simulator reset to t = 0) keep the rewards coming, with no stall", async () => {
  const transport = new LocalTransport(new LocalBus());
  const lines: string[] = [];
  const node = await startNode(rewardNode, { transport, logger: logSink(lines), params: rewardParams });
  const r = rig(transport);
  try {
    r.event(EpisodeEventKind.START, 1n, 500);
    await sleep(20);
    for (let i = 0; i < 5; i++) assert.equal((await r.step(500 + i / 30)).status, RewardStatus.OK);
    // The simulator restarts: its clock begins again at 0 and a new episode starts.
    r.event(EpisodeEventKind.TRUNCATED, 1n, 500.2);
    r.event(EpisodeEventKind.START, 2n, 0);
    await sleep(20);
    const after: DenseReward[] = [];
    for (let i = 0; i < 5; i++) after.push(await r.step(i / 30));
    assert.ok(
      after.every((m) => m.episode_id === 2n && m.status === RewardStatus.OK),
      JSON.stringify(after.map((m) => [String(m.episode_id), m.status, m.status_detail])),
    );
    assert.deepEqual(
      after.map((m) => m.step),
      [0, 1, 2, 3, 4],
    );
    assert.ok(
      after.every((m) => m.header.stamp.sec === 0),
      "stamped in the new clock",
    );
  } finally {
    r.close();
    await node.stop();
    await transport.close();
  }
});

test("duplicated and out-of-order frames do not stop or double the rewards", async () => {
  const transport = new LocalTransport(new LocalBus());
  const node = await startNode(rewardNode, { transport, logger: logSink([]), params: rewardParams });
  const r = rig(transport);
  try {
    r.event(EpisodeEventKind.START, 1n, 10);
    await sleep(20);
    await r.step(10);
    const before = r.rewards.length;
    r.publish(10); // the same stamps again: duplicates, no new group
    await sleep(100);
    assert.equal(r.rewards.length, before, "a duplicated group is not scored twice");
    // Views arrive out of order across two time steps; the newest complete group is scored.
    const cams = TOPICS.map((t) => createPublisher(transport, t, MsgType.Image, QOS_SENSOR_DATA));
    cams[2]!.publish(frame(10 + 2 / 30, 2));
    cams[0]!.publish(frame(10 + 1 / 30, 0));
    cams[1]!.publish(frame(10 + 1 / 30, 1));
    cams[0]!.publish(frame(10 + 2 / 30, 0));
    cams[1]!.publish(frame(10 + 2 / 30, 1));
    await until(() => r.rewards.length > before, { what: "a reward for the reordered frames" });
    const last = await r.step(10 + 3 / 30);
    assert.equal(last.status, RewardStatus.OK);
    assert.equal((node.running as RunningRewardNode).stats.cdrErrors, 0);
  } finally {
    r.close();
    await node.stop();
    await transport.close();
  }
});

test("the reward node restarts mid-episode: the policy keeps acting, counts the missing rewards, and joins again from the next episode", async () => {
  const bus = new LocalBus();
  const driver = new LocalTransport(bus);
  const policyLines: string[] = [];
  const policy = await startNode(policyNode, {
    transport: new LocalTransport(bus),
    logger: logSink(policyLines),
    params: { observation_dim: 3, train: false, gamma: 0.95, reward_timeout_ms: 150 },
  });
  const stats = (): ReturnType<PolicyNodeHandle["stats"]> => (policy.running as PolicyNodeHandle).stats();
  const observations = createPublisher(driver, "/sim/observation", MsgType.Observation);
  let actions = 0;
  const actionSub = subscribe(driver, "/action", MsgType.Action).subscribe(() => actions++);
  const r = rig(driver);
  let observed = 0;
  const observe = (episode: bigint, step: number, t: number): void => {
    observations.publish({
      header: { stamp: timeFromSeconds(t), frame_id: "sim" },
      episode_id: episode,
      step,
      names: ["x", "y", "z"],
      values: [Math.sin(t), Math.cos(t), step / 10],
    });
    observed++;
  };
  let reward: Awaited<ReturnType<typeof startNode>> | undefined = await startNode(rewardNode, {
    transport: new LocalTransport(bus),
    logger: logSink([]),
    params: rewardParams,
  });
  let t = 1;
  try {
    r.event(EpisodeEventKind.START, 1n, t);
    await sleep(20);
    for (let k = 0; k < 6; k++, t += 1 / 30) {
      observe(1n, k, t);
      await r.step(t);
    }
    await until(() => stats().assembler.emitted === 4, { what: "transitions joined" });

    // The reward node goes away mid-episode; the episode goes on.
    await reward.stop();
    reward = undefined;
    for (let k = 6; k < 12; k++, t += 1 / 30) {
      observe(1n, k, t);
      r.publish(t);
      await sleep(15);
    }
    await until(() => stats().assembler.droppedMissingReward >= 4, { what: "missing rewards counted" });
    // s0→s1 … s4→s5 had their rewards (s4→s5 is settled by observation 6); nothing after the node went away.
    assert.equal(stats().assembler.emitted, 5, "no transition without its reward");

    // A fresh reward node starts; it missed the episode's START, so its rewards (auto-episode 0) cannot be
    // joined with episode 1. From the next START on, rewards and transitions flow again.
    reward = await startNode(rewardNode, {
      transport: new LocalTransport(bus),
      logger: logSink([]),
      params: rewardParams,
    });
    for (let k = 12; k < 15; k++, t += 1 / 30) {
      observe(1n, k, t);
      await r.step(t);
    }
    r.event(EpisodeEventKind.TRUNCATED, 1n, t);
    r.event(EpisodeEventKind.START, 2n, t);
    await sleep(20);
    for (let k = 0; k < 6; k++, t += 1 / 30) {
      observe(2n, k, t);
      const m = await r.step(t);
      assert.equal(m.episode_id, 2n);
      assert.equal(m.step, k);
    }
    await until(() => stats().assembler.emitted >= 5 + 4, { what: "transitions of episode 2 joined" });
    await until(() => actions === observed, { what: "an action for every observation" });
    assert.equal(stats().actionsPublished, observed);
    assert.ok(!policyLines.some((l) => l.startsWith("error:")), policyLines.join("\n"));
  } finally {
    actionSub.unsubscribe();
    r.close();
    await reward?.stop();
    await policy.stop();
    await driver.close();
  }
});

/** A copy of the placeholder model whose `file` is replaced by `bytes`; `rehash` updates the manifest too. */
async function corruptModel(file: string, bytes: Uint8Array, rehash: boolean): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "corrupt-model-"));
  temps.push(dir);
  await cp(packagePath("models", "placeholder"), dir, { recursive: true });
  await writeFile(join(dir, file), bytes);
  if (rehash) {
    const manifest = JSON.parse(await readFile(join(dir, "manifest.json"), "utf8")) as {
      files: Record<string, string>;
    };
    manifest.files[file] = sha256Hex(bytes);
    await writeFile(join(dir, "manifest.json"), JSON.stringify(manifest));
  }
  return dir;
}

test("a model file replaced by a corrupt one before start: the node refuses to start, naming the file", async () => {
  const original = await readFile(packagePath("models", "placeholder", "encoder.onnx"));
  const flipped = Uint8Array.from(original);
  flipped[flipped.length >> 1] ^= 0xff;
  const start = (model: string) =>
    startNode(rewardNode, {
      transport: new LocalTransport(new LocalBus()),
      logger: logSink([]),
      params: { ...rewardParams, model },
    });
  // One flipped byte: the manifest's hash no longer matches.
  await assert.rejects(start(await corruptModel("encoder.onnx", flipped, false)), (err: Error) => {
    assert.match(err.message, /sha256 of 'encoder\.onnx' is [0-9a-f]{64}, manifest\.json says [0-9a-f]{64}/);
    return true;
  });
  // Garbage whose hash was written into the manifest too: ONNX Runtime cannot parse it; still named.
  await assert.rejects(
    start(await corruptModel("encoder.onnx", new TextEncoder().encode("not an onnx model"), true)),
    (err: Error) => {
      assert.match(err.message, /encoder\.onnx/);
      return true;
    },
  );
});
