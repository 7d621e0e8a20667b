import { Tensor } from "onnxruntime-node";
import { argmax, EncoderScorer, finiteOutput, type Estimate } from "./estimator.js";
import { softmaxInto } from "./hop.js";
import type { RewardModel } from "./model.js";
import { taskSpec } from "./goalImages.js";
import type { Preprocessor } from "./preprocess.js";

/** Φ = P(k−1) + ᾱk·τ (DESIGN §4): `shares[k]` is stage k's share ᾱk of the task. */
export function stagePotential(shares: readonly number[], stage: number, tau: number): number {
  let before = 0;
  for (let k = 0; k < stage; k++) before += shares[k];
  return Math.min(1, Math.max(0, before + shares[stage] * Math.min(1, Math.max(0, tau))));
}

/**
 * Runs a stage model (SARM-style, models/CONTRACT.md): the current views → stage probabilities and the
 * within-stage progress τ. Φ is a function of the current state alone, so no fusion and no references.
 */
export class StageScorer extends EncoderScorer {
  private readonly mask: Float32Array;
  private shares: readonly number[] = [];

  constructor(model: RewardModel, preprocessor: Preprocessor) {
    super(model, preprocessor, "stage");
    this.mask = new Float32Array(this.V);
  }

  async useTask(task: string): Promise<void> {
    const spec = taskSpec(this.model.manifest, task);
    this.shares = spec.stage_shares ?? spec.stages.map(() => 1 / spec.stages.length);
    this.taskName = task;
  }

  startEpisode(): void {}

  async estimate(views: readonly number[]): Promise<Estimate> {
    if (this.taskName === undefined) throw new Error("no task selected: call useTask() first");
    if (views.length === 0) throw new Error("a step needs at least one view");
    const { V, D } = this;
    const t0 = performance.now();
    const embeddings = await this.encoder.encode(views.length);
    const t1 = performance.now();
    this.current.fill(0);
    this.mask.fill(0);
    views.forEach((v, i) => {
      this.current.set(embeddings.subarray(i * D, (i + 1) * D), v * D);
      this.mask[v] = 1;
    });
    const out = await this.model.head.run({
      current: new Tensor("float32", this.current, [1, V, D]),
      view_mask: new Tensor("float32", this.mask, [1, V]),
    });
    const t2 = performance.now();
    const logits = finiteOutput("head", out, "stage_logits");
    const tau = finiteOutput("head", out, "stage_progress");
    const stageProbabilities = softmaxInto(logits, 0, new Float32Array(this.shares.length));
    const stage = argmax(stageProbabilities);
    return {
      phi: stagePotential(this.shares, stage, tau[0]),
      potential: "stage",
      stage,
      stageProbabilities,
      stageProgress: Math.min(1, Math.max(0, tau[0])),
      confidence: stageProbabilities[stage] * (views.length / V),
      encoderMs: t1 - t0,
      headMs: t2 - t1,
    };
  }
}
