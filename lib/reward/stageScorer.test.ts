import assert from "node:assert/strict";
import { test } from "node:test";
import { createLogger } from "../node/log.js";
import { packagePath } from "../paths.js";
import { loadManifest } from "./manifest.js";
import { loadModel } from "./model.js";
import { Preprocessor } from "./preprocess.js";
import { StageScorer, stagePotential } from "./stageScorer.js";

const close = (a: number, b: number): void => assert.ok(Math.abs(a - b) < 1e-12, `${a} ≠ ${b}`);

test("Φ = P(k−1) + ᾱk·τ against hand computations", () => {
  const shares = [0.1, 0.2, 0.3, 0.4];
  close(stagePotential(shares, 0, 0), 0);
  close(stagePotential(shares, 0, 0.5), 0.05);
  close(stagePotential(shares, 2, 0.5), 0.1 + 0.2 + 0.15);
  close(stagePotential(shares, 3, 1), 1);
  close(stagePotential(shares, 1, 1.7), 0.3);
  close(stagePotential([0.25, 0.25, 0.25, 0.25], 2, 0.4), 0.6);
});

test("the stage placeholder runs: Φ from its stage and τ, present views only", async () => {
  const log = createLogger("test", () => undefined);
  const model = await loadModel(await loadManifest(packagePath("models", "placeholder_stage")), {
    providers: ["cpu"],
    threads: 1,
    log,
  });
  try {
    const pre = new Preprocessor(model.manifest.image);
    const scorer = new StageScorer(model, pre);
    await assert.rejects(scorer.useTask("stack"), /task 'stack' is not in model 'placeholder_stage'/);
    await scorer.useTask("pick_place");
    const slots = scorer.imageSlots(2);
    for (let i = 0; i < slots.length; i++) slots[i] = Math.sin(i);
    const e = await scorer.estimate([0, 2]);
    assert.equal(e.potential, "stage");
    const p = Array.from(e.stageProbabilities);
    assert.equal(e.stage, p.indexOf(Math.max(...p)));
    close(e.phi, (e.stage + e.stageProgress) / 4);
    assert.ok(e.confidence <= (2 / 3) * Math.max(...p) + 1e-6, "two of three views lower the confidence");
  } finally {
    await model.release();
  }
});
