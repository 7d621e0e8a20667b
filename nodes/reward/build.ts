import type { Logger } from "../../lib/node/log.js";
import type { FusionMode } from "../../lib/reward/fusion.js";
import type { Provider, RewardModel } from "../../lib/reward/model.js";
import {
  RewardPipeline,
  type CameraInput,
  type PipelineConfig,
  type PipelineParts,
} from "../../lib/reward/pipeline.js";
import { createRewardModel, type RewardModelConfig } from "../../lib/reward/rewardModelFactory.js";
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

/** The reward model the reward node's parameters select, as the model factory takes it. */
export function rewardModelConfig(params: RewardParameters, log: Logger): RewardModelConfig {
  return {
    model: params.model,
    providers: params.providers as Provider[],
    threads: params.ort_threads,
    fusion: params.fusion as FusionMode,
    task: params.task,
    grmEndpoint: params.grm_endpoint,
    log,
  };
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
  const { model, preprocessor, estimator, release } = await createRewardModel(
    rewardModelConfig(params, options.log),
  );
  try {
    const pipeline = new RewardPipeline(
      {
        nodeName: options.nodeName,
        cameras: options.cameras,
        slopMs: params.sync_slop_ms,
        maxAgeMs: params.max_age_ms,
        missingViewPolicy: params.missing_view_policy,
        gamma: params.gamma,
        successDelta: params.success_delta,
        successSource: params.success_source,
        successHold: params.success_hold,
        rewardRateHz: params.reward_rate,
        backPressure: options.backPressure,
      },
      { model, preprocessor, estimator, log: options.log, now: options.now, scheduler: options.scheduler },
    );
    return { pipeline, model };
  } catch (err) {
    await release();
    throw err;
  }
}
