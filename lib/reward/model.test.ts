import assert from "node:assert/strict";
import { cp, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { createLogger, type LogLevel } from "../node/log.js";
import { packagePath } from "../paths.js";
import { loadManifest, sha256Hex } from "./manifest.js";
import type { InferenceSession } from "onnxruntime-node";
import { checkSignature, loadModel } from "./model.js";

const PLACEHOLDER = packagePath("models", "placeholder");
const temps: string[] = [];
after(async () => {
  for (const t of temps) await rm(t, { recursive: true, force: true });
});

/** A copy of the placeholder with `edit` applied to its manifest JSON. */
async function variant(
  edit: (m: Record<string, unknown>, dir: string) => Promise<void> | void,
): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "reward-model-"));
  temps.push(dir);
  await cp(PLACEHOLDER, dir, { recursive: true });
  const m = JSON.parse(await readFile(join(dir, "manifest.json"), "utf8")) as Record<string, unknown>;
  await edit(m, dir);
  await writeFile(join(dir, "manifest.json"), JSON.stringify(m));
  return dir;
}

test("the placeholder model loads, with every hash checked, on the CPU provider after a logged fallback", async () => {
  const logs: [LogLevel, string][] = [];
  const log = createLogger("test", (level, _n, message) => logs.push([level, message]), "debug");
  const loaded = await loadManifest(PLACEHOLDER);
  assert.equal(loaded.sha256, sha256Hex(await readFile(join(PLACEHOLDER, "manifest.json"))));
  const model = await loadModel(loaded, { providers: ["tensorrt", "cpu"], threads: 1, log });
  try {
    assert.equal(model.provider, "cpu");
    assert.ok(
      logs.some(([l, m]) => l === "warn" && /'tensorrt' unavailable/.test(m)),
      "fallback logged",
    );
    assert.ok(
      logs.some(([l, m]) => l === "info" && /on execution provider 'cpu'/.test(m)),
      "provider logged",
    );
  } finally {
    await model.release();
  }
  await model.release(); // a second release (a node stopped twice) is a no-op, not "Session already disposed"
});

test("refuses a model whose files or manifest do not match, naming the file or field", async () => {
  const refuse = async (dir: string, pattern: RegExp): Promise<void> => {
    await assert.rejects(loadManifest(dir), (err: Error) => {
      assert.equal(err.name, "ModelContractError");
      assert.match(err.message, pattern);
      return true;
    });
  };
  await refuse(
    await variant(async (_m, dir) => {
      const f = join(dir, "head.onnx");
      const bytes = await readFile(f);
      bytes[bytes.length - 1] ^= 1;
      await writeFile(f, bytes);
    }),
    /sha256 of 'head.onnx' is [0-9a-f]{64}, manifest.json says/,
  );
  await refuse(await variant((_m, dir) => writeFile(join(dir, "extra.bin"), "x")), /not listed .*extra\.bin/);
  await refuse(
    await variant((_m, dir) => rm(join(dir, "goals/pick_place/left.png"))),
    /'goals\/pick_place\/left.png' listed in manifest.json is missing/,
  );
  await refuse(
    await variant((m) => void (m.views = ["front", "left"])),
    /head.onnx: 'start' shape .* contract needs \["batch",2,32\]/,
  );
  await refuse(await variant((m) => void (m.hop_bins = 11)), /'hop_logits' shape/);
  await refuse(await variant((m) => void (m.kind = "value")), /field 'kind'/);
  await refuse(await variant((m) => void (m.default_task = "stack")), /default_task 'stack' is not in tasks/);
  await refuse(await variant((m) => void (m.kind = "stage")), /head.onnx: manifest lists no input 'current'/);
});

test("checkSignature compares the session's declared inputs and outputs with the manifest", () => {
  const spec = {
    file: "encoder.onnx",
    inputs: [{ name: "image", dtype: "float32" as const, shape: ["batch", 3, 64, 64] }],
    outputs: [{ name: "embedding", dtype: "float32" as const, shape: ["batch", 32] }],
  };
  const t = (name: string, shape: (number | string)[], type = "float32"): InferenceSession.ValueMetadata =>
    ({ name, isTensor: true, type, shape }) as InferenceSession.ValueMetadata;
  const out = [t("embedding", ["b", 32])];
  assert.doesNotThrow(() => checkSignature("m", spec, [t("image", ["N", 3, 64, 64])], out));
  assert.throws(
    () => checkSignature("m", spec, [t("pixels", ["N", 3, 64, 64])], out),
    /inputs are \[pixels\], manifest says \[image\]/,
  );
  assert.throws(
    () => checkSignature("m", spec, [t("image", ["N", 3, 96, 96])], out),
    /'image' has shape \["N",3,96,96\]/,
  );
  assert.throws(
    () => checkSignature("m", spec, [t("image", ["N", 3, 64, 64], "float16")], out),
    /'image' is float16/,
  );
  assert.throws(() => checkSignature("m", spec, [t("image", [1, 3, 64, 64])], out), /'image' has shape/);
});
