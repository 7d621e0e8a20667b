import assert from "node:assert/strict";
import { test } from "node:test";
import sharp from "sharp";
import type { Image } from "../codec/messages.js";
import { FrameError } from "../image/cameraImage.js";
import { Preprocessor } from "./preprocess.js";

const W = 8;
const H = 6;
const MEAN: [number, number, number] = [0.5, 0.4, 0.3];
const STD: [number, number, number] = [0.2, 0.25, 0.5];
const pre = new Preprocessor({ width: W, height: H, channels: 3, resize: "fill", mean: MEAN, std: STD });
const norm = (v: number, c: number): number => (v / 255 - MEAN[c]) / STD[c];
const RGB = [10, 100, 200];

function image(encoding: string, width: number, height: number, pixel: number[], step?: number): Image {
  const row = step ?? width * pixel.length;
  const data = new Uint8Array(row * height);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) data.set(pixel, y * row + x * pixel.length);
  return {
    header: { stamp: { sec: 0, nanosec: 0 }, frame_id: "" },
    height,
    width,
    encoding,
    is_bigendian: 0,
    step: row,
    data,
  };
}

async function tensor(msg: Parameters<Preprocessor["toTensor"]>[1]): Promise<Float32Array> {
  const out = new Float32Array(pre.size * 2).fill(Number.NaN);
  await pre.toTensor("/cam", msg, out, pre.size); // second slot: offsets honoured
  assert.ok(out.subarray(0, pre.size).every(Number.isNaN), "first slot untouched");
  return out.subarray(pre.size);
}

function assertPlanes(t: Float32Array, rgb: number[], tolerance = 1e-5): void {
  const plane = W * H;
  for (let c = 0; c < 3; c++) {
    for (let i = 0; i < plane; i++) {
      const got = t[c * plane + i];
      assert.ok(
        Math.abs(got - norm(rgb[c], c)) <= tolerance,
        `channel ${c} pixel ${i}: ${got} vs ${norm(rgb[c], c)}`,
      );
    }
  }
}

test("rgb8, bgr8, rgba8, bgra8 and mono8 become the same normalized CHW planes", async () => {
  assertPlanes(await tensor({ kind: "Image", message: image("rgb8", 32, 24, RGB) }), RGB);
  assertPlanes(await tensor({ kind: "Image", message: image("bgr8", 32, 24, [200, 100, 10]) }), RGB);
  assertPlanes(await tensor({ kind: "Image", message: image("rgba8", 32, 24, [...RGB, 255]) }), RGB);
  assertPlanes(await tensor({ kind: "Image", message: image("bgra8", 32, 24, [200, 100, 10, 255]) }), RGB);
  assertPlanes(await tensor({ kind: "Image", message: image("mono8", 32, 24, [77]) }), [77, 77, 77]);
});

test("rows with padding (step > width × channels) are read correctly", async () => {
  assertPlanes(await tensor({ kind: "Image", message: image("rgb8", 10, 10, RGB, 10 * 3 + 2) }), RGB);
});

test("layout is CHW, row-major: a left-to-right gradient increases along each row", async () => {
  const width = 64;
  const m = image("mono8", width, 4, [0]);
  for (let y = 0; y < 4; y++) for (let x = 0; x < width; x++) m.data[y * width + x] = x * 4;
  const t = await tensor({ kind: "Image", message: m });
  for (let y = 0; y < H; y++) for (let x = 1; x < W; x++) assert.ok(t[y * W + x] > t[y * W + x - 1]);
});

test("JPEG and PNG CompressedImage decode to the same planes", async () => {
  const raw = { raw: { width: 32, height: 24, channels: 3 as const } };
  const src = image("rgb8", 32, 24, RGB).data;
  const png = await sharp(src, raw).png().toBuffer();
  const jpeg = await sharp(src, raw).jpeg({ quality: 95 }).toBuffer();
  const header = { stamp: { sec: 0, nanosec: 0 }, frame_id: "" };
  assertPlanes(await tensor({ kind: "CompressedImage", message: { header, format: "png", data: png } }), RGB);
  // JPEG is lossy: within 3 grey levels
  assertPlanes(
    await tensor({ kind: "CompressedImage", message: { header, format: "jpeg", data: jpeg } }),
    RGB,
    3 / 255 / 0.2,
  );
});

test("bad frames give one clear error naming the topic and the problem", async () => {
  const out = new Float32Array(pre.size);
  const fails = async (
    msg: Parameters<Preprocessor["toTensor"]>[1],
    kind: string,
    pattern: RegExp,
  ): Promise<void> => {
    await assert.rejects(pre.toTensor("/camera/left", msg, out, 0), (err: unknown) => {
      assert.ok(err instanceof FrameError);
      assert.equal(err.kind, kind);
      assert.match(err.message, /^\/camera\/left: /);
      assert.match(err.message, pattern);
      return true;
    });
  };
  await fails(
    { kind: "Image", message: image("16UC1", 4, 4, [0, 0]) },
    "encoding",
    /unsupported encoding '16UC1'/,
  );
  // Names of Object.prototype's members are encodings like any other unknown one (the fuzzer's find).
  for (const name of ["constructor", "__proto__", "toString"]) {
    await fails({ kind: "Image", message: image(name, 4, 4, RGB) }, "encoding", /unsupported encoding/);
  }
  const short = image("rgb8", 4, 4, RGB);
  short.data = short.data.subarray(0, 40);
  await fails(
    { kind: "Image", message: short },
    "size",
    /data is 40 bytes, expected step 12 × height 4 = 48/,
  );
  const narrow = image("rgb8", 4, 4, RGB);
  narrow.step = 8;
  await fails({ kind: "Image", message: narrow }, "size", /step 8 is shorter than width 4 × 3 channels/);
  const noisy = Buffer.alloc(64 * 64 * 3);
  for (let i = 0; i < noisy.length; i++) noisy[i] = (i * 2654435761) >>> 24;
  const jpeg = await sharp(noisy, { raw: { width: 64, height: 64, channels: 3 } })
    .jpeg()
    .toBuffer();
  const header = { stamp: { sec: 0, nanosec: 0 }, frame_id: "" };
  const truncated = { header, format: "jpeg", data: jpeg.subarray(0, jpeg.length >> 1) };
  await fails({ kind: "CompressedImage", message: truncated }, "decode", /cannot decode 'jpeg' image/);
  const garbage = { header, format: "png", data: new Uint8Array([1, 2, 3, 4]) };
  await fails({ kind: "CompressedImage", message: garbage }, "decode", /cannot decode 'png' image/);
});
