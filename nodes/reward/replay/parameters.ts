import { z } from "zod";
import { rewardParameters, type RewardParameters } from "../parameters.js";
import { parametersFromFile } from "../../../lib/params/paramsFile.js";
import { commonParameters, resolveParameters } from "../../../lib/params/resolve.js";
import type { NamedCameras } from "../../../lib/replay/cameras.js";

/** The node name whose section of a params YAML a replay reads (`reward: ros__parameters: …`). */
export const REPLAY_NODE = "reward";

export interface ReplayParameters {
  readonly params: RewardParameters;
  /** The cameras the parameters name; absent when they name none (every camera of the bag is matched by name). */
  readonly named?: NamedCameras;
}

/**
 * The reward node's parameters for a replay: its defaults, then the `reward` section of `file` (the same
 * YAML the node runs with; `transport` and `use_sim_time` are accepted and have no effect here), then
 * `overrides`. Unknown or ill-typed parameters are a ParameterError, as for the node.
 */
export function replayParameters(
  file: string | undefined,
  overrides: Record<string, unknown> = {},
): ReplayParameters {
  const schema = z.object({ ...commonParameters.shape, ...rewardParameters.shape });
  const paramsFiles = file ? [file] : [];
  const params = resolveParameters(REPLAY_NODE, schema, { overrides, paramsFiles });
  const given = { ...(file ? parametersFromFile(file, REPLAY_NODE) : {}), ...overrides };
  if (!("camera_topics" in given)) return { params };
  return {
    params,
    named: { topics: params.camera_topics, types: params.camera_types, views: params.camera_views },
  };
}
