import type { Sim, StepResult } from "./sim.js";
import type { TaskName } from "./tasks/index.js";
import type { GripperCommand } from "./world/physics.js";

export type ClockMode = "lockstep" | "realtime";

export interface DriverOptions {
  mode: ClockMode;
  /** Start the next episode when one ends (lockstep: on the next action; real time: at once). */
  autoReset: boolean;
  warn(message: string): void;
}

/**
 * When the sim steps, independent of any transport. Lockstep: one step per action, as fast as the policy
 * answers (RL). Real time: a fixed-rate tick steps with the latest action; an action's translation and
 * yaw are applied once, its gripper command holds until the next action.
 */
export class SimDriver {
  private pending: GripperCommand | undefined;
  private gripper = 0;
  private last: StepResult | undefined;
  /** The running episode was ended from outside (a reward model's success detector), not by the task. */
  private endedOutside = false;

  constructor(
    private readonly sim: Sim,
    private readonly options: DriverOptions,
  ) {}

  get current(): StepResult | undefined {
    return this.last;
  }

  reset(request: { task?: TaskName; seed?: bigint } = {}): StepResult {
    this.pending = undefined;
    this.gripper = 0;
    this.endedOutside = false;
    this.last = this.sim.reset(request);
    return this.last;
  }

  /** Whether the running episode is over: the task ended it, or `endEpisode` did. */
  private get done(): boolean {
    return (this.last?.done ?? false) || this.endedOutside;
  }

  /**
   * Another node ended `episode` (SUCCESS or TERMINAL on the episode topic, e.g. a reward model that detected
   * success): it ends here as a robot's would, and the next action or tick resets when auto-reset is on.
   * Returns whether the running episode ended because of it.
   */
  endEpisode(episode: bigint): boolean {
    if (!this.last || this.done || BigInt(this.last.episode) !== episode) return false;
    this.endedOutside = true;
    return true;
  }

  /** An action arrived for `episode`. Returns the new step in lockstep mode. */
  action(command: GripperCommand, episode: bigint): StepResult | undefined {
    const last = this.last;
    if (!last) return undefined;
    if (episode !== BigInt(last.episode)) {
      if (!(this.done && this.options.autoReset && this.options.mode === "lockstep")) {
        this.options.warn(`ignored an action for episode ${episode}: episode ${last.episode} is running`);
        return undefined;
      }
    }
    if (this.options.mode === "realtime") {
      this.pending = command;
      this.gripper = command.gripper;
      return undefined;
    }
    if (this.done) {
      if (!this.options.autoReset) {
        this.options.warn(`ignored an action: episode ${last.episode} is over; send a reset request`);
        return undefined;
      }
      return this.reset();
    }
    this.last = this.sim.step(command);
    return this.last;
  }

  /** A real-time tick: steps with the pending action (or holds still). */
  tick(): StepResult | undefined {
    const last = this.last;
    if (!last) return undefined;
    if (this.done) return this.options.autoReset ? this.reset() : undefined;
    const command = this.pending ?? { translation: [0, 0, 0], yaw: 0, gripper: this.gripper };
    this.pending = undefined;
    this.last = this.sim.step(command);
    return this.last;
  }
}
