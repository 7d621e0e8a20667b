import { existsSync } from "node:fs";
import { readFile, rm, writeFile } from "node:fs/promises";
import { basename, join } from "node:path";
import type { Logger } from "../../lib/node/log.js";
import { loadManifest } from "../../lib/reward/manifest.js";
import { packagePath } from "../../lib/paths.js";
import { recordEpisodes } from "../../sim/record.js";
import type { TaskName } from "../../sim/tasks/index.js";
import { sealModel } from "../card.js";
import { writeDataset } from "../data/dataset.js";
import { hasGroundTruth } from "../data/annotatedBag.js";
import { writeAnnotatedDataset } from "../data/annotatedDataset.js";
import { TRAINING_JPEG } from "../data/simRecordings.js";
import { variantByName } from "../data/variants.js";
import type { EvalOutput } from "../eval/run.js";
import { runPython } from "./pipeline.js";

export const ADAPT_TUNES = ["head", "all"] as const;
export type AdaptTune = (typeof ADAPT_TUNES)[number];

export interface AdaptOptions {
  readonly model: string;
  /**
   * One-episode demonstration: a sim recording (MCAP with ground truth) of the variant, or a real bag
   * labelled by its stage annotations (models/data/annotatedBag.ts).
   */
  readonly demo: string;
  readonly out: string;
  readonly steps: number;
  /** Keep every n-th step of the demo (default: the model's frame_stride for a sim demo, 1 for a real bag). */
  readonly stride?: number;
  /** A real bag's camera topic for each view of the adapted model (default: every camera topic, by name). */
  readonly cameras?: readonly string[];
  /** Fine-tune the head only (the encoder, batch-norm statistics included, stays as trained) or all weights. */
  readonly tune: AdaptTune;
  readonly data: string;
  readonly python: string;
  readonly threads: number;
  readonly log: Logger;
}

/**
 * One-shot adaptation: fine-tunes a trained hop model (its checkpoint.pt) on hop pairs drawn from a single
 * expert demonstration, and takes the demonstration's last frame as the new GOAL reference. The demo goes
 * through the same MCAP → dataset exporter as any recording.
 */
export async function adaptModel(o: AdaptOptions): Promise<void> {
  const loaded = await loadManifest(o.model);
  const m = loaded.manifest;
  const checkpoint = join(o.model, "checkpoint.pt");
  if (!existsSync(checkpoint)) throw new Error(`model ${o.model}: no checkpoint.pt to adapt from`);
  const raw = JSON.parse(await readFile(join(o.model, "manifest.json"), "utf8")) as { frame_stride?: number };
  if (!existsSync(o.demo)) throw new Error(`${o.demo}: no such demonstration file or bag folder`);
  await rm(o.data, { recursive: true, force: true });
  const real = !(await hasGroundTruth(o.demo));
  let views: readonly string[] = m.views;
  let task = m.default_task;
  if (real) {
    // A real recording: labels from its stage annotations, views and stages from the data (the adapted
    // model serves the robot's cameras by their names), every frame group kept unless --stride says.
    const summary = await writeAnnotatedDataset([o.demo], {
      out: o.data,
      size: m.image.width,
      stride: o.stride ?? 1,
      cameras: o.cameras,
    });
    if (summary.episodes !== 1)
      throw new Error(
        `${o.demo}: a one-shot demo holds exactly one annotated episode, found ${summary.episodes} (annotations.yaml)`,
      );
    views = summary.views;
    task = Object.keys(summary.tasks)[0]!;
    o.log.info(
      `${o.demo}: ${summary.frames} frame groups, views ${views.join(", ")}, task '${task}' with ${summary.tasks[task]!.length} stages`,
    );
  } else {
    const summary = await writeDataset([{ path: o.demo, task: m.default_task, policy: "demo", seed: 0 }], {
      out: o.data,
      views: m.views,
      size: m.image.width,
      stride: o.stride ?? raw.frame_stride ?? 1,
    });
    if (summary.episodes !== 1) {
      throw new Error(
        `${o.demo}: a one-shot demo holds exactly one episode of '${m.default_task}', found ${summary.episodes}`,
      );
    }
    const meta = JSON.parse(await readFile(join(o.data, "dataset.json"), "utf8")) as {
      episodes: { success: boolean }[];
    };
    if (!meta.episodes[0].success)
      throw new Error(`${o.demo}: the demonstration does not reach the goal (no success)`);
  }
  const started = Date.now();
  await rm(o.out, { recursive: true, force: true });
  await runPython(o.python, [
    packagePath("models", "train", "train.py"),
    "--data",
    o.data,
    "--init",
    checkpoint,
    "--out",
    o.out,
    "--exact-out",
    "--steps",
    String(o.steps),
    "--lr",
    "5e-4",
    "--episodes-per-step",
    "1",
    "--frames-per-episode",
    "16",
    "--threads",
    String(o.threads),
    ...(o.tune === "head" ? ["--freeze-encoder"] : []),
  ]);
  await sealModel(o.out, (manifest) => {
    const training = manifest.training as Record<string, unknown>;
    training.adapted_from = { model: m.name, sha256: loaded.sha256, demo: basename(o.demo) };
    training.tuned = o.tune;
    training.adapt_seconds = Math.round((Date.now() - started) / 1000);
    if (real) training.real = { demo: o.demo, views, task, labels: "stage annotations (DESIGN §4)" };
    manifest.description = real
      ? `'${m.name}' adapted in one shot to the real demonstration ${basename(o.demo)} (task '${task}', views ${views.join(", ")}; labels from its stage annotations).`
      : `'${m.name}' adapted in one shot to the demonstration ${basename(o.demo)} (README.md is the model card).`;
  });
}

