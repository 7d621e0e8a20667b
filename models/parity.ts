import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { Tensor } from "onnxruntime-node";
import { onnxGraphs } from "../lib/reward/manifest.js";
import type { RewardModel } from "../lib/reward/model.js";

/**
 * The deterministic input of the parity fixture, as models/train/train.py `pattern` writes it:
 * x[i] = float32(sin(0.001·i·(i mod 7 + 1) + phase)).
 */
export function pattern(length: number, phase: number): Float32Array {
  const out = new Float32Array(length);
  for (let i = 0; i < length; i++) out[i] = Math.sin(0.001 * i * ((i % 7) + 1) + phase);
  return out;
}

export interface ParityResult {
  /** Largest absolute difference between onnxruntime and the PyTorch outputs, per output. */
  readonly maxAbsDiff: Record<string, number>;
  readonly tolerance: number;
  readonly ok: boolean;
}

interface ParityFixture {
  view_mask: number[][];
  embedding: number[][];
  hop_logits: number[][];
  stage_logits: number[][];
}

/** Runs the model's ONNX graphs on the fixture inputs and compares with the PyTorch outputs stored at export. */
export async function checkParity(model: RewardModel): Promise<ParityResult> {
  const m = model.manifest;
  // The reward node's manifest schema does not know 'parity' (zod drops it), so read it from the file.
  const raw = JSON.parse(await readFile(join(model.dir, "manifest.json"), "utf8")) as {
    parity?: { file: string; tolerance: number };
  };
  const spec = raw.parity;
  if (!spec) throw new Error(`model ${model.dir}: manifest has no 'parity' entry (file + tolerance)`);
  const fixture = JSON.parse(await readFile(join(model.dir, spec.file), "utf8")) as ParityFixture;
  const V = m.views.length;
  const { encoder } = onnxGraphs(m);
  const D = encoder.outputs[0].shape[1] as number;
  const S = m.image.width;
  const image = new Tensor("float32", pattern(2 * 3 * S * S, 0), [2, 3, S, S]);
  const enc = await model.encoder.run({ [encoder.inputs[0].name]: image });
  const roles = ["start", "goal", "before", "after"] as const;
  const feeds: Record<string, Tensor> = Object.fromEntries(
    roles.map((r, k) => [r, new Tensor("float32", pattern(2 * V * D, k + 1), [2, V, D])]),
  );
  feeds.view_mask = new Tensor("float32", Float32Array.from(fixture.view_mask.flat()), [2, V]);
  const head = await model.head.run(feeds);
  const diff = (actual: Float32Array, expected: number[][]) => {
    const flat = expected.flat();
    if (flat.length !== actual.length) return Number.POSITIVE_INFINITY;
    return flat.reduce((mx, e, i) => Math.max(mx, Math.abs(e - actual[i])), 0);
  };
  const maxAbsDiff = {
    embedding: diff(enc[encoder.outputs[0].name].data as Float32Array, fixture.embedding),
    hop_logits: diff(head.hop_logits.data as Float32Array, fixture.hop_logits),
    stage_logits: diff(head.stage_logits.data as Float32Array, fixture.stage_logits),
  };
  return {
    maxAbsDiff,
    tolerance: spec.tolerance,
    ok: Object.values(maxAbsDiff).every((d) => d <= spec.tolerance),
  };
}
