import assert from "node:assert/strict";
import { test } from "node:test";
import { parse } from "yaml";
import { formatMessage, formatRate, RateMeter } from "./topicFormat.js";

test("images print as width × height × encoding, not pixels", () => {
  const text = formatMessage("sensor_msgs/msg/Image", {
    header: { stamp: { sec: 3, nanosec: 4 }, frame_id: "front" },
    height: 480,
    width: 640,
    encoding: "rgb8",
    is_bigendian: 0,
    step: 1920,
    data: new Uint8Array(640 * 480 * 3),
  });
  const parsed = parse(text) as Record<string, unknown>;
  assert.equal(parsed.data, "<921600 bytes: 640 × 480 × rgb8>");
  assert.deepEqual(parsed.header, { stamp: { sec: 3, nanosec: 4 }, frame_id: "front" });
  assert.ok(text.length < 300, "no pixel values printed");
});

test("large arrays print as their length, small ones in full, bigint as digits", () => {
  const text = formatMessage("process_reward_msgs/msg/Observation", {
    episode_id: 12345678901234567890n,
    names: ["a", "b"],
    values: new Float32Array(100),
    small: new Float32Array([0.5, 1.5]),
  });
  assert.deepEqual(parse(text), {
    episode_id: "12345678901234567890",
    names: ["a", "b"],
    values: "<100 items>",
    small: [0.5, 1.5],
  });
});

test("the rate meter reports the mean rate and spread of arrival intervals over its window", () => {
  const meter = new RateMeter(3);
  assert.equal(meter.stats(), undefined);
  for (const t of [0, 0.1, 0.2, 0.3, 0.5]) meter.add(t);
  const s = meter.stats()!;
  assert.equal(s.window, 3);
  assert.ok(Math.abs(s.rate - 1 / ((0.1 + 0.1 + 0.2) / 3)) < 1e-9);
  assert.ok(Math.abs(s.maxInterval - 0.2) < 1e-9);
  assert.ok(Math.abs(s.minInterval - 0.1) < 1e-9);
  assert.match(formatRate(s), /^average rate: 7\.500\n\tmin: 0\.100s max: 0\.200s/);
  assert.throws(() => new RateMeter(0), /window/);
});
