import type { Logger } from "../../lib/node/log.js";
import type { FusionMode } from "../../lib/reward/fusion.js";
import type { Provider, RewardModel } from "../../lib/reward/model.js";
import {
  RewardPipeline,
  type CameraInput,
  type PipelineConfig,
  type PipelineParts,
} from "../../lib/reward/pipeline.js";
import { assignCameras, describeAssignment } from "../../lib/reward/cameraViews.js";
import { createRewardModel, type RewardModelConfig } from "../../lib/reward/rewardModelFactory.js";
import type { RewardParameters } from "./parameters.js";

export interface BuildOptions {
  /** frame_id of the published messages. */
  readonly nodeName: string;
  /**
   * The camera topics and the view each fills. Absent: from the parameters (camera_topics, camera_types,
   * camera_views) against the model's views, each topic resolved by `topic`.
   */
  readonly cameras?: {
    readonly cameras: readonly CameraInput[];
    readonly sources: readonly (number | undefined)[];
  };
  /** Resolves a topic name of the parameters (namespace, remapping); identity by default. */
  readonly topic?: (name: string) => string;
  readonly log: Logger;
  readonly backPressure?: PipelineConfig["backPressure"];
  readonly now?: PipelineParts["now"];
  readonly scheduler?: PipelineParts["scheduler"];
}

export interface BuiltPipeline {
  readonly pipeline: RewardPipeline;
  readonly model: RewardModel;
  /** The camera topics the pipeline reads, one stream each, in `pipeline.run`'s order. */
  readonly cameras: readonly CameraInput[];
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
    const views = model.manifest.views;
    const resolve = options.topic ?? ((t: string) => t);
    const assigned =
      options.cameras ??
      assignCameras(views, {
        topics: params.camera_topics.map(resolve),
        types: params.camera_types as CameraInput["type"][],
        views: params.camera_views,
      });
    if (assigned.sources.some((c) => c === undefined))
      options.log.warn(
        `views without a camera are masked in every step: ${describeAssignment(views, assigned)}`,
      );
    const pipeline = new RewardPipeline(
      {
        nodeName: options.nodeName,
        cameras: assigned.cameras,
        viewSources: assigned.sources,
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
    return { pipeline, model, cameras: assigned.cameras };
  } catch (err) {
    await release();
    throw err;
  }
}
