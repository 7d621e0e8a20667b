import { Tensor } from "onnxruntime-node";
import { onnxGraphs, type GraphSpec } from "./manifest.js";
import type { RewardModel } from "./model.js";
import type { Preprocessor } from "./preprocess.js";

/** The model produced NaN or ±Inf: reported per step, the node keeps going. */
export class ModelOutputError extends Error {
  constructor(graph: string, output: string, index: number, value: number) {
    super(`model ${graph} output '${output}' has ${value} at index ${index}`);
    this.name = "ModelOutputError";
  }
}

function assertFinite(graph: string, name: string, data: Float32Array): void {
  for (let i = 0; i < data.length; i++) {
    if (!Number.isFinite(data[i])) throw new ModelOutputError(graph, name, i, data[i]);
  }
}

/** Output `name` of a `graph` run, checked to be all finite before anything uses it. */
export function finiteOutput(
  graph: string,
  out: Readonly<Record<string, Tensor>>,
  name: string,
): Float32Array {
  const data = out[name].data as Float32Array;
  assertFinite(graph, name, data);
  return data;
}

/** One step's progress estimate, whatever the kind of model. */
export interface Estimate {
  /** Φ of the current state, in [0, 1]. */
  readonly phi: number;
  /** Which potential Φ is (DenseReward.potential). */
  readonly potential: string;
  readonly stage: number;
  readonly stageProbabilities: Float32Array;
  readonly stageProgress: number;
  /** In [0, 1]; scaled down by the share of views missing. */
  readonly confidence: number;
  readonly encoderMs: number;
  readonly headMs: number;
}

/** What the pipeline needs from a model kind (models/CONTRACT.md): frames of a step in, Φ out. */
export interface PotentialEstimator {
  readonly task: string | undefined;
  readonly stageNames: readonly string[];
  /** Selects the task (goal images, stage names); throws for a task the model does not know. */
  useTask(task: string): Promise<void>;
  /** Φ and every reference restart: the next step's frames are the episode's START. */
  startEpisode(): void;
  /** The reused encoder input: `count` consecutive image slots, filled by the caller before `estimate`. */
  imageSlots(count: number): Float32Array;
  /** Estimates the step whose views `views[i]` were written into image slot i. */
  estimate(views: readonly number[]): Promise<Estimate>;
}

/** The image encoder of a model and its reused input buffer (one slot per view). */
export class FrameEncoder {
  readonly embeddingSize: number;
  private readonly images: Float32Array;
  private readonly graph: GraphSpec;

  constructor(
    private readonly model: RewardModel,
    readonly preprocessor: Preprocessor,
  ) {
    this.graph = onnxGraphs(model.manifest).encoder;
    this.embeddingSize = this.graph.outputs[0].shape[1] as number;
    this.images = new Float32Array(model.manifest.views.length * preprocessor.size);
  }

  slots(count: number): Float32Array {
    return this.images.subarray(0, count * this.preprocessor.size);
  }

  /** Embeddings [count, D] of the first `count` slots of `images` (default: the shared buffer). */
  async encode(count: number, images: Float32Array = this.images): Promise<Float32Array> {
    const m = this.model.manifest;
    const input = new Tensor("float32", images.subarray(0, count * this.preprocessor.size), [
      count,
      3,
      m.image.height,
      m.image.width,
    ]);
    const out = await this.model.encoder.run({ [this.graph.inputs[0].name]: input });
    return finiteOutput("encoder", out, this.graph.outputs[0].name);
  }
}

/**
 * What every model kind's scorer shares: the frame encoder over the model's views, its current-step
 * embedding buffer, and the selected task whose stage names the reward messages carry.
 */
export abstract class EncoderScorer implements PotentialEstimator {
  protected readonly encoder: FrameEncoder;
  protected readonly V: number;
  protected readonly D: number;
  protected readonly current: Float32Array;
  protected taskName: string | undefined;

  constructor(
    protected readonly model: RewardModel,
    preprocessor: Preprocessor,
    kind: RewardModel["manifest"]["kind"],
  ) {
    if (model.manifest.kind !== kind)
      throw new Error(`model '${model.manifest.name}' is not a ${kind} model`);
    this.encoder = new FrameEncoder(model, preprocessor);
    this.V = model.manifest.views.length;
    this.D = this.encoder.embeddingSize;
    this.current = new Float32Array(this.V * this.D);
  }

  get task(): string | undefined {
    return this.taskName;
  }

  get stageNames(): readonly string[] {
    return this.model.manifest.tasks[this.taskName ?? this.model.manifest.default_task].stages;
  }

  imageSlots(count: number): Float32Array {
    return this.encoder.slots(count);
  }

  abstract useTask(task: string): Promise<void>;
  abstract startEpisode(): void;
  abstract estimate(views: readonly number[]): Promise<Estimate>;
}

/** Index of the largest probability. */
export function argmax(p: ArrayLike<number>): number {
  let best = 0;
  for (let k = 1; k < p.length; k++) if (p[k] > p[best]) best = k;
  return best;
}

/** Progress within `stage` of the `stageCount` stages, each stage an equal share of Φ (DESIGN §4), in [0, 1]. */
export function progressInStage(phi: number, stageCount: number, stage: number): number {
  return Math.min(1, Math.max(0, phi * stageCount - stage));
}
