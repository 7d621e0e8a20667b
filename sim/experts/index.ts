import type { Rng } from "../random.js";
import { binGoal } from "../tasks/pickPlace.js";
import { pushGoal } from "../tasks/push.js";
import { stackGoal } from "../tasks/stack.js";
import type { TaskName } from "../tasks/task.js";
import type { TaskLayout } from "../world/layout.js";
import type { WorldState } from "../world/physics.js";
import { carryExpert } from "./carryExpert.js";
import type { ExpertOptions, Policy } from "./expert.js";
import { pushExpert } from "./pushExpert.js";

/** The scripted expert of one episode (with its noise and failure mode), from its settled initial state. */
export type TaskExpert = (
  initial: WorldState,
  layout: TaskLayout,
  options: ExpertOptions,
  rng: Rng,
) => Policy;

// Kept apart from the task definitions so that experts build on the tasks' goals and ground truth, and
// the tasks never depend on how they are solved.
const EXPERTS: Record<TaskName, TaskExpert> = {
  pick_place: (initial, layout, options, rng) => carryExpert(binGoal(initial, layout), initial, options, rng),
  stack: (initial, _layout, options, rng) => carryExpert(stackGoal(initial), initial, options, rng),
  push: (initial, layout, options, rng) => pushExpert(pushGoal(layout), initial, options, rng),
};

export function expertFor(task: TaskName): TaskExpert {
  return EXPERTS[task];
}
