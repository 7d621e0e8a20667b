/**
 * TEST FIXTURE: a deterministic point-mass world with multi-stage tasks, so the learner, the transition
 * assembly and the experiment can be tested end to end without the simulator. It is not a physics model:
 * the "gripper" is a point that moves by the commanded translation, grasping is a distance check, and a
 * released object drops straight onto the table.
 */
import type { Env, EnvFactory, EnvStep, FrameRequest, GroundTruthStep } from "../env.js";
import { Rng } from "../random.js";
import { actionBounds, type ActionBounds } from "../spaces.js";

export type PointMassTask = "pick_place" | "push";
export const POINT_MASS_TASKS: readonly PointMassTask[] = ["pick_place", "push"];

const STAGES: Record<PointMassTask, readonly string[]> = {
  pick_place: ["reach", "grasp", "lift", "carry", "place"],
  push: ["reach", "push"],
};

const MAX_TRANSLATION = 0.04;
const TABLE_HALF = 0.5;
const WORKSPACE_HALF = 0.6;
const MAX_HEIGHT = 0.3;
const GRASP_RADIUS = 0.03;
const LIFT_HEIGHT = 0.1;
const GOAL_RADIUS = 0.05;
const PUSH_CONTACT = 0.04;
const PUSH_OFFSET = 0.06;

type Vec3 = [number, number, number];

function dist(a: readonly number[], b: readonly number[], dims = 3): number {
  let s = 0;
  for (let i = 0; i < dims; i++) s += (a[i]! - b[i]!) ** 2;
  return Math.sqrt(s);
}

function clamp(x: number, lo: number, hi: number): number {
  return Math.max(lo, Math.min(hi, x));
}

export interface PointMassOptions {
  maxSteps?: number;
}

export class PointMassEnv implements Env {
  readonly stageNames: readonly string[];
  readonly observationNames = [
    "gripper_x",
    "gripper_y",
    "gripper_z",
    "gripper_closed",
    "object_x",
    "object_y",
    "object_z",
    "attached",
    "goal_x",
    "goal_y",
    "object_rel_x",
    "object_rel_y",
    "object_rel_z",
    "goal_rel_x",
    "goal_rel_y",
  ] as const;
  readonly actionBounds: ActionBounds = actionBounds(MAX_TRANSLATION, 0.1);
  readonly maxSteps: number;

  private rng: Rng;
  private gripper: Vec3 = [0, 0, 0];
  private closed = false;
  private object: Vec3 = [0, 0, 0];
  private attached = false;
  private goal: [number, number] = [0, 0];
  private reachScale = 1;
  private goalScale = 1;
  private steps = 0;
  private done = false;

  constructor(
    readonly task: PointMassTask,
    seed: number,
    options: PointMassOptions = {},
  ) {
    this.stageNames = STAGES[task];
    this.maxSteps = options.maxSteps ?? (task === "pick_place" ? 60 : 50);
    this.rng = new Rng(`point-mass-noise-${seed}`);
  }

  reset(seed: number, frames?: FrameRequest): EnvStep {
    if (frames && frames.views.length > 0)
      throw new Error(`the point-mass env has no cameras (asked for ${frames.views.join(", ")})`);
    const r = new Rng(`point-mass-reset-${seed}`);
    const u = (lo: number, hi: number): number => lo + (hi - lo) * r.uniform();
    this.gripper = [u(-0.3, 0.3), u(-0.3, 0.3), 0.15];
    this.object = [u(-0.25, 0.25), u(-0.25, 0.25), 0];
    do this.goal = [u(-0.3, 0.3), u(-0.3, 0.3)];
    while (dist(this.goal, this.object, 2) < 0.15);
    this.closed = false;
    this.attached = false;
    this.steps = 0;
    this.done = false;
    this.reachScale = Math.max(dist(this.gripper, this.reachTarget()), 0.05);
    this.goalScale = dist(this.goal, this.object, 2);
    return this.snapshot(false);
  }

