import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { codecFor } from "../../lib/codec/codec.js";
import { MsgType, RewardStatus, type DenseReward } from "../../lib/codec/messages.js";
import { packagePath } from "../../lib/paths.js";
import type { ReplaySummary } from "../../nodes/reward/replay/replay.js";
import { topicMessages, writeFixtureBag } from "../../lib/bag/fixtureBag.js";
import { cli } from "../testing/runCli.js";
import { REPLAY_EXIT } from "./replay.js";

const SHARED_BAGS = packagePath("..", "shared", "bags");
const noBags = existsSync(SHARED_BAGS) ? false : `shared bags not found at ${SHARED_BAGS}`;
const noDisplay =
  !process.env.DISPLAY && !process.env.CI ? "no X display: run under xvfb-run -a (make test does)" : false;

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), "replay-cli-"));
});
after(() => rm(dir, { recursive: true, force: true }));

// The placeholder model (views front, left, wrist), whatever the node's default is.
const CPU_PARAMS =
  "reward:\n  ros__parameters:\n    model: models/placeholder\n    providers: [cpu]\n    ort_threads: 1\n";

test(
  "a sim recording (raw and JPEG cameras) replays: a reward for every synced group, the views the sim has",
  { skip: noDisplay },
  async () => {
    const params = join(dir, "cpu.yaml");
    await writeFile(params, CPU_PARAMS);
    for (const compressed of [false, true]) {
      const bag = join(dir, compressed ? "simz" : "sim");
      const record = await cli(
        "sim",
        "--task",
        "push",
        "--seed",
        "2",
        "--episodes",
        "1",
        "--width",
        "32",
        "--height",
        "24",
        "--record",
        join(bag, "sim.mcap"),
        ...(compressed ? ["--compressed"] : []),
      );
      assert.equal(record.status, 0, record.stderr);
      const out = join(dir, `${compressed ? "simz" : "sim"}_rewards`);
      const r = await cli("replay", bag, "--params", params, "--out", out, "--json", "--no-progress");
      assert.equal(r.status, REPLAY_EXIT.ok, r.stderr);
      const summary = JSON.parse(r.stdout) as ReplaySummary;
      // The placeholder model's views are front, left, wrist; the sim's cameras front, side, wrist.
      assert.deepEqual(
        summary.views.map((v) => [v.view, v.inBag, v.type]),
        [
          ["front", true, compressed ? "CompressedImage" : "Image"],
          ["left", false, "Image"],
          ["wrist", true, compressed ? "CompressedImage" : "Image"],
        ],
      );
      assert.match(summary.unusedCameras[0]!.topic, /^\/camera\/side\/image_raw/);
      assert.equal(summary.episodeEvents, 3, "START, SUCCESS and TERMINAL");
      assert.ok(summary.groups > 20, `${summary.groups} groups`);
      const codec = codecFor<DenseReward>(MsgType.DenseReward);
      const rewards = (await topicMessages(summary.out, "/reward")).map((m) => codec.decode(m.data));
      const scored = rewards.filter((x) => x.status !== RewardStatus.DEGRADED_STALE);
      assert.equal(scored.length, summary.groups - summary.groupsOutsideEpisode, "every synced group scored");
      assert.ok(scored.every((x) => x.status === RewardStatus.DEGRADED_VIEW_MISSING && x.episode_id === 0n));
      assert.deepEqual(
        scored.map((x) => x.step),
        [...scored.keys()],
      );
      assert.ok(existsSync(join(out, "metadata.yaml")));
    }
  },
);

test("exit status 1 for a damaged bag, with the summary of what was replayed before the damage", async () => {
  await mkdir(join(dir, "whole"));
  await writeFixtureBag(join(dir, "whole", "whole_0.mcap"));
  const whole = await readFile(join(dir, "whole", "whole_0.mcap"));
  await mkdir(join(dir, "cut"));
  const cut = join(dir, "cut", "cut.mcap");
  await writeFile(cut, whole.subarray(0, Math.floor(whole.byteLength / 2)));
  const out = join(dir, "cut_rewards.mcap");
  await writeFile(join(dir, "cpu.yaml"), CPU_PARAMS);
  const r = await cli("replay", cut, "--out", out, "--params", join(dir, "cpu.yaml"));
  assert.equal(r.status, REPLAY_EXIT.bag, r.stderr);
  assert.match(r.stderr, /truncated MCAP.*finishing the output with what was read before it/);
  assert.match(r.stdout, /^rewards: +[1-9]\d* \(/m);
  assert.match(r.stdout, /stopped early: .*cut\.mcap: truncated MCAP/);
  assert.ok((await topicMessages(out, "/reward")).length > 0);
});

test("exit status 2 for bad parameters, 3 when no camera can be scored, 1 for a bag that is not there", async () => {
  const bad = join(dir, "bad.yaml");
  await writeFile(bad, "reward:\n  ros__parameters:\n    gama: 0.9\n");
  const r2 = await cli("replay", join(dir, "nowhere"), "--params", bad);
  assert.equal(r2.status, REPLAY_EXIT.usage);
  assert.match(r2.stderr, /unknown parameter\(s\): gama/);
  const r1 = await cli("replay", join(dir, "nowhere"));
  assert.equal(r1.status, REPLAY_EXIT.bag);
  assert.match(r1.stderr, /nowhere: cannot open/);
  if (!noBags) {
    const r3 = await cli("replay", join(SHARED_BAGS, "ros2bag_tools_images.bag"), "--out", join(dir, "img"));
    assert.equal(r3.status, REPLAY_EXIT.noCameras);
    assert.match(
      r3.stderr,
      /nothing to score: its camera topics \(\/image\) match none of the model's views/,
    );
    assert.equal(existsSync(join(dir, "img")), false, "no output");
  }
});
