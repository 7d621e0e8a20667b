import type { Rng } from "../random.js";
import { GRIPPER } from "../world/gripper.js";
import { CARRY_TOLERANCE, carryHeights, type CarryGoal } from "../tasks/carry.js";
import type { StageEstimate } from "../tasks/task.js";
import type { GripperCommand, WorldState } from "../world/physics.js";
import { distXY, faceYawError } from "../world/math.js";
import type { Vec3 } from "../world/spec.js";
import {
  command,
  EXPERT_STEP,
  FailureScript,
  moveTowards,
  scriptedExpert,
  type ExpertOptions,
  type Policy,
} from "./expert.js";

const HOVER = 0.06;

/** The clean scripted behaviour: hover, descend, close, lift, carry, lower, open, retreat. */
function carryAction(
  goal: CarryGoal,
  initial: WorldState,
  state: WorldState,
  truth: StageEstimate,
): GripperCommand {
  const g = state.gripper;
  const o = state.objects[goal.object]!.position;
  if (truth.success || (truth.stage === 4 && g.grasped === null)) {
    return command(moveTowards(g.position, [g.position[0], g.position[1], g.position[2] + 0.05]), 0, 0);
  }
  if (g.grasped === goal.object) {
    const target = goal.target(state);
    const { carry } = carryHeights(goal, initial, state);
    const xy = distXY(o, target);
    // Once lowering over the target, correct sideways at the current height instead of climbing back.
    const lowering = xy < CARRY_TOLERANCE && o[2] < carry - 0.01;
    if (xy > CARRY_TOLERANCE * 0.5 && !lowering) {
      if (o[2] < carry - 0.003 && xy > 0.03)
        return command([0, 0, Math.min(EXPERT_STEP, carry - o[2] + 0.002)], 0, 1);
      return command(moveTowards(o, [target[0], target[1], carry]), 0, 1);
    }
    if (o[2] - target[2] > 0.004)
      return command(moveTowards(o, [target[0], target[1], target[2] + 0.001]), 0, 1);
    return command([0, 0, 0], 0, 0);
  }
  const yawError = faceYawError(state.objects[goal.object]!.quaternion, state.gripper.yaw);
  const xy = distXY(g.position, o);
  const hover = o[2] + HOVER;
  // Below hover height the fingers are around (or beside) the object: looser tolerances there, within
  // the slack of the open fingers, so that small disturbances do not send the gripper back up.
  const low = g.position[2] < hover - 0.01;
  const aligned = xy < (low ? 0.012 : 0.006) && Math.abs(yawError) < (low ? 0.15 : 0.06);
  if (!aligned) {
    if (low && xy < 0.02) return command(moveTowards(g.position, [o[0], o[1], g.position[2]]), yawError, 0);
    // Climb before crossing so the fingers do not sweep the object away.
    if (low) return command([0, 0, EXPERT_STEP], yawError, 0);
    return command(
      moveTowards(g.position, [o[0], o[1], Math.max(hover, g.position[2] - EXPERT_STEP)]),
      yawError,
      0,
    );
  }
  // Small objects sit lower than the fingertips may go: grasp as low as the workspace allows.
  const graspZ = Math.max(o[2], GRIPPER.workspaceMin[2]);
  if (g.position[2] - graspZ > 0.004)
    return command(moveTowards(g.position, [o[0], o[1], graspZ]), yawError, 0);
  return command([0, 0, 0], 0, 1);
}

/** The failure detours of the carry tasks. */
function carryFailure(
  goal: CarryGoal,
  initial: WorldState,
  options: ExpertOptions,
  rng: Rng,
): FailureScript | undefined {
  const start = initial.objects[goal.object]!.position;
  const inCarry = (t: StageEstimate): boolean => t.stage === 3 && t.stageProgress > 0.25;
  switch (options.failure) {
    case "none":
      return undefined;
    case "drop":
      // The fingers open mid-carry: the object falls; afterwards the expert tries again.
      return new FailureScript(inCarry, (_s, k) => (k < 8 ? command([0, 0, 0.005], 0, 0) : undefined));
    case "undo": {
      // Takes the object back to where it started and lets go of it there, then starts over.
      let phase: "return" | "lower" | "open" | "up" = "return";
      let opened = 0;
      return new FailureScript(inCarry, (s) => {
        const o = s.objects[goal.object]!.position;
        const g = s.gripper.position;
        if (phase === "return") {
          if (distXY(o, start) < 0.006) phase = "lower";
          else return command(moveTowards(o, [start[0], start[1], o[2]]), 0, 1);
        }
        if (phase === "lower") {
          if (o[2] - start[2] < 0.003) phase = "open";
          else return command(moveTowards(o, [o[0], o[1], start[2]]), 0, 1);
        }
        if (phase === "open") {
          if (opened++ >= 3) phase = "up";
          else return command([0, 0, 0], 0, 0);
        }
        if (g[2] - start[2] < HOVER) return command([0, 0, EXPERT_STEP], 0, 0);
        return undefined;
      });
    }
    case "stall":
      // Stops moving once the object is lifted and never resumes: the episode runs out of time.
      return new FailureScript(
        (t) => t.stage >= 2,
        () => command([0, 0, 0], 0, 1),
      );
    case "wander": {
      // Drifts away from the target for a while with the object in hand, then resumes.
      let heading = rng.uniform(-0.6, 0.6);
      return new FailureScript(inCarry, (s, k) => {
        if (k >= 20) return undefined;
        const o = s.objects[goal.object]!.position;
        const t = goal.target(s);
        const away = Math.atan2(o[1] - t[1], o[0] - t[0]) + heading;
        heading += rng.normal(0, 0.3);
        const v: Vec3 = [Math.cos(away) * 0.012, Math.sin(away) * 0.012, rng.normal(0, 0.003)];
        return command(v, rng.normal(0, 0.05), 1);
      });
    }
  }
}

export function carryExpert(goal: CarryGoal, initial: WorldState, options: ExpertOptions, rng: Rng): Policy {
  return scriptedExpert(
    (state, truth) => carryAction(goal, initial, state, truth),
    carryFailure(goal, initial, options, rng),
    rng,
    options.noise,
  );
}