  step(action: Float32Array): EnvStep {
    if (this.done) throw new Error("point-mass env: step() after the episode ended; call reset() first");
    const b = this.actionBounds;
    const previous: Vec3 = [...this.gripper];
    for (let i = 0; i < 3; i++) {
      const d = clamp(action[i]!, b.low[i]!, b.high[i]!);
      const half = i === 2 ? MAX_HEIGHT : WORKSPACE_HALF;
      this.gripper[i] = clamp(this.gripper[i]! + d, i === 2 ? 0 : -half, half);
    }
    const wasClosed = this.closed;
    this.closed = action[4]! > 0.5;
    if (this.task === "pick_place") this.pickPlaceContact(wasClosed);
    else this.pushContact(previous);
    this.steps++;
    return this.snapshot(true);
  }

  private pickPlaceContact(wasClosed: boolean): void {
    if (this.attached && !this.closed) {
      this.attached = false;
      this.object[2] = 0;
    } else if (
      !this.attached &&
      this.closed &&
      !wasClosed &&
      dist(this.gripper, this.object) < GRASP_RADIUS
    ) {
      this.attached = true;
    }
    if (this.attached) this.object = [...this.gripper];
  }

  private pushContact(previous: Vec3): void {
    const dx = this.object[0] - this.gripper[0];
    const dy = this.object[1] - this.gripper[1];
    const d = Math.hypot(dx, dy);
    if (this.gripper[2] > 0.05 || d >= PUSH_CONTACT) return;
    // Contact: the object is shoved out along the line from the gripper, in the direction of motion.
    const mx = this.gripper[0] - previous[0];
    const my = this.gripper[1] - previous[1];
    const [ux, uy] = d > 1e-9 ? [dx / d, dy / d] : [mx, my];
    const n = Math.hypot(ux, uy) || 1;
    this.object[0] = this.gripper[0] + (ux / n) * PUSH_CONTACT;
    this.object[1] = this.gripper[1] + (uy / n) * PUSH_CONTACT;
  }

  private reachTarget(): number[] {
    if (this.task === "pick_place") return this.object;
    const [ux, uy] = this.goalDirection();
    return [this.object[0] - ux * PUSH_OFFSET, this.object[1] - uy * PUSH_OFFSET, 0];
  }

  private goalDirection(): [number, number] {
    const dx = this.goal[0] - this.object[0];
    const dy = this.goal[1] - this.object[1];
    const n = Math.hypot(dx, dy) || 1;
    return [dx / n, dy / n];
  }

  private groundTruth(): { stage: number; stageProgress: number; success: boolean; failed: boolean } {
    const goalDist = dist(this.goal, this.object, 2);
    const offTable = Math.abs(this.object[0]) > TABLE_HALF || Math.abs(this.object[1]) > TABLE_HALF;
    const carry = clamp(1 - goalDist / this.goalScale, 0, 1);
    const reach = clamp(1 - dist(this.gripper, this.reachTarget()) / this.reachScale, 0, 1);
    if (this.task === "push") {
      const success = goalDist < GOAL_RADIUS;
      const pushing = dist(this.gripper, this.reachTarget()) < 0.03 || goalDist < this.goalScale - 0.01;
      return pushing || success
        ? { stage: 1, stageProgress: carry, success, failed: offTable }
        : { stage: 0, stageProgress: reach, success, failed: offTable };
    }
    const success = !this.attached && goalDist < GOAL_RADIUS && this.object[2] === 0;
    if (success) return { stage: 4, stageProgress: 1, success, failed: false };
    if (!this.attached) {
      const near = dist(this.gripper, this.object) < GRASP_RADIUS;
      return near
        ? { stage: 1, stageProgress: this.closed ? 0 : 0.5, success, failed: offTable }
        : { stage: 0, stageProgress: reach, success, failed: offTable };
    }
    if (goalDist <= GOAL_RADIUS)
      return {
        stage: 4,
        stageProgress: 0.5 * (1 - clamp(this.object[2] / LIFT_HEIGHT, 0, 1)),
        success,
        failed: false,
      };
    if (this.object[2] < LIFT_HEIGHT)
      return { stage: 2, stageProgress: this.object[2] / LIFT_HEIGHT, success, failed: offTable };
    return { stage: 3, stageProgress: carry, success, failed: offTable };
  }

