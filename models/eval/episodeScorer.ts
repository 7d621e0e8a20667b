import { Tensor } from "onnxruntime-node";
import { finiteOutput, FrameEncoder } from "../../lib/reward/estimator.js";
import { PotentialFusion, type FusionMode } from "../../lib/reward/fusion.js";
import { hopBinCenters, hopFromLogits } from "../../lib/reward/hop.js";
import type { RewardModel } from "../../lib/reward/model.js";
import type { CameraMessage } from "../../lib/image/cameraImage.js";
import { goalImageTensor } from "../../lib/reward/goalImages.js";
import type { Preprocessor } from "../../lib/reward/preprocess.js";

/** One episode to score: per step, one camera message per view (undefined where a view has no frame). */
export interface EvalEpisode {
  readonly task: string;
  readonly label: string;
  readonly success: boolean;
  readonly trueProgress: readonly number[];
  readonly frames: readonly (readonly (CameraMessage | undefined)[])[];
}

/** Embeddings of an episode's frames, [T, V, D], and which views each step has. */
export interface EmbeddedEpisode {
  readonly steps: number;
  readonly embeddings: Float32Array;
  readonly present: readonly (readonly boolean[])[];
}

export interface EpisodeProgress {
  readonly phi: number[];
  readonly incremental: number[];
  readonly forward: number[];
  readonly backward: number[];
  readonly confidence: number[];
}

/**
 * Offline scoring of whole episodes with a hop model: every frame goes through the encoder once, then one
 * batched head call gives each step's three hops (previous→now, start→now, goal→now) exactly as the
 * reward node's per-step HopScorer builds them (START = the first frame seen, BEFORE of the first step =
 * START), and the reward node's own PotentialFusion turns them into Φ. Batching per episode is what makes
 * evaluating every view-drop configuration affordable on a CPU.
 */
export class EpisodeScorer {
  private readonly V: number;
  private readonly D: number;
  private readonly goals = new Map<string, Float32Array>();
  private readonly centers: Float64Array;
  private readonly encoder: FrameEncoder;

  constructor(
    private readonly model: RewardModel,
    private readonly preprocessor: Preprocessor,
  ) {
    const m = model.manifest;
    if (m.kind !== "hop" || m.hop_bins === undefined) throw new Error(`model '${m.name}' is not a hop model`);
    this.V = m.views.length;
    this.encoder = new FrameEncoder(model, preprocessor);
    this.D = this.encoder.embeddingSize;
    this.centers = hopBinCenters(m.hop_bins);
  }

  async embed(episode: EvalEpisode): Promise<EmbeddedEpisode> {
    const { V, D } = this;
    const T = episode.frames.length;
    const present = episode.frames.map((f) => this.model.manifest.views.map((_, v) => f[v] !== undefined));
    const size = this.preprocessor.size;
    const images = new Float32Array(T * V * size);
    const views = this.model.manifest.views;
    const jobs: Promise<void>[] = [];
    episode.frames.forEach((frame, t) =>
      frame.forEach((m, v) => {
        if (m)
          jobs.push(
            this.preprocessor.toTensor(`${episode.label} ${views[v]}`, m, images, (t * V + v) * size),
          );
      }),
    );
    await Promise.all(jobs);
    const embeddings = await this.encoder.encode(T * V, images);
    if (embeddings.length !== T * V * D)
      throw new Error(`encoder returned ${embeddings.length} values for ${T * V} images`);
    return { steps: T, embeddings, present };
  }

  /** The task's goal images (manifest) encoded once. */
  async goal(task: string): Promise<Float32Array> {
    let goal = this.goals.get(task);
    if (!goal) {
      const images = await goalImageTensor(this.model, this.preprocessor, task);
      goal = await this.encoder.encode(this.V, images);
      this.goals.set(task, goal);
    }
    return goal;
  }

  /**
   * Φ over the episode, in playback `order` (indices into the embedded steps, e.g. reversed), using only
   * the views in `use`. A step where none of the used views has a frame repeats the previous Φ.
   */
  async progress(
    ep: EmbeddedEpisode,
    goal: Float32Array,
    order: readonly number[],
    use: readonly boolean[],
    mode: FusionMode,
  ): Promise<EpisodeProgress> {
    const { V, D } = this;
    const T = order.length;
    const rows = 3 * T;
    const buf = (n: number) => new Float32Array(n);
    const h = {
      start: buf(rows * V * D),
      goal: buf(rows * V * D),
      before: buf(rows * V * D),
      after: buf(rows * V * D),
    };
    const mask = buf(rows * V);
    const E = ep.embeddings;
    const firstSeen = new Array<number>(V).fill(-1);
    const lastSeen = new Array<number>(V).fill(-1);
    for (let t = 0; t < T; t++) {
      const s = order[t];
      for (let v = 0; v < V; v++) {
        if (!use[v] || !ep.present[s][v]) continue;
        if (firstSeen[v] < 0) firstSeen[v] = s;
        const prev = lastSeen[v] < 0 ? firstSeen[v] : lastSeen[v];
        const cur = (s * V + v) * D;
        const anchors = [prev, firstSeen[v]];
        for (let r = 0; r < 3; r++) {
          const row = 3 * t + r;
          const o = (row * V + v) * D;
          mask[row * V + v] = 1;
          h.start.set(E.subarray((firstSeen[v] * V + v) * D, (firstSeen[v] * V + v + 1) * D), o);
          h.goal.set(goal.subarray(v * D, (v + 1) * D), o);
          h.after.set(E.subarray(cur, cur + D), o);
          const before =
            r < 2
              ? E.subarray((anchors[r] * V + v) * D, (anchors[r] * V + v + 1) * D)
              : goal.subarray(v * D, (v + 1) * D);
          h.before.set(before, o);
        }
        lastSeen[v] = s;
      }
    }
    const shape = [rows, V, D];
    const out = await this.model.head.run({
      start: new Tensor("float32", h.start, shape),
      goal: new Tensor("float32", h.goal, shape),
      before: new Tensor("float32", h.before, shape),
      after: new Tensor("float32", h.after, shape),
      view_mask: new Tensor("float32", mask, [rows, V]),
    });
    const logits = finiteOutput("head", out, "hop_logits");
    const bins = this.centers.length;
    const fusion = new PotentialFusion({ mode });
    const result: EpisodeProgress = { phi: [], incremental: [], forward: [], backward: [], confidence: [] };
    for (let t = 0; t < T; t++) {
      let any = false;
      for (let v = 0; v < V; v++) any ||= mask[3 * t * V + v] === 1;
      if (!any) {
        const last = (a: number[]) => a[a.length - 1] ?? 0;
        result.phi.push(last(result.phi));
        result.incremental.push(last(result.incremental));
        result.forward.push(last(result.forward));
        result.backward.push(last(result.backward));
        result.confidence.push(0);
        continue;
      }
      const hops = [0, 1, 2].map((r) => hopFromLogits(logits, (3 * t + r) * bins, this.centers));
      const fused = fusion.step({
        incremental: hops[0].value,
        forward: hops[1].value,
        backward: hops[2].value,
      });
      result.phi.push(fused.phi);
      result.incremental.push(fused.incremental);
      result.forward.push(fused.forward);
      result.backward.push(fused.backward);
      result.confidence.push(Math.min(hops[0].confidence, hops[1].confidence, hops[2].confidence));
    }
    return result;
  }
}
