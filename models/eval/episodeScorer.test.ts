import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { rgbImage } from "../../lib/image/rgbImage.js";
import type { RewardModel } from "../../lib/reward/model.js";
import { Preprocessor } from "../../lib/reward/preprocess.js";
import { loadPlaceholderModel } from "../../lib/testing/placeholderModel.js";
import { EpisodeScorer, type EvalEpisode } from "./episodeScorer.js";

let model: RewardModel;
before(async () => {
  model = await loadPlaceholderModel();
});
after(() => model.release());

function episode(steps: number): EvalEpisode {
  const { width, height } = model.manifest.image;
  const frame = (t: number) =>
    model.manifest.views.map(() => ({
      kind: "Image" as const,
      message: rgbImage(width, height, new Uint8Array(width * height * 3).fill(20 * t), {
        stamp: { sec: t, nanosec: 0 },
        frame_id: "",
      }),
    }));
  return {
    task: "pick_place",
    label: "seed 1",
    success: true,
    trueProgress: Array.from({ length: steps }, (_, t) => t / (steps - 1)),
    frames: Array.from({ length: steps }, (_, t) => frame(t)),
  };
}

// Without the check a NaN hop turns Φ into NaN and the metrics into NaN, and nothing says which output did it.
test("NaN from the model's head stops the eval with an error naming the output", async () => {
  const poisoned: RewardModel = {
    ...model,
    head: {
      run: async (feeds) => {
        const result = await model.head.run(feeds);
        (result.hop_logits.data as Float32Array)[4] = Number.NaN;
        return result;
      },
    },
  };
  const all = model.manifest.views.map(() => true);
  const order = [0, 1, 2];
  const healthy = new EpisodeScorer(model, new Preprocessor(model.manifest.image));
  const ep = await healthy.embed(episode(3));
  const goal = await healthy.goal("pick_place");
  const scored = await healthy.progress(ep, goal, order, all, "fused");
  assert.ok(scored.phi.every(Number.isFinite));

  const scorer = new EpisodeScorer(poisoned, new Preprocessor(model.manifest.image));
  await assert.rejects(
    scorer.progress(ep, goal, order, all, "fused"),
    /model head output 'hop_logits' has NaN at index 4/,
  );
});
