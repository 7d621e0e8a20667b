import type { DenseReward, EpisodeEvent } from "../codec/messages.js";
import { EpisodeEventKind } from "../codec/messages.js";
import { timeToSeconds } from "../time/rosTime.js";

/** One reward sample as the page plots it. */
export interface RewardPoint {
  t: number;
  episode: number;
  step: number;
  phi: number;
  reward: number;
  progress: number;
  confidence: number;
  stage: number;
  latencyMs: number;
  status: number;
}

export interface EpisodeOutcome {
  episode: number;
  task: string;
  success: boolean;
  steps: number;
  /** Success rate over the last `window` finished episodes, this one included. */
  successRate: number;
}

export interface DashboardSnapshot {
  cameras: string[];
  stageNames: string[];
  rewards: RewardPoint[];
  episodes: EpisodeOutcome[];
  model: string;
}

/**
 * What the dashboard shows, kept as plain bounded histories so that it can be tested without a server and
 * never grows with the length of a run.
 */
export class DashboardState {
  private readonly rewards: RewardPoint[] = [];
  private readonly episodes: EpisodeOutcome[] = [];
  private readonly open = new Map<string, { task: string; success: boolean }>();
  private stageNames: string[] = [];
  private model = "";
  private stagesChanged = false;

  constructor(
    readonly cameras: readonly string[],
    private readonly maxRewards = 2000,
    private readonly successWindow = 20,
  ) {}

  addReward(message: DenseReward): RewardPoint {
    const point: RewardPoint = {
      t: timeToSeconds(message.header.stamp),
      episode: Number(message.episode_id),
      step: message.step,
      phi: message.phi_next,
      reward: message.reward,
      progress: message.progress,
      confidence: message.confidence,
      stage: message.stage,
      latencyMs: message.latency_ms,
      status: message.status,
    };
    this.rewards.push(point);
    if (this.rewards.length > this.maxRewards) this.rewards.splice(0, this.rewards.length - this.maxRewards);
    if (message.stage_names.length > 0 && message.stage_names.join("\n") !== this.stageNames.join("\n")) {
      this.stageNames = message.stage_names;
      this.stagesChanged = true;
    }
    this.model = message.model_name;
    return point;
  }

  /** Returns the finished episode's outcome when this event ends one. */
  addEpisodeEvent(event: EpisodeEvent): EpisodeOutcome | undefined {
    const key = event.episode_id.toString();
    switch (event.event) {
      case EpisodeEventKind.START:
        this.open.set(key, { task: event.task, success: false });
        return undefined;
      case EpisodeEventKind.SUCCESS: {
        const episode = this.open.get(key) ?? { task: event.task, success: false };
        episode.success = true;
        this.open.set(key, episode);
        return undefined;
      }
      default: {
        const episode = this.open.get(key);
        this.open.delete(key);
        const last = this.episodes.slice(-(this.successWindow - 1));
        const success = episode?.success ?? false;
        const wins = last.filter((e) => e.success).length + (success ? 1 : 0);
        const outcome: EpisodeOutcome = {
          episode: Number(event.episode_id),
          task: episode?.task ?? event.task,
          success,
          steps: event.step,
          successRate: wins / (last.length + 1),
        };
        this.episodes.push(outcome);
        if (this.episodes.length > this.maxRewards) this.episodes.shift();
        return outcome;
      }
    }
  }

  /** The new stage names if they changed since the last call (a new task or model), else undefined. */
  takeStageChange(): string[] | undefined {
    if (!this.stagesChanged) return undefined;
    this.stagesChanged = false;
    return this.stageNames;
  }

  snapshot(): DashboardSnapshot {
    return {
      cameras: [...this.cameras],
      stageNames: this.stageNames,
      rewards: [...this.rewards],
      episodes: [...this.episodes],
      model: this.model,
    };
  }
}