/** Records a one-episode expert demonstration of a held-out variant with the sim's recorder. */
export async function recordVariantDemo(
  task: TaskName,
  variant: string,
  seed: number,
  size: number,
  out: string,
): Promise<void> {
  const spec = variantByName(variant);
  const summary = await recordEpisodes({
    task,
    seed,
    episodes: 1,
    policy: "expert",
    width: size,
    height: size,
    randomization: spec.randomization,
    compressed: true,
    jpegQuality: TRAINING_JPEG.quality,
    jpegChromaSubsampling: TRAINING_JPEG.chromaSubsampling,
    out,
  });
  if (summary.successes !== 1) throw new Error(`the ${variant} demonstration (seed ${seed}) did not succeed`);
}

/** Model card of an adapted model: what it was adapted from and the variant's VOC before and after. */
export async function writeAdaptedCard(
  dir: string,
  variant: string,
  before: EvalOutput,
  after: EvalOutput,
): Promise<void> {
  const manifest = JSON.parse(await readFile(join(dir, "manifest.json"), "utf8"));
  const task = manifest.default_task as string;
  const row = (name: string, r: EvalOutput) => {
    const a = r.tasks[task].all;
    return `| ${name} | ${a.voc ?? "–"} | ${a.voc_monotone ?? "–"} | ${a.vroc ?? "–"} | ${a.completion_accuracy ?? "–"} | ${a.progress_mae ?? "–"} |`;
  };
  const ceiling = after.ceiling.tasks[task];
  const from = manifest.training.adapted_from;
  const card = `# ${manifest.name}: one-shot adaptation of \`${from.model}\` to the variant \`${variant}\`

${variantByName(variant).description}. Adapted from \`${from.model}\` (manifest sha256 ${from.sha256.slice(0, 12)}) with one
expert demonstration (\`${from.demo}\`): ${manifest.training.steps} fine-tuning steps on hop pairs of that one episode
(learning rate 5e-4, ${manifest.training.tuned === "head" ? "head only, encoder frozen" : "all weights"}), and the demonstration's last frame as the GOAL reference. Same contract,
views, image size and frame stride as the source model.

## Held-out evaluation on the variant (\`process-reward eval --sim --variant ${variant}\`, ${JSON.stringify(after.source)})

| model | VOC | VOC, monotone episodes | VROC | completion acc. | mean abs(Φ − true) |
|---|---|---|---|---|---|
${row(`before (${from.model})`, before)}
${row(`after (${manifest.name})`, after)}
| true progress (ceiling) | ${ceiling.voc ?? "–"} | ${ceiling.voc_monotone ?? "–"} | – | ${ceiling.completion_accuracy ?? "–"} | 0 |

All views, fusion \`fused\`. The ceiling is what a perfect model scores on these episodes: successes after a
scripted drop, undo or wander have a true progress that falls for a while.
`;
  await writeFile(join(dir, "README.md"), card);
  await sealModel(dir, (m) => {
    m.metrics = {
      variant,
      before: before.tasks[task].all,
      after: after.tasks[task].all,
      ceiling,
      source: after.source,
    };
  });
}
