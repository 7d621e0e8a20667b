import sharp from "sharp";
import type { ModelManifest } from "../manifest.js";

/**
 * One preprocessed image slot (CHW float32, normalized with the manifest's mean/std, `image.width` ×
 * `image.height`) back to 8-bit RGB, encoded by sharp as a JPEG data URL. The slot's size is the size sent,
 * which the manifest check keeps within the server's max_side / max_pixels.
 */
export async function slotToJpegDataUrl(
  image: ModelManifest["image"],
  slot: Float32Array,
  quality: number,
): Promise<string> {
  const { width, height, mean, std } = image;
  const plane = width * height;
  if (slot.length < 3 * plane)
    throw new RangeError(`image slot has ${slot.length} values, need ${3 * plane}`);
  const rgb = Buffer.allocUnsafe(3 * plane);
  for (let c = 0; c < 3; c++) {
    const s = std[c] * 255;
    const m = mean[c] * 255;
    for (let i = 0; i < plane; i++) {
      const v = Math.round(slot[c * plane + i] * s + m);
      rgb[3 * i + c] = v < 0 ? 0 : v > 255 ? 255 : v;
    }
  }
  const jpeg = await sharp(rgb, { raw: { width, height, channels: 3 } })
    .jpeg({ quality })
    .toBuffer();
  return `data:image/jpeg;base64,${jpeg.toString("base64")}`;
}
