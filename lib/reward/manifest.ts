import { createHash } from "node:crypto";
import { readdir, readFile } from "node:fs/promises";
import { join, relative } from "node:path";
import { z } from "zod";

/** A model folder that does not match its manifest: says which file or field. */
export class ModelContractError extends Error {
  constructor(dir: string, problem: string) {
    super(`model ${dir}: ${problem}`);
    this.name = "ModelContractError";
  }
}

const tensorSpec = z.object({
  name: z.string().min(1),
  dtype: z.literal("float32"),
  shape: z.array(z.union([z.number().int().positive(), z.string().min(1)])).min(1),
});
export type TensorSpec = z.infer<typeof tensorSpec>;

const graphSpec = z.object({
  file: z.string().min(1),
  inputs: z.array(tensorSpec).min(1),
  outputs: z.array(tensorSpec).min(1),
});
export type GraphSpec = z.infer<typeof graphSpec>;

const triple = z.tuple([z.number(), z.number(), z.number()]);

/** The image slots of a GRM prompt's BEFORE and AFTER states (DESIGN §8), in prompt order. */
export const GRM_SLOTS = ["front", "left_wrist", "right_wrist"] as const;
export type GrmSlot = (typeof GRM_SLOTS)[number];

/** Kind `grm`: a generative reward model served behind an OpenAI-compatible chat-completions API. */
const grmSpec = z.object({
  /** Base URL of the API, e.g. http://127.0.0.1:8000/v1; the node's `grm_endpoint` parameter overrides it. */
  endpoint: z.url({ protocol: /^https?$/ }),
  /** The `model` field of each request (vLLM's --served-model-name). */
  served_model: z.string().min(1),
  /** Prompt text with a `{task}` placeholder; optionally 8 `<image>` markers where the images go. */
  prompt: z.string().min(1),
  /** Which model view fills each slot; the same view may fill several (one camera: all three). */
  slots: z.object({
    front: z.string().min(1),
    left_wrist: z.string().min(1),
    right_wrist: z.string().min(1),
  }),
  /** The server's image limits; `image.width`/`height` (the size images are sent at) must stay within. */
  max_side: z.number().int().positive(),
  max_pixels: z.number().int().positive(),
  jpeg_quality: z.number().int().min(1).max(100),
  timeout_ms: z.number().positive(),
  /** Requests in flight at most (each step sends up to 3). */
  max_in_flight: z.number().int().positive(),
  temperature: z.number().nonnegative(),
  max_tokens: z.number().int().positive(),
  /** Name of the environment variable holding the API key (sent as a Bearer token); none: no key. */
  api_key_env: z
    .string()
    .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "an environment variable name")
    .optional(),
});
export type GrmSpec = z.infer<typeof grmSpec>;

/** models/<name>/manifest.json, the model contract of DESIGN §4 (see models/CONTRACT.md). */
export const manifestSchema = z.object({
  name: z.string().min(1),
  description: z.string(),
  kind: z.enum(["hop", "stage", "grm"]),
  contract_version: z.literal(1),
  views: z.array(z.string().min(1)).min(1),
  image: z.object({
    width: z.number().int().positive(),
    height: z.number().int().positive(),
    channels: z.literal(3),
    resize: z.enum(["fill", "cover", "contain"]),
    mean: triple,
    std: z.tuple([z.number().positive(), z.number().positive(), z.number().positive()]),
  }),
  /** ONNX kinds (hop, stage) only. */
  encoder: graphSpec.optional(),
  head: graphSpec.optional(),
  /** Kind grm only: the served model and how requests are built. */
  grm: grmSpec.optional(),
  /** hop models: number of hop bins over [−1, 1]. */
  hop_bins: z.number().int().min(2).optional(),
  tasks: z.record(
    z.string(),
    z.object({
      stages: z.array(z.string().min(1)).min(1),
      /** grm models: the task instruction that fills the prompt's `{task}`. */
      instruction: z.string().min(1).optional(),
      /** hop and grm models: the reference GOAL image per view. */
      goal: z.record(z.string(), z.string()).optional(),
      /** stage models: each stage's share ᾱk of the task (default: equal shares). */
      stage_shares: z.array(z.number().positive()).optional(),
    }),
  ),
  default_task: z.string().min(1),
  training: z.record(z.string(), z.unknown()),
  metrics: z.record(z.string(), z.unknown()),
  files: z.record(z.string(), z.string().regex(/^[0-9a-f]{64}$/, "a lowercase hex sha256")),
});
export type ModelManifest = z.infer<typeof manifestSchema>;

