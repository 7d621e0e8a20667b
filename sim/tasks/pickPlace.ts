import type { LayoutBody, TaskLayout } from "../world/layout.js";
import type { WorldState } from "../world/physics.js";
import { carryEvaluator, type CarryGoal } from "./carry.js";
import { carriedBlock, isResting, randomGripperStart, type TaskDefinition } from "./task.js";

const BIN_INNER_HALF = 0.07;
const BIN_WALL = 0.008;
const BIN_HEIGHT = 0.05;

/** Pick a cube up and put it into an open bin. */
export const pickPlace: TaskDefinition = {
  name: "pick_place",
  stageNames: ["reach", "grasp", "lift", "carry", "place"],
  maxSteps: 200,
  layout(rng) {
    const side = rng.next() < 0.5 ? 1 : -1;
    const half = rng.uniform(0.02, 0.025);
    const object = carriedBlock(rng, side, half);
    const bin: [number, number] = [rng.uniform(-0.06, 0.1), side * rng.uniform(0.1, 0.2)];
    const wallHalfZ = BIN_HEIGHT / 2;
    const reach = BIN_INNER_HALF + BIN_WALL / 2;
    const wall = (name: string, dx: number, dy: number, hx: number, hy: number): LayoutBody => ({
      name,
      shape: "box",
      half: [hx, hy, wallHalfZ],
      position: [bin[0] + dx, bin[1] + dy, wallHalfZ],
      yaw: 0,
      dynamic: false,
      density: 1000,
    });
    const long = BIN_INNER_HALF + BIN_WALL;
    return {
      objects: [object],
      fixtures: [
        wall("bin_wall_x+", reach, 0, BIN_WALL / 2, long),
        wall("bin_wall_x-", -reach, 0, BIN_WALL / 2, long),
        wall("bin_wall_y+", 0, reach, BIN_INNER_HALF, BIN_WALL / 2),
        wall("bin_wall_y-", 0, -reach, BIN_INNER_HALF, BIN_WALL / 2),
      ],
      markers: [],
      target: [bin[0], bin[1], half],
      gripperStart: randomGripperStart(rng),
      keepOut: [
        [object.position[0], object.position[1], 0.07],
        [bin[0], bin[1], 0.12],
      ],
    };
  },
  evaluator: (initial, layout) => carryEvaluator(binGoal(initial, layout), initial),
};

/** The cube into the bin: the goal both the ground truth and the expert work towards. */
export function binGoal(initial: WorldState, layout: TaskLayout): CarryGoal {
  const bin = layout.fixtures.map((f) => f.position);
  const center: [number, number] = [(bin[0]![0] + bin[1]![0]) / 2, (bin[2]![1] + bin[3]![1]) / 2];
  const half = initial.objects.object!.half[2];
  return {
    object: "object",
    lift: 0.085,
    target: () => [center[0], center[1], half],
    atTarget: (o) =>
      Math.abs(o.position[0] - center[0]) < BIN_INNER_HALF &&
      Math.abs(o.position[1] - center[1]) < BIN_INNER_HALF &&
      o.position[2] < BIN_HEIGHT &&
      (isResting(o.linvel) || o.position[2] < BIN_HEIGHT),
  };
}
