import assert from "node:assert/strict";
import { cp, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { topicMessages, writeOneCameraBag } from "../../lib/bag/fixtureBag.js";
import { codecFor } from "../../lib/codec/codec.js";
import { MsgType, RewardStatus, type DenseReward } from "../../lib/codec/messages.js";
import type { ReplaySummary } from "../../nodes/reward/replay/replay.js";
import { cli, type Run } from "../testing/runCli.js";
import { REPLAY_EXIT } from "./replay.js";

const FRAMES = 30;
let dir: string;
let bag: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), "replay-one-camera-"));
  bag = await writeOneCameraBag(join(dir, "robot"), { frames: FRAMES });
});
after(() => rm(dir, { recursive: true, force: true }));

const params = (extra: string): string =>
  "reward:\n  ros__parameters:\n    model: models/hop_pick_place\n    providers: [cpu]\n    ort_threads: 1\n" +
  `    camera_topics: [/camera/image_raw]\n${extra}`;

async function replay(name: string, extra: string): Promise<{ r: Run; out: string }> {
  const file = join(dir, `${name}.yaml`);
  await writeFile(file, params(extra));
  const out = join(dir, `${name}_rewards`);
  const r = await cli("replay", bag, "--params", file, "--out", out, "--json", "--no-progress");
  return { r, out };
}

test("a real one-camera bag (640×480 rgb8, per-message zstd, sensor_msgs/Image, no /episode) is scored by the shipped 3-view model", async () => {
  const { r, out } = await replay("one", "");
  assert.equal(r.status, REPLAY_EXIT.ok, r.stderr);
  const summary = JSON.parse(r.stdout) as ReplaySummary;
  assert.equal(summary.rewards, FRAMES, "one reward per frame");
  assert.equal(summary.degraded, FRAMES, "two views masked in every step");
  assert.deepEqual(
    summary.views.map((v) => v.inBag),
    [true, false, false],
  );
  const codec = codecFor<DenseReward>(MsgType.DenseReward);
  const rewards = (await topicMessages(join(out, "one_rewards_0.mcap"), "/reward")).map((m) =>
    codec.decode(m.data),
  );
  assert.equal(rewards.length, FRAMES);
  assert.ok(rewards.every((m) => m.status === RewardStatus.DEGRADED_VIEW_MISSING));
  assert.ok(rewards.every((m) => Number.isFinite(m.phi_next)));
});

test("camera_views: one camera fills all three views (status OK); a camera_views typo is refused", async () => {
  const all = await replay("all", "    camera_views: ['*']\n");
  assert.equal(all.r.status, REPLAY_EXIT.ok, all.r.stderr);
  const summary = JSON.parse(all.r.stdout) as ReplaySummary;
  assert.equal(summary.rewards, FRAMES);
  assert.equal(summary.degraded, 0);
  const bad = await replay("bad", "    camera_views: ['front,side,wirst']\n");
  assert.equal(bad.r.status, REPLAY_EXIT.usage);
  assert.match(
    bad.r.stderr,
    /camera_views\[0\] names view 'wirst', the model's views are front, side, wrist/,
  );
});

test("a replay that scores nothing exits non-zero and says why", async () => {
  // The same bag with its metadata no longer saying the messages are compressed: no message decodes.
  const broken = join(dir, "broken");
  await cp(bag, broken, { recursive: true });
  const meta = join(broken, "metadata.yaml");
  await writeFile(
    meta,
    (await readFile(meta, "utf8")).replace(/compression_mode: MESSAGE/, 'compression_mode: ""'),
  );
  const file = join(dir, "broken.yaml");
  await writeFile(file, params(""));
  const r = await cli("replay", broken, "--params", file, "--out", join(dir, "broken_out"), "--no-progress");
  assert.equal(r.status, REPLAY_EXIT.nothingScored, r.stderr);
  assert.match(
    r.stderr,
    /nothing scored: 30 messages read but no synced group: 30 camera messages did not decode/,
  );
});
