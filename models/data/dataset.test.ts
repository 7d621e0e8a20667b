import assert from "node:assert/strict";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { McapWriter, TempBuffer } from "@mcap/core";
import { subsample, writeDataset } from "./dataset.js";
import { readRecording, viewOfTopic } from "./recording.js";
import { writeTestRecording } from "./testRecording.js";

const STAGES = ["reach", "push"];
const recording = (path: string) =>
  writeTestRecording(path, { task: "push", stages: STAGES, views: ["front", "wrist"] });

test("view names come from /camera/<view>/… topics or from the model's view list", () => {
  assert.equal(viewOfTopic("/camera/front/image_raw/compressed"), "front");
  assert.equal(viewOfTopic("/robot/wrist_cam/image", ["wrist_cam"]), "wrist_cam");
  assert.equal(viewOfTopic("/imu"), undefined);
});

test("subsampling keeps every stride-th step and always the last", () => {
  assert.deepEqual(subsample([0, 1, 2, 3, 4, 5], 2), [0, 2, 4, 5]);
  assert.deepEqual(subsample([0, 1, 2, 3, 4], 2), [0, 2, 4]);
  assert.throws(() => subsample([1], 0), /stride/);
});

test("a sim recording becomes episodes of ground truth joined with frames, and a numpy-readable dataset", async () => {
  const dir = await mkdtemp(join(tmpdir(), "dataset-"));
  try {
    const mcap = join(dir, "rec.mcap");
    await recording(mcap);
    const episodes = [];
    for await (const ep of readRecording(mcap)) episodes.push(ep);
    assert.equal(episodes.length, 2);
    assert.deepEqual(
      episodes.map((e) => [e.id, e.task, e.success, e.steps.length]),
      [
        [0n, "push", true, 5],
        [1n, "push", false, 5],
      ],
    );
    assert.equal(episodes[0].steps[2].images.has("wrist"), false);
    assert.equal(episodes[0].steps[3].images.size, 2);

    const out = join(dir, "data");
    const summary = await writeDataset([{ path: mcap, task: "push", policy: "expert", seed: 7 }], {
      out,
      views: ["front", "side", "wrist"],
      size: 8,
      stride: 2,
    });
    assert.deepEqual(summary, { frames: 6, episodes: 2 });
    const meta = JSON.parse(await readFile(join(out, "dataset.json"), "utf8"));
    assert.deepEqual(meta.tasks, { push: STAGES });
    assert.deepEqual(
      meta.episodes.map((e: { seed: number; first: number; count: number; steps: number[] }) => [
        e.seed,
        e.first,
        e.count,
        e.steps,
      ]),
      [
        [7, 0, 3, [0, 2, 4]],
        [8, 3, 3, [0, 2, 4]],
      ],
    );
    assert.deepEqual(meta.frames.progress, [0, 0.5, 1, 0, 0.5, 1]);
    // side is never recorded; wrist is missing at episode 0 step 2
    assert.deepEqual(meta.frames.present[1], [1, 0, 0]);
    assert.deepEqual(meta.frames.present[2], [1, 0, 1]);
    const frames = await readFile(join(out, "frames.u8"));
    assert.equal(frames.length, 6 * 3 * 8 * 8 * 3);
    const pixel = (frame: number, view: number) => frames[(frame * 3 + view) * 8 * 8 * 3];
    assert.ok(Math.abs(pixel(2, 0) - 160) <= 4, `frame 2 front red ${pixel(2, 0)} ≈ 40·4`);
    assert.equal(pixel(2, 1), 0, "absent view stays zero");
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test("a file without ground truth is refused with its name", async () => {
  const dir = await mkdtemp(join(tmpdir(), "dataset-"));
  try {
    const buffer = new TempBuffer();
    const writer = new McapWriter({ writable: buffer });
    await writer.start({ profile: "ros2", library: "test" });
    await writer.end();
    const path = join(dir, "empty.mcap");
    await writeFile(path, buffer.get());
    await assert.rejects(async () => {
      for await (const _ of readRecording(path)) void _;
    }, /empty\.mcap: no process_reward_msgs\/msg\/GroundTruth/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
