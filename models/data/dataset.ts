import { createWriteStream, type WriteStream } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import { basename, join } from "node:path";
import { once } from "node:events";
import sharp from "sharp";
import type { CameraMessage } from "../../lib/image/cameraImage.js";
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

/** One kept step: ground truth and a `size`×`size` RGB8 frame per view (undefined where a view is absent). */
export interface DatasetStep {
  readonly stage: number;
  readonly stageProgress: number;
  readonly progress: number;
  readonly views: readonly (Uint8Array | undefined)[];
}

/**
 * A compact dataset that numpy reads without any MCAP/CDR code:
 *   frames.u8     uint8 [frames, views, size, size, 3], views in `options.views` order (zeros where absent)
 *   dataset.json  views, size, stride, tasks (stage names), sources, episodes, per-frame labels
 *                 (stage, τ, progress Φ = (stage + τ)/K, views present)
 * Progress labels are the sim's stage-aware ground truth: every stage carries an equal share of progress.
 */
export class DatasetWriter {
  private readonly file: WriteStream;
  private readonly tasks: Record<string, readonly string[]> = {};
  private readonly episodes: DatasetEpisode[] = [];
  private readonly labels = {
    stage: [] as number[],
    tau: [] as number[],
    progress: [] as number[],
    present: [] as number[][],
  };
  private readonly plane: number;

  constructor(private readonly options: DatasetOptions) {
    this.file = createWriteStream(join(options.out, "frames.u8"));
    this.plane = options.size * options.size * 3;
  }

  static async create(options: DatasetOptions): Promise<DatasetWriter> {
    await mkdir(options.out, { recursive: true });
    return new DatasetWriter(options);
  }

  get frames(): number {
    return this.labels.progress.length;
  }

  async addEpisode(
    meta: Omit<DatasetEpisode, "first" | "count" | "steps"> & { stageNames: readonly string[] },
    steps: readonly DatasetStep[],
    stepIndices: readonly number[],
  ): Promise<void> {
    const known = this.tasks[meta.task];
    if (known && known.join() !== meta.stageNames.join()) {
      throw new Error(`task '${meta.task}' stages [${meta.stageNames}] differ from [${known}] seen before`);
    }
    this.tasks[meta.task] = meta.stageNames;
    const V = this.options.views.length;
    const first = this.frames;
    for (const step of steps) {
      const frame = Buffer.alloc(V * this.plane);
      step.views.forEach((pixels, v) => {
        if (!pixels) return;
        if (pixels.length !== this.plane) {
          throw new Error(
            `${meta.task} seed ${meta.seed} view ${this.options.views[v]}: ${pixels.length} bytes, expected ${this.plane}`,
          );
        }
        frame.set(pixels, v * this.plane);
      });
      if (!this.file.write(frame)) await once(this.file, "drain");
      this.labels.stage.push(step.stage);
      this.labels.tau.push(step.stageProgress);
      this.labels.progress.push(step.progress);
      this.labels.present.push(step.views.map((p) => (p ? 1 : 0)));
    }
    this.episodes.push({
      task: meta.task,
      policy: meta.policy,
      seed: meta.seed,
      success: meta.success,
      first,
      count: steps.length,
      steps: [...stepIndices],
    });
  }

  async finish(source: unknown): Promise<{ frames: number; episodes: number }> {
    this.file.end();
    await once(this.file, "finish");
    const meta = {
      views: this.options.views,
      height: this.options.size,
      width: this.options.size,
      stride: this.options.stride,
      tasks: this.tasks,
      source,
      episodes: this.episodes,
      frames: this.labels,
    };
    await writeFile(join(this.options.out, "dataset.json"), JSON.stringify(meta));
    return { frames: this.frames, episodes: this.episodes.length };
  }
}

/** Sim recordings (MCAP) → dataset: frames decoded and resized with sharp, every `stride`-th step kept. */
export async function writeDataset(
  sources: readonly RecordingSource[],
  options: DatasetOptions,
  /** How the recordings were made, kept in dataset.json (default: the list of sources). */
  provenance?: unknown,
): Promise<{ frames: number; episodes: number }> {
  const writer = await DatasetWriter.create(options);
  await addRecordings(writer, sources, options);
  return writer.finish(provenance ?? sources.map(({ path, ...rest }) => ({ file: basename(path), ...rest })));
}

/** Adds the episodes of sim recordings (MCAP) to a dataset being written, as `writeDataset` does. */
export async function addRecordings(
  writer: DatasetWriter,
  sources: readonly RecordingSource[],
  options: Omit<DatasetOptions, "out">,
): Promise<void> {
  for (const source of sources) {
    let index = 0;
    for await (const ep of readRecording(source.path, options.views)) {
      checkTask(source, ep);
      const kept = subsample(ep.steps, options.stride);
      if (kept.length >= 2) {
        const steps: DatasetStep[] = [];
        for (const step of kept) {
          const views = await Promise.all(
            options.views.map((v) => {
              const m = step.images.get(v);
              return m ? toRgb8(`${source.path} ${v}`, m, options.size) : undefined;
            }),
          );
          steps.push({ ...step.truth, views });
        }
        await writer.addEpisode(
          {
            task: ep.task,
            stageNames: ep.stageNames,
            policy: source.policy,
            seed: source.seed + index,
            success: ep.success,
          },
          steps,
          kept.map((s) => s.step),
        );
      }
      index++;
    }
  }
}

function checkTask(source: RecordingSource, ep: RecordedEpisode): void {
  if (ep.task !== source.task) {
    throw new Error(
      `${source.path}: episode ${ep.id} is task '${ep.task}', the recording was listed as '${source.task}'`,
    );
  }
}
