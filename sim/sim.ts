import { Rng } from "./random.js";
import type { ExpertOptions, Policy } from "./experts/expert.js";
import { expertFor } from "./experts/index.js";
import type { Frame, FrameRenderer } from "./render/frames.js";
import {
  overallProgress,
  taskByName,
  type Evaluator,
  type StageEstimate,
  type TaskDefinition,
  type TaskName,
} from "./tasks/index.js";
import type { TaskLayout } from "./world/layout.js";
import { initPhysics, PhysicsWorld, type GripperCommand, type WorldState } from "./world/physics.js";
import { DEFAULT_RANDOMIZATION, randomizeWorld, type RandomizationOptions } from "./world/randomize.js";
import { faceYawError, headingYawError } from "./world/math.js";
import { VIEW_NAMES, type ViewName, type WorldSpec } from "./world/spec.js";

export interface SimOptions {
  task: TaskName;
  /** Seed of the first episode; each later `reset()` without a seed uses the next one. */
  seed?: number | bigint;
  width?: number;
  height?: number;
  /** Views to render; `[]` runs physics and ground truth only (fast state-only rollouts). */
  views?: readonly ViewName[];
  randomization?: Partial<RandomizationOptions>;
  /** Control period in seconds (default 0.05 = 20 Hz) and physics substeps per control step. */
  controlDt?: number;
  substeps?: number;
  /** Time limit in steps (default: the task's). */
  maxSteps?: number;
  /** Shadows from the key light (default true); off roughly doubles the frame rate of software GL. */
  shadows?: boolean;
  /** Draw frames with this renderer instead of the default headless one (e.g. a browser's WebGL). */
  renderer?: FrameRenderer;
}

/** Ground truth of one step, the fields of process_reward_msgs/GroundTruth. */
export interface Truth extends StageEstimate {
  task: TaskName;
  stageNames: readonly string[];
  /** (stage + stageProgress) / stageNames.length */
  progress: number;
  /** A true terminal: success or failure ended the episode. */
  terminal: boolean;
  /** The time limit ended the episode. */
  truncated: boolean;
}

export interface Observation {
  names: readonly string[];
  values: Float32Array;
}

export interface StepResult {
  episode: number;
  seed: bigint;
  /** 0 after reset, then 1, 2, … */
  step: number;
  /** Simulated time since the sim was created (s); continues across episodes, as /clock does. */
  time: number;
  observation: Observation;
  truth: Truth;
  /** The episode is over (terminal or truncated): call reset() next. */
  done: boolean;
  frames: readonly Frame[];
  /** The raw state, for experts and tests; updated in place by the next step. */
  state: WorldState;
}

export interface Sim {
  readonly task: TaskDefinition;
  readonly views: readonly ViewName[];
  readonly width: number;
  readonly height: number;
  /** Seed of the current episode. */
  readonly seed: bigint;
  /** The world of the current episode (for a browser scene or a record of the randomization). */
  readonly world: WorldSpec;
  reset(options?: { seed?: number | bigint; task?: TaskName }): StepResult;
  step(action: GripperCommand): StepResult;
  /** The scripted expert for the current episode. */
  expert(options?: Partial<ExpertOptions>): Policy;
  /**
   * The stage estimate this episode's ground truth gives any world state, not only the live one (a state
   * with the gripper moved, to see where progress rises: scripts/potential-ascent.ts).
   */
  truthOf(state: WorldState): StageEstimate;
  close(): void;
}

/**
 * A copy of `state` with the gripper, and the object it holds, moved by `offset` (m): where the next step's
 * translation would put them, to read the ground truth there (Sim.truthOf) without stepping the physics.
 */
export function withGripperMoved(state: WorldState, offset: readonly [number, number, number]): WorldState {
  const moved = structuredClone(state);
  const held = moved.gripper.grasped ? moved.objects[moved.gripper.grasped] : undefined;
  for (let k = 0; k < 3; k++) {
    moved.gripper.position[k]! += offset[k]!;
    if (held) held.position[k]! += offset[k]!;
  }
  return moved;
}

const OBJECT_FIELDS = ["x", "y", "z", "qx", "qy", "qz", "qw"] as const;

/**
 * The state vector: absolute poses, then the same geometry relative to what acts on it (each object from
 * the gripper, its nearest face-aligned grasp yaw, the target from the first object), as Fetch's
 * `object_rel_pos` does. A policy cloned from a few demos generalizes over start positions from offsets;
 * from absolute coordinates it would have to learn the subtraction from those few episodes.
 */
function observationNames(state: WorldState, layout: TaskLayout): string[] {
  const names = ["ee_x", "ee_y", "ee_z", "ee_yaw", "gripper_gap", "gripper_command", "grasped"];
  const objects = Object.keys(state.objects);
  for (const name of objects) for (const f of OBJECT_FIELDS) names.push(`${name}_${f}`);
  if (layout.target) names.push("target_x", "target_y", "target_z");
  for (const name of objects) names.push(`${name}_from_ee_x`, `${name}_from_ee_y`, `${name}_from_ee_z`);
  for (const name of objects) names.push(`${name}_grasp_yaw_error`);
  if (layout.target)
    names.push(`target_from_${objects[0]}_x`, `target_from_${objects[0]}_y`, `target_from_${objects[0]}_z`);
  if (layout.target && layout.targetHeading) names.push(`target_heading_yaw_error`);
  return names;
}

