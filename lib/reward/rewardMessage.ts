import { RewardStatus, type DenseReward, type Time } from "../codec/messages.js";
import type { CameraMessage } from "../image/cameraImage.js";
import { timeFromNanos, ZERO_TIME } from "../time/rosTime.js";
import type { Estimate } from "./estimator.js";
import type { ShapedStep } from "./shaping.js";
import type { SyncedGroup } from "./sync.js";

/** What every DenseReward of one pipeline carries, whatever the step. */
export interface RewardSource {
  /** frame_id of the messages. */
  readonly nodeName: string;
  /** One per model view, in the model's view order. */
  readonly topics: readonly string[];
  readonly gamma: number;
  readonly modelName: string;
  readonly modelSha256: string;
}

/** The episode as it stood when the message was built; a message without an estimate of its own repeats it. */
export interface EpisodeState {
  readonly episodeId: bigint;
  /** Φ of the last state scored (0 after a START). */
  readonly phi: number;
  readonly potential: string;
  /** The current task's stages. */
  readonly stageNames: readonly string[];
}

const timeOfMs = (ms: number): Time => timeFromNanos(BigInt(Math.round(ms * 1e6)));

function base(
  source: RewardSource,
  state: EpisodeState,
  stamp: Time,
  group: SyncedGroup<CameraMessage> | undefined,
): DenseReward {
  return {
    header: { stamp, frame_id: source.nodeName },
    source_topics: [...source.topics],
    source_stamps: source.topics.map((_t, v) => group?.frames[v]?.message.message.header.stamp ?? ZERO_TIME),
    source_present: source.topics.map((_t, v) => group?.frames[v] !== undefined),
    episode_id: state.episodeId,
    step: 0,
    reward: 0,
    r_gold: 0,
    phi: state.phi,
    phi_next: state.phi,
    gamma: source.gamma,
    terminal: false,
    truncated: false,
    success_source: "",
    potential: state.potential,
    stage: 0,
    stage_names: [...state.stageNames],
    stage_probabilities: new Float32Array(state.stageNames.length),
    stage_progress: 0,
    progress: state.phi,
    confidence: 0,
    model_name: source.modelName,
    model_sha256: source.modelSha256,
    status: RewardStatus.OK,
    status_detail: "",
    latency_ms: 0,
  };
}

/** The DenseReward fields that come from the shaper, the same for a scored step and a flushed one. */
function shapedFields(shaped: ShapedStep): Partial<DenseReward> {
  return {
    episode_id: shaped.episodeId,
    step: shaped.step,
    reward: shaped.reward,
    r_gold: shaped.rGold,
    phi: shaped.phi,
    phi_next: shaped.phiNext,
    terminal: shaped.terminal,
    truncated: shaped.truncated,
    success_source: shaped.successBy ?? "",
  };
}

/**
 * A step scored from the frames of `views` (the group's views whose frame made it into the model); the
 * group's other views are reported missing.
 */
export function scoredReward(
  source: RewardSource,
  state: EpisodeState,
  group: SyncedGroup<CameraMessage>,
  views: readonly number[],
  shaped: ShapedStep,
  estimate: Estimate,
): DenseReward {
  const newest = Math.max(...views.map((v) => group.frames[v]!.stampMs));
  const m = base(source, state, timeOfMs(newest), group);
  m.source_present = source.topics.map((_t, v) => views.includes(v));
  Object.assign(m, shapedFields(shaped), {
    potential: estimate.potential,
    stage: estimate.stage,
    stage_probabilities: Float32Array.from(estimate.stageProbabilities),
    stage_progress: estimate.stageProgress,
    progress: estimate.phi,
    confidence: estimate.confidence,
  });
  const missing = source.topics.filter((_t, v) => !views.includes(v));
  if (missing.length > 0) {
    m.status = RewardStatus.DEGRADED_VIEW_MISSING;
    m.status_detail = `missing ${missing.join(", ")}`;
  }
  return m;
}

/** The transition that closed an episode without a new frame: s′ is the last state seen. */
export function flushedReward(
  source: RewardSource,
  state: EpisodeState,
  shaped: ShapedStep,
  stamp: Time,
): DenseReward {
  const m = base(source, state, stamp, undefined);
  Object.assign(m, shapedFields(shaped), {
    status: RewardStatus.DEGRADED_STALE,
    status_detail: "episode closed without a new frame: s′ is the last state seen",
  });
  return m;
}

/** A step that produced no estimate; it repeats the episode's last Φ. */
export function errorReward(
  source: RewardSource,
  state: EpisodeState,
  group: SyncedGroup<CameraMessage>,
  missing: readonly number[],
  detail: string,
): DenseReward {
  const m = base(source, state, timeOfMs(group.stampMs), group);
  m.source_present = source.topics.map((_t, v) => !missing.includes(v));
  m.status = RewardStatus.ERROR;
  m.status_detail = detail;
  return m;
}
