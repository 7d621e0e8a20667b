import { createWriteStream } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { once } from "node:events";
import sharp from "sharp";
import type { CameraMessage } from "../../lib/reward/preprocess.js";
import { readRecording, type RecordedEpisode } from "./recording.js";

/** One recording file and how it was made (kept in the dataset, and from there in the model manifest). */
export interface RecordingSource {
  readonly path: string;
  readonly task: string;
  readonly policy: string;
  /** Seed of the recording's first episode; episode i used seed + i. */
  readonly seed: number;
}

export interface DatasetOptions {
  readonly out: string;
  readonly views: readonly string[];
  /** Square side of the stored frames (the model's input size). */
  readonly size: number;
  /** Keep every `stride`-th step (and always the last one). */
  readonly stride: number;
}

export interface DatasetEpisode {
  task: string;
  policy: string;
  seed: number;
  success: boolean;
  /** Index of the episode's first frame in frames.u8, and how many frames it has. */
  first: number;
  count: number;
  steps: number[];
}

/**
 * A camera message → `size`×`size` RGB8 (HWC), resized with `fit: fill` as the manifest's `resize` says.
 * sharp decodes JPEG/PNG and resizes; raw `rgb8` is passed through it the same way.
 */
export async function toRgb8(topic: string, m: CameraMessage, size: number): Promise<Buffer> {
  let input;
  if (m.kind === "Image") {
    const img = m.message;
    if (img.encoding !== "rgb8" || img.step !== img.width * 3) {
      throw new Error(
        `${topic}: dataset export takes packed rgb8 images, got ${img.encoding} (step ${img.step})`,
      );
    }
    input = sharp(img.data, { raw: { width: img.width, height: img.height, channels: 3 } });
  } else {
    input = sharp(m.message.data, { failOn: "truncated" });
  }
  const { data, info } = await input
    .removeAlpha()
    .resize(size, size, { fit: "fill" })
    .raw()
    .toBuffer({ resolveWithObject: true });
  if (info.channels !== 3)
    throw new Error(`${topic}: decoded image has ${info.channels} channels, expected 3`);
  return data;
}

/** The steps kept for training: every `stride`-th one and the last (the outcome). */
export function subsample<T>(steps: readonly T[], stride: number): T[] {
  if (!(Number.isInteger(stride) && stride >= 1))
    throw new Error(`stride must be an integer ≥ 1, got ${stride}`);
  const kept = steps.filter((_, i) => i % stride === 0);
  if (steps.length > 0 && (steps.length - 1) % stride !== 0) kept.push(steps[steps.length - 1]);
  return kept;
}

/**
 * Sim recordings → a compact dataset that numpy reads without any MCAP/CDR code:
 *   frames.u8     uint8 [frames, views, size, size, 3], views in `options.views` order (zeros where absent)
 *   dataset.json  views, size, tasks (stage names), episodes, per-frame labels (stage, τ, progress, views present)
 * Progress labels are the sim's stage-aware ground truth Φ = (stage + τ)/K: every stage carries an equal share.
 */
export async function writeDataset(
  sources: readonly RecordingSource[],
  options: DatasetOptions,
): Promise<{
  frames: number;
  episodes: number;
}> {
  await mkdir(options.out, { recursive: true });
  const V = options.views.length;
  const frameBytes = V * options.size * options.size * 3;
  const file = createWriteStream(join(options.out, "frames.u8"));
  const tasks: Record<string, readonly string[]> = {};
  const episodes: DatasetEpisode[] = [];
  const labels = {
    stage: [] as number[],
    tau: [] as number[],
    progress: [] as number[],
    present: [] as number[][],
  };
  const blank = Buffer.alloc(options.size * options.size * 3);
  for (const source of sources) {
    let index = 0;
    for await (const ep of readRecording(source.path, options.views)) {
      checkTask(source, ep, tasks);
      const kept = subsample(ep.steps, options.stride);
      if (kept.length < 2) {
        index++;
        continue;
      }
      const first = labels.progress.length;
      for (const step of kept) {
        const frame = Buffer.alloc(frameBytes);
        const present: number[] = [];
        for (let v = 0; v < V; v++) {
          const m = step.images.get(options.views[v]);
          const pixels = m ? await toRgb8(`${source.path} ${options.views[v]}`, m, options.size) : blank;
          pixels.copy(frame, v * blank.length);
          present.push(m ? 1 : 0);
        }
        if (!file.write(frame)) await once(file, "drain");
        labels.stage.push(step.truth.stage);
        labels.tau.push(step.truth.stageProgress);
        labels.progress.push(step.truth.progress);
        labels.present.push(present);
      }
      episodes.push({
        task: ep.task,
        policy: source.policy,
        seed: source.seed + index,
        success: ep.success,
        first,
        count: kept.length,
        steps: kept.map((s) => s.step),
      });
      index++;
    }
  }
  file.end();
  await once(file, "finish");
  const meta = {
    views: options.views,
    height: options.size,
    width: options.size,
    stride: options.stride,
    tasks,
    source: sources.map(({ path, ...rest }) => ({ file: path.split("/").pop(), ...rest })),
    episodes,
    frames: labels,
  };
  await writeFile(join(options.out, "dataset.json"), JSON.stringify(meta));
  return { frames: labels.progress.length, episodes: episodes.length };
}

function checkTask(
  source: RecordingSource,
  ep: RecordedEpisode,
  tasks: Record<string, readonly string[]>,
): void {
  if (ep.task !== source.task) {
    throw new Error(
      `${source.path}: episode ${ep.id} is task '${ep.task}', the recording was listed as '${source.task}'`,
    );
  }
  const known = tasks[ep.task];
  if (known && known.join() !== ep.stageNames.join()) {
    throw new Error(
      `${source.path}: task '${ep.task}' stages [${ep.stageNames}] differ from [${known}] seen before`,
    );
  }
  tasks[ep.task] = ep.stageNames;
}
