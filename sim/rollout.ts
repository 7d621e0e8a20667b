import { randomPolicy, type FailureMode, type Policy } from "./experts/expert.js";
import type { GripperCommand } from "./world/physics.js";
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

type EpisodeOptions = PolicyOptions & { seed?: number | bigint };

/**
 * The steps of one episode from a reset to its end: each result (the reset's first) with the action the
 * policy takes next (undefined after the last). Results are live views into the sim, valid until the
 * iteration continues, so a consumer may await (e.g. write a bag) between steps without copying frames.
 */
export function* episodeSteps(
  sim: Sim,
  kind: PolicyKind,
  options: EpisodeOptions = {},
): Generator<{ result: StepResult; action: GripperCommand | undefined }, StepResult> {
  let result = sim.reset(options.seed === undefined ? {} : { seed: options.seed });
  const policy = episodePolicy(sim, kind, options);
  while (!result.done) {
    const action = policy.act(result.state, result.truth);
    yield { result, action };
    result = sim.step(action);
  }
  yield { result, action: undefined };
  return result;
}

/** Runs one episode, calling `onStep` with every result and the action that follows it; returns the last. */
export function runEpisode(
  sim: Sim,
  kind: PolicyKind,
  options: EpisodeOptions = {},
  onStep?: (result: StepResult, action: GripperCommand | undefined) => void,
): StepResult {
  let last: StepResult | undefined;
  for (const { result, action } of episodeSteps(sim, kind, options)) {
    onStep?.(result, action);
    last = result;
  }
  return last!;
}