export interface LoadedManifest {
  readonly dir: string;
  readonly manifest: ModelManifest;
  /** sha256 of manifest.json, which pins every other file: the model id. */
  readonly sha256: string;
}

export const sha256Hex = (data: Uint8Array): string => createHash("sha256").update(data).digest("hex");

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile()).map((e) => relative(dir, join(e.parentPath, e.name)));
}

/**
 * Reads and checks a model folder: schema, internal consistency (views, stages, goal images, sizes across
 * encoder and head), and the sha256 of every file. Any mismatch is refused with what and where.
 */
export async function loadManifest(dir: string): Promise<LoadedManifest> {
  let text: Buffer;
  try {
    text = await readFile(join(dir, "manifest.json"));
  } catch (err) {
    throw new ModelContractError(dir, `cannot read manifest.json (${(err as Error).message})`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text.toString("utf8"));
  } catch (err) {
    throw new ModelContractError(dir, `manifest.json is not JSON (${(err as Error).message})`);
  }
  const parsed = manifestSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ModelContractError(dir, `manifest.json field '${issue.path.join(".")}': ${issue.message}`);
  }
  const manifest = parsed.data;
  checkConsistency(dir, manifest);

  const present = new Set((await filesUnder(dir)).filter((f) => f !== "manifest.json"));
  for (const [file, expected] of Object.entries(manifest.files)) {
    if (!present.has(file))
      throw new ModelContractError(dir, `file '${file}' listed in manifest.json is missing`);
    const actual = sha256Hex(await readFile(join(dir, file)));
    if (actual !== expected) {
      throw new ModelContractError(dir, `sha256 of '${file}' is ${actual}, manifest.json says ${expected}`);
    }
    present.delete(file);
  }
  if (present.size > 0) {
    throw new ModelContractError(
      dir,
      `file(s) not listed in manifest.json 'files': ${[...present].join(", ")}`,
    );
  }
  return { dir, manifest, sha256: sha256Hex(text) };
}

/** The ONNX graphs of a hop or stage manifest; a grm manifest has none and is refused, naming the model. */
export function onnxGraphs(m: ModelManifest): { encoder: GraphSpec; head: GraphSpec } {
  if (!m.encoder || !m.head) throw new Error(`model '${m.name}' (kind ${m.kind}) has no ONNX graphs`);
  return { encoder: m.encoder, head: m.head };
}

/** The `<image>` markers a GRM prompt may carry, one per image of the request. */
export const GRM_IMAGE_MARKER = "<image>";

function checkGoals(m: ModelManifest, fail: (problem: string) => never): void {
  for (const [task, spec] of Object.entries(m.tasks)) {
    for (const view of m.views) {
      const file = spec.goal?.[view];
      if (!file) fail(`tasks.${task}.goal has no image for view '${view}'`);
      else if (!m.files[file]) fail(`tasks.${task}.goal.${view}: '${file}' is not listed in files`);
    }
  }
}

function checkGrm(m: ModelManifest, fail: (problem: string) => never): void {
  const g = m.grm ?? fail("a grm model needs the 'grm' section");
  if (m.encoder || m.head) fail("a grm model has no 'encoder' or 'head' (it is served, not ONNX)");
  if (m.hop_bins !== undefined) fail("hop_bins does not apply to a grm model (its hop is text)");
  if (!m.tasks[m.default_task]) fail(`default_task '${m.default_task}' is not in tasks`);
  if (!g.prompt.includes("{task}")) fail("grm.prompt has no '{task}' placeholder for the task instruction");
  const markers = g.prompt.split(GRM_IMAGE_MARKER).length - 1;
  if (markers !== 0 && markers !== 8) {
    fail(`grm.prompt has ${markers} '${GRM_IMAGE_MARKER}' markers: none (images after the text) or 8`);
  }
  for (const slot of GRM_SLOTS) {
    if (!m.views.includes(g.slots[slot])) {
      fail(`grm.slots.${slot}: '${g.slots[slot]}' is not a view (views: ${m.views.join(", ")})`);
    }
  }
  const { width, height } = m.image;
  if (Math.max(width, height) > g.max_side) {
    fail(`image ${width}×${height} exceeds grm.max_side ${g.max_side}`);
  }
  if (width * height > g.max_pixels) {
    fail(`image ${width}×${height} = ${width * height} pixels exceeds grm.max_pixels ${g.max_pixels}`);
  }
  for (const [task, spec] of Object.entries(m.tasks)) {
    if (!spec.instruction) fail(`tasks.${task}.instruction is required for a grm model`);
  }
  checkGoals(m, fail);
}

