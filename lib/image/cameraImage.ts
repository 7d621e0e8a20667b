import sharp, { type Sharp } from "sharp";
import type { CompressedImage, Image } from "../codec/messages.js";

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

/**
 * Channels per sensor_msgs/image_encodings name we accept; 16-bit and Bayer encodings are refused. A Map,
 * not an object literal: the encoding comes off the wire, and a lookup of 'constructor' or '__proto__' in an
 * object finds Object.prototype's members (preprocess.fuzz.test.ts found it).
 */
const RAW_ENCODINGS = new Map<string, { channels: 1 | 3 | 4; bgr: boolean }>([
  ["rgb8", { channels: 3, bgr: false }],
  ["bgr8", { channels: 3, bgr: true }],
  ["rgba8", { channels: 4, bgr: false }],
  ["bgra8", { channels: 4, bgr: true }],
  ["mono8", { channels: 1, bgr: false }],
  ["8UC1", { channels: 1, bgr: false }],
  ["8UC3", { channels: 3, bgr: true }],
]);
export const SUPPORTED_ENCODINGS = [...RAW_ENCODINGS.keys()];

/** Largest JPEG/PNG a camera message may declare (width × height). */
export const MAX_COMPRESSED_PIXELS = 40_000_000;

export type CameraMessage =
  { kind: "Image"; message: Image } | { kind: "CompressedImage"; message: CompressedImage };

/**
 * A sharp pipeline that decodes one camera message (raw pixels or JPEG/PNG), before any resize; `bgr` says
 * the channels come out blue first. Shared by the reward preprocessing and the dashboard previews so that
 * both accept and refuse the same frames with the same errors.
 */
export function cameraPipeline(topic: string, input: CameraMessage): { pipeline: Sharp; bgr: boolean } {
  if (input.kind === "CompressedImage") {
    const { data, format } = input.message;
    // sharp's constructor throws a plain Error on an empty buffer (found by preprocess.fuzz.test.ts).
    if (data.length === 0) throw new FrameError(topic, "size", `'${format}' image has no data`);
    // 'truncated' makes libvips fail on a cut-off JPEG/PNG instead of returning a half-grey image. The pixel
    // limit refuses a damaged header that declares a huge image before libvips spends seconds on it (a PNG
    // claiming 2.6 M × 20 px took over 5 s under load: preprocess.fuzz.test.ts); 8K video is 33 MP.
    return {
      pipeline: sharp(data, { failOn: "truncated", limitInputPixels: MAX_COMPRESSED_PIXELS }),
      bgr: false,
    };
  }
  const m = input.message;
  const enc = RAW_ENCODINGS.get(m.encoding);
  if (!enc) {
    throw new FrameError(
      topic,
      "encoding",
      `unsupported encoding '${m.encoding}' (supported: ${SUPPORTED_ENCODINGS.join(", ")})`,
    );
  }
  const pipeline = sharp(packedPixels(topic, m, enc.channels), {
    raw: { width: m.width, height: m.height, channels: enc.channels },
  });
  return { pipeline, bgr: enc.bgr };
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
