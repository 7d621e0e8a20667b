import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { parse as parseYaml } from "yaml";
import { openBag } from "../../../lib/bag/openBag.js";
import { codecFor } from "../../../lib/codec/codec.js";
import {
  EpisodeEventKind,
  MsgType,
  RewardStatus,
  type DenseReward,
  type DiagnosticArray,
  type EpisodeEvent,
} from "../../../lib/codec/messages.js";
import { createLogger, type LogLevel } from "../../../lib/node/log.js";
import { packagePath } from "../../../lib/paths.js";
import { replayParameters } from "./parameters.js";
import { replayBag, type ReplayOptions, type ReplaySummary } from "./replay.js";
import { ReplayError } from "./replayError.js";
import { cameraTopic, topicMessages, writeFixtureBag, type FixtureBag } from "../../../lib/bag/fixtureBag.js";

const SHARED_BAGS = packagePath("..", "shared", "bags");
const noBags = existsSync(SHARED_BAGS) ? false : `shared bags not found at ${SHARED_BAGS}`;
const rewardCodec = codecFor<DenseReward>(MsgType.DenseReward);
const MAX_AGE_NS = 250_000_000n;

let dir: string;
let fixture: FixtureBag;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), "replay-"));
  await mkdir(join(dir, "bag"));
  fixture = await writeFixtureBag(join(dir, "bag", "bag_0.mcap"));
});
after(() => rm(dir, { recursive: true, force: true }));

// The placeholder model (views front, left, wrist) whatever the node's default is; CPU only, one thread: the
// test machine has no GPU, and the same thread count keeps ORT's sums in order.
const cpu = { model: "models/placeholder", providers: ["cpu"], ort_threads: 1 };

async function replay(
  bag: string,
  out: string,
  extra: Partial<ReplayOptions> = {},
): Promise<{ summary: ReplaySummary; logs: [LogLevel, string][] }> {
  const logs: [LogLevel, string][] = [];
  const log = createLogger("replay", (level, _n, m) => logs.push([level, m]), "debug");
  const summary = await replayBag({
    bag,
    out: join(dir, out),
    params: replayParameters(undefined, cpu).params,
    log,
    ...extra,
  });
  return { summary, logs };
}

const rewardsOf = async (file: string): Promise<DenseReward[]> =>
  (await topicMessages(file, "/reward")).map((m) => rewardCodec.decode(m.data));

