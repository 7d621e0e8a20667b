import { mkdir, readFile, writeFile } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import type { FusionMode } from "../../lib/reward/fusion.js";
import { createRewardModel } from "../../lib/reward/rewardModelFactory.js";
import type { Logger } from "../../lib/node/log.js";
import { EpisodeScorer, type EvalEpisode } from "./episodeScorer.js";
import { evaluate, type EvalReport } from "./evaluate.js";
import { StepwiseEpisodeScorer, type StepwiseCounts } from "./stepwiseScorer.js";

export interface RunEvalOptions {
  readonly model: string;
  /** Builds the episodes once the model's views, image size and frame stride are known. */
  readonly episodes: (model: {
    views: readonly string[];
    size: number;
    stride: number;
    task: string;
  }) => AsyncIterable<EvalEpisode>;
  readonly source: Record<string, unknown>;
  readonly stride?: number;
  readonly fusion: FusionMode;
  readonly json?: string;
  readonly plots?: string;
  readonly threads: number;
  /** grm models: the API base URL, overriding the manifest's grm.endpoint. */
  readonly grmEndpoint?: string;
  readonly log: Logger;
}

export type EvalOutput = EvalReport & {
  model: { name: string; dir: string; sha256: string };
  source: Record<string, unknown>;
  frame_stride: number;
  /**
   * grm models only: how the served model was scored. Each episode goes step by step through the reward
   * node's own estimator (requests, not batches); steps whose request failed held the previous Φ.
   */
  served?: StepwiseCounts & { scoring: "stepwise"; endpoint: string };
};

/** Loads and checks a model folder, evaluates it on the episodes, writes the JSON report and plots. */
export async function runEval(options: RunEvalOptions): Promise<EvalOutput> {
  const { model, preprocessor, estimator, release } = await createRewardModel({
    // The eval's --model is a path as the user typed it, relative to the working directory.
    model: resolve(options.model),
    providers: ["cpu"],
    threads: options.threads,
    fusion: options.fusion,
    kinds: ["hop", "grm"],
    grmEndpoint: options.grmEndpoint,
    log: options.log,
  });
  try {
    const m = model.manifest;
    const stride = options.stride ?? (await readStride(options.model)) ?? 1;
    const episodes = options.episodes({ views: m.views, size: m.image.width, stride, task: m.default_task });
    const evalOptions = {
      mode: options.fusion,
      plots: options.plots,
      onEpisode: (ep: EvalEpisode, i: number) =>
        options.log.info(
          `episode ${i + 1}: ${ep.task} ${ep.label} (${ep.success ? "success" : "no success"})`,
        ),
    };
    let report: EvalReport;
    let served: EvalOutput["served"];
    if (m.kind === "grm") {
      const scorer = new StepwiseEpisodeScorer(estimator, preprocessor, m.views, options.fusion, options.log);
      report = await evaluate(scorer, m.views, episodes, evalOptions);
      const endpoint = options.grmEndpoint || m.grm!.endpoint;
      served = { scoring: "stepwise", endpoint, ...scorer.counts };
    } else {
      report = await evaluate(new EpisodeScorer(model, preprocessor), m.views, episodes, evalOptions);
    }
    const output: EvalOutput = {
      model: { name: m.name, dir: options.model, sha256: model.sha256 },
      source: options.source,
      frame_stride: stride,
      ...report,
      ...(served ? { served } : {}),
    };
    if (options.json) {
      await mkdir(dirname(options.json), { recursive: true });
      await writeFile(options.json, JSON.stringify(output, null, 2) + "\n");
    }
    return output;
  } finally {
    await release();
  }
}

/** `frame_stride` of the manifest (the zod schema of the reward node drops fields it does not know). */
async function readStride(dir: string): Promise<number | undefined> {
  const raw = JSON.parse(await readFile(`${dir}/manifest.json`, "utf8")) as { frame_stride?: unknown };
  const s = raw.frame_stride;
  if (s === undefined) return undefined;
  if (!(typeof s === "number" && Number.isInteger(s) && s >= 1)) {
    throw new Error(
      `model ${dir}: manifest.json field 'frame_stride' must be an integer ≥ 1, got ${JSON.stringify(s)}`,
    );
  }
  return s;
}
