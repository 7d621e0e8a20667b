import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { Tensor } from "onnxruntime-node";
import { hopBinCenters, hopFromLogits, softmaxInto, type HopEstimate } from "./hop.js";
import type { RewardModel } from "./model.js";
import type { Preprocessor } from "./preprocess.js";

/** The model produced NaN or ±Inf: reported per step, the node keeps going. */
export class ModelOutputError extends Error {
  constructor(graph: string, output: string, index: number, value: number) {
    super(`model ${graph} output '${output}' has ${value} at index ${index}`);
    this.name = "ModelOutputError";
  }
}

export interface HopStep {
  readonly incremental: HopEstimate;
  readonly forward: HopEstimate;
  readonly backward: HopEstimate;
  /** Stage probabilities of the current state (mean over the three head rows). */
  readonly stageProbabilities: Float32Array;
  readonly encoderMs: number;
  readonly headMs: number;
}

function assertFinite(graph: string, name: string, data: Float32Array): void {
  for (let i = 0; i < data.length; i++) {
    if (!Number.isFinite(data[i])) throw new ModelOutputError(graph, name, i, data[i]);
  }
}

/**
 * Runs a hop model (models/CONTRACT.md) one step at a time. Only the new frames go through the encoder;
 * the episode's START embeddings (first frame of each view after an episode start), the task's GOAL
 * embeddings and the previous step's embeddings come from caches. The three hops of DESIGN §4
 * (previous→now, start→now, goal→now) are one head call with batch 3.
 */
export class HopScorer {
  private readonly V: number;
  private readonly D: number;
  private readonly imageSize: number;
  private readonly images: Float32Array;
  private readonly current: Float32Array;
  private readonly start: Float32Array;
  private readonly previous: Float32Array;
  private readonly hasStart: boolean[];
  private readonly hasPrevious: boolean[];
  private readonly goals = new Map<string, Float32Array>();
  private goal: Float32Array | undefined;
  private taskName: string | undefined;
  private readonly head: Record<"start" | "goal" | "before" | "after" | "view_mask", Float32Array>;
  private readonly centers: Float64Array;
  private readonly stages: Float32Array;
  private readonly rowProbabilities: Float32Array;

  constructor(
    private readonly model: RewardModel,
    private readonly preprocessor: Preprocessor,
  ) {
    const m = model.manifest;
    this.V = m.views.length;
    this.D = m.encoder.outputs[0].shape[1] as number;
    this.imageSize = preprocessor.size;
    this.images = new Float32Array(this.V * this.imageSize);
    this.current = new Float32Array(this.V * this.D);
    this.start = new Float32Array(this.V * this.D);
    this.previous = new Float32Array(this.V * this.D);
    this.hasStart = new Array<boolean>(this.V).fill(false);
    this.hasPrevious = new Array<boolean>(this.V).fill(false);
    const rows = 3 * this.V * this.D;
    this.head = {
      start: new Float32Array(rows),
      goal: new Float32Array(rows),
      before: new Float32Array(rows),
      after: new Float32Array(rows),
      view_mask: new Float32Array(3 * this.V),
    };
    this.centers = hopBinCenters(m.hop_bins);
    const K = m.tasks[m.default_task].stages.length;
    this.stages = new Float32Array(K);
    this.rowProbabilities = new Float32Array(K);
  }

  get task(): string | undefined {
    return this.taskName;
  }

  get stageNames(): readonly string[] {
    return this.model.manifest.tasks[this.taskName ?? this.model.manifest.default_task].stages;
  }

  /** Selects the task whose GOAL images anchor the backward hop; their embeddings are computed once. */
  async useTask(task: string): Promise<void> {
    const spec = this.model.manifest.tasks[task];
    if (!spec) {
      throw new Error(
        `task '${task}' is not in model '${this.model.manifest.name}' (tasks: ${Object.keys(this.model.manifest.tasks).join(", ")})`,
      );
    }
    let goal = this.goals.get(task);
    if (!goal) {
      const images = new Float32Array(this.V * this.imageSize);
      await Promise.all(
        this.model.manifest.views.map(async (view, v) => {
          const data = await readFile(join(this.model.dir, spec.goal[view]));
          const message = { header: { stamp: { sec: 0, nanosec: 0 }, frame_id: "" }, format: "png", data };
          await this.preprocessor.toTensor(
            `goal image ${spec.goal[view]}`,
            { kind: "CompressedImage", message },
            images,
            v * this.imageSize,
          );
        }),
      );
      goal = await this.encode(images, this.V);
      this.goals.set(task, goal);
    }
    this.goal = goal;
    this.taskName = task;
  }

