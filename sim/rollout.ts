import { randomPolicy, type FailureMode, type Policy } from "./experts/expert.js";
import { Rng } from "./random.js";
import type { Sim, StepResult } from "./sim.js";

export const POLICY_KINDS = ["expert", "noisy", "random"] as const;
export type PolicyKind = (typeof POLICY_KINDS)[number];

export interface PolicyOptions {
  /** Action noise std (m) of the noisy expert. */
  noise?: number;
  failure?: FailureMode;
}

/** Default noise of the `noisy` policy: visibly imperfect, still mostly successful. */
export const NOISY_STD = 0.004;

/** The policy for the sim's current episode (call after reset). */
export function episodePolicy(sim: Sim, kind: PolicyKind, options: PolicyOptions = {}): Policy {
  const failure = options.failure ?? "none";
  switch (kind) {
    case "expert":
      return sim.expert({ noise: options.noise ?? 0, failure });
    case "noisy":
      return sim.expert({ noise: options.noise ?? NOISY_STD, failure });
    case "random":
      return randomPolicy(new Rng(sim.seed).fork("random-policy"));
  }
}

/**
 * Runs one episode from a reset to its end, calling `onStep` with every result (the reset's too) and the
 * action that follows it. The results are live views: copy what must outlive the call.
 */
export function runEpisode(
  sim: Sim,
  kind: PolicyKind,
  options: PolicyOptions & { seed?: number | bigint } = {},
  onStep?: (result: StepResult, action: ReturnType<Policy["act"]> | undefined) => void,
): StepResult {
  let result = sim.reset(options.seed === undefined ? {} : { seed: options.seed });
  const policy = episodePolicy(sim, kind, options);
  while (!result.done) {
    const action = policy.act(result.state, result.truth);
    onStep?.(result, action);
    result = sim.step(action);
  }
  onStep?.(result, undefined);
  return result;
}
