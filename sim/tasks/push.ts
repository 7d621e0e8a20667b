import type { TaskLayout } from "../world/layout.js";
import type { WorldState } from "../world/physics.js";
import { clamp01, distXY } from "../world/math.js";
import type { Vec3 } from "../world/spec.js";
import { offTable, randomGripperStart, tableBox, type StageEstimate, type TaskDefinition } from "./task.js";

/** Goal radius within which the pushed object counts as delivered. */
export const PUSH_GOAL_RADIUS = 0.025;
/** TCP height at which the fingers push (just above the table). */
export const PUSH_HEIGHT = 0.03;
/** Height from which the gripper comes down behind the object. */
export const PUSH_APPROACH_HEIGHT = 0.12;
/** Clearance behind the object's face where the pusher lines up. */
export const PUSH_STANDOFF = 0.025;

/** Unit direction from the object to the goal, and the line-up point behind the object. */
export function pushGeometry(
  state: WorldState,
  goal: Vec3,
): { dir: [number, number]; prePush: Vec3; distance: number } {
  const o = state.objects.object!;
  const dx = goal[0] - o.position[0];
  const dy = goal[1] - o.position[1];
  const distance = Math.hypot(dx, dy);
  const dir: [number, number] = distance > 1e-6 ? [dx / distance, dy / distance] : [1, 0];
  const back = o.half[0] + PUSH_STANDOFF;
  return {
    dir,
    prePush: [o.position[0] - dir[0] * back, o.position[1] - dir[1] * back, PUSH_HEIGHT],
    distance,
  };
}

/** The goal marker's centre, where the block should end up. */
export function pushGoal(layout: TaskLayout): Vec3 {
  return layout.markers[0]!.position;
}

/** Push a block across the table onto a marked goal. */
export const push: TaskDefinition = {
  name: "push",
  stageNames: ["reach", "descend", "push"],
  maxSteps: 200,
  layout(rng) {
    const object = tableBox(
      "object",
      rng.uniform(0.022, 0.026),
      rng.uniform(-0.1, 0.05),
      rng.uniform(-0.15, 0.15),
      rng.uniform(-0.4, 0.4),
      300,
    );
    const angle = rng.uniform(-Math.PI, Math.PI);
    const distance = rng.uniform(0.12, 0.18);
    const goal: Vec3 = [
      Math.min(0.2, Math.max(-0.2, object.position[0] + Math.cos(angle) * distance)),
      Math.min(0.25, Math.max(-0.25, object.position[1] + Math.sin(angle) * distance)),
      0.0005,
    ];
    return {
      objects: [object],
      fixtures: [],
      markers: [{ name: "goal", position: goal, radius: PUSH_GOAL_RADIUS + 0.01 }],
      target: goal,
      targetHeading: true,
      gripperStart: randomGripperStart(rng),
      keepOut: [
        [object.position[0], object.position[1], 0.08],
        [goal[0], goal[1], 0.08],
        [(object.position[0] + goal[0]) / 2, (object.position[1] + goal[1]) / 2, 0.08],
      ],
    };
  },
  evaluator(initial, layout) {
    const goal = pushGoal(layout);
    const start = pushGeometry(initial, goal);
    const reach0 = Math.max(distXY(initial.gripper.position, start.prePush), 0.05);
    const push0 = Math.max(start.distance - PUSH_GOAL_RADIUS, 0.05);
    return (state): StageEstimate => {
      const failure = offTable(state);
      const { dir, prePush, distance } = pushGeometry(state, goal);
      const o = state.objects.object!;
      const g = state.gripper.position;
      const result = (stage: number, p: number, success = false): StageEstimate => ({
        stage,
        stageProgress: clamp01(p),
        success: success && failure === null,
        failure,
      });
      if (distance < PUSH_GOAL_RADIUS) return result(2, 1, true);
      // In pushing pose: low, behind the object on the line to the goal, close to its face.
      const rx = o.position[0] - g[0];
      const ry = o.position[1] - g[1];
      const along = rx * dir[0] + ry * dir[1];
      const lateral = Math.abs(-rx * dir[1] + ry * dir[0]);
      if (
        g[2] < PUSH_HEIGHT + 0.015 &&
        lateral < o.half[0] &&
        along > 0 &&
        along < o.half[0] + PUSH_STANDOFF + 0.015
      ) {
        return result(2, 1 - (distance - PUSH_GOAL_RADIUS) / push0);
      }
      if (distXY(g, prePush) < 0.02) {
        return result(1, (PUSH_APPROACH_HEIGHT - g[2]) / (PUSH_APPROACH_HEIGHT - PUSH_HEIGHT));
      }
      return result(0, 1 - (distXY(g, prePush) - 0.02) / reach0);
    };
  },
};