test("every synced group of the recording is scored, on the bag's clock, and written as /reward", async () => {
  const { summary } = await replay(join(dir, "bag"), "run.mcap");
  assert.equal(summary.out, join(dir, "run.mcap"));
  assert.equal(summary.damage, undefined);
  assert.deepEqual(
    summary.views.map((v) => [v.view, v.topic, v.inBag]),
    ["front", "left", "wrist"].map((v) => [v, cameraTopic(v), true]),
  );
  const written = await topicMessages(summary.out, "/reward");
  const rewards = written.map((m) => rewardCodec.decode(m.data));
  assert.equal(rewards.length, summary.rewards);
  const scored = rewards.filter((r) => r.status !== RewardStatus.DEGRADED_STALE);
  assert.ok(summary.groups >= 28, `${summary.groups} groups from 31 frame sets`);
  assert.equal(scored.length, summary.groups - summary.groupsOutsideEpisode, "no group dropped");
  assert.ok(scored.every((r) => r.latency_ms >= 0));
  // After the 1 s pause between the episodes, the first frame back finds the other views' last frames
  // older than max age and is scored alone (the sync's missing-view rule); every other step has all views.
  const notOk = scored.filter((r) => r.status !== RewardStatus.OK);
  assert.deepEqual(
    notOk.map((r) => [r.episode_id, r.step, r.status, r.source_present]),
    [[2n, 0, RewardStatus.DEGRADED_VIEW_MISSING, [true, false, false]]],
  );
  // Episode 1 ends TERMINAL with the cameras stopped: closed after max age of *bag* time.
  const terminal = written.filter((_m, i) => rewards[i]!.terminal);
  assert.equal(terminal.length, 1);
  assert.equal(terminal[0]!.logTime, fixture.terminalNs + MAX_AGE_NS);
  const closing = rewardCodec.decode(terminal[0]!.data);
  assert.deepEqual(
    [closing.episode_id, closing.status, closing.phi_next],
    [1n, RewardStatus.DEGRADED_STALE, 0],
  );
  // Episode 2 is truncated and closed by the frame set that follows.
  const truncated = rewards.filter((r) => r.truncated);
  assert.deepEqual(
    truncated.map((r) => [r.episode_id, r.status]),
    [[2n, RewardStatus.OK]],
  );
  for (const id of [1n, 2n]) {
    const steps = rewards.filter((r) => r.episode_id === id).map((r) => r.step);
    assert.deepEqual(steps, [...steps.keys()], `episode ${id}: steps 0, 1, … in order`);
  }
  assert.ok(
    written.every((m, i) => i === 0 || m.logTime >= written[i - 1]!.logTime),
    "log times in order",
  );
  // /diagnostics every second of bag time plus a closing one, stamped with bag time.
  const diagnostics = (await topicMessages(summary.out, "/diagnostics")).map((m) =>
    codecFor<DiagnosticArray>(MsgType.DiagnosticArray).decode(m.data),
  );
  assert.equal(diagnostics.length, Math.floor(summary.bagSeconds) + 1);
  assert.ok(diagnostics.every((d) => d.header.stamp.sec >= 1_700_000_000));
  const published = diagnostics.at(-1)!.status[0]!.values.find((v) => v.key === "published")!;
  assert.equal(published.value, String(summary.rewards));
  // metadata.yaml beside the output, for ros2 bag.
  const meta = parseYaml(readFileSync(join(dir, "metadata.yaml"), "utf8")).rosbag2_bagfile_information;
  const counts = Object.fromEntries(
    meta.topics_with_message_count.map((t: { topic_metadata: { name: string }; message_count: number }) => [
      t.topic_metadata.name,
      t.message_count,
    ]),
  );
  assert.deepEqual(counts, { "/reward": summary.rewards, "/diagnostics": diagnostics.length });
});

test("success_source model: the detected success ends the episode in the output, SUCCESS then TERMINAL on /episode", async () => {
  // δ = 0.999: the placeholder's first Φ(s′) above 0.001 counts as success, so each episode ends at once.
  const params = replayParameters(undefined, {
    ...cpu,
    success_source: "model",
    success_delta: 0.999,
  }).params;
  const { summary } = await replay(join(dir, "bag"), "model-success.mcap", { params });
  const rewards = await rewardsOf(summary.out);
  const decided = rewards.filter((r) => r.success_source === "model");
  assert.ok(decided.length > 0, "the detector fired");
  assert.ok(decided.every((r) => r.r_gold === 1 && r.terminal));
  const events = (await topicMessages(summary.out, "/episode")).map((m) =>
    codecFor<EpisodeEvent>(MsgType.EpisodeEvent).decode(m.data),
  );
  assert.deepEqual(
    events.map((e) => [e.episode_id, e.event]),
    decided.flatMap((r) => [
      [r.episode_id, EpisodeEventKind.SUCCESS],
      [r.episode_id, EpisodeEventKind.TERMINAL],
    ]),
  );
  assert.equal(summary.announcedEvents, events.length);
});

