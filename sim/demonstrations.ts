import type { TaskName } from "./tasks/task.js";
import { createSim } from "./sim.js";

/** One transition in the policy node's demonstration file (physical action units, Action.msg order). */
export interface DemonstrationTransition {
  observation: number[];
  action: number[];
  reward: number;
  next_observation: number[];
  terminal: boolean;
  truncated: boolean;
}

/**
 * Noisy scripted-expert episodes, state only, as behaviour-cloning data for the policy node
 * (`demonstrations` parameter). The reward is the sparse task success; cloning does not use it.
 */
export async function recordDemonstrations(
  task: TaskName,
  seed: number,
  episodes: number,
  noise: number,
): Promise<{ transitions: DemonstrationTransition[]; successes: number }> {
  const sim = await createSim({ task, seed, views: [] });
  const transitions: DemonstrationTransition[] = [];
  let successes = 0;
  try {
    for (let e = 0; e < episodes; e++) {
      let r = sim.reset();
      const expert = sim.expert({ noise, failure: "none" });
      while (!r.done) {
        const command = expert.act(r.state, r.truth);
        const observation = Array.from(r.observation.values);
        r = sim.step(command);
        transitions.push({
          observation,
          action: [...command.translation, command.yaw, command.gripper],
          reward: r.truth.success ? 1 : 0,
          next_observation: Array.from(r.observation.values),
          terminal: r.truth.terminal,
          truncated: r.truth.truncated && !r.truth.terminal,
        });
      }
      if (r.truth.success) successes++;
    }
  } finally {
    sim.close();
  }
  return { transitions, successes };
}