function fillObservation(values: Float32Array, state: WorldState, layout: TaskLayout): void {
  const g = state.gripper;
  let i = 0;
  values[i++] = g.position[0];
  values[i++] = g.position[1];
  values[i++] = g.position[2];
  values[i++] = g.yaw;
  values[i++] = g.gap;
  values[i++] = g.command;
  values[i++] = g.grasped === null ? 0 : 1;
  for (const body of Object.values(state.objects)) {
    for (const v of body.position) values[i++] = v;
    for (const v of body.quaternion) values[i++] = v;
  }
  if (layout.target) for (const v of layout.target) values[i++] = v;
  const bodies = Object.values(state.objects);
  for (const body of bodies) for (let k = 0; k < 3; k++) values[i++] = body.position[k]! - g.position[k]!;
  for (const body of bodies) values[i++] = faceYawError(body.quaternion, g.yaw);
  const first = bodies[0];
  const target = layout.target;
  if (!target || !first) return;
  const offset = [0, 1, 2].map((k) => target[k]! - first.position[k]!);
  for (const v of offset) values[i++] = v;
  if (layout.targetHeading) values[i] = headingYawError(offset[0]!, offset[1]!, g.yaw);
}

/** Physics steps to let a new world settle before the first observation. */
const SETTLE_STEPS = 3;

/**
 * A tabletop manipulation sim: `reset()` builds a randomized world from a seed, `step(action)` applies an
 * end-effector delta + gripper command for one control period and returns observation, ground truth,
 * episode flags and camera frames.
 */
export async function createSim(options: SimOptions): Promise<Sim> {
  let task = taskByName(options.task);
  const views = options.views ?? VIEW_NAMES;
  for (const v of views) {
    if (!(VIEW_NAMES as readonly string[]).includes(v))
      throw new Error(`unknown view '${v}': expected ${VIEW_NAMES.join(", ")}`);
  }
  const width = options.width ?? 224;
  const height = options.height ?? 224;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 8 || height < 8) {
    throw new Error(`image size must be whole pixels ≥ 8, got ${width}×${height}`);
  }
  const controlDt = options.controlDt ?? 0.05;
  const substeps = options.substeps ?? 3;
  const randomization = { ...DEFAULT_RANDOMIZATION, ...options.randomization };
  await initPhysics();
  let renderer = options.renderer;
  if (!renderer && views.length > 0) {
    const { createHeadlessRenderer } = await import("./render/headless.js");
    renderer = createHeadlessRenderer({ width, height, views, shadows: options.shadows ?? true });
  }

  let nextSeed = BigInt(options.seed ?? 0);
  let episode = -1;
  let time = 0;
  let physics: PhysicsWorld | undefined;
  let layout: TaskLayout;
  let world: WorldSpec;
  let evaluate: Evaluator;
  let initial: WorldState;
  let seed = 0n;
  let stepIndex = 0;
  let done = true;
  let observation: Observation = { names: [], values: new Float32Array(0) };
  let expertRng: Rng;

  const result = (): StepResult => {
    const state = physics!.state();
    const estimate = evaluate(state);
    const maxSteps = options.maxSteps ?? task.maxSteps;
    const terminal = estimate.success || estimate.failure !== null;
    const truncated = !terminal && stepIndex >= maxSteps;
    done = terminal || truncated;
    fillObservation(observation.values, state, layout);
    return {
      episode,
      seed,
      step: stepIndex,
      time,
      observation,
      truth: {
        ...estimate,
        task: task.name,
        stageNames: task.stageNames,
        progress: overallProgress(estimate, task.stageNames.length),
        terminal,
        truncated,
      },
      done,
      frames: renderer ? renderer.render(state) : [],
      state,
    };
  };

  const sim: Sim = {
    get task() {
      return task;
    },
    views: renderer?.views ?? [],
    width,
    height,
    get seed() {
      return seed;
    },
    get world() {
      return world;
    },
    reset(resetOptions = {}) {
      if (resetOptions.task) task = taskByName(resetOptions.task);
      seed = resetOptions.seed !== undefined ? BigInt(resetOptions.seed) : nextSeed;
      nextSeed = seed + 1n;
      episode += 1;
      const rng = new Rng(seed);
      layout = task.layout(rng.fork("layout"));
      world = randomizeWorld(rng.fork("world"), layout, randomization);
      expertRng = rng.fork("expert");
      physics?.free();
      const fresh = new PhysicsWorld(world, { controlDt, substeps });
      physics = fresh;
      const hold: GripperCommand = { translation: [0, 0, 0], yaw: 0, gripper: 0 };
      for (let i = 0; i < SETTLE_STEPS; i++) fresh.step(hold);
      time += SETTLE_STEPS * controlDt;
      // Copy: the live state is updated in place, the episode's constants must not move with it.
      initial = structuredClone(fresh.state());
      evaluate = task.evaluator(initial, layout);
      const names = observationNames(initial, layout);
      observation = { names, values: new Float32Array(names.length) };
      renderer?.setWorld(world);
      stepIndex = 0;
      return result();
    },
    step(action) {
      if (!physics) throw new Error("call reset() before step()");
      if (done)
        throw new Error(`episode ${episode} is over (step ${stepIndex}); call reset() to start the next one`);
      const bad = [...action.translation, action.yaw, action.gripper].find((v) => !Number.isFinite(v));
      if (bad !== undefined)
        throw new Error(
          `action has a non-finite value (${bad}): translation, yaw and gripper must be numbers`,
        );
      physics.step(action);
      time += controlDt;
      stepIndex += 1;
      return result();
    },
    expert(expertOptions = {}) {
      if (!physics) throw new Error("call reset() before expert()");
      return expertFor(task.name)(
        initial,
        layout,
        { noise: 0, failure: "none", ...expertOptions },
        expertRng,
      );
    },
    truthOf(state) {
      if (!evaluate) throw new Error("call reset() before truthOf()");
      return evaluate(state);
    },
    close() {
      physics?.free();
      physics = undefined;
      renderer?.dispose();
    },
  };
  return sim;
}
