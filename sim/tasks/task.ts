import type { Rng } from "../random.js";
import type { LayoutBody, TaskLayout } from "../world/layout.js";
import type { WorldState } from "../world/physics.js";
import type { Vec3 } from "../world/spec.js";

export const TASK_NAMES = ["pick_place", "stack", "push"] as const;
export type TaskName = (typeof TASK_NAMES)[number];

/** Ground truth computed from the state alone (plus constants fixed at the episode's start). */
export interface StageEstimate {
  stage: number;
  /** Progress within the stage, in [0, 1]. */
  stageProgress: number;
  success: boolean;
  /** Why the episode ended in failure (object off the table, …), or null. */
  failure: string | null;
}

export type Evaluator = (state: WorldState) => StageEstimate;

export interface TaskDefinition {
  readonly name: TaskName;
  readonly stageNames: readonly string[];
  /** Time limit in control steps. */
  readonly maxSteps: number;
  layout(rng: Rng): TaskLayout;
  /** Builds the ground-truth function of one episode from its initial (settled) state. */
  evaluator(initial: WorldState, layout: TaskLayout): Evaluator;
}

/** Progress over all stages, each carrying an equal share (DESIGN §4 step-wise discretization). */
export function overallProgress(estimate: StageEstimate, stageCount: number): number {
  return (estimate.stage + estimate.stageProgress) / stageCount;
}

/** A task object resting on the table at (x, y) with a random yaw. */
export function tableBox(
  name: string,
  half: number,
  x: number,
  y: number,
  yaw: number,
  density = 400,
): LayoutBody {
  return {
    name,
    shape: "box",
    half: [half, half, half],
    position: [x, y, half],
    yaw,
    dynamic: true,
    density,
  };
}

/**
 * The block a carry task picks up ("object", `half` in size, random yaw) on the `-side` half of the table,
 * `side` (±1) being the half its destination is on.
 */
export function carriedBlock(rng: Rng, side: number, half: number): LayoutBody {
  return tableBox(
    "object",
    half,
    rng.uniform(-0.12, 0.08),
    side * rng.uniform(-0.2, -0.06),
    rng.uniform(-0.6, 0.6),
  );
}

/** Where the gripper starts an episode, the same for every task: above the table's near half. */
export function randomGripperStart(rng: Rng): TaskLayout["gripperStart"] {
  return {
    position: [rng.uniform(-0.2, -0.1), rng.uniform(-0.08, 0.08), rng.uniform(0.2, 0.26)],
    yaw: rng.uniform(-0.3, 0.3),
  };
}

/** The failure shared by every task: a task object left the table. */
export function offTable(state: WorldState): string | null {
  for (const body of Object.values(state.objects)) {
    if (body.position[2] < -0.05) return `${body.name} fell off the table`;
  }
  return null;
}

export function isResting(linvel: Vec3): boolean {
  return Math.hypot(linvel[0], linvel[1], linvel[2]) < 0.03;
}
