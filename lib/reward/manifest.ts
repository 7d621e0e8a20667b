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

/** models/<name>/manifest.json, the model contract of DESIGN §4 (see models/CONTRACT.md). */
export const manifestSchema = z.object({
  name: z.string().min(1),
  description: z.string(),
  kind: z.literal("hop"),
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
  encoder: graphSpec,
  head: graphSpec,
  hop_bins: z.number().int().min(2),
  tasks: z.record(
    z.string(),
    z.object({ stages: z.array(z.string().min(1)).min(1), goal: z.record(z.string(), z.string()) }),
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

function checkConsistency(dir: string, m: ModelManifest): void {
  const fail = (problem: string): never => {
    throw new ModelContractError(dir, problem);
  };
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
  if (m.encoder.inputs.length !== 1 || m.encoder.outputs.length !== 1) {
    fail(`${m.encoder.file}: the encoder has one input (image) and one output (embedding)`);
  }
  const [image] = m.encoder.inputs;
  const [embedding] = m.encoder.outputs;
  expectShape(m.encoder, image, ["batch", 3, m.image.height, m.image.width]);
  const D = embedding.shape[1];
  if (embedding.shape.length !== 2 || typeof D !== "number")
    fail(`${m.encoder.file}: embedding must be [batch, D]`);
  for (const name of ["start", "goal", "before", "after"])
    expectShape(m.head, input(m.head, name), ["batch", V, D as number]);
  expectShape(m.head, input(m.head, "view_mask"), ["batch", V]);
  if (m.head.inputs.length !== 5) fail(`${m.head.file}: the hop head has exactly 5 inputs`);
  expectShape(m.head, output(m.head, "hop_logits"), ["batch", m.hop_bins]);
  const stageLogits = output(m.head, "stage_logits");
  if (!m.tasks[m.default_task]) fail(`default_task '${m.default_task}' is not in tasks`);
  for (const [task, spec] of Object.entries(m.tasks)) {
    expectShape(m.head, stageLogits, ["batch", spec.stages.length]);
    for (const view of m.views) {
      const file = spec.goal[view];
      if (!file) fail(`tasks.${task}.goal has no image for view '${view}'`);
      if (!m.files[file]) fail(`tasks.${task}.goal.${view}: '${file}' is not listed in files`);
    }
  }
  for (const g of [m.encoder, m.head]) if (!m.files[g.file]) fail(`'${g.file}' is not listed in files`);
}