test("the same bag gives the same /reward bytes; per-message zstd (compression_mode MESSAGE) gives them too", async () => {
  const first = await replay(join(dir, "bag"), join("det", "a.mcap"));
  const second = await replay(join(dir, "bag"), join("det", "b.mcap"));
  const a = await topicMessages(first.summary.out, "/reward");
  const b = await topicMessages(second.summary.out, "/reward");
  assert.ok(a.length > 20);
  assert.deepEqual(b, a);
  const phis = new Set((await rewardsOf(first.summary.out)).map((r) => r.phi_next.toFixed(6)));
  assert.ok(phis.size > 3, `Φ changes along the recording (${phis.size} distinct values)`);

  await mkdir(join(dir, "zbag"));
  await writeFixtureBag(join(dir, "zbag", "zbag_0.mcap"), { perMessageZstd: true });
  const raw = readFileSync(join(dir, "zbag", "zbag_0.mcap"));
  assert.ok(raw.includes(Buffer.from([0x28, 0xb5, 0x2f, 0xfd])), "messages are stored as zstd frames");
  const z = await replay(join(dir, "zbag"), join("z", "z.mcap"));
  assert.equal((await openBag(join(dir, "zbag"))).metadata?.compressionMode, "message");
  assert.deepEqual(await topicMessages(z.summary.out, "/reward"), a);
});

test("a truncated bag: the damage is reported, and the output is a valid MCAP with the rewards before it", async () => {
  const full = await topicMessages(
    (await replay(join(dir, "bag"), join("full", "f.mcap"))).summary.out,
    "/reward",
  );
  const whole = await readFile(join(dir, "bag", "bag_0.mcap"));
  await mkdir(join(dir, "cut"));
  const cut = join(dir, "cut", "cut.mcap");
  await writeFile(cut, whole.subarray(0, Math.floor(whole.byteLength * 0.6)));
  const { summary, logs } = await replay(cut, join("cutout", "c.mcap"));
  assert.match(summary.damage ?? "", /truncated MCAP/);
  assert.ok(summary.damage!.includes(cut), "names the file");
  assert.ok(logs.some(([l, m]) => l === "error" && m.includes("finishing the output")));
  const out = await openBag(summary.out);
  try {
    assert.deepEqual(out.damage, [], "the output is finished: summary and index intact");
  } finally {
    await out.close();
  }
  const got = await topicMessages(summary.out, "/reward");
  assert.equal(got.length, summary.rewards);
  assert.ok(got.length >= 5 && got.length < full.length, `${got.length} of ${full.length} rewards`);
  assert.deepEqual(got, full.slice(0, got.length), "the same rewards as the whole bag, up to the damage");
});

test("stopped by its signal (Ctrl-C), the replay finishes the output with what it read", async () => {
  const abort = new AbortController();
  const { summary } = await replay(join(dir, "bag"), join("stop", "s.mcap"), {
    signal: abort.signal,
    onProgress: (p) => p.read === 40 && abort.abort(),
  });
  assert.equal(summary.interrupted, true);
  assert.equal(summary.messagesRead, 40);
  const got = await topicMessages(summary.out, "/reward");
  assert.ok(got.length >= 5 && got.length === summary.rewards);
});

test("without parameters cameras are matched to views by name; a view the bag lacks is missing, not an error", async () => {
  await mkdir(join(dir, "two"));
  await writeFixtureBag(join(dir, "two", "two_0.mcap"), { views: ["wrist", "front"] });
  const { summary, logs } = await replay(join(dir, "two"), join("twoout", "t.mcap"), { includeInputs: true });
  assert.deepEqual(
    summary.views.map((v) => [v.view, v.inBag]),
    [
      ["front", true],
      ["left", false],
      ["wrist", true],
    ],
  );
  assert.ok(logs.some(([, m]) => m === "view left: no camera topic in the bag"));
  const rewards = await rewardsOf(summary.out);
  const scored = rewards.filter((r) => r.status !== RewardStatus.DEGRADED_STALE);
  assert.ok(scored.length > 10);
  for (const r of scored) {
    assert.equal(r.status, RewardStatus.DEGRADED_VIEW_MISSING);
    assert.equal(r.source_present[1], false);
    assert.match(r.status_detail, /^missing .*\(no topic for view left\)/);
  }
  // All but the first step after the pause between episodes (see the first test) have both cameras.
  const both = scored.filter((r) => r.source_present[0] && r.source_present[2]);
  assert.equal(both.length, scored.length - 1);
  assert.equal(summary.degraded, rewards.length);
  // --include-inputs copies what was replayed, byte for byte.
  for (const topic of [cameraTopic("front"), "/episode"])
    assert.deepEqual(await topicMessages(summary.out, topic), await topicMessages(join(dir, "two"), topic));
});

