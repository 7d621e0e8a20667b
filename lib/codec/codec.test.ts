import assert from "node:assert/strict";
import { test } from "node:test";
import { testGroundTruth } from "../testing/messages.js";
import { codecFor, codecFromDefinitionText, CdrDecodeError } from "./codec.js";
import {
  MsgType,
  type Action,
  type CompressedImage,
  type DenseReward,
  type EpisodeEvent,
  type Image,
  type Observation,
  type ResetRequest,
} from "./messages.js";
import { definitions } from "./registry.js";

const header = { stamp: { sec: 1_700_000_000, nanosec: 123_456_789 }, frame_id: "camera_front" };

const samples: { [K in keyof typeof MsgType]?: unknown } = {
  Image: {
    header,
    height: 2,
    width: 3,
    encoding: "rgb8",
    is_bigendian: 0,
    step: 9,
    data: Uint8Array.from({ length: 18 }, (_, i) => i * 7),
  } satisfies Image,
  CompressedImage: {
    header,
    format: "jpeg",
    data: Uint8Array.from([0xff, 0xd8, 0xff, 0xd9]),
  } satisfies CompressedImage,
  DenseReward: {
    header,
    source_topics: ["/camera/front/image_raw", "/camera/wrist/image_raw"],
    source_stamps: [header.stamp, { sec: 1_700_000_000, nanosec: 100 }],
    source_present: [true, false],
    episode_id: 2n ** 40n + 3n,
    step: 17,
    reward: -0.0125,
    r_gold: 0,
    phi: 0.4,
    phi_next: 0.41,
    gamma: 0.99,
    terminal: false,
    truncated: true,
    success_source: "model",
    potential: "gated",
    stage: 2,
    stage_names: ["reach", "grasp", "lift"],
    stage_probabilities: Float32Array.from([0.125, 0.25, 0.625]),
    stage_progress: 0.5,
    progress: 0.41,
    confidence: 0.875,
    model_name: "tabletop_hop",
    model_sha256: "ab".repeat(32),
    status: 1,
    status_detail: "view wrist missing",
    latency_ms: 12.5,
  } satisfies DenseReward,
  EpisodeEvent: {
    header,
    event: 2,
    episode_id: 9n,
    step: 200,
    task: "pick_place",
    detail: "time limit",
  } satisfies EpisodeEvent,
  Action: {
    header,
    episode_id: 9n,
    step: 3,
    translation: Float32Array.from([0.01, -0.02, 0.5]),
    yaw: 0.25,
    gripper: 1,
  } satisfies Action,
  GroundTruth: testGroundTruth({ header }),
  Observation: {
    header,
    episode_id: 9n,
    step: 3,
    names: ["gripper.x", "gripper.y"],
    values: Float32Array.from([0.5, -0.25]),
  } satisfies Observation,
  ResetRequest: { header, task: "push", seed: 42n } satisfies ResetRequest,
};

for (const [name, message] of Object.entries(samples)) {
  test(`${name} survives a CDR round trip`, () => {
    const codec = codecFor(MsgType[name as keyof typeof MsgType]);
    const bytes = codec.encode(message);
    assert.deepEqual(
      Array.from(bytes.subarray(0, 4)),
      [0, 1, 0, 0],
      "XCDR1 little-endian encapsulation header",
    );
    assert.deepEqual(codec.decode(bytes), message);
  });
}

test("every project message has a round-trip sample", () => {
  const ours = Object.values(MsgType).filter((t) => t.startsWith("process_reward_msgs/"));
  const sampled = Object.keys(samples).map((k) => MsgType[k as keyof typeof MsgType]);
  assert.deepEqual(
    ours.filter((t) => !sampled.includes(t)),
    [],
  );
});

test("image bytes decode as a view into the message, not a copy", () => {
  const codec = codecFor<Image>(MsgType.Image);
  const bytes = codec.encode(samples.Image as Image);
  const decoded = codec.decode(bytes);
  assert.equal(decoded.data.buffer, bytes.buffer);
  bytes[bytes.byteLength - 1] = 0xaa;
  assert.equal(decoded.data[decoded.data.byteLength - 1], 0xaa);
});

test("a truncated message is a clear error naming the type", () => {
  const codec = codecFor<Image>(MsgType.Image);
  const bytes = codec.encode(samples.Image as Image);
  assert.throws(
    () => codec.decode(bytes.subarray(0, bytes.byteLength - 5)),
    (err: Error) => err instanceof CdrDecodeError && /sensor_msgs\/Image/.test(err.message),
  );
  assert.throws(() => codec.decode(new Uint8Array(2)), CdrDecodeError);
});

test("a corrupt length never reads past the message into a pooled buffer", () => {
  const codec = codecFor<CompressedImage>(MsgType.CompressedImage);
  const bytes = codec.encode(samples.CompressedImage as CompressedImage);
  // Place the message inside a larger buffer, as Node's Buffer pool does, then corrupt the data length.
  const pool = new Uint8Array(bytes.byteLength + 256);
  pool.set(bytes, 16);
  const message = pool.subarray(16, 16 + bytes.byteLength);
  const view = new DataView(message.buffer, message.byteOffset);
  view.setUint32(message.byteLength - 8, 200, true);
  assert.throws(() => codec.decode(message), CdrDecodeError);
});

test("a recorded definition (bag schema) decodes like the built-in one", () => {
  const text = [
    "std_msgs/Header header",
    "string format",
    "uint8[] data",
    "================================================================================",
    "MSG: std_msgs/Header",
    "builtin_interfaces/Time stamp",
    "string frame_id",
  ].join("\n");
  const recorded = codecFromDefinitionText<CompressedImage>("sensor_msgs/msg/CompressedImage", text);
  const bytes = codecFor<CompressedImage>(MsgType.CompressedImage).encode(
    samples.CompressedImage as CompressedImage,
  );
  assert.deepEqual(recorded.decode(bytes), samples.CompressedImage);
});

test("a definition that names an undefined type is refused with its name", () => {
  assert.throws(
    () => codecFromDefinitionText("my_pkg/msg/Thing", "my_pkg/Missing inner\nint32 x"),
    /my_pkg\/Missing/,
  );
  assert.throws(() => codecFor("nobody/msg/Nothing"), /unknown message type 'nobody\/msg\/Nothing'/);
});

test("both pkg/T and pkg/msg/T name the same definition", () => {
  const image = definitions().get("sensor_msgs/msg/Image");
  assert.deepEqual(
    image.definitions.map((f) => f.name),
    ["header", "height", "width", "encoding", "is_bigendian", "step", "data"],
    "the lookup found sensor_msgs/Image",
  );
  assert.equal(definitions().get("sensor_msgs/Image"), image);
});