function checkConsistency(dir: string, m: ModelManifest): void {
  const fail = (problem: string): never => {
    throw new ModelContractError(dir, problem);
  };
  if (m.kind === "grm") return checkGrm(m, fail);
  if (m.grm) fail(`the 'grm' section applies to kind grm only (this is kind ${m.kind})`);
  if (!m.encoder) fail("manifest.json field 'encoder': required for a hop or stage model");
  if (!m.head) fail("manifest.json field 'head': required for a hop or stage model");
  const { encoder, head } = onnxGraphs(m);
  const V = m.views.length;
  const input = (g: GraphSpec, name: string): TensorSpec =>
    g.inputs.find((t) => t.name === name) ?? fail(`${g.file}: manifest lists no input '${name}'`);
  const output = (g: GraphSpec, name: string): TensorSpec =>
    g.outputs.find((t) => t.name === name) ?? fail(`${g.file}: manifest lists no output '${name}'`);
  const expectShape = (g: GraphSpec, t: TensorSpec, expected: (number | "batch")[]): void => {
    const ok =
      t.shape.length === expected.length &&
      t.shape.every((d, i) => (expected[i] === "batch" ? typeof d === "string" : d === expected[i]));
    if (!ok)
      fail(
        `${g.file}: '${t.name}' shape ${JSON.stringify(t.shape)}, contract needs ${JSON.stringify(expected)}`,
      );
  };
  if (encoder.inputs.length !== 1 || encoder.outputs.length !== 1) {
    fail(`${encoder.file}: the encoder has one input (image) and one output (embedding)`);
  }
  const [image] = encoder.inputs;
  const [embedding] = encoder.outputs;
  expectShape(encoder, image, ["batch", 3, m.image.height, m.image.width]);
  const D = embedding.shape[1];
  if (embedding.shape.length !== 2 || typeof D !== "number")
    fail(`${encoder.file}: embedding must be [batch, D]`);
  const stageLogits = output(head, "stage_logits");
  if (!m.tasks[m.default_task]) fail(`default_task '${m.default_task}' is not in tasks`);
  if (m.kind === "hop") {
    for (const name of ["start", "goal", "before", "after"]) {
      expectShape(head, input(head, name), ["batch", V, D as number]);
    }
    expectShape(head, input(head, "view_mask"), ["batch", V]);
    if (head.inputs.length !== 5) fail(`${head.file}: the hop head has exactly 5 inputs`);
    if (m.hop_bins === undefined) fail("hop_bins is required for a hop model");
    expectShape(head, output(head, "hop_logits"), ["batch", m.hop_bins as number]);
    if (head.outputs.length !== 2) fail(`${head.file}: the hop head has exactly 2 outputs`);
  } else {
    expectShape(head, input(head, "current"), ["batch", V, D as number]);
    expectShape(head, input(head, "view_mask"), ["batch", V]);
    if (head.inputs.length !== 2) fail(`${head.file}: the stage head has exactly 2 inputs`);
    expectShape(head, output(head, "stage_progress"), ["batch", 1]);
    if (head.outputs.length !== 2) fail(`${head.file}: the stage head has exactly 2 outputs`);
  }
  for (const [task, spec] of Object.entries(m.tasks)) {
    expectShape(head, stageLogits, ["batch", spec.stages.length]);
    if (spec.stage_shares) {
      const sum = spec.stage_shares.reduce((a, b) => a + b, 0);
      if (spec.stage_shares.length !== spec.stages.length || Math.abs(sum - 1) > 1e-6) {
        fail(`tasks.${task}.stage_shares must have one share per stage and sum to 1 (sum ${sum})`);
      }
    }
  }
  if (m.kind === "hop") checkGoals(m, fail);
  for (const g of [encoder, head]) if (!m.files[g.file]) fail(`'${g.file}' is not listed in files`);
}
