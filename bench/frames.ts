import { codecFor } from "../lib/codec/codec.js";
import { EpisodeEventKind, MsgType, type EpisodeEvent, type Image } from "../lib/codec/messages.js";
import { timeFromSeconds } from "../lib/time/rosTime.js";
import { rgbImage } from "../lib/image/rgbImage.js";

const codec = codecFor<Image>(MsgType.Image);

/**
 * `count` sets of textured rgb8 frames (a moving gradient), one frame per topic, so that decode and resize
 * do real work (a flat image compresses and resizes unrealistically fast).
 */
export function texturedFrames(
  count: number,
  width: number,
  height: number,
  topics: readonly string[],
): Image[][] {
  return Array.from({ length: count }, (_x, k) =>
    topics.map((topic, v) => {
      const data = new Uint8Array(width * height * 3);
      for (let y = 0; y < height; y++)
        for (let x = 0; x < width; x++) {
          const i = (y * width + x) * 3;
          data[i] = (x + k * 4) & 0xff;
          data[i + 1] = (y + v * 40) & 0xff;
          data[i + 2] = (x ^ y) & 0xff;
        }
      return rgbImage(width, height, data, { stamp: timeFromSeconds(0), frame_id: topic });
    }),
  );
}

/** A fresh CDR buffer of `img` stamped `t` seconds, as a camera driver hands over a new buffer per frame. */
export function stampedCdr(img: Image, t: number): Uint8Array {
  return codec.encode({ ...img, header: { ...img.header, stamp: timeFromSeconds(t) } });
}

/** The START of episode 1 at time 0 (no task: the model's default), which a bench sends before its frames. */
export function firstEpisodeStart(): EpisodeEvent {
  return {
    header: { stamp: timeFromSeconds(0), frame_id: "" },
    event: EpisodeEventKind.START,
    episode_id: 1n,
    step: 0,
    task: "",
    detail: "",
  };
}
