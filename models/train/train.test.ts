import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { createLogger } from "../../lib/node/log.js";
import { loadManifest } from "../../lib/reward/manifest.js";
import { loadModel } from "../../lib/reward/model.js";
import { checkParity } from "../parity.js";
import { adaptModel, recordVariantDemo } from "./adapt.js";
import { trainHopModel } from "./pipeline.js";

const log = createLogger("test", () => {}, "error");

// Smoke test of the whole training path so it cannot rot: a few sim episodes, two optimisation steps,
// export, held-out eval, model card and hashes. Needs python3-torch/python3-onnx and a display for the
// sim's WebGL (`make test` runs the tests under xvfb-run).
test("training smoke test: sim data → PyTorch → ONNX folder that loads, hashes and matches PyTorch", async () => {
  const dir = await mkdtemp(join(tmpdir(), "train-"));
  try {
    const reports = await trainHopModel({
      tasks: ["push"],
      episodes: 3,
      firstSeed: 0,
      evalEpisodes: 1,
      evalSeed: 100,
      size: 32,
      stride: 3,
      steps: 2,
      trainSeed: 0,
      out: join(dir, "hop"),
      data: join(dir, "data"),
      python: "/usr/bin/python3",
      threads: 1,
      log,
    });
    const folder = join(dir, "hop_push");
    const loaded = await loadManifest(folder);
    assert.equal(loaded.manifest.default_task, "push");
    assert.deepEqual(loaded.manifest.views, ["front", "side", "wrist"]);
    assert.equal(loaded.manifest.image.width, 32);
    const model = await loadModel(loaded, { providers: ["cpu"], threads: 1, log });
    try {
      const parity = await checkParity(model);
      assert.ok(parity.ok, JSON.stringify(parity));
    } finally {
      await model.release();
    }
    const raw = JSON.parse(await readFile(join(folder, "manifest.json"), "utf8"));
    assert.deepEqual(raw.training.train_seeds, { first: 0, last: 2, per_task: true });
    assert.equal(typeof raw.metrics.completion_accuracy, "number");
    assert.equal(reports.push.tasks.push.all.episodes, 1);
    assert.ok(existsSync(join(folder, "README.md")) && existsSync(join(folder, "eval", "progress_push.png")));

    // one-shot adaptation from that model, with a demo recorded by the sim's recorder
    const demo = join(dir, "demo.mcap");
    await recordVariantDemo("push", "clutter", 5, 32, demo);
    const adapted = join(dir, "adapted");
    await adaptModel({
      model: folder,
      demo,
      out: adapted,
      steps: 2,
      tune: "head",
      data: join(dir, "adapt-data"),
      python: "/usr/bin/python3",
      threads: 1,
      log,
    });
    const a = await loadManifest(adapted);
    assert.equal(a.manifest.default_task, "push");
    const rawAdapted = JSON.parse(await readFile(join(adapted, "manifest.json"), "utf8"));
    assert.equal(rawAdapted.training.adapted_from.model, "hop_push");
    // head-only tuning leaves the encoder exactly as trained, batch-norm statistics included
    assert.equal(rawAdapted.files["encoder.onnx"], raw.files["encoder.onnx"]);
    assert.notEqual(rawAdapted.files["head.onnx"], raw.files["head.onnx"]);
    await assert.rejects(
      adaptModel({
        model: folder,
        demo: join(dir, "rec-none.mcap"),
        out: join(dir, "x"),
        steps: 1,
        tune: "all",
        data: join(dir, "d2"),
        python: "/usr/bin/python3",
        threads: 1,
        log,
      }),
      /rec-none\.mcap/,
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test("training refuses evaluation seeds that overlap the training seeds", async () => {
  await assert.rejects(
    trainHopModel({
      tasks: ["push"],
      episodes: 10,
      firstSeed: 0,
      evalEpisodes: 5,
      evalSeed: 8,
      size: 32,
      stride: 1,
      steps: 1,
      trainSeed: 0,
      out: "/nonexistent/hop",
      data: "/nonexistent/data",
      python: "/usr/bin/python3",
      threads: 1,
      log,
    }),
    /evaluation seeds 8…12 overlap the training seeds 0…9/,
  );
});
