import {
  EpisodeEventKind,
  RewardStatus,
  type DenseReward,
  type EpisodeEvent,
  type GroundTruth,
} from "../codec/messages.js";
import { LatencyWindow } from "../reward/stats.js";
import { timeToNanos } from "../time/rosTime.js";
import { spearman } from "../math/spearman.js";

export interface RunSummary {
  episodes: number;
  successes: number;
  /** Whether each finished episode succeeded, in the order they finished. */
  successInOrder: boolean[];
  rewards: number;
  statusCounts: Record<string, number>;
  latencyP50Ms: number;
  latencyP99Ms: number;
  /** Mean shaped return per finished episode (undiscounted sum of published rewards). */
  meanReturn: number;
  /** Spearman correlation of the reward node's progress estimate with the sim's true progress (matched steps). */
  progressVsTruth: number;
  matchedSteps: number;
}

const STATUS_NAMES: Record<number, string> = Object.fromEntries(
  Object.entries(RewardStatus).map(([name, code]) => [code, name.toLowerCase()]),
);

/**
 * What the main job reports: joins published rewards to the simulator's ground truth by header stamp (both
 * carry the sim time of the frames), since the reward node numbers steps by the groups it scored.
 */
export class RunSummaryCollector {
  private readonly truthByStamp = new Map<bigint, number>();
  private readonly phiByStamp = new Map<bigint, number>();
  private readonly latency = new LatencyWindow(100_000);
  private readonly returns = new Map<bigint, number>();
  private readonly finished = new Set<bigint>();
  private readonly succeeded = new Set<bigint>();
  private readonly statusCounts: Record<string, number> = {};
  private rewards = 0;

  addReward(message: DenseReward): void {
    this.rewards++;
    const status = STATUS_NAMES[message.status] ?? String(message.status);
    this.statusCounts[status] = (this.statusCounts[status] ?? 0) + 1;
    this.latency.add(message.latency_ms);
    this.returns.set(message.episode_id, (this.returns.get(message.episode_id) ?? 0) + message.reward);
    if (message.status !== RewardStatus.ERROR) {
      this.phiByStamp.set(timeToNanos(message.header.stamp), message.progress);
    }
  }

  addTruth(message: GroundTruth): void {
    this.truthByStamp.set(timeToNanos(message.header.stamp), message.progress);
  }

  /** Returns true when the event ends an episode. */
  addEpisodeEvent(event: EpisodeEvent): boolean {
    if (event.event === EpisodeEventKind.SUCCESS) this.succeeded.add(event.episode_id);
    const ends = event.event === EpisodeEventKind.TERMINAL || event.event === EpisodeEventKind.TRUNCATED;
    if (ends) this.finished.add(event.episode_id);
    return ends;
  }

  get episodesFinished(): number {
    return this.finished.size;
  }

  summary(): RunSummary {
    const phi: number[] = [];
    const truth: number[] = [];
    for (const [stamp, p] of this.phiByStamp) {
      const t = this.truthByStamp.get(stamp);
      if (t === undefined) continue;
      phi.push(p);
      truth.push(t);
    }
    const finishedReturns = [...this.finished].map((id) => this.returns.get(id) ?? 0);
    return {
      episodes: this.finished.size,
      successes: [...this.finished].filter((id) => this.succeeded.has(id)).length,
      successInOrder: [...this.finished].map((id) => this.succeeded.has(id)),
      rewards: this.rewards,
      statusCounts: { ...this.statusCounts },
      latencyP50Ms: this.latency.percentile(50),
      latencyP99Ms: this.latency.percentile(99),
      meanReturn: finishedReturns.length
        ? finishedReturns.reduce((a, b) => a + b, 0) / finishedReturns.length
        : NaN,
      progressVsTruth: phi.length > 1 ? spearman(phi, truth) : NaN,
      matchedSteps: phi.length,
    };
  }
}
