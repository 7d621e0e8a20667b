import { EpisodeEventKind, type DenseReward, type EpisodeEvent } from "../codec/messages.js";
import type { Logger } from "../node/log.js";
import type { Estimate, PotentialEstimator } from "./estimator.js";
import type { EpisodeState } from "./rewardMessage.js";
import { Shaper, type ShapedStep, type ShapingOptions } from "./shaping.js";
import type { ErrorReport } from "./stats.js";

/** A transition closed without a new frame, with the episode as it stood when it was closed. */
export interface ClosedStep {
  readonly shaped: ShapedStep;
  readonly state: EpisodeState;
}

export const isBoundary = (e: EpisodeEvent): boolean =>
  e.event === EpisodeEventKind.TERMINAL || e.event === EpisodeEventKind.TRUNCATED;

/**
 * The events that announce a model-detected success (DESIGN §5): SUCCESS, then TERMINAL, for the episode and
 * step of the reward that decided it, stamped with its frames' time.
 */
export function modelSuccessEvents(reward: DenseReward, task: string): EpisodeEvent[] {
  const detail = `success detected by the reward model: Φ(s′) = ${reward.progress.toFixed(3)}`;
  return [EpisodeEventKind.SUCCESS, EpisodeEventKind.TERMINAL].map((event) => ({
    header: reward.header,
    event,
    episode_id: reward.episode_id,
    step: reward.step,
    task,
    detail,
  }));
}

/**
 * Episode events → the shaper's episode and the estimator's task: START (closing the previous episode's
 * pending boundary first), TERMINAL / TRUNCATED / SUCCESS of the running episode, the open-ended episode 0 of
 * a robot without an episode manager, and the last state scored, which messages without an estimate repeat.
 */
export class EpisodeTracker {
  private readonly shaper: Shaper;
  private lastPhi = 0;
  private lastPotential = "";
  private autoEpisode = false;

  constructor(
    shaping: ShapingOptions,
    private readonly estimator: PotentialEstimator,
    private readonly log: Logger,
    private readonly report: ErrorReport,
  ) {
    this.shaper = new Shaper(shaping);
  }

  /** A snapshot: a closed step keeps the stages of its episode when the next START switches the task. */
  get state(): EpisodeState {
    return {
      episodeId: this.shaper.episodeId ?? 0n,
      phi: this.lastPhi,
      potential: this.lastPotential,
      stageNames: [...this.estimator.stageNames],
    };
  }

  /** Applies an episode event; a START returns the previous episode's boundary step if it was still open. */
  async apply(event: EpisodeEvent): Promise<ClosedStep | undefined> {
    switch (event.event) {
      case EpisodeEventKind.START: {
        // Closed before the task switch: the step belongs to the previous episode and its stages.
        const closed = this.flush();
        if (event.task && event.task !== this.estimator.task) {
          try {
            await this.estimator.useTask(event.task);
          } catch (err) {
            this.report(
              `task:${event.task}`,
              `episode ${event.episode_id}: ${(err as Error).message}; keeping task '${this.estimator.task}'`,
            );
          }
        }
        this.shaper.startEpisode(event.episode_id);
        this.estimator.startEpisode();
        this.lastPhi = 0;
        this.autoEpisode = false;
        return closed;
      }
      case EpisodeEventKind.TERMINAL:
      case EpisodeEventKind.TRUNCATED:
      case EpisodeEventKind.SUCCESS:
        if (event.episode_id !== this.shaper.episodeId) {
          this.report(
            "episode-id",
            `ignored an episode event for episode ${event.episode_id}; the running episode is ${this.shaper.episodeId ?? "none"}`,
          );
        } else if (event.event === EpisodeEventKind.SUCCESS) {
          // An ended episode's SUCCESS is the node's own announcement coming back; nothing to say about it.
          if (!this.shaper.markSuccess() && this.shaper.successSource === "model" && this.shaper.active)
            this.log.once(
              "info",
              "task-success-unused",
              "success_source is 'model': the task's SUCCESS events do not decide success",
            );
        } else this.shaper.markBoundary(event.event === EpisodeEventKind.TERMINAL ? "terminal" : "truncated");
        return undefined;
      default:
        this.report("episode-kind", `ignored an episode event of unknown kind ${event.event}`);
        return undefined;
    }
  }

  /** Closes the boundary `event` announced if no frame has closed it since. */
  closeStale(event: EpisodeEvent): ClosedStep | undefined {
    if (event.episode_id !== this.shaper.episodeId || this.shaper.pendingBoundary === undefined)
      return undefined;
    return this.flush();
  }

  /** Whether a synced group is a step of a running episode (starting episode 0 if none was ever started). */
  admitStep(): boolean {
    if (this.shaper.episodeId === undefined && !this.autoEpisode) {
      // A robot without an episode manager still gets rewards: one open-ended episode 0.
      this.log.once(
        "info",
        "auto-episode",
        "no episode START received; scoring as episode 0 until one arrives",
      );
      this.shaper.startEpisode(0n);
      this.autoEpisode = true;
    }
    return this.shaper.active;
  }

  /** Shapes the transition into the state just estimated; only after `admitStep` let the step in. */
  step(estimate: Estimate): ShapedStep {
    const shaped = this.shaper.step(estimate.phi)!;
    this.lastPhi = estimate.phi;
    this.lastPotential = estimate.potential;
    return shaped;
  }

  private flush(): ClosedStep | undefined {
    const shaped = this.shaper.flush();
    return shaped && { shaped, state: this.state };
  }
}
