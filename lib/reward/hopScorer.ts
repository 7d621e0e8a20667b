import { Tensor } from "onnxruntime-node";
import { argmax, EncoderScorer, finiteOutput, progressInStage, type Estimate } from "./estimator.js";
import type { PotentialFusion } from "./fusion.js";
import { hopBinCenters, hopFromLogits, softmaxInto } from "./hop.js";
import type { RewardModel } from "./model.js";
import { cachedTaskGoal } from "./goalImages.js";
import type { Preprocessor } from "./preprocess.js";

/**
 * Runs a hop model (models/CONTRACT.md) one step at a time. Only the new frames go through the encoder;
 * the episode's START embeddings (first frame of each view after an episode start), the task's GOAL
 * embeddings and the previous step's embeddings come from caches. The three hops of DESIGN §4
 * (previous→now, start→now, goal→now) are one head call with batch 3; the fusion turns them into Φ.
 */
export class HopScorer extends EncoderScorer {
  private readonly start: Float32Array;
  private readonly previous: Float32Array;
  private readonly hasStart: boolean[];
  private readonly hasPrevious: boolean[];
  private readonly goals = new Map<string, Float32Array>();
  private goal: Float32Array | undefined;
  private readonly head: Record<"start" | "goal" | "before" | "after" | "view_mask", Float32Array>;
  private readonly centers: Float64Array;
  private readonly rowProbabilities: Float32Array;
  private readonly K: number;

  constructor(
    model: RewardModel,
    private readonly preprocessor: Preprocessor,
    private readonly fusion: PotentialFusion,
  ) {
    super(model, preprocessor, "hop");
    const m = model.manifest;
    if (m.hop_bins === undefined) throw new Error(`model '${m.name}' is not a hop model`);
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
    this.K = m.tasks[m.default_task].stages.length;
    this.rowProbabilities = new Float32Array(this.K);
  }

  /** Selects the task whose GOAL images anchor the backward hop; their embeddings are computed once. */
  async useTask(task: string): Promise<void> {
    this.goal = await cachedTaskGoal(this.goals, this.model, this.preprocessor, task, async (images) =>
      Float32Array.from(await this.encoder.encode(this.V, images)),
    );
    this.taskName = task;
  }

  startEpisode(): void {
    this.hasStart.fill(false);
    this.hasPrevious.fill(false);
    this.fusion.reset();
  }

  async estimate(views: readonly number[]): Promise<Estimate> {
    if (!this.goal) throw new Error("no task selected: call useTask() first");
    if (views.length === 0) throw new Error("a step needs at least one view");
    const { V, D, K } = this;
    const t0 = performance.now();
    const embeddings = await this.encoder.encode(views.length);
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
    const hop = finiteOutput("head", out, "hop_logits");
    const stageLogits = finiteOutput("head", out, "stage_logits");
    const stageProbabilities = new Float32Array(K);
    for (let row = 0; row < 3; row++) {
      softmaxInto(stageLogits, row * K, this.rowProbabilities);
      for (let k = 0; k < K; k++) stageProbabilities[k] += this.rowProbabilities[k] / 3;
    }
    // Caches and fusion move only after the whole step succeeded, so a bad output does not poison the next.
    for (const v of views) {
      if (!this.hasStart[v]) {
        this.start.set(this.current.subarray(v * D, (v + 1) * D), v * D);
        this.hasStart[v] = true;
      }
      this.previous.set(this.current.subarray(v * D, (v + 1) * D), v * D);
      this.hasPrevious[v] = true;
    }
    const bins = this.centers.length;
    const incremental = hopFromLogits(hop, 0, this.centers);
    const forward = hopFromLogits(hop, bins, this.centers);
    const backward = hopFromLogits(hop, 2 * bins, this.centers);
    const fused = this.fusion.step({
      incremental: incremental.value,
      forward: forward.value,
      backward: backward.value,
    });
    const stage = argmax(stageProbabilities);
    return {
      phi: fused.phi,
      potential: this.fusion.mode,
      stage,
      stageProbabilities,
      // Stage-aware labels give each stage an equal share of progress (DESIGN §4).
      stageProgress: progressInStage(fused.phi, K, stage),
      confidence:
        ((incremental.confidence + forward.confidence + backward.confidence) / 3) * (views.length / V),
      encoderMs: t1 - t0,
      headMs: t2 - t1,
    };
  }
}
