import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import sharp from "sharp";
import type { CompressedImage, Image } from "../codec/messages.js";
import { FrameError, SUPPORTED_ENCODINGS, type CameraMessage } from "../image/cameraImage.js";
import { Preprocessor } from "./preprocess.js";

// Property-based checks of the camera decoder path (lib/image/cameraImage.ts + Preprocessor): whatever a
// camera sends, a frame becomes a finite tensor or a FrameError naming the topic, within a time bound; never
// another exception, a crash or a hang. Sizes stay small so a few hundred cases run in seconds.

const TOPIC = "/fuzz/camera";
const pre = new Preprocessor({
  width: 16,
  height: 12,
  channels: 3,
  resize: "fill",
  mean: [0.5, 0.5, 0.5],
  std: [0.25, 0.25, 0.25],
});
// Generous for a loaded CI machine: this catches hangs; what a frame may cost is bounded by the pixel limit.
const CASE_MS = 20_000;
const header = { stamp: { sec: 1, nanosec: 2 }, frame_id: "fuzz" };

/** Decodes one frame and checks the outcome; a case that takes longer than CASE_MS fails as a hang. */
async function decodeOrFrameError(input: CameraMessage): Promise<void> {
  const out = new Float32Array(pre.size).fill(Number.NaN);
  let timer: NodeJS.Timeout | undefined;
  const hang = new Promise<"hang">((resolve) => (timer = setTimeout(() => resolve("hang"), CASE_MS)));
  const work = pre.toTensor(TOPIC, input, out, 0).then(
    () => "ok" as const,
    (err: unknown) => err,
  );
  const outcome = await Promise.race([work, hang]);
  clearTimeout(timer);
  assert.notEqual(outcome, "hang", `decoding took over ${CASE_MS} ms`);
  if (outcome === "ok") {
    assert.ok(out.every(Number.isFinite), "a decoded frame fills its whole slot with finite values");
    return;
  }
  assert.ok(outcome instanceof FrameError, `expected FrameError, got ${(outcome as Error).stack}`);
  assert.equal(outcome.topic, TOPIC);
  assert.ok(outcome.message.startsWith(`${TOPIC}: `), outcome.message);
}

const encodings = fc.oneof(
  fc.constantFrom(...SUPPORTED_ENCODINGS),
  fc.constantFrom("16UC1", "mono16", "bayer_rggb8", "yuv422", "32FC1", ""),
  fc.string({ maxLength: 12 }),
);

/** Raw images whose fields may disagree with each other (size, step, data length, encoding). */
const rawImages = fc
  .record({
    width: fc.oneof(fc.integer({ min: 0, max: 40 }), fc.constantFrom(0xffffffff, 1 << 20)),
    height: fc.oneof(fc.integer({ min: 0, max: 40 }), fc.constantFrom(0xffffffff, 1 << 20)),
    encoding: encodings,
    stepExtra: fc.integer({ min: -8, max: 8 }),
    dataExtra: fc.oneof(fc.constant(0), fc.integer({ min: -64, max: 64 })),
    seed: fc.integer({ min: 0, max: 255 }),
  })
  .map(({ width, height, encoding, stepExtra, dataExtra, seed }): CameraMessage => {
    const channels = /^(mono8|8UC1)$/.test(encoding) ? 1 : /a8$/.test(encoding) ? 4 : 3;
    const step = Math.max(0, width * channels + stepExtra) >>> 0;
    // Huge declared sizes get a small buffer: the decoder must refuse them before allocating anything.
    const length = Math.max(0, Math.min(step * height, 40 * 44 * 4) + dataExtra);
    const data = new Uint8Array(length);
    for (let i = 0; i < length; i++) data[i] = (i * 31 + seed) & 0xff;
    const message: Image = { header, height, width, encoding, is_bigendian: 0, step, data };
    return { kind: "Image", message };
  });

test("raw images with random sizes, steps, lengths and encodings: a tensor or a FrameError", async () => {
  await fc.assert(fc.asyncProperty(rawImages, decodeOrFrameError), { numRuns: 400 });
});

const noise = Buffer.alloc(24 * 20 * 3);
for (let i = 0; i < noise.length; i++) noise[i] = (i * 2654435761) >>> 24;
const raw = { raw: { width: 24, height: 20, channels: 3 as const } };
const valid = {
  jpeg: new Uint8Array(await sharp(noise, raw).jpeg().toBuffer()),
  png: new Uint8Array(await sharp(noise, raw).png().toBuffer()),
  webp: new Uint8Array(await sharp(noise, raw).webp().toBuffer()),
};

const compressed = (format: string, data: Uint8Array): CameraMessage => {
  const message: CompressedImage = { header, format, data };
  return { kind: "CompressedImage", message };
};

test("random bytes as a CompressedImage: a tensor or a FrameError", async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.constantFrom("jpeg", "png", "rgb8; jpeg compressed bgr8", ""),
      fc.uint8Array({ maxLength: 2048 }),
      async (format, data) => decodeOrFrameError(compressed(format, data)),
    ),
    { numRuns: 300 },
  );
});

test("mutated and truncated JPEG / PNG / WebP: a tensor or a FrameError", async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.constantFrom(...(Object.entries(valid) as [string, Uint8Array][])),
      fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 12 }),
      fc.option(fc.nat(), { nil: undefined }),
      async ([format, bytes], flips, cut) => {
        const mutated = bytes.slice();
        for (const [at, value] of flips) mutated[at % mutated.length] = value;
        const data = cut === undefined ? mutated : mutated.subarray(0, cut % (mutated.length + 1));
        await decodeOrFrameError(compressed(format, data));
      },
    ),
    { numRuns: 400 },
  );
});

test("a PNG that declares a huge image is refused, not decoded", async () => {
  // The case the fuzzer found: 2 621 464 × 20 px (52 MP) in a 703-byte file.
  const wide = valid.png.slice(0, 703);
  new DataView(wide.buffer).setUint32(16, 2_621_464);
  new DataView(wide.buffer).setUint32(20, 20);
  await assert.rejects(pre.toTensor(TOPIC, compressed("png", wide), new Float32Array(pre.size), 0), (err) => {
    assert.ok(err instanceof FrameError, String(err));
    assert.match(err.message, /pixel limit/i);
    return true;
  });
  // IHDR width/height at bytes 16..23; libvips' pixel limit must stop a 60000 × 60000 decompression bomb.
  const bomb = valid.png.slice();
  new DataView(bomb.buffer).setUint32(16, 60000);
  new DataView(bomb.buffer).setUint32(20, 60000);
  await assert.rejects(pre.toTensor(TOPIC, compressed("png", bomb), new Float32Array(pre.size), 0), (err) => {
    assert.ok(err instanceof FrameError, String(err));
    assert.equal(err.kind, "decode");
    return true;
  });
});
