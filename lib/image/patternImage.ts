import { codecFor } from "../codec/codec.js";
import { MsgType, type Image } from "../codec/messages.js";
import { rgbImage } from "./rgbImage.js";

/** Pseudo-random bytes from `seq`, so shifted or stale bytes show and both ends can recompute them. */
function patternData(width: number, height: number, seq: number): Uint8Array {
  const data = new Uint8Array(width * height * 3);
  let x = (seq * 2654435761) >>> 0;
  for (let i = 0; i < data.length; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    data[i] = x >>> 24;
  }
  return data;
}

/** Image `seq` of a deterministic rgb8 sequence, for DDS tests and benches that check what arrived. */
export function patternImage(width: number, height: number, seq: number): Image {
  return rgbImage(width, height, patternData(width, height, seq), {
    stamp: { sec: seq, nanosec: 1000 * seq },
    frame_id: "test_camera",
  });
}

/** `patternImage` as the CDR a publisher sends. */
export function patternImageCdr(width: number, height: number, seq: number): Uint8Array {
  return codecFor<Image>(MsgType.Image).encode(patternImage(width, height, seq));
}
