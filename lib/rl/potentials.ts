import { pathToFileURL } from "node:url";
import type { Env } from "./env.js";
import type { PotentialSource } from "./rewards.js";
import { trainStatePotential, type LabelledEpisode } from "./statePotential.js";

/** A learned potential for an environment: built from a module, or for low-dim envs from demos. */
export type PotentialFactory = (
  task: string,
  env: Env,
  seed: number,
) => PotentialSource | Promise<PotentialSource>;

/**
 * Loads a potential module (`export function createPotential(task, env, seed): PotentialSource`), the
 * seam through which the image reward pipeline (ONNX model + fusion) is handed to the experiment.
 */
export async function potentialModule(path: string): Promise<PotentialFactory> {
  const url = pathToFileURL(path);
  const hint = "see lib/rl/rewards.ts PotentialSource";
  let mod: Record<string, unknown>;
  try {
    mod = (await import(url.href)) as Record<string, unknown>;
  } catch (err) {
    throw new Error(`cannot load ${url.pathname} (${(err as Error).message}); ${hint}`, { cause: err });
  }
  if (typeof mod.createPotential !== "function")
    throw new Error(`${url.pathname} does not export a function 'createPotential'; ${hint}`);
  return mod.createPotential as PotentialFactory;
}

export interface DemoPotentialOptions {
  readonly episodes: number;
  readonly noise: number;
}

/**
 * Learned Φ for an environment without cameras: record noisy expert episodes, label the successful ones
 * stage-aware from their recorded stage sequence (a failed episode's time in a stage is not progress), and
 * fit an MLP on the state. Episodes use their own seed range, apart from training and evaluation.
 */
export const demoStatePotential =
  (options: DemoPotentialOptions): PotentialFactory =>
  (_task, env, seed) => {
    const episodes: LabelledEpisode[] = [];
    for (let i = 0; i < options.episodes; i++) {
      let s = env.reset(seed * 1_000_000 + 800_000 + i);
      const observations = [s.observation];
      const stages = [s.groundTruth.stage];
      while (!s.groundTruth.terminal && !s.groundTruth.truncated) {
        s = env.step(env.expert(options.noise));
        observations.push(s.observation);
        stages.push(s.groundTruth.success ? env.stageNames.length : s.groundTruth.stage);
      }
      if (s.groundTruth.success) episodes.push({ observations, stages });
    }
    if (episodes.length === 0)
      throw new Error(`none of ${options.episodes} expert episodes succeeded; cannot label progress`);
    return trainStatePotential(episodes, env.stageNames.length, { seed });
  };