test("camera_topics in the parameters choose the cameras; one the bag lacks is a missing view", async () => {
  const yaml = join(dir, "params.yaml");
  await writeFile(
    yaml,
    `/**:\n  ros__parameters:\n    transport: ros\nreward:\n  ros__parameters:\n` +
      `    camera_topics: [${cameraTopic("wrist")}, /nowhere, ${cameraTopic("front")}]\n    ort_threads: 1\n    providers: [cpu]\n    model: models/placeholder\n`,
  );
  const { params, named } = replayParameters(yaml);
  const { summary } = await replay(join(dir, "bag"), join("named", "n.mcap"), { params, named });
  assert.deepEqual(
    summary.views.map((v) => [v.view, v.topic, v.inBag]),
    [
      ["front", cameraTopic("wrist"), true],
      ["left", "/nowhere", false],
      ["wrist", cameraTopic("front"), true],
    ],
  );
  assert.deepEqual(
    summary.unusedCameras.map((u) => u.topic),
    [cameraTopic("left")],
  );
  assert.ok(summary.rewards > 10);
});

test("a bag without a camera the model can use is refused with a clear error, and nothing is written", async () => {
  await mkdir(join(dir, "odd"));
  await writeFixtureBag(join(dir, "odd", "odd_0.mcap"), { views: ["side"] });
  await assert.rejects(
    replay(join(dir, "odd"), join("oddout", "o.mcap")),
    (err: unknown) =>
      err instanceof ReplayError &&
      err.reason === "no-cameras" &&
      err.message.includes("/camera/side/image_raw") &&
      err.message.includes("match none of the model's views") &&
      err.message.includes("camera_topics"),
  );
  assert.equal(existsSync(join(dir, "oddout")), false);
  await assert.rejects(
    replay(join(dir, "bag"), join("bag", "x.mcap")),
    (err: unknown) => err instanceof ReplayError && /input bag's folder/.test(err.message),
  );
});

function sharedBags(): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    const entries = readdirSync(d, { withFileTypes: true });
    if (entries.some((e) => e.name === "metadata.yaml")) out.push(d);
    for (const e of entries) if (e.isDirectory()) walk(join(d, e.name));
  };
  walk(SHARED_BAGS);
  return out.sort();
}

test("each shared real bag: no crash; no camera → a clear 'nothing to score'", { skip: noBags }, async () => {
  const bags = sharedBags();
  assert.ok(bags.length >= 7, `${bags.length} shared bags`);
  for (const bag of bags) {
    const name = bag.slice(SHARED_BAGS.length + 1);
    await assert.rejects(replay(bag, join("shared", name.replaceAll("/", "_"), "r.mcap")), (err: unknown) => {
      assert.ok(err instanceof ReplayError, `${name}: ${String(err)}`);
      assert.equal(err.reason, "no-cameras", name);
      assert.match(err.message, /nothing to score/, name);
      return true;
    });
  }
});

test(
  "the shared ROS bag with 2×2 mono8 images is scored once its topic is named",
  { skip: noBags },
  async () => {
    const bag = join(SHARED_BAGS, "ros2bag_tools_images.bag");
    const { params, named } = replayParameters(undefined, {
      ...cpu,
      camera_topics: ["/image", "/camera/left/image_raw", "/camera/wrist/image_raw"],
    });
    const { summary } = await replay(bag, join("images", "i.mcap"), { params, named });
    assert.equal(summary.messagesRead, 3);
    assert.ok(summary.groups >= 1);
    const rewards = await rewardsOf(summary.out);
    assert.equal(rewards.length, summary.groups, "one reward per synced group");
    assert.ok(rewards.every((r) => r.status === RewardStatus.DEGRADED_VIEW_MISSING && r.source_present[0]));
  },
);
