import { FrameError, type CameraMessage } from "../image/cameraImage.js";
import type { Preprocessor } from "./preprocess.js";
import type { SyncedGroup } from "./sync.js";

/**
 * Preprocesses the frames of a group into consecutive image slots: slot i holds the frame of view `views[i]`
 * of the result. A frame that cannot become a model input (FrameError) goes to `frameError` and its view is
 * left out of the step; any other error rejects.
 */
export async function fillViewSlots(
  group: SyncedGroup<CameraMessage>,
  topics: readonly string[],
  preprocessor: Pick<Preprocessor, "size" | "toTensor">,
  imageSlots: (count: number) => Float32Array,
  frameError: (err: FrameError) => void,
): Promise<number[]> {
  const candidates = group.frames.flatMap((f, v) => (f ? [v] : []));
  const slots = imageSlots(candidates.length);
  const size = preprocessor.size;
  const ok = await Promise.all(
    candidates.map(async (v, i) => {
      try {
        await preprocessor.toTensor(topics[v], group.frames[v]!.message, slots, i * size);
        return true;
      } catch (err) {
        if (!(err instanceof FrameError)) throw err;
        frameError(err);
        return false;
      }
    }),
  );
  // The views are written in parallel, each into its own slot; a failed one's slot is then taken by
  // moving the later views down, so the estimator reads `views.length` consecutive slots.
  const views: number[] = [];
  candidates.forEach((v, i) => {
    if (!ok[i]) return;
    if (views.length !== i) slots.copyWithin(views.length * size, i * size, (i + 1) * size);
    views.push(v);
  });
  return views;
}
