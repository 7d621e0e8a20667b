import { isAbsolute } from "node:path";
import type { Logger } from "../node/log.js";
import { packagePath } from "../paths.js";
import type { PotentialEstimator } from "./estimator.js";
import { PotentialFusion, type FusionMode } from "./fusion.js";
import { GrmScorer } from "./grm/grmScorer.js";
import { servedModel } from "./grm/servedModel.js";
import { HopScorer } from "./hopScorer.js";
import { loadManifest, type LoadedManifest, type ModelManifest } from "./manifest.js";
import { loadModel, type Provider, type RewardModel } from "./model.js";
import { Preprocessor } from "./preprocess.js";
import { StageScorer } from "./stageScorer.js";

export type ModelKind = ModelManifest["kind"];

/** What selects and configures a reward model: the reward node's model parameters, wherever Φ is needed. */
export interface RewardModelConfig {
  /** Model folder with manifest.json (models/CONTRACT.md): absolute, or relative to the package. */
  readonly model: string;
  /** ONNX Runtime execution providers, tried in order. */
  readonly providers: readonly Provider[];
  /** Intra-op threads; 0 lets ONNX Runtime choose. */
  readonly threads: number;
  /** Which potential a hop model's Φ is; a stage model has one and ignores it. */
  readonly fusion: FusionMode;
  /** Task whose goal images anchor the backward hop; empty or absent: the model's default task. */
  readonly task?: string;
  /** The kinds the caller can use; a model of another kind is refused, naming both. Default: any. */
  readonly kinds?: readonly ModelKind[];
  /** grm models: the API base URL, overriding the manifest's grm.endpoint; empty or absent: the manifest's. */
  readonly grmEndpoint?: string;
  readonly log: Logger;
}

/** A loaded model with its preprocessing and its per-step Φ estimator, released together. */
export interface RewardModelParts {
  readonly model: RewardModel;
  readonly preprocessor: Preprocessor;
  /** The model kind's per-step Φ: hop scorer + fusion, or stage scorer; its task already selected. */
  readonly estimator: PotentialEstimator;
  release(): Promise<void>;
}

/** The model folder a `model` parameter names: absolute, or relative to the package. */
export function modelDir(model: string): string {
  return isAbsolute(model) ? model : packagePath(model);
}

/**
 * The one place a reward model is assembled (manifest check, ONNX sessions, preprocessor, estimator for the
 * model's kind), so the reward node, replay, eval, the experiment's potential and the bench score with the
 * same parts. On any failure after the sessions exist they are released before the error is rethrown.
 */
export async function createRewardModel(config: RewardModelConfig): Promise<RewardModelParts> {
  const { log } = config;
  const loaded = await loadManifest(modelDir(config.model));
  const kind = loaded.manifest.kind;
  if (config.kinds && !config.kinds.includes(kind)) {
    throw new Error(
      `model '${loaded.manifest.name}' is a ${kind} model; this needs a ${config.kinds.join(" or ")} model`,
    );
  }
  if (kind === "grm") return createServedModel(loaded, config);
  const model = await loadModel(loaded, {
    providers: [...config.providers],
    threads: config.threads,
    log,
  });
  try {
    const preprocessor = new Preprocessor(model.manifest.image);
    const estimator =
      kind === "hop"
        ? new HopScorer(model, preprocessor, new PotentialFusion({ mode: config.fusion }))
        : new StageScorer(model, preprocessor);
    if (kind === "stage") log.info("stage model: Φ = P(k−1) + ᾱk·τ; the fusion parameter does not apply");
    await estimator.useTask(config.task || model.manifest.default_task);
    return { model, preprocessor, estimator, release: () => model.release() };
  } catch (err) {
    await model.release();
    throw err;
  }
}

/** A grm model: no ONNX; the hop comes from an OpenAI-compatible server (DESIGN §8). */
async function createServedModel(
  loaded: LoadedManifest,
  config: RewardModelConfig,
): Promise<RewardModelParts> {
  const { model, client } = servedModel(loaded, { endpoint: config.grmEndpoint });
  try {
    const preprocessor = new Preprocessor(model.manifest.image);
    const estimator = new GrmScorer(
      model,
      preprocessor,
      new PotentialFusion({ mode: config.fusion }),
      client,
    );
    await estimator.useTask(config.task || model.manifest.default_task);
    config.log.once(
      "info",
      "provider",
      `model '${model.manifest.name}' (${model.sha256.slice(0, 12)}) served at ${client.url} as '${model.manifest.grm!.served_model}', ${estimator.requestsPerStep} request(s) per step`,
    );
    return { model, preprocessor, estimator, release: () => model.release() };
  } catch (err) {
    await model.release();
    throw err;
  }
}