  private snapshot(stepped: boolean): EnvStep {
    const gt = this.groundTruth();
    const stages = this.stageNames.length;
    const progress = gt.success ? 1 : (gt.stage + gt.stageProgress) / stages;
    const terminal = stepped && (gt.success || gt.failed);
    const truncated = stepped && !terminal && this.steps >= this.maxSteps;
    this.done = terminal || truncated;
    const groundTruth: GroundTruthStep = {
      progress,
      stage: gt.stage,
      stageProgress: gt.stageProgress,
      success: gt.success,
      terminal,
      truncated,
    };
    const [p, o, g] = [this.gripper, this.object, this.goal];
    const observation = Float32Array.from([
      p[0],
      p[1],
      p[2],
      this.closed ? 1 : 0,
      o[0],
      o[1],
      o[2],
      this.attached ? 1 : 0,
      g[0],
      g[1],
      o[0] - p[0],
      o[1] - p[1],
      o[2] - p[2],
      g[0] - o[0],
      g[1] - o[1],
    ]);
    return { observation, groundTruth };
  }

  expert(noise: number): Float32Array {
    const { target, close } = this.task === "pick_place" ? this.pickPlacePlan() : this.pushPlan();
    const action = new Float32Array(5);
    for (let i = 0; i < 3; i++) {
      const d = clamp(target[i]! - this.gripper[i]!, -MAX_TRANSLATION, MAX_TRANSLATION);
      action[i] = d + noise * MAX_TRANSLATION * this.rng.normal();
    }
    action[3] = noise * 0.1 * this.rng.normal();
    const flip = this.rng.uniform() < noise * 0.1;
    action[4] = close !== flip ? 1 : 0;
    return action;
  }

  private pickPlanTarget(z: number): number[] {
    return [this.goal[0], this.goal[1], z];
  }

  private pickPlacePlan(): { target: number[]; close: boolean } {
    if (!this.attached) {
      const near = dist(this.gripper, this.object) < GRASP_RADIUS * 0.5;
      if (near && !this.closed) return { target: this.object, close: true };
      if (dist(this.goal, this.object, 2) < GOAL_RADIUS) return { target: this.gripper, close: false };
      return { target: this.object, close: false };
    }
    const goalDist = dist(this.goal, this.object, 2);
    if (goalDist > GOAL_RADIUS * 0.5) {
      if (this.object[2] < LIFT_HEIGHT)
        return { target: [...this.gripper.slice(0, 2), LIFT_HEIGHT + 0.02], close: true };
      return { target: this.pickPlanTarget(this.gripper[2]), close: true };
    }
    if (this.object[2] > 0.005) return { target: this.pickPlanTarget(0), close: true };
    return { target: this.gripper, close: false };
  }

  private pushPlan(): { target: number[]; close: boolean } {
    const pre = this.reachTarget();
    const [ux, uy] = this.goalDirection();
    const behind = dist(this.gripper, pre) < 0.02;
    const inContact =
      Math.hypot(this.object[0] - this.gripper[0], this.object[1] - this.gripper[1]) < PUSH_CONTACT + 0.01;
    if (behind || (inContact && this.gripper[2] < 0.05)) {
      // Aim just behind the object's centre along the goal direction, so the contact normal steers it.
      const aim = PUSH_CONTACT / 2;
      return { target: [this.object[0] - ux * aim, this.object[1] - uy * aim, 0], close: true };
    }
    // Approach from above so the object is not knocked sideways on the way.
    const low = dist(this.gripper, pre, 2) < 0.03;
    return { target: [pre[0]!, pre[1]!, low ? 0 : 0.08], close: true };
  }
}

/** The fixture as an experiment's environment, refusing the tasks it does not model. */
export const createPointMassEnv: EnvFactory = (task, seed, options = {}) => {
  if (!(POINT_MASS_TASKS as readonly string[]).includes(task)) {
    throw new Error(`point-mass env has no task '${task}' (tasks: ${POINT_MASS_TASKS.join(", ")})`);
  }
  return new PointMassEnv(task as PointMassTask, seed, options);
};
