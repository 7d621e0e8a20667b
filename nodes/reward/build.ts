import { isAbsolute } from "node:path";
import type { Logger } from "../../lib/node/log.js";
import { packagePath } from "../../lib/paths.js";
import { PotentialFusion, type FusionMode } from "../../lib/reward/fusion.js";
import { HopScorer } from "../../lib/reward/hopScorer.js";
import { loadManifest } from "../../lib/reward/manifest.js";
import { loadModel, type Provider, type RewardModel } from "../../lib/reward/model.js";
import {
  RewardPipeline,
  type CameraInput,
  type PipelineConfig,
  type PipelineParts,
} from "../../lib/reward/pipeline.js";
import { Preprocessor } from "../../lib/reward/preprocess.js";
import { StageScorer } from "../../lib/reward/stageScorer.js";
import type { RewardParameters } from "./parameters.js";

export interface BuildOptions {
  /** frame_id of the published messages. */
  readonly nodeName: string;
  /** One per model view, in the model's view order. */
  readonly cameras: readonly CameraInput[];
  readonly log: Logger;
  readonly backPressure?: PipelineConfig["backPressure"];
  readonly now?: PipelineParts["now"];
  readonly scheduler?: PipelineParts["scheduler"];
}

export interface BuiltPipeline {
  readonly pipeline: RewardPipeline;
  readonly model: RewardModel;
}

/** The model folder a `model` parameter names: absolute, or relative to the package. */
export function modelDir(model: string): string {
  return isAbsolute(model) ? model : packagePath(model);
}

/**
 * The reward pipeline exactly as the reward node's parameters configure it (model, estimator for the model
 * kind, task, sync, shaping). The node and `process-reward replay` both build it here, so a replayed bag is
 * scored by the same pipeline as the live cameras were.
 */
export async function buildRewardPipeline(
  params: RewardParameters,
  options: BuildOptions,
): Promise<BuiltPipeline> {
  const { log } = options;
  const model = await loadModel(await loadManifest(modelDir(params.model)), {
    providers: params.providers as Provider[],
    threads: params.ort_threads,
    log,
  });
  try {
    const preprocessor = new Preprocessor(model.manifest.image);
    const estimator =
      model.manifest.kind === "hop"
        ? new HopScorer(model, preprocessor, new PotentialFusion({ mode: params.fusion as FusionMode }))
        : new StageScorer(model, preprocessor);
    if (model.manifest.kind === "stage")
      log.info("stage model: Φ = P(k−1) + ᾱk·τ; the fusion parameter does not apply");
    await estimator.useTask(params.task || model.manifest.default_task);
    const pipeline = new RewardPipeline(
      {
        nodeName: options.nodeName,
        cameras: options.cameras,
        slopMs: params.sync_slop_ms,
        maxAgeMs: params.max_age_ms,
        missingViewPolicy: params.missing_view_policy,
        gamma: params.gamma,
        successDelta: params.success_delta,
        rewardRateHz: params.reward_rate,
        backPressure: options.backPressure,
      },
      {
        model,
        preprocessor,
        estimator,
        log,
        now: options.now,
        scheduler: options.scheduler,
      },
    );
    return { pipeline, model };
  } catch (err) {
    await model.release();
    throw err;
  }
}
