// Writes a grm model folder (models/CONTRACT.md, kind grm) for tests and benchmarks: solid-colour goal images.
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import sharp from "sharp";
import { sha256Hex, type GrmSpec } from "../manifest.js";

export type Rgb = readonly [number, number, number];

export interface GrmModelOptions {
  readonly views: readonly string[];
  /** Goal image colour per view. */
  readonly goalColours: readonly Rgb[];
  readonly size?: number;
  readonly instruction?: string;
  readonly grm?: Partial<GrmSpec>;
  readonly stages?: readonly string[];
}

export const solidPng = (size: number, [r, g, b]: Rgb): Promise<Buffer> =>
  sharp({ create: { width: size, height: size, channels: 3, background: { r, g, b } } })
    .png()
    .toBuffer();

export async function writeGrmModel(dir: string, o: GrmModelOptions): Promise<string> {
  const size = o.size ?? 32;
  await mkdir(join(dir, "goals", "t"), { recursive: true });
  const files: Record<string, string> = {};
  const goal: Record<string, string> = {};
  for (const [v, view] of o.views.entries()) {
    const file = `goals/t/${view}.png`;
    const png = await solidPng(size, o.goalColours[v]);
    await writeFile(join(dir, file), png);
    files[file] = sha256Hex(png);
    goal[view] = file;
  }
  const grm: GrmSpec = {
    endpoint: "http://127.0.0.1:9/v1",
    served_model: "test-grm",
    prompt: "Task: {task}. Say how far AFTER progressed from BEFORE as <score>+NN%</score>.",
    slots: {
      front: o.views[0],
      left_wrist: o.views[1] ?? o.views[0],
      right_wrist: o.views[2] ?? o.views[0],
    },
    max_side: 1024,
    max_pixels: 1024 * 1024,
    jpeg_quality: 95,
    timeout_ms: 2000,
    max_in_flight: 6,
    temperature: 0,
    max_tokens: 32,
    ...o.grm,
  };
  const manifest = {
    name: "test_grm",
    description: "grm test model",
    kind: "grm",
    contract_version: 1,
    views: o.views,
    image: { width: size, height: size, channels: 3, resize: "fill", mean: [0, 0, 0], std: [1, 1, 1] },
    grm,
    tasks: {
      t: { stages: o.stages ?? ["a", "b"], instruction: o.instruction ?? "stack the red cube", goal },
    },
    default_task: "t",
    training: {},
    metrics: {},
    files,
  };
  await writeFile(join(dir, "manifest.json"), JSON.stringify(manifest, null, 2));
  return dir;
}
