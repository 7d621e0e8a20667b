import assert from "node:assert/strict";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import sharp from "sharp";
import { parse } from "yaml";
import { openIndexedMcap } from "../lib/bag/mcapFile.js";
import {
  codecFromDefinitionText,
  EpisodeEventKind,
  type CompressedImage,
  type EpisodeEvent,
  type GroundTruth,
  type Image,
} from "../lib/codec/index.js";
import { recordEpisodes } from "./record.js";

const skip =
  !process.env.DISPLAY && !process.env.CI ? "no X display: run under xvfb-run -a (make test does)" : false;

async function readBag(path: string): Promise<Map<string, { type: string; messages: unknown[] }>> {
  const { reader, close } = await openIndexedMcap(path);
  const topics = new Map<string, { type: string; messages: unknown[] }>();
  try {
    assert.equal(reader.header.profile, "ros2");
    for await (const m of reader.readMessages()) {
      const channel = reader.channelsById.get(m.channelId)!;
      const schema = reader.schemasById.get(channel.schemaId)!;
      assert.equal(schema.encoding, "ros2msg");
      assert.equal(channel.messageEncoding, "cdr");
      const codec = codecFromDefinitionText(schema.name, new TextDecoder().decode(schema.data));
      const entry = topics.get(channel.topic) ?? { type: schema.name, messages: [] };
      entry.messages.push(codec.decode(m.data));
      topics.set(channel.topic, entry);
    }
  } finally {
    await close();
  }
  return topics;
}

test(
  "a recorded episode reads back: raw camera images, ground truth, actions, episode events",
  { skip },
  async () => {
    const dir = await mkdtemp(join(tmpdir(), "sim-rec-"));
    try {
      const out = join(dir, "push.mcap");
      const summary = await recordEpisodes({
        task: "push",
        seed: 2,
        episodes: 1,
        policy: "expert",
        width: 48,
        height: 32,
        out,
      });
      assert.equal(summary.successes, 1);
      const topics = await readBag(out);
      const steps = summary.steps + 1;
      for (const view of ["front", "side", "wrist"]) {
        const cam = topics.get(`/camera/${view}/image_raw`)!;
        assert.equal(cam.type, "sensor_msgs/msg/Image");
        assert.equal(cam.messages.length, steps);
        const image = cam.messages[0] as Image;
        assert.deepEqual(
          [image.width, image.height, image.encoding, image.step, image.data.byteLength],
          [48, 32, "rgb8", 144, 48 * 32 * 3],
        );
        assert.equal(image.header.frame_id, `${view}_camera_optical_frame`);
      }
      const truth = topics.get("/sim/ground_truth")!.messages as GroundTruth[];
      assert.equal(truth.length, steps);
      assert.deepEqual(
        truth.map((t) => t.step),
        [...Array(steps).keys()],
      );
      assert.equal(truth.at(-1)!.success, true);
      assert.equal(topics.get("/action")!.messages.length, steps - 1);
      assert.equal(topics.get("/sim/observation")!.messages.length, steps);
      assert.equal(topics.get("/clock")!.messages.length, steps);
      const events = topics.get("/episode")!.messages as EpisodeEvent[];
      assert.deepEqual(
        events.map((e) => e.event),
        [EpisodeEventKind.START, EpisodeEventKind.SUCCESS, EpisodeEventKind.TERMINAL],
      );
      const meta = parse(await readFile(join(dir, "metadata.yaml"), "utf8")).rosbag2_bagfile_information;
      assert.equal(meta.storage_identifier, "mcap");
      assert.equal(meta.message_count, summary.messages);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  },
);

test(
  "--compressed records cameras as JPEG CompressedImage that decodes to the frame size",
  { skip },
  async () => {
    const dir = await mkdtemp(join(tmpdir(), "sim-rec-"));
    try {
      const out = join(dir, "stack.mcap");
      await recordEpisodes({
        task: "stack",
        seed: 1,
        episodes: 1,
        policy: "expert",
        width: 64,
        height: 48,
        views: ["wrist"],
        compressed: true,
        out,
      });
      const topics = await readBag(out);
      assert.equal(topics.has("/camera/wrist/image_raw"), false);
      const cam = topics.get("/camera/wrist/image_raw/compressed")!;
      assert.equal(cam.type, "sensor_msgs/msg/CompressedImage");
      const jpeg = cam.messages[0] as CompressedImage;
      assert.match(jpeg.format, /jpeg/);
      const meta = await sharp(jpeg.data).metadata();
      assert.deepEqual([meta.format, meta.width, meta.height], ["jpeg", 64, 48]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  },
);
