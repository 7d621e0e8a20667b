import type { Matrix3x3 } from "sharp";
import type { CompressedImage, Image } from "../codec/messages.js";
import { cameraPipeline } from "../image/cameraImage.js";

// Blue-first frames become RGB inside libvips (a channel recombination), with no per-pixel JS.
const SWAP_RED_BLUE: Matrix3x3 = [
  [0, 0, 1],
  [0, 1, 0],
  [1, 0, 0],
];

/** A camera message as a small JPEG for the browser, through the same decoding as the reward model's input. */
export async function toPreviewJpeg(
  topic: string,
  message: Image | CompressedImage,
  maxWidth = 320,
): Promise<Buffer> {
  const input =
    "format" in message ? { kind: "CompressedImage" as const, message } : { kind: "Image" as const, message };
  const { pipeline, bgr } = cameraPipeline(topic, input);
  const rgb = pipeline.removeAlpha();
  return (bgr ? rgb.recomb(SWAP_RED_BLUE) : rgb)
    .resize({ width: maxWidth, withoutEnlargement: true })
    .jpeg({ quality: 70 })
    .toBuffer();
}
