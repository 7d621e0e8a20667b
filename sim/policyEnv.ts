import type { CameraFrame, Env, EnvOptions, EnvStep, FrameRequest } from "../lib/rl/env.js";
import { actionBounds } from "../lib/rl/spaces.js";
import type { Policy } from "./experts/expert.js";
import { createSim, withGripperMoved, type Sim, type StepResult } from "./sim.js";
import { overallProgress, taskByName, type TaskName } from "./tasks/index.js";
import { GRIPPER } from "./world/gripper.js";
import { VIEW_NAMES, type ViewName } from "./world/spec.js";

function checkViews(views: readonly string[]): ViewName[] {
  for (const v of views) {
    if (!(VIEW_NAMES as readonly string[]).includes(v))
      throw new Error(`the sim has no camera view '${v}' (views: ${VIEW_NAMES.join(", ")})`);
  }
  return views as ViewName[];
}

const frameKey = (f: FrameRequest): string => `${f.views.join(",")}@${f.width}x${f.height}`;

/**
 * The simulator as the policy experiment's Env (lib/rl/env.ts). Episodes without a frame request run on a
 * state-only sim; an episode that asks for frames runs on a rendering sim of that size, created on first
 * use. Both build the same world and physics from the episode's seed, so the frames only add pixels.
 */
class SimPolicyEnv implements Env {
  readonly stageNames: readonly string[];
  readonly observationNames: readonly string[];
  readonly actionBounds = actionBounds(GRIPPER.maxStepTranslation, GRIPPER.maxStepYaw, {
    binaryGripper: true,
  });
  readonly maxSteps: number;
  private readonly rendering = new Map<string, Promise<Sim>>();
  private readonly ready = new Map<string, Sim>();
  private current: Sim;
  private last: StepResult;
  private expertPolicy: { noise: number; policy: Policy } | undefined;

  constructor(
    readonly task: TaskName,
    private readonly stateOnly: Sim,
    private readonly options: EnvOptions,
  ) {
    const definition = taskByName(task);
    this.stageNames = definition.stageNames;
    this.maxSteps = options.maxSteps ?? definition.maxSteps;
    this.current = stateOnly;
    this.last = stateOnly.reset();
    this.observationNames = [...this.last.observation.names];
  }

  async prepareFrames(frames: FrameRequest): Promise<void> {
    const key = frameKey(frames);
    let sim = this.rendering.get(key);
    if (!sim) {
      sim = createSim({
        task: this.task,
        views: checkViews(frames.views),
        width: frames.width,
        height: frames.height,
        ...(this.options.maxSteps ? { maxSteps: this.options.maxSteps } : {}),
      });
      this.rendering.set(key, sim);
    }
    this.ready.set(key, await sim);
  }

  reset(seed: number, frames?: FrameRequest): EnvStep {
    if (frames && frames.views.length > 0) {
      const sim = this.ready.get(frameKey(frames));
      if (!sim) throw new Error(`frames ${frameKey(frames)} were not prepared: call prepareFrames() first`);
      this.current = sim;
    } else this.current = this.stateOnly;
    this.expertPolicy = undefined;
    this.last = this.current.reset({ seed });
    return this.envStep(this.last);
  }

  step(action: Float32Array): EnvStep {
    this.last = this.current.step({
      translation: [action[0]!, action[1]!, action[2]!],
      yaw: action[3]!,
      gripper: action[4]!,
    });
    return this.envStep(this.last);
  }

  expert(noise: number): Float32Array {
    // The sim's expert is a state machine per episode (it keeps its phase and noise stream): one per episode.
    if (!this.expertPolicy || this.expertPolicy.noise !== noise) {
      this.expertPolicy = { noise, policy: this.current.expert({ noise, failure: "none" }) };
    }
    const c = this.expertPolicy.policy.act(this.last.state, this.last.truth);
    return Float32Array.of(c.translation[0], c.translation[1], c.translation[2], c.yaw, c.gripper);
  }

  /**
   * The ground-truth progress the current state would have with the gripper (and what it holds) moved by
   * `offset` (m), for diagnostics that compare a learned slope with the true one (scripts/critic-quality.ts).
   */
  progressIfMoved(offset: readonly [number, number, number]): number {
    const estimate = this.current.truthOf(withGripperMoved(this.last.state, offset));
    return overallProgress(estimate, this.stageNames.length);
  }

  close(): void {
    this.stateOnly.close();
    for (const sim of this.ready.values()) sim.close();
  }

  private envStep(r: StepResult): EnvStep {
    const t = r.truth;
    // The sim reuses its buffers on every step; the experiment may hold a step across the next one.
    const frames: CameraFrame[] = r.frames.map((f) => ({
      view: f.view,
      width: f.width,
      height: f.height,
      data: Uint8Array.from(f.data),
    }));
    return {
      observation: Float32Array.from(r.observation.values),
      groundTruth: {
        progress: t.progress,
        stage: t.stage,
        stageProgress: t.stageProgress,
        success: t.success,
        terminal: t.terminal,
        truncated: t.truncated,
      },
      ...(frames.length > 0 ? { frames } : {}),
    };
  }
}

/** The experiment's EnvFactory for `--env sim` (see cli/commands/experiment.ts). */
export async function createPolicyEnv(
  task: string,
  seed: number,
  options: EnvOptions = {},
): Promise<SimPolicyEnv> {
  const name = taskByName(task).name;
  const sim = await createSim({
    task: name,
    seed,
    views: [],
    ...(options.maxSteps ? { maxSteps: options.maxSteps } : {}),
  });
  return new SimPolicyEnv(name, sim, options);
}
