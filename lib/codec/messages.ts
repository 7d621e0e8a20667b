/**
 * TypeScript shapes of the messages the project exchanges, as the CDR codecs produce and take them.
 * Field names follow the `.msg` files exactly; `uint64` fields are bigint, `uint8[]` are Uint8Array views.
 */

export interface Time {
  sec: number;
  nanosec: number;
}

export interface Header {
  stamp: Time;
  frame_id: string;
}

export interface Image {
  header: Header;
  height: number;
  width: number;
  encoding: string;
  is_bigendian: number;
  step: number;
  data: Uint8Array;
}

export interface CompressedImage {
  header: Header;
  format: string;
  data: Uint8Array;
}

export interface Clock {
  clock: Time;
}

export interface KeyValue {
  key: string;
  value: string;
}

export interface DiagnosticStatus {
  level: number;
  name: string;
  message: string;
  hardware_id: string;
  values: KeyValue[];
}

export interface DiagnosticArray {
  header: Header;
  status: DiagnosticStatus[];
}

export const DiagnosticLevel = { OK: 0, WARN: 1, ERROR: 2, STALE: 3 } as const;

export const RewardStatus = {
  OK: 0,
  DEGRADED_VIEW_MISSING: 1,
  DEGRADED_STALE: 2,
  ERROR: 3,
} as const;
export type RewardStatusCode = (typeof RewardStatus)[keyof typeof RewardStatus];

export interface DenseReward {
  header: Header;
  source_topics: string[];
  source_stamps: Time[];
  source_present: boolean[];
  episode_id: bigint;
  step: number;
  reward: number;
  r_gold: number;
  phi: number;
  phi_next: number;
  gamma: number;
  terminal: boolean;
  truncated: boolean;
  /** "task" | "model" on the transition that ends the episode in success; "" otherwise. */
  success_source: string;
  potential: string;
  stage: number;
  stage_names: string[];
  stage_probabilities: Float32Array | number[];
  stage_progress: number;
  progress: number;
  confidence: number;
  model_name: string;
  model_sha256: string;
  status: number;
  status_detail: string;
  latency_ms: number;
}

export const EpisodeEventKind = { START: 0, TERMINAL: 1, TRUNCATED: 2, SUCCESS: 3 } as const;
export type EpisodeEventCode = (typeof EpisodeEventKind)[keyof typeof EpisodeEventKind];

export interface EpisodeEvent {
  header: Header;
  event: number;
  episode_id: bigint;
  step: number;
  task: string;
  detail: string;
}

export interface Action {
  header: Header;
  episode_id: bigint;
  step: number;
  translation: Float32Array | number[];
  yaw: number;
  gripper: number;
}

export interface GroundTruth {
  header: Header;
  episode_id: bigint;
  step: number;
  task: string;
  stage_names: string[];
  stage: number;
  stage_progress: number;
  progress: number;
  success: boolean;
  terminal: boolean;
  truncated: boolean;
}

export interface Observation {
  header: Header;
  episode_id: bigint;
  step: number;
  names: string[];
  values: Float32Array | number[];
}

export interface ResetRequest {
  header: Header;
  task: string;
  seed: bigint;
}

/** ROS type names of the messages above, so call sites do not spell them by hand. */
export const MsgType = {
  Image: "sensor_msgs/msg/Image",
  CompressedImage: "sensor_msgs/msg/CompressedImage",
  Clock: "rosgraph_msgs/msg/Clock",
  DiagnosticArray: "diagnostic_msgs/msg/DiagnosticArray",
  DenseReward: "process_reward_msgs/msg/DenseReward",
  EpisodeEvent: "process_reward_msgs/msg/EpisodeEvent",
  Action: "process_reward_msgs/msg/Action",
  GroundTruth: "process_reward_msgs/msg/GroundTruth",
  Observation: "process_reward_msgs/msg/Observation",
  ResetRequest: "process_reward_msgs/msg/ResetRequest",
} as const;

/** Maps each type name in MsgType to its TypeScript shape, for the typed transport layer. */
export interface MessageTypes {
  "sensor_msgs/msg/Image": Image;
  "sensor_msgs/msg/CompressedImage": CompressedImage;
  "rosgraph_msgs/msg/Clock": Clock;
  "diagnostic_msgs/msg/DiagnosticArray": DiagnosticArray;
  "process_reward_msgs/msg/DenseReward": DenseReward;
  "process_reward_msgs/msg/EpisodeEvent": EpisodeEvent;
  "process_reward_msgs/msg/Action": Action;
  "process_reward_msgs/msg/GroundTruth": GroundTruth;
  "process_reward_msgs/msg/Observation": Observation;
  "process_reward_msgs/msg/ResetRequest": ResetRequest;
}
export type KnownType = keyof MessageTypes;
