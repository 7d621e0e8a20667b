import assert from "node:assert/strict";
import { cp, mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { createLogger } from "../lib/node/log.js";
import { loadManifest } from "../lib/reward/manifest.js";
import { loadModel } from "../lib/reward/model.js";
import { packagePath } from "../lib/paths.js";
import { checkParity } from "./parity.js";

const log = createLogger("test", () => {}, "error");

/** Every trained model folder shipped in models/ (those with a PyTorch parity fixture). */
async function shippedModels(): Promise<string[]> {
  const root = packagePath("models");
  const entries = await readdir(root, { withFileTypes: true });
  return entries
    .filter((e) => e.isDirectory() && existsSync(join(root, e.name, "parity.json")))
    .map((e) => join(root, e.name));
}

test("shipped trained models: sha256 of every file matches the manifest, ONNX Runtime matches PyTorch", async () => {
  const dirs = await shippedModels();
  assert.ok(dirs.length > 0, "at least one trained model is shipped under models/");
  for (const dir of dirs) {
    const loaded = await loadManifest(dir);
    const model = await loadModel(loaded, { providers: ["cpu"], threads: 1, log });
    try {
      const parity = await checkParity(model);
      assert.ok(parity.tolerance <= 1e-4, `${dir}: parity tolerance ${parity.tolerance} is looser than 1e-4`);
      assert.ok(
        parity.ok,
        `${dir}: ONNX vs PyTorch max |diff| ${JSON.stringify(parity.maxAbsDiff)} > ${parity.tolerance}`,
      );
    } finally {
      await model.release();
    }
  }
});

test("a shipped model with one changed byte is refused, naming the file", async () => {
  const [dir] = await shippedModels();
  const copy = await mkdtemp(join(tmpdir(), "model-"));
  try {
    await cp(dir, copy, { recursive: true });
    await writeFile(join(copy, "parity.json"), "{}");
    await assert.rejects(loadManifest(copy), /sha256 of 'parity.json'/);
  } finally {
    await rm(copy, { recursive: true, force: true });
  }
});
