// The placeholder reward model and a camera frame for it, for tests of every layer that run the model
// (pipeline, success sources, eval). Here in lib/ so that tests above it can import it too.
import { codecFor } from "../codec/codec.js";
import { MsgType, type Image } from "../codec/messages.js";
import { rgbImage } from "../image/rgbImage.js";
import { createLogger } from "../node/log.js";
import { packagePath } from "../paths.js";
import { loadManifest } from "../reward/manifest.js";
import { loadModel, type RewardModel } from "../reward/model.js";
import { timeFromSeconds } from "../time/rosTime.js";

/** models/placeholder, on the CPU with one thread and a silent log; the caller releases it. */
export async function loadPlaceholderModel(): Promise<RewardModel> {
  return loadModel(await loadManifest(packagePath("models", "placeholder")), {
    providers: ["cpu"],
    threads: 1,
    log: createLogger("test", () => undefined),
  });
}

const imageCodec = codecFor<Image>(MsgType.Image);

/** A CDR-encoded 16×12 rgb8 Image stamped `t` seconds, every byte `fill`. */
export function rgbImageCdr(t: number, fill: number): Uint8Array {
  return imageCodec.encode(
    rgbImage(16, 12, new Uint8Array(16 * 12 * 3).fill(fill), { stamp: timeFromSeconds(t), frame_id: "" }),
  );
}
