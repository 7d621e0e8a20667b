/** The subset of ROS 2 QoS that the project's backends honour. */
export interface QoS {
  reliability: "reliable" | "best_effort";
  /** History is always keep-last; depth is how many samples a reader or late-joining cache holds. */
  depth: number;
  durability: "volatile" | "transient_local";
}

/** rclcpp's default profile: reliable, keep-last 10, volatile. */
export const QOS_DEFAULT: QoS = Object.freeze({ reliability: "reliable", depth: 10, durability: "volatile" });

/** rclcpp's sensor-data profile for camera streams: best effort, keep-last 5, volatile. */
export const QOS_SENSOR_DATA: QoS = Object.freeze({
  reliability: "best_effort",
  depth: 5,
  durability: "volatile",
});

/** Latched topics (e.g. the last episode event for a late joiner). */
export const QOS_LATCHED: QoS = Object.freeze({
  reliability: "reliable",
  depth: 1,
  durability: "transient_local",
});

/**
 * Episode events: latched like QOS_LATCHED, with a history deep enough for one step's burst. A completed
 * task publishes SUCCESS and TERMINAL together, and with depth 1 the second overwrote the first in a reader's
 * queue (or, over DDS, in a reliable writer's history before it was acknowledged).
 */
export const QOS_EPISODE_EVENTS: QoS = Object.freeze({ ...QOS_LATCHED, depth: 10 });

export function qos(overrides: Partial<QoS> = {}, base: QoS = QOS_DEFAULT): QoS {
  const merged = { ...base, ...overrides };
  if (!Number.isInteger(merged.depth) || merged.depth < 1) {
    throw new Error(`QoS depth must be a positive integer, got ${merged.depth}`);
  }
  return merged;
}

/**
 * DDS request/offered compatibility: a reader that asks for more than the writer offers gets nothing
 * (a reliable reader never matches a best-effort writer; a transient-local reader never matches a volatile
 * writer). Returns why not, or undefined when they match.
 */
export function incompatibility(writer: QoS, reader: QoS): string | undefined {
  if (reader.reliability === "reliable" && writer.reliability === "best_effort") {
    return "the reader asks for reliable delivery and the writer offers best effort";
  }
  if (reader.durability === "transient_local" && writer.durability === "volatile") {
    return "the reader asks for transient-local durability and the writer offers volatile";
  }
  return undefined;
}
