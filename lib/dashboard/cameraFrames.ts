import sharp from "sharp";
import type { CompressedImage, Image } from "../codec/messages.js";

const CHANNELS: Record<string, { channels: 1 | 3 | 4; swapRB?: boolean }> = {
  rgb8: { channels: 3 },
  bgr8: { channels: 3, swapRB: true },
  rgba8: { channels: 4 },
  bgra8: { channels: 4, swapRB: true },
  mono8: { channels: 1 },
};

/**
 * A camera message as a small JPEG for the browser. Raw frames go through sharp (no per-pixel JS except
 * the BGR swap, which sharp has no operation for); compressed frames are re-encoded only to shrink them.
 */
export async function toPreviewJpeg(message: Image | CompressedImage, maxWidth = 320): Promise<Buffer> {
  if ("format" in message) {
    return sharp(message.data)
      .resize({ width: maxWidth, withoutEnlargement: true })
      .jpeg({ quality: 70 })
      .toBuffer();
  }
  const layout = CHANNELS[message.encoding];
  if (!layout)
    throw new Error(`camera frame ${message.header.frame_id}: unsupported encoding '${message.encoding}'`);
  const rowBytes = message.width * layout.channels;
  if (message.step < rowBytes || message.data.byteLength < message.step * message.height) {
    throw new Error(
      `camera frame ${message.header.frame_id}: ${message.data.byteLength} bytes is too short for ` +
        `${message.width}x${message.height} ${message.encoding} with step ${message.step}`,
    );
  }
  let pixels = message.data;
  if (layout.swapRB || message.step !== rowBytes) {
    pixels = new Uint8Array(rowBytes * message.height);
    for (let y = 0; y < message.height; y++) {
      pixels.set(message.data.subarray(y * message.step, y * message.step + rowBytes), y * rowBytes);
    }
    if (layout.swapRB) {
      for (let i = 0; i < pixels.length; i += layout.channels) {
        const b = pixels[i]!;
        pixels[i] = pixels[i + 2]!;
        pixels[i + 2] = b;
      }
    }
  }
  return sharp(pixels, { raw: { width: message.width, height: message.height, channels: layout.channels } })
    .resize({ width: maxWidth, withoutEnlargement: true })
    .jpeg({ quality: 70 })
    .toBuffer();
}