  /** Forget START and previous frames: the next step's frames become the episode's START. */
  startEpisode(): void {
    this.hasStart.fill(false);
    this.hasPrevious.fill(false);
  }

  /** The reused encoder input: `count` consecutive image slots, filled by the caller before `score`. */
  imageSlots(count: number): Float32Array {
    return this.images.subarray(0, count * this.imageSize);
  }

  /** Scores the step whose views `views[i]` were written into image slot i. */
  async score(views: readonly number[]): Promise<HopStep> {
    if (!this.goal) throw new Error("no task selected: call useTask() first");
    if (views.length === 0) throw new Error("a step needs at least one view");
    const { V, D } = this;
    const t0 = performance.now();
    const embeddings = await this.encode(this.images, views.length);
    const t1 = performance.now();
    const present = new Array<boolean>(V).fill(false);
    views.forEach((v, i) => {
      present[v] = true;
      this.current.set(embeddings.subarray(i * D, (i + 1) * D), v * D);
    });
    const h = this.head;
    h.view_mask.fill(0);
    for (let row = 0; row < 3; row++) {
      for (let v = 0; v < V; v++) {
        const o = (row * V + v) * D;
        const e = v * D;
        if (!present[v]) {
          for (const name of ["start", "goal", "before", "after"] as const) h[name].fill(0, o, o + D);
          continue;
        }
        h.view_mask[row * V + v] = 1;
        const start = this.hasStart[v] ? this.start : this.current;
        const prev = this.hasPrevious[v] ? this.previous : start;
        h.start.set(start.subarray(e, e + D), o);
        h.goal.set(this.goal.subarray(e, e + D), o);
        h.after.set(this.current.subarray(e, e + D), o);
        const before = row === 0 ? prev : row === 1 ? start : this.goal;
        h.before.set(before.subarray(e, e + D), o);
      }
    }
    const shape = [3, V, D];
    const out = await this.model.head.run({
      start: new Tensor("float32", h.start, shape),
      goal: new Tensor("float32", h.goal, shape),
      before: new Tensor("float32", h.before, shape),
      after: new Tensor("float32", h.after, shape),
      view_mask: new Tensor("float32", h.view_mask, [3, V]),
    });
    const t2 = performance.now();
    const hop = out.hop_logits.data as Float32Array;
    const stage = out.stage_logits.data as Float32Array;
    assertFinite("head", "hop_logits", hop);
    assertFinite("head", "stage_logits", stage);
    const K = this.stages.length;
    const bins = this.centers.length;
    this.stages.fill(0);
    for (let row = 0; row < 3; row++) {
      softmaxInto(stage, row * K, this.rowProbabilities);
      for (let k = 0; k < K; k++) this.stages[k] += this.rowProbabilities[k] / 3;
    }
    // Caches move only after the whole step succeeded, so a bad output does not poison the next step.
    for (const v of views) {
      if (!this.hasStart[v]) {
        this.start.set(this.current.subarray(v * D, (v + 1) * D), v * D);
        this.hasStart[v] = true;
      }
      this.previous.set(this.current.subarray(v * D, (v + 1) * D), v * D);
      this.hasPrevious[v] = true;
    }
    return {
      incremental: hopFromLogits(hop, 0, this.centers),
      forward: hopFromLogits(hop, bins, this.centers),
      backward: hopFromLogits(hop, 2 * bins, this.centers),
      stageProbabilities: this.stages,
      encoderMs: t1 - t0,
      headMs: t2 - t1,
    };
  }

  private async encode(images: Float32Array, count: number): Promise<Float32Array> {
    const m = this.model.manifest;
    const input = new Tensor("float32", images.subarray(0, count * this.imageSize), [
      count,
      3,
      m.image.height,
      m.image.width,
    ]);
    const out = await this.model.encoder.run({ [m.encoder.inputs[0].name]: input });
    const data = out[m.encoder.outputs[0].name].data as Float32Array;
    assertFinite("encoder", m.encoder.outputs[0].name, data);
    return data;
  }
}
