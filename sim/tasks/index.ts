import { pickPlace } from "./pickPlace.js";
import { push } from "./push.js";
import { stack } from "./stack.js";
import { TASK_NAMES, type TaskDefinition, type TaskName } from "./task.js";

export * from "./task.js";

const TASKS: Record<TaskName, TaskDefinition> = { pick_place: pickPlace, stack, push };

export function taskByName(name: string): TaskDefinition {
  if (!(TASK_NAMES as readonly string[]).includes(name)) {
    throw new Error(`unknown task '${name}': expected one of ${TASK_NAMES.join(", ")}`);
  }
  return TASKS[name as TaskName];
}
