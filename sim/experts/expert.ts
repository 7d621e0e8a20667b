import type { Rng } from "../random.js";
import { GRIPPER } from "../world/gripper.js";
import type { GripperCommand, WorldState } from "../world/physics.js";
import type { StageEstimate } from "../tasks/task.js";
import type { Vec3 } from "../world/spec.js";

/** A deliberate way to fail, for reward-model data with regressions and failures. */
export const FAILURE_MODES = ["none", "drop", "undo", "stall", "wander"] as const;
export type FailureMode = (typeof FAILURE_MODES)[number];

export interface ExpertOptions {
  /** Std of Gaussian noise added to each translation component (m); yaw gets 5× that in radians. */
  noise: number;
  failure: FailureMode;
}

/** A policy as the sim sees it: the state and its ground truth in, one command out. */
export interface Policy {
  act(state: WorldState, truth: StageEstimate): GripperCommand;
}

/** Expert top speed per control step (m), below the gripper's limit so noise does not saturate. */
export const EXPERT_STEP = 0.02;

/** Proportional move towards `target`, capped at `max` metres. */
export function moveTowards(from: Vec3, target: Vec3, max = EXPERT_STEP): Vec3 {
  const d: Vec3 = [target[0] - from[0], target[1] - from[1], target[2] - from[2]];
  const n = Math.hypot(...d);
  return n > max ? [(d[0] * max) / n, (d[1] * max) / n, (d[2] * max) / n] : d;
}

export function command(translation: Vec3, yaw: number, gripper: number): GripperCommand {
  return { translation, yaw, gripper };
}

/** Adds the expert's action noise. */
export function withNoise(cmd: GripperCommand, rng: Rng, std: number): GripperCommand {
  if (std <= 0) return cmd;
  return {
    translation: [
      cmd.translation[0] + rng.normal(0, std),
      cmd.translation[1] + rng.normal(0, std),
      cmd.translation[2] + rng.normal(0, std),
    ],
    yaw: cmd.yaw + rng.normal(0, std * 5),
    gripper: cmd.gripper,
  };
}

/** Uniformly random actions over the gripper's limits. */
export function randomPolicy(rng: Rng): Policy {
  return {
    act: () => {
      const m = GRIPPER.maxStepTranslation;
      return command(
        [rng.uniform(-m, m), rng.uniform(-m, m), rng.uniform(-m, m)],
        rng.uniform(-GRIPPER.maxStepYaw, GRIPPER.maxStepYaw),
        rng.next() < 0.5 ? 0 : 1,
      );
    },
  };
}

/**
 * Runs a failure as a short scripted detour inside an expert: `trigger` says when (once per episode),
 * `detour` gives commands until it returns undefined, and the expert takes over again (stall never ends).
 */
export class FailureScript {
  private active = false;
  private done = false;
  private steps = 0;

  constructor(
    private readonly trigger: (truth: StageEstimate, state: WorldState) => boolean,
    private readonly detour: (state: WorldState, step: number) => GripperCommand | undefined,
  ) {}

  /** The failure's command for this step, or undefined when the expert should act. */
  next(state: WorldState, truth: StageEstimate): GripperCommand | undefined {
    if (this.done) return undefined;
    if (!this.active && this.trigger(truth, state)) this.active = true;
    if (!this.active) return undefined;
    const cmd = this.detour(state, this.steps++);
    if (cmd === undefined) this.done = true;
    return cmd;
  }
}

/** An expert: its failure detour while that runs, else its clean action, with the action noise on top. */
export function scriptedExpert(
  action: (state: WorldState, truth: StageEstimate) => GripperCommand,
  failure: FailureScript | undefined,
  rng: Rng,
  noise: number,
): Policy {
  return {
    act(state, truth) {
      return withNoise(failure?.next(state, truth) ?? action(state, truth), rng, noise);
    },
  };
}
