import assert from "node:assert/strict";
import { test } from "node:test";
import { episodePlan, simEpisodes, type SimEpisode } from "./simEpisodes.js";
import { VARIANTS } from "./variants.js";

async function firstFrames(randomization?: (typeof VARIANTS)[keyof typeof VARIANTS]["randomization"]) {
  const plan = episodePlan("push", 40, 1);
  const episodes: SimEpisode[] = [];
  for await (const ep of simEpisodes(plan, { size: 32, stride: 4, randomization })) episodes.push(ep);
  return episodes[0].frames[0];
}

// Variant evaluations (eval --variant, adapt --eval-variant) roll out the variant's world, not the
// training randomization: the same seed must render differently, and the default must stay repeatable.
test("a variant's randomization reaches the sim rollouts; the default rollout is repeatable", async () => {
  const plain = await firstFrames();
  assert.deepEqual(await firstFrames(), plain);
  for (const [name, variant] of Object.entries(VARIANTS)) {
    const frames = await firstFrames(variant.randomization);
    const changed = frames.some((view, v) => Buffer.compare(view, plain[v]) !== 0);
    assert.ok(changed, `variant ${name} renders the same first frames as the training randomization`);
  }
});
