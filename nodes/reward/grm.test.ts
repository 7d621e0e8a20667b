import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import {
  EpisodeEventKind,
  MsgType,
  RewardStatus,
  type DenseReward,
  type Time,
} from "../../lib/codec/messages.js";
import { rgbImage } from "../../lib/image/rgbImage.js";
import { spearman } from "../../lib/math/spearman.js";
import { createLogger } from "../../lib/node/log.js";
import { startNode } from "../../lib/node/node.js";
import { goalImageTensor } from "../../lib/reward/goalImages.js";
import { slotToJpegDataUrl } from "../../lib/reward/grm/jpeg.js";
import { loadManifest } from "../../lib/reward/manifest.js";
import { Preprocessor } from "../../lib/reward/preprocess.js";
import { modelDir } from "../../lib/reward/rewardModelFactory.js";
import { startGrmServer, type GrmServer } from "../../lib/reward/testing/grmServer.js";
import { truthAnswerer } from "../../lib/reward/testing/truthAnswerer.js";
import { until } from "../../lib/testing/wait.js";
import { timeFromSeconds } from "../../lib/time/rosTime.js";
import { LocalBus, LocalTransport } from "../../lib/transport/local.js";
import { QOS_LATCHED, QOS_SENSOR_DATA } from "../../lib/transport/qos.js";
import { createPublisher, subscribe } from "../../lib/transport/typed.js";
import { episodeEvents, imageMessage, SIM_TOPICS } from "../../sim/messages.js";
import { episodeSteps } from "../../sim/rollout.js";
import { createSim, type StepResult } from "../../sim/sim.js";
import { rewardNode } from "./reward.js";

const hasDisplay = Boolean(process.env.DISPLAY);
const VIEWS = ["front", "side", "wrist"] as const;
const MODEL = "models/grm_3b";
let server: GrmServer;

before(async () => {
  server = await startGrmServer(() => "<score>+10%</score>");
});
after(() => server.close());

/** The reward node with the shipped grm_3b folder pointed at the test server, on a local transport. */
async function grmNode(params: Record<string, unknown> = {}) {
  const transport = new LocalTransport(new LocalBus());
  const node = await startNode(rewardNode, {
    transport,
    logger: createLogger("reward", () => {}),
    params: { model: MODEL, grm_endpoint: server.url, task: "pick_place", ...params },
  });
  const cameras = VIEWS.map((v) =>
    createPublisher(transport, SIM_TOPICS.image(v), MsgType.Image, QOS_SENSOR_DATA),
  );
  const events = createPublisher(transport, SIM_TOPICS.episode, MsgType.EpisodeEvent, QOS_LATCHED);
  const rewards: DenseReward[] = [];
  const subscription = subscribe(transport, "/reward", MsgType.DenseReward).subscribe((m) => rewards.push(m));
  return {
    cameras,
    events,
    rewards,
    stop: async () => {
      subscription.unsubscribe();
      await node.stop();
    },
  };
}

const solid = (grey: number, stamp: Time, view: string) =>
  rgbImage(8, 8, new Uint8Array(8 * 8 * 3).fill(grey), { stamp, frame_id: view });
const startEvent = (stamp: Time) => ({
  header: { stamp, frame_id: "" },
  event: EpisodeEventKind.START,
  episode_id: 1n,
  step: 0,
  task: "pick_place",
  detail: "",
});
const key = (t: Time): string => `${t.sec}.${t.nanosec}`;

test("the node publishes ERROR for steps the server fails, keeps the frames' stamps, and recovers by itself", async () => {
  const n = await grmNode();
  try {
    n.events.publish(startEvent(timeFromSeconds(0)));
    let t = 0;
    const publishStep = async (): Promise<DenseReward> => {
      const stamp = timeFromSeconds((t += 0.1));
      const before = n.rewards.length;
      VIEWS.forEach((v, i) => n.cameras[i].publish(solid(40 + t * 10, stamp, v)));
      await until(() => n.rewards.length > before, { what: `a reward for t=${t}` });
      const m = n.rewards.at(-1)!;
      assert.deepEqual(m.header.stamp, stamp, "the reward carries the stamp of the frames it scored");
      return m;
    };
    server.answer = () => "<score>+20%</score>";
    assert.equal((await publishStep()).status, RewardStatus.OK);
    server.answer = () => "the cube moved a bit";
    const bad = await publishStep();
    assert.equal(bad.status, RewardStatus.ERROR);
    assert.match(bad.status_detail, /no <score>.*the cube moved a bit/);
    await server.close();
    const down = await publishStep();
    assert.equal(down.status, RewardStatus.ERROR);
    assert.match(down.status_detail, /ECONNREFUSED/);
    await server.restart();
    server.answer = () => "<score>+20%</score>";
    const back = await publishStep();
    assert.equal(back.status, RewardStatus.OK, back.status_detail);
  } finally {
    await server.restart();
    await n.stop();
  }
});

