import { readFile } from "node:fs/promises";
import { z } from "zod";
import { normalizeAction, ACTION_DIM, type ActionBounds } from "../../lib/rl/spaces.js";
import type { Transition } from "../../lib/rl/transition.js";

const vector = z.array(z.number().refine(Number.isFinite, "must be finite"));

const demonstrationFile = z.object({
  transitions: z
    .array(
      z.object({
        observation: vector,
        /** Physical units, Action.msg order: translation xyz, yaw, gripper. */
        action: vector.length(ACTION_DIM),
        reward: z.number(),
        next_observation: vector,
        terminal: z.boolean(),
        truncated: z.boolean().default(false),
      }),
    )
    .min(1),
});

/** Demonstration transitions for behaviour cloning, from a JSON file; errors name the file and the field. */
export async function loadDemonstrations(
  path: string,
  observationDim: number,
  bounds: ActionBounds,
): Promise<Transition[]> {
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(path, "utf8"));
  } catch (err) {
    throw new Error(`demonstrations ${path}: ${(err as Error).message}`, { cause: err });
  }
  const parsed = demonstrationFile.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new Error(`demonstrations ${path}: ${issue.path.join(".")}: ${issue.message}`);
  }
  return parsed.data.transitions.map((t, i) => {
    if (t.observation.length !== observationDim || t.next_observation.length !== observationDim) {
      throw new Error(
        `demonstrations ${path}: transition ${i} has observations of ${t.observation.length} values, observation_dim is ${observationDim}`,
      );
    }
    return {
      observation: Float32Array.from(t.observation),
      action: normalizeAction(t.action, bounds),
      reward: t.reward,
      nextObservation: Float32Array.from(t.next_observation),
      terminal: t.terminal,
      truncated: t.truncated,
    };
  });
}
