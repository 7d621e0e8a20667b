import { progressInStage, type Estimate, type PotentialEstimator } from "../estimator.js";
import type { FusionMode, PotentialFusion } from "../fusion.js";
import { cachedTaskGoal } from "../goalImages.js";
import { GRM_SLOTS, type GrmSpec, type LoadedManifest } from "../manifest.js";
import type { Preprocessor } from "../preprocess.js";
import { GrmAnswerError, parseHop } from "./answer.js";
import type { GrmClient } from "./client.js";
import { slotToJpegDataUrl } from "./jpeg.js";
import { buildHopRequest, type HopImages } from "./request.js";

export type Anchor = "incremental" | "forward" | "backward";

/** The anchors (requests per step) a fusion mode needs: one for a single-anchor mode, else all three. */
export function anchorsFor(mode: FusionMode): readonly Anchor[] {
  return mode === "incremental" || mode === "forward" || mode === "backward"
    ? [mode]
    : ["incremental", "forward", "backward"];
}

type Views = (string | undefined)[];

/**
 * The hop scorer of a served generative reward model (kind grm, DESIGN §8): the same START / GOAL / BEFORE
 * caches as HopScorer, holding JPEG data URLs instead of embeddings, and the same PotentialFusion. Each step
 * sends one request per anchor the fusion mode needs, all at once (the client bounds what is in flight), and
 * waits for every one. A failed request or an answer with no score fails the step: neither the fusion nor
 * the BEFORE cache moves, so the incremental chain goes on from the last scored state.
 */
export class GrmScorer implements PotentialEstimator {
  private readonly V: number;
  private readonly spec: GrmSpec;
  private readonly slotViews: readonly number[];
  private readonly images: Float32Array;
  private readonly start: Views;
  private readonly previous: Views;
  private readonly goals = new Map<string, string[]>();
  private goal: string[] | undefined;
  private taskName: string | undefined;
  private readonly anchors: readonly Anchor[];

  constructor(
    private readonly model: LoadedManifest,
    private readonly preprocessor: Preprocessor,
    private readonly fusion: PotentialFusion,
    readonly client: GrmClient,
  ) {
    const m = model.manifest;
    if (m.kind !== "grm" || !m.grm) throw new Error(`model '${m.name}' is not a grm model`);
    this.spec = m.grm;
    this.V = m.views.length;
    this.slotViews = GRM_SLOTS.map((s) => m.views.indexOf(this.spec.slots[s]));
    this.images = new Float32Array(this.V * preprocessor.size);
    this.start = new Array<string | undefined>(this.V).fill(undefined);
    this.previous = new Array<string | undefined>(this.V).fill(undefined);
    this.anchors = anchorsFor(fusion.mode);
  }

  get task(): string | undefined {
    return this.taskName;
  }

  get stageNames(): readonly string[] {
    return this.model.manifest.tasks[this.taskName ?? this.model.manifest.default_task].stages;
  }

  /** Requests per step (the anchors the fusion mode needs). */
  get requestsPerStep(): number {
    return this.anchors.length;
  }

  async useTask(task: string): Promise<void> {
    this.goal = await cachedTaskGoal(this.goals, this.model, this.preprocessor, task, (tensor) =>
      this.encode(tensor, this.V),
    );
    this.taskName = task;
  }

  startEpisode(): void {
    this.start.fill(undefined);
    this.previous.fill(undefined);
    this.fusion.reset();
  }

  imageSlots(count: number): Float32Array {
    return this.images.subarray(0, count * this.preprocessor.size);
  }

  async estimate(views: readonly number[]): Promise<Estimate> {
    if (!this.goal || !this.taskName) throw new Error("no task selected: call useTask() first");
    if (views.length === 0) throw new Error("a step needs at least one view");
    const t0 = performance.now();
    const encoded = await this.encode(this.images, views.length);
    const t1 = performance.now();
    const current: Views = new Array<string | undefined>(this.V).fill(undefined);
    views.forEach((v, i) => (current[v] = encoded[i]));
    const start = current.map((c, v) => this.start[v] ?? c);
    const before = current.map((c, v) => this.previous[v] ?? start[v] ?? c);
    const goal = this.goal;
    // A slot whose view is missing this step takes the front slot's view, else the first view present.
    const fallback = current[this.slotViews[0]] !== undefined ? this.slotViews[0] : views[0];
    const viewOf = (slot: number): number =>
      current[this.slotViews[slot]] !== undefined ? this.slotViews[slot] : fallback;
    const three = (state: Views): [string, string, string] =>
      [0, 1, 2].map((s) => state[viewOf(s)]!) as [string, string, string];
    const after = three(current);
    const refs = { start: start[viewOf(0)]!, goal: goal[viewOf(0)] };
    const beforeOf: Record<Anchor, Views> = { incremental: before, forward: start, backward: goal };
    const instruction = this.model.manifest.tasks[this.taskName].instruction ?? this.taskName;
    const results = await Promise.allSettled(
      this.anchors.map((anchor) => {
        const images: HopImages = { ...refs, before: three(beforeOf[anchor]), after };
        return this.hop(buildHopRequest(this.spec, instruction, images));
      }),
    );
    const t2 = performance.now();
    const failed = results.find((r) => r.status === "rejected");
    if (failed) throw (failed as PromiseRejectedResult).reason;
    const hops: Record<Anchor, number> = { incremental: 0, forward: 0, backward: 0 };
    this.anchors.forEach((a, i) => (hops[a] = (results[i] as PromiseFulfilledResult<number>).value));
    // Only a fully answered step moves the caches and the fusion (the incremental chain of scored states).
    for (const v of views) {
      this.start[v] ??= current[v];
      this.previous[v] = current[v];
    }
    const fused = this.fusion.step(hops);
    const K = this.stageNames.length;
    const stage = Math.min(K - 1, Math.floor(fused.phi * K));
    const stageProbabilities = new Float32Array(K);
    stageProbabilities[stage] = 1;
    return {
      phi: fused.phi,
      potential: this.fusion.mode,
      stage,
      stageProbabilities,
      stageProgress: progressInStage(fused.phi, K, stage),
      // The answer is a single value with no spread: confidence is the share of views present.
      confidence: views.length / this.V,
      encoderMs: t1 - t0,
      headMs: t2 - t1,
    };
  }

  private async hop(request: ReturnType<typeof buildHopRequest>): Promise<number> {
    const answer = await this.client.complete(request);
    try {
      return parseHop(answer);
    } catch (err) {
      if (err instanceof GrmAnswerError) this.client.counts.failed.answer++;
      throw err;
    }
  }

  private encode(tensor: Float32Array, count: number): Promise<string[]> {
    const size = this.preprocessor.size;
    const image = this.model.manifest.image;
    return Promise.all(
      Array.from({ length: count }, (_, i) =>
        slotToJpegDataUrl(image, tensor.subarray(i * size, (i + 1) * size), this.spec.jpeg_quality),
      ),
    );
  }
}
