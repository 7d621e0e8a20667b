import type { Image } from "../codec/messages.js";
import { createLogger, type Logger } from "../node/log.js";
import type { PotentialEstimator } from "../reward/estimator.js";
import type { FusionMode } from "../reward/fusion.js";
import type { RewardModel } from "../reward/model.js";
import type { Preprocessor } from "../reward/preprocess.js";
import { createRewardModel } from "../reward/rewardModelFactory.js";
import type { CameraFrame, FrameRequest } from "./env.js";
import type { PotentialInput, PotentialSource } from "./rewards.js";
import { rgbImage } from "../image/rgbImage.js";

export interface ModelPotentialOptions {
  /** Model folder (models/CONTRACT.md), relative to the package or absolute. */
  readonly model: string;
  readonly task: string;
  /** The reward node's `fusion` parameter. */
  readonly fusion: FusionMode;
  /** ONNX Runtime intra-op threads (the reward node's `ort_threads`); 0 lets it choose. */
  readonly threads: number;
  /** grm models: the API base URL, overriding the manifest's grm.endpoint (the node's `grm_endpoint`). */
  readonly grmEndpoint?: string;
  readonly log?: Logger;
}

/** A learned Φ that also releases its ONNX sessions. */
export interface ModelPotential extends PotentialSource {
  readonly frames: FrameRequest;
  release(): Promise<void>;
}

/**
 * Φ from a shipped hop reward model, computed as the reward node computes it: the same Preprocessor (the
 * sim's rgb8 frames go in as sensor_msgs/Image), the same HopScorer with its START and GOAL caches and the
 * same PotentialFusion, restarted at every episode start. Only the transport and camera sync are left out:
 * the experiment hands over each step's views together.
 */
export async function createModelPotential(options: ModelPotentialOptions): Promise<ModelPotential> {
  const { model, preprocessor, estimator } = await createRewardModel({
    model: options.model,
    providers: ["cpu"],
    threads: options.threads,
    fusion: options.fusion,
    task: options.task,
    kinds: ["hop", "grm"],
    grmEndpoint: options.grmEndpoint,
    log: options.log ?? createLogger("experiment"),
  });
  return new HopPotential(model, preprocessor, estimator);
}

class HopPotential implements ModelPotential {
  readonly name: string;
  readonly frames: FrameRequest;

  constructor(
    private readonly model: RewardModel,
    private readonly preprocessor: Preprocessor,
    private readonly scorer: PotentialEstimator,
  ) {
    const m = model.manifest;
    this.name = `${m.name} (${scorer.task}, ${model.sha256.slice(0, 12)})`;
    this.frames = { views: m.views, width: m.image.width, height: m.image.height };
  }

  async startEpisode(first: PotentialInput): Promise<number> {
    this.scorer.startEpisode();
    return this.potential(first);
  }

  async potential(input: PotentialInput): Promise<number> {
    const views = this.model.manifest.views;
    const slots = this.scorer.imageSlots(views.length);
    await Promise.all(
      views.map((view, v) =>
        this.preprocessor.toTensor(
          `sim ${view} camera`,
          { kind: "Image", message: imageMessage(view, input) },
          slots,
          v * this.preprocessor.size,
        ),
      ),
    );
    return (await this.scorer.estimate(views.map((_v, i) => i))).phi;
  }

  release(): Promise<void> {
    return this.model.release();
  }
}

function imageMessage(view: string, input: PotentialInput): Image {
  const frame: CameraFrame | undefined = input.frames?.find((f) => f.view === view);
  if (!frame) {
    throw new Error(
      `episode ${input.episode} step ${input.step}: no '${view}' frame for the reward model (frames: ${input.frames?.map((f) => f.view).join(", ") || "none"})`,
    );
  }
  return rgbImage(frame.width, frame.height, frame.data, {
    stamp: { sec: 0, nanosec: 0 },
    frame_id: `${view}_camera_optical_frame`,
  });
}
