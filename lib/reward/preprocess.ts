import sharp, { type Sharp } from "sharp";
import type { CompressedImage, Image } from "../codec/messages.js";
import type { ModelManifest } from "./manifest.js";

/** A camera message that cannot become a model input; names the topic and what was wrong. */
export class FrameError extends Error {
  constructor(
    readonly topic: string,
    readonly kind: "encoding" | "size" | "decode",
    problem: string,
  ) {
    super(`${topic}: ${problem}`);
    this.name = "FrameError";
  }
}

/** Channels per sensor_msgs/image_encodings name we accept; 16-bit and Bayer encodings are refused. */
const RAW_ENCODINGS: Record<string, { channels: 1 | 3 | 4; bgr: boolean }> = {
  rgb8: { channels: 3, bgr: false },
  bgr8: { channels: 3, bgr: true },
  rgba8: { channels: 4, bgr: false },
  bgra8: { channels: 4, bgr: true },
  mono8: { channels: 1, bgr: false },
  "8UC1": { channels: 1, bgr: false },
  "8UC3": { channels: 3, bgr: true },
};
export const SUPPORTED_ENCODINGS = Object.keys(RAW_ENCODINGS);

export type CameraMessage =
  { kind: "Image"; message: Image } | { kind: "CompressedImage"; message: CompressedImage };

/**
 * Camera message → normalized CHW float32 in the model's size, written into a caller's buffer (reused
 * across steps). sharp does decode, channel handling and resize in one libvips pipeline; one JS loop then
 * does the layout change and normalization, which sharp has no operation for (HWC uint8 → CHW float32).
 */
export class Preprocessor {
  private readonly width: number;
  private readonly height: number;
  private readonly scale: Float32Array;
  private readonly bias: Float32Array;
  private readonly fit: ModelManifest["image"]["resize"];

  constructor(image: ModelManifest["image"]) {
    this.width = image.width;
    this.height = image.height;
    this.fit = image.resize;
    // (x/255 − mean)/std as one multiply-add per value
    this.scale = Float32Array.from(image.std, (s) => 1 / (255 * s));
    this.bias = Float32Array.from(image.mean, (m, i) => -m / image.std[i]);
  }

  /** Values one image takes in the output tensor. */
  get size(): number {
    return 3 * this.width * this.height;
  }

  async toTensor(topic: string, input: CameraMessage, out: Float32Array, offset: number): Promise<void> {
    if (offset < 0 || offset + this.size > out.length)
      throw new RangeError(`tensor slot ${offset} out of range`);
    let pipeline: Sharp;
    let bgr = false;
    if (input.kind === "Image") {
      const m = input.message;
      const enc = RAW_ENCODINGS[m.encoding];
      if (!enc) {
        throw new FrameError(
          topic,
          "encoding",
          `unsupported encoding '${m.encoding}' (supported: ${SUPPORTED_ENCODINGS.join(", ")})`,
        );
      }
      bgr = enc.bgr;
      pipeline = sharp(packedPixels(topic, m, enc.channels), {
        raw: { width: m.width, height: m.height, channels: enc.channels },
      });
    } else {
      // 'truncated' makes libvips fail on a cut-off JPEG/PNG instead of returning a half-grey image.
      pipeline = sharp(input.message.data, { failOn: "truncated" });
    }
    // Camera alpha is opaque and carries no scene content: it is dropped (libvips resizes premultiplied, so
    // a non-opaque alpha would darken colours; no camera driver we know sends one).
    let data: Buffer;
    let channels: number;
    try {
      const result = await pipeline
        .removeAlpha()
        .resize(this.width, this.height, { fit: this.fit })
        .raw()
        .toBuffer({ resolveWithObject: true });
      data = result.data;
      channels = result.info.channels;
    } catch (err) {
      const what =
        input.kind === "Image" ? `${input.message.encoding} image` : `'${input.message.format}' image`;
      throw new FrameError(topic, "decode", `cannot decode ${what}: ${(err as Error).message}`);
    }
    if (channels < 1 || channels > 4)
      throw new FrameError(topic, "decode", `decoded image has ${channels} channels`);
    this.normalize(data, channels, bgr, out, offset);
  }

  private normalize(data: Buffer, channels: number, bgr: boolean, out: Float32Array, offset: number): void {
    const plane = this.width * this.height;
    // grey (1, or 2 with alpha) feeds all three planes; 3/4 channels map R,G,B (swapped for BGR)
    const grey = channels < 3;
    const r = grey ? 0 : bgr ? 2 : 0;
    const g = grey ? 0 : 1;
    const b = grey ? 0 : bgr ? 0 : 2;
    const [s0, s1, s2] = this.scale;
    const [b0, b1, b2] = this.bias;
    for (let i = 0, p = 0; i < plane; i++, p += channels) {
      out[offset + i] = data[p + r] * s0 + b0;
      out[offset + plane + i] = data[p + g] * s1 + b1;
      out[offset + 2 * plane + i] = data[p + b] * s2 + b2;
    }
  }
}

/** The pixel bytes without row padding; sharp's raw input has no stride option, so padded rows are copied. */
function packedPixels(topic: string, m: Image, channels: number): Uint8Array {
  if (!(m.width > 0 && m.height > 0)) throw new FrameError(topic, "size", `image is ${m.width}×${m.height}`);
  const row = m.width * channels;
  if (m.step < row) {
    throw new FrameError(
      topic,
      "size",
      `step ${m.step} is shorter than width ${m.width} × ${channels} channels (${m.encoding})`,
    );
  }
  if (m.data.length !== m.step * m.height) {
    throw new FrameError(
      topic,
      "size",
      `data is ${m.data.length} bytes, expected step ${m.step} × height ${m.height} = ${m.step * m.height} for ${m.width}×${m.height} ${m.encoding}`,
    );
  }
  if (m.step === row) return m.data;
  const packed = new Uint8Array(row * m.height);
  for (let y = 0; y < m.height; y++) packed.set(m.data.subarray(y * m.step, y * m.step + row), y * row);
  return packed;
}
