import assert from "node:assert/strict";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { parse } from "yaml";
import { codecFromDefinitionText, MsgType, type GroundTruth, type Image } from "../codec/index.js";
import { testGroundTruth } from "../testing/messages.js";
import { QOS_SENSOR_DATA } from "../transport/qos.js";
import { openIndexedMcap } from "./mcapFile.js";
import { BagWriter } from "./mcapWriter.js";
import { ros2msgSchema } from "./schema.js";

test("ros2msg schemas carry every dependency, with builtin_interfaces spelled out", () => {
  const image = ros2msgSchema(MsgType.Image);
  assert.match(image, /^std_msgs\/Header header\n/);
  assert.match(image, /\n={80}\nMSG: std_msgs\/Header\nbuiltin_interfaces\/Time stamp\n/);
  assert.match(image, /\n={80}\nMSG: builtin_interfaces\/Time\nint32 sec\nuint32 nanosec\n/);
  assert.doesNotMatch(image, /^time /m);
  const truth = ros2msgSchema(MsgType.GroundTruth);
  assert.match(truth, /^# Task progress computed from the simulator state/);
  assert.match(truth, /MSG: std_msgs\/Header/);
});

test("a written bag reads back with @mcap/core and decodes from its own schemas", async () => {
  const dir = await mkdtemp(join(tmpdir(), "bag-"));
  try {
    const path = join(dir, "episode.mcap");
    const bag = await BagWriter.open(path, { chunkSize: 1024 });
    await bag.addTopic("/camera/front/image_raw", MsgType.Image, QOS_SENSOR_DATA);
    const pixels = new Uint8Array(4 * 3 * 3).map((_, i) => i);
    for (let i = 0; i < 5; i++) {
      const image: Image = {
        header: { stamp: { sec: 100 + i, nanosec: 5 }, frame_id: "front_camera_optical_frame" },
        height: 3,
        width: 4,
        encoding: "rgb8",
        is_bigendian: 0,
        step: 12,
        data: pixels,
      };
      await bag.write("/camera/front/image_raw", MsgType.Image, image.header.stamp, image);
    }
    const truth = testGroundTruth({
      header: { stamp: { sec: 104, nanosec: 0 }, frame_id: "world" },
      episode_id: 3n,
      step: 7,
      truncated: true,
    });
    await bag.write("/sim/ground_truth", MsgType.GroundTruth, truth.header.stamp, truth);
    await bag.close();

    const { reader, close } = await openIndexedMcap(path);
    try {
      assert.equal(reader.header.profile, "ros2");
      const channels = [...reader.channelsById.values()];
      assert.deepEqual(
        channels.map((c) => [c.topic, c.messageEncoding]),
        [
          ["/camera/front/image_raw", "cdr"],
          ["/sim/ground_truth", "cdr"],
        ],
      );
      assert.match(channels[0]!.metadata.get("offered_qos_profiles")!, /reliability: 2/);
      const decoded: { topic: string; message: unknown; logTime: bigint }[] = [];
      for await (const m of reader.readMessages()) {
        const channel = reader.channelsById.get(m.channelId)!;
        const schema = reader.schemasById.get(channel.schemaId)!;
        assert.equal(schema.encoding, "ros2msg");
        const codec = codecFromDefinitionText(schema.name, new TextDecoder().decode(schema.data));
        decoded.push({ topic: channel.topic, message: codec.decode(m.data), logTime: m.logTime });
      }
      assert.equal(decoded.length, 6);
      const first = decoded[0]!.message as Image;
      assert.equal(first.width, 4);
      assert.equal(first.encoding, "rgb8");
      assert.deepEqual(Array.from(first.data), Array.from(pixels));
      assert.equal(decoded[0]!.logTime, 100_000_000_005n);
      const gt = decoded.find((d) => d.topic === "/sim/ground_truth")!.message as GroundTruth;
      assert.equal(gt.episode_id, 3n);
      assert.deepEqual(gt.stage_names, ["reach", "grasp"]);
      assert.equal(gt.truncated, true);
    } finally {
      await close();
    }

    const meta = parse(await readFile(join(dir, "metadata.yaml"), "utf8"), {
      intAsBigInt: true,
    }).rosbag2_bagfile_information;
    assert.equal(meta.storage_identifier, "mcap");
    assert.equal(meta.message_count, 6n);
    assert.equal(meta.starting_time.nanoseconds_since_epoch, 100_000_000_005n);
    assert.equal(meta.duration.nanoseconds, 4_000_000_000n);
    assert.deepEqual(meta.relative_file_paths, ["episode.mcap"]);
    const topics = meta.topics_with_message_count.map(
      (t: { topic_metadata: { name: string; type: string }; message_count: bigint }) => [
        t.topic_metadata.name,
        t.topic_metadata.type,
        t.message_count,
      ],
    );
    assert.deepEqual(topics, [
      ["/camera/front/image_raw", "sensor_msgs/msg/Image", 5n],
      ["/sim/ground_truth", "process_reward_msgs/msg/GroundTruth", 1n],
    ]);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test("a topic keeps its type", async () => {
  const dir = await mkdtemp(join(tmpdir(), "bag-"));
  try {
    const bag = await BagWriter.open(join(dir, "x.mcap"));
    await bag.addTopic("/a", MsgType.Clock);
    await assert.rejects(bag.addTopic("/a", MsgType.Image), /already recorded as rosgraph_msgs\/msg\/Clock/);
    await bag.close();
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
