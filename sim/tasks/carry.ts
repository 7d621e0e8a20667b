import type { BodyState, WorldState } from "../world/physics.js";
import { GRIPPER } from "../world/gripper.js";
import { clamp01, distXY, extentAlong, norm, sub } from "../world/math.js";
import type { Vec3 } from "../world/spec.js";
import { isResting, offTable, type Evaluator, type StageEstimate } from "./task.js";

/**
 * Ground truth shared by the pick-and-carry tasks (pick_place, stack): five stages — reach the object,
 * close on it, lift it, carry it over the target, put it down there. Each stage is recognised from the
 * state alone, so dropping the object or putting it back makes the stage fall back.
 */
export interface CarryGoal {
  /** The object to move. */
  object: string;
  /** Where the object's centre should come to rest. */
  target(state: WorldState): Vec3;
  /** True when the released object lies at the target (inside the bin, on the base block). */
  atTarget(object: BodyState, state: WorldState): boolean;
  /** Height to lift the object above its resting height before carrying. */
  lift: number;
  /** Failures other than falling off the table (e.g. the base block knocked over). */
  failure?(state: WorldState): string | null;
}

/** Horizontal distance to the target at which carrying is complete and putting down begins. */
export const CARRY_TOLERANCE = 0.012;
/** TCP-to-object distance at which reaching ends and closing the fingers begins. */
export const GRASP_RANGE = 0.02;

export function carryHeights(
  goal: CarryGoal,
  initial: WorldState,
  state: WorldState,
): { rest: number; carry: number } {
  const rest = initial.objects[goal.object]!.position[2];
  const target = goal.target(state);
  return { rest, carry: Math.max(rest + goal.lift, target[2] + 0.05) };
}

export function carryEvaluator(goal: CarryGoal, initial: WorldState): Evaluator {
  const start = initial.objects[goal.object]!;
  const reach0 = Math.max(norm(sub(initial.gripper.position, start.position)) - GRASP_RANGE, 0.05);
  const carry0 = Math.max(distXY(start.position, goal.target(initial)) - CARRY_TOLERANCE, 0.05);
  return (state): StageEstimate => {
    const failure = offTable(state) ?? goal.failure?.(state) ?? null;
    const object = state.objects[goal.object]!;
    const o = object.position;
    const g = state.gripper;
    const target = goal.target(state);
    const { rest, carry } = carryHeights(goal, initial, state);
    const result = (stage: number, stageProgress: number, success = false): StageEstimate => ({
      stage,
      stageProgress: clamp01(stageProgress),
      success: success && failure === null,
      failure,
    });
    if (g.grasped === goal.object) {
      const xy = distXY(o, target);
      if (xy < CARRY_TOLERANCE) return result(4, ((carry - o[2]) / (carry - target[2])) * 0.9);
      const liftTop = carry - 0.005;
      if (o[2] >= liftTop) return result(3, 1 - (xy - CARRY_TOLERANCE) / carry0);
      return result(2, (o[2] - rest) / (liftTop - rest));
    }
    if (goal.atTarget(object, state)) {
      // Released at the target: done once it rests there and the fingers have opened clear of it.
      const across: Vec3 = [-Math.sin(g.yaw), Math.cos(g.yaw), 0];
      const width = 2 * extentAlong(object.shape, object.half, object.quaternion, across);
      const open = clamp01((g.gap - width) / (GRIPPER.maxGap - width));
      const settled = isResting(object.linvel);
      if (settled && open > 0.5) return result(4, 1, true);
      return result(4, 0.9 + 0.05 * open);
    }
    const d = norm(sub(g.position, o));
    if (d < GRASP_RANGE) {
      const across: Vec3 = [-Math.sin(g.yaw), Math.cos(g.yaw), 0];
      const width = 2 * extentAlong(object.shape, object.half, object.quaternion, across);
      return result(1, (GRIPPER.maxGap - g.gap) / (GRIPPER.maxGap - width));
    }
    return result(0, 1 - (d - GRASP_RANGE) / reach0);
  };
}
