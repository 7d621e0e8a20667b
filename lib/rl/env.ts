import type { ActionBounds } from "./spaces.js";

/** What the simulator knows about task progress at one step (absent on a real robot). */
export interface GroundTruthStep {
  /** Equal share per stage: (stage + stageProgress) / stageNames.length, in [0, 1]. */
  readonly progress: number;
  readonly stage: number;
  readonly stageProgress: number;
  readonly success: boolean;
  /** True terminal (success or an unrecoverable failure): the learner does not bootstrap. */
  readonly terminal: boolean;
  /** Time limit: the learner bootstraps from the next state. */
  readonly truncated: boolean;
}

/** An RGB frame of one camera view, for reward models that look at images. */
export interface CameraFrame {
  readonly view: string;
  readonly width: number;
  readonly height: number;
  /** Packed rgb8, width × height × 3. */
  readonly data: Uint8Array;
}

/** Camera views an episode should render, at the size a reward model takes them. */
export interface FrameRequest {
  readonly views: readonly string[];
  readonly width: number;
  readonly height: number;
}

export interface EnvStep {
  /** The low-dimensional observation vector (the values of `msgs/msg/Observation.msg`). */
  readonly observation: Float32Array;
  readonly groundTruth: GroundTruthStep;
  /** Camera views, when the environment renders them. */
  readonly frames?: readonly CameraFrame[];
}

/**
 * The environment the experiment drives. The simulator (`createSim` in `sim/`) is adapted to it; the
 * point-mass fixture in `testing/` implements it directly.
 */
export interface Env {
  readonly task: string;
  readonly stageNames: readonly string[];
  readonly observationNames: readonly string[];
  readonly actionBounds: ActionBounds;
  /** Step limit after which an episode is truncated. */
  readonly maxSteps: number;
  /**
   * Starts the episode of `seed` (the same world with or without frames). With `frames`, every step of the
   * episode carries those views; without, none (state-only episodes are much faster to simulate).
   */
  reset(seed: number, frames?: FrameRequest): EnvStep;
  /** Readies rendering for a frame request (may be slow: a GL context); needed before `reset` with it. */
  prepareFrames?(frames: FrameRequest): Promise<void>;
  /** One control step with an action in physical units (Action.msg field order). */
  step(action: Float32Array): EnvStep;
  /** The scripted expert's action for the current state, perturbed by `noise` (0 = clean). */
  expert(noise: number): Float32Array;
  close?(): void;
}

/** How a user sets up an environment for learning. */
export interface EnvOptions {
  /** Episode time limit in steps; the task's own default when absent. */
  readonly maxSteps?: number;
}

/**
 * Builds an environment for a task name and a seed for its own randomness (domain randomization, noise).
 * Callers pass one in (cli/commands/experiment.ts the simulator's), as lib sits below sim/.
 */
export type EnvFactory = (task: string, seed: number, options?: EnvOptions) => Env | Promise<Env>;
