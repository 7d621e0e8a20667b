import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { CdrDecodeError, codecFor } from "./codec.js";
import { MsgType, type DenseReward, type Image } from "./messages.js";

// Property-based checks of the one place every byte from the network or a bag goes through: whatever the
// input, decoding returns a message or throws CdrDecodeError naming the type, and does so quickly.

const types = Object.values(MsgType);

/** Every byte-array view in a decoded message must lie inside the message's own bytes. */
function assertViewsInside(value: unknown, bytes: Uint8Array): void {
  if (ArrayBuffer.isView(value)) {
    if (value.buffer !== bytes.buffer) return;
    const inside =
      value.byteOffset >= bytes.byteOffset &&
      value.byteOffset + value.byteLength <= bytes.byteOffset + bytes.byteLength;
    assert.ok(inside, `a field view reads outside the message (${value.byteOffset}+${value.byteLength})`);
  } else if (typeof value === "object" && value !== null) {
    for (const v of Object.values(value)) assertViewsInside(v, bytes);
  }
}

function decodeOrClearError(type: string, bytes: Uint8Array): void {
  try {
    assertViewsInside(codecFor(type).decode(bytes), bytes);
  } catch (err) {
    if (err instanceof assert.AssertionError) throw err;
    assert.ok(err instanceof CdrDecodeError, `${type}: expected CdrDecodeError, got ${(err as Error).stack}`);
    assert.ok(err.message.includes(type.replace("/msg/", "/")), err.message);
  }
}

test("random bytes never crash or hang a decoder", () => {
  fc.assert(
    fc.property(fc.constantFrom(...types), fc.uint8Array({ maxLength: 512 }), (type, bytes) => {
      decodeOrClearError(type, bytes);
    }),
    { numRuns: 3000 },
  );
});

const image: Image = {
  header: { stamp: { sec: 5, nanosec: 6 }, frame_id: "front" },
  height: 4,
  width: 4,
  encoding: "rgb8",
  is_bigendian: 0,
  step: 12,
  data: new Uint8Array(48).fill(3),
};

const reward = codecFor<DenseReward>(MsgType.DenseReward);

test("mutated and truncated valid messages decode or fail clearly, never read outside the message", () => {
  const valid = [
    [MsgType.Image, codecFor<Image>(MsgType.Image).encode(image)] as const,
    [
      MsgType.DenseReward,
      reward.encode({
        header: image.header,
        source_topics: ["/a", "/b"],
        source_stamps: [image.header.stamp, image.header.stamp],
        source_present: [true, true],
        episode_id: 1n,
        step: 2,
        reward: 0.1,
        r_gold: 0,
        phi: 0.2,
        phi_next: 0.3,
        gamma: 0.99,
        terminal: false,
        truncated: false,
        success_source: "",
        potential: "fused",
        stage: 1,
        stage_names: ["a", "b"],
        stage_probabilities: [0.5, 0.5],
        stage_progress: 0.5,
        progress: 0.3,
        confidence: 1,
        model_name: "m",
        model_sha256: "x",
        status: 0,
        status_detail: "",
        latency_ms: 1,
      }),
    ] as const,
  ];
  fc.assert(
    fc.property(
      fc.constantFrom(...valid),
      fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 8 }),
      fc.nat(),
      ([type, bytes], flips, cut) => {
        const mutated = bytes.slice();
        for (const [at, value] of flips) mutated[at % mutated.length] = value;
        // Inside a larger buffer, as Node's Buffer pool and the DDS receive path hand messages over.
        const pool = new Uint8Array(mutated.length + 64).fill(0x7f);
        pool.set(mutated, 32);
        const length = cut % (mutated.length + 1);
        decodeOrClearError(type, pool.subarray(32, 32 + length));
      },
    ),
    { numRuns: 3000 },
  );
});
