import { readFile } from "node:fs/promises";
import { parametersFromYaml } from "../lib/params/paramsFile.js";
import { packagePath } from "../lib/paths.js";

export type TaskParameters = Record<string, unknown>;

/**
 * What differs between the sim tasks (the reward model, the observation's length, settings tuned for the
 * task), from config/tasks/<task>.yaml: the file `ros2 launch process_reward sim.launch.py task:=…` loads
 * too (launch.test.ts checks it against the sim).
 */
export async function readTaskSettings(
  task: string,
): Promise<{ reward: TaskParameters; policy: TaskParameters }> {
  const file = packagePath("config", "tasks", `${task}.yaml`);
  const text = await readFile(file, "utf8");
  return {
    reward: parametersFromYaml(text, file, "reward"),
    policy: parametersFromYaml(text, file, "policy"),
  };
}
