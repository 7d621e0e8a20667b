import type { Header, Image } from "../codec/messages.js";

/**
 * A packed rgb8 sensor_msgs/Image over `data` (no copy). The one place that knows rgb8's row step, for the
 * sim's cameras, the RL potential and the test and bench frames.
 */
export function rgbImage(width: number, height: number, data: Uint8Array, header: Header): Image {
  return { header, height, width, encoding: "rgb8", is_bigendian: 0, step: width * 3, data };
}
