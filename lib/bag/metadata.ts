import { stringify } from "yaml";
import { fullTypeName } from "../codec/typeName.js";
import type { QoS } from "../transport/qos.js";

export interface TopicSummary {
  name: string;
  type: string;
  qos: QoS;
  messageCount: number;
}

export interface BagSummary {
  storage: "mcap" | "sqlite3";
  /** File names relative to the bag folder. */
  files: string[];
  startNs: bigint;
  endNs: bigint;
  topics: TopicSummary[];
  rosDistro?: string;
}

/** rclcpp's QoS as rosbag2 writes it (history 1 = keep last; reliability 1/2; durability 1/2). */
export function qosProfileYaml(qos: QoS): string {
  const never = "\n    sec: 0\n    nsec: 0";
  return (
    `- history: 1\n  depth: ${qos.depth}\n  reliability: ${qos.reliability === "reliable" ? 1 : 2}\n` +
    `  durability: ${qos.durability === "transient_local" ? 1 : 2}\n  deadline:${never}\n  lifespan:${never}\n` +
    `  liveliness: 1\n  liveliness_lease_duration:${never}\n  avoid_ros_namespace_conventions: false`
  );
}

/** The `metadata.yaml` that `ros2 bag info` / `ros2 bag play` read beside the storage files. */
export function bagMetadataYaml(summary: BagSummary): string {
  const duration = summary.endNs >= summary.startNs ? summary.endNs - summary.startNs : 0n;
  const messageCount = summary.topics.reduce((n, t) => n + t.messageCount, 0);
  // bigint → number is exact up to 2^53 ns (104 days); ROS stamps since 1970 exceed it, so keep them as
  // strings and unquote below (YAML integers of any size are valid for rosbag2's yaml-cpp reader).
  const big = (n: bigint): string => `@@${n}@@`;
  const doc = {
    rosbag2_bagfile_information: {
      version: 8,
      storage_identifier: summary.storage,
      duration: { nanoseconds: big(duration) },
      starting_time: { nanoseconds_since_epoch: big(summary.startNs) },
      message_count: messageCount,
      topics_with_message_count: summary.topics.map((t) => ({
        topic_metadata: {
          name: t.name,
          type: fullTypeName(t.type),
          serialization_format: "cdr",
          offered_qos_profiles: qosProfileYaml(t.qos),
          type_description_hash: "",
        },
        message_count: t.messageCount,
      })),
      compression_format: "",
      compression_mode: "",
      relative_file_paths: summary.files,
      files: summary.files.map((path) => ({
        path,
        starting_time: { nanoseconds_since_epoch: big(summary.startNs) },
        duration: { nanoseconds: big(duration) },
        message_count: messageCount,
      })),
      custom_data: null,
      ros_distro: summary.rosDistro ?? "",
    },
  };
  return stringify(doc, {
    lineWidth: 0,
    defaultStringType: "QUOTE_DOUBLE",
    defaultKeyType: "PLAIN",
    doubleQuotedAsJSON: true,
  }).replace(/"@@(\d+)@@"/g, "$1");
}
