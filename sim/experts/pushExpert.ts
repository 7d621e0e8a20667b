import type { Rng } from "../random.js";
import { PUSH_APPROACH_HEIGHT, PUSH_HEIGHT, pushGeometry } from "../tasks/push.js";
import type { StageEstimate } from "../tasks/task.js";
import { GRIPPER } from "../world/gripper.js";
import type { GripperCommand, WorldState } from "../world/physics.js";
import { distXY, headingYawError } from "../world/math.js";
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

/** Closed fingers: a block corner cannot wedge between them and be carried off by friction. */
const PUSH_GRIP = 1;
const PUSH_SPEED = 0.012;

function pushAction(goal: Vec3, state: WorldState, truth: StageEstimate): GripperCommand {
  const g = state.gripper.position;
  const { dir, prePush } = pushGeometry(state, goal);
  // Fingers side by side across the push direction: local x along it.
  const yawError = headingYawError(dir[0], dir[1], state.gripper.yaw);
  if (truth.success) return command(moveTowards(g, [g[0], g[1], g[2] + 0.05]), 0, PUSH_GRIP);
  if (truth.stage === 2) {
    const o = state.objects.object!;
    const contact = o.half[0] + GRIPPER.fingerWidth / 2 + 0.002;
    const line: Vec3 = [o.position[0] - dir[0] * contact, o.position[1] - dir[1] * contact, PUSH_HEIGHT];
    // Finish coming down behind the block before pushing, so the fingers never press on its edge.
    if (g[2] > PUSH_HEIGHT + 0.003) return command(moveTowards(g, line, EXPERT_STEP), yawError, PUSH_GRIP);
    const correction = moveTowards(g, line, 0.006);
    return command(
      [correction[0] + dir[0] * PUSH_SPEED, correction[1] + dir[1] * PUSH_SPEED, correction[2]],
      yawError,
      PUSH_GRIP,
    );
  }
  const xy = distXY(g, prePush);
  if (xy < 0.015) return command(moveTowards(g, prePush), yawError, PUSH_GRIP);
  // Come from above: stay at approach height until over the line-up point.
  if (g[2] < PUSH_APPROACH_HEIGHT - 0.01 && xy > 0.03)
    return command([0, 0, EXPERT_STEP], yawError, PUSH_GRIP);
  return command(moveTowards(g, [prePush[0], prePush[1], PUSH_APPROACH_HEIGHT]), yawError, PUSH_GRIP);
}

function pushFailure(
  goal: Vec3,
  initial: WorldState,
  options: ExpertOptions,
  rng: Rng,
): FailureScript | undefined {
  const pushing = (t: StageEstimate): boolean => t.stage === 2 && t.stageProgress > 0.3;
  switch (options.failure) {
    case "none":
      return undefined;
    case "drop": {
      // Slips off the side of the block and loses contact, then lines up again.
      const side = rng.next() < 0.5 ? 1 : -1;
      return new FailureScript(pushing, (s, k) => {
        if (k >= 5) return undefined;
        const { dir } = pushGeometry(s, goal);
        return command([-dir[1] * side * 0.015, dir[0] * side * 0.015, 0], 0, PUSH_GRIP);
      });
    }
    case "undo": {
      // Backs off upwards towards where it started before trying again.
      const home = initial.gripper.position;
      return new FailureScript(pushing, (s, k) =>
        k < 12 ? command(moveTowards(s.gripper.position, home), 0, PUSH_GRIP) : undefined,
      );
    }
    case "stall":
      return new FailureScript(
        (t) => t.stage >= 1,
        () => command([0, 0, 0], 0, PUSH_GRIP),
      );
    case "wander": {
      // Drifts away from the line-up point during the approach, then resumes.
      let heading = rng.uniform(-0.6, 0.6);
      return new FailureScript(
        (t) => t.stage === 0 && t.stageProgress > 0.3,
        (s, k) => {
          if (k >= 20) return undefined;
          const { prePush } = pushGeometry(s, goal);
          const g = s.gripper.position;
          const away = Math.atan2(g[1] - prePush[1], g[0] - prePush[0]) + heading;
          heading += rng.normal(0, 0.3);
          return command(
            [Math.cos(away) * 0.012, Math.sin(away) * 0.012, rng.normal(0, 0.003)],
            rng.normal(0, 0.05),
            PUSH_GRIP,
          );
        },
      );
    }
  }
}

export function pushExpert(goal: Vec3, initial: WorldState, options: ExpertOptions, rng: Rng): Policy {
  return scriptedExpert(
    (state, truth) => pushAction(goal, state, truth),
    pushFailure(goal, initial, options, rng),
    rng,
    options.noise,
  );
}
