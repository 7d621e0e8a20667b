import { distXY, tilt } from "../world/math.js";
import type { WorldState } from "../world/physics.js";
import { carryEvaluator, type CarryGoal } from "./carry.js";
import { carriedBlock, randomGripperStart, tableBox, type TaskDefinition } from "./task.js";

/** Put the smaller block on top of the larger one. */
export const stack: TaskDefinition = {
  name: "stack",
  stageNames: ["reach", "grasp", "lift", "align", "stack"],
  maxSteps: 200,
  layout(rng) {
    const side = rng.next() < 0.5 ? 1 : -1;
    const top = carriedBlock(rng, side, rng.uniform(0.018, 0.022));
    const base = tableBox(
      "base",
      rng.uniform(0.027, 0.032),
      rng.uniform(-0.08, 0.1),
      side * rng.uniform(0.08, 0.2),
      rng.uniform(-0.6, 0.6),
      800,
    );
    return {
      objects: [top, base],
      fixtures: [],
      markers: [],
      gripperStart: randomGripperStart(rng),
      keepOut: [
        [top.position[0], top.position[1], 0.07],
        [base.position[0], base.position[1], 0.08],
      ],
    };
  },
  evaluator: (initial) => carryEvaluator(stackGoal(initial), initial),
};

/** The small block onto the base block: the goal both the ground truth and the expert work towards. */
export function stackGoal(initial: WorldState): CarryGoal {
  const topHalf = initial.objects.object!.half[2];
  return {
    object: "object",
    lift: 0.1,
    target: (s) => {
      const b = s.objects.base!;
      return [b.position[0], b.position[1], b.position[2] + b.half[2] + topHalf];
    },
    atTarget: (o, s) => {
      const b = s.objects.base!;
      return (
        distXY(o.position, b.position) < b.half[0] * 0.8 &&
        Math.abs(o.position[2] - (b.position[2] + b.half[2] + topHalf)) < 0.012
      );
    },
    failure: (s) => (tilt(s.objects.base!.quaternion) > 0.35 ? "the base block was knocked over" : null),
  };
}