test("a slow server never blocks the cameras: latest-wins drops groups, each reward is late but stamped with its frames", async () => {
  const n = await grmNode();
  server.delayMs = 200;
  server.answer = () => "<score>+5%</score>";
  try {
    n.events.publish(startEvent(timeFromSeconds(0)));
    const stamps: Time[] = [];
    for (let i = 1; i <= 24; i++) {
      const stamp = timeFromSeconds(i / 30);
      stamps.push(stamp);
      VIEWS.forEach((v, k) => n.cameras[k].publish(solid(10 * (i % 20), stamp, v)));
      await new Promise((r) => setTimeout(r, 1000 / 30));
    }
    await until(() => n.rewards.length > 0 && key(n.rewards.at(-1)!.header.stamp) === key(stamps.at(-1)!), {
      what: "the reward of the last group",
      timeoutMs: 5000,
    });
    assert.ok(n.rewards.length < 12, `${n.rewards.length} rewards for 24 groups at 200 ms per step`);
    for (const m of n.rewards) {
      assert.ok(stamps.map(key).includes(key(m.header.stamp)), "stamped with a published group's stamp");
      assert.ok(m.latency_ms >= 190, `latency ${m.latency_ms.toFixed(0)} ms includes the answer time`);
    }
  } finally {
    server.delayMs = 0;
    await n.stop();
  }
});

test(
  "a scripted answerer giving the true hop of the frames it was sent: Φ tracks the sim's truth on an expert episode (VOC ≥ 0.95)",
  {
    skip: hasDisplay ? false : "rendering needs an X display (run under xvfb-run, as make test does)",
    timeout: 120_000,
  },
  async (t) => {
    const loaded = await loadManifest(modelDir(MODEL));
    const pre = new Preprocessor(loaded.manifest.image);
    const slot = new Float32Array(pre.size);
    const quality = loaded.manifest.grm!.jpeg_quality;
    // Data URL of the front image (as the node encodes it) → true progress; the goal image is Φ = 1.
    const truthOf = new Map<string, number>();
    const goal = await goalImageTensor(loaded, pre, "pick_place");
    const front = VIEWS.indexOf(loaded.manifest.grm!.slots.front as "front");
    truthOf.set(await slotToJpegDataUrl(loaded.manifest.image, goal.subarray(front * pre.size), quality), 1);
    const unknown: string[] = [];
    server.answer = truthAnswerer(truthOf, unknown);
    const n = await grmNode();
    const sim = await createSim({
      task: "pick_place",
      seed: 900_003,
      width: 64,
      height: 64,
      views: [...VIEWS],
    });
    const truth: number[] = [];
    const publish = async (result: StepResult): Promise<void> => {
      const stamp = timeFromSeconds(result.time);
      const image = imageMessage(result.frames[front], stamp);
      await pre.toTensor("front", { kind: "Image", message: image }, slot, 0);
      truthOf.set(await slotToJpegDataUrl(loaded.manifest.image, slot, quality), result.truth.progress);
      for (const event of episodeEvents(result, stamp)) n.events.publish(event);
      const before = n.rewards.length;
      result.frames.forEach((frame, i) => n.cameras[i].publish(imageMessage(frame, stamp)));
      truth.push(result.truth.progress);
      await until(() => n.rewards.length > before, { what: `a reward for step ${result.step}` });
    };
    const calls = server.calls.length;
    try {
      for (const { result } of episodeSteps(sim, "expert", { noise: 0.002, failure: "none" })) {
        await publish(result);
      }
    } finally {
      sim.close();
      await n.stop();
    }
    const scored = n.rewards.filter((m) => m.status === RewardStatus.OK);
    assert.deepEqual(unknown, [], "every image the node sent is a frame it was given");
    assert.equal(scored.length, truth.length, "one OK reward per state");
    assert.ok(
      server.calls.slice(calls).every((c) => c.images.length === 8),
      "8 images per request",
    );
    const phi = scored.map((m) => m.progress);
    const voc = spearman(
      phi,
      phi.map((_p, i) => i),
    );
    const maxError = Math.max(...phi.map((p, i) => Math.abs(p - truth[i])));
    t.diagnostic(`${phi.length} steps: VOC ${voc.toFixed(3)}, max |Φ − truth| ${maxError.toFixed(3)}`);
    assert.ok(voc >= 0.95, `VOC ${voc.toFixed(3)} on the expert episode`);
    assert.ok(maxError < 0.1, `Φ tracks the truth (max error ${maxError.toFixed(3)})`);
  },
);
