/** One topic of a recording, as the storage file (and metadata.yaml) describe it. */
export interface BagTopic {
  readonly name: string;
  /** As recorded: `pkg/msg/T`, or `pkg/T` in some writers. */
  readonly type: string;
  /** `cdr` for everything ROS 2 records by default. */
  readonly serializationFormat: string;
  readonly count: number;
  /** The definition recorded in the bag (MCAP schema, SQLite `message_definitions`), if any. */
  readonly definition?: RecordedDefinition;
}

export interface RecordedDefinition {
  /** `ros2msg` (`.msg` text with `===` / `MSG:` sections for nested types) or `ros2idl`. */
  readonly encoding: string;
  readonly text: string;
}

/** One recorded message: the serialized bytes exactly as they went over the wire (CDR). */
export interface BagMessage {
  readonly topic: string;
  readonly type: string;
  /** Receive time in nanoseconds since the epoch (or since start of sim time). */
  readonly logTime: bigint;
  readonly data: Uint8Array;
}

export interface MessageFilter {
  /** Only these topics (all when absent). */
  readonly topics?: readonly string[];
  /** Inclusive bounds on `logTime`, in nanoseconds. */
  readonly start?: bigint;
  readonly end?: bigint;
}

/** One storage file of a bag (a bag directory may hold several, split by size or duration). */
export interface StorageFile {
  readonly path: string;
  readonly storage: "mcap" | "sqlite3";
  readonly topics: readonly BagTopic[];
  readonly startTime?: bigint;
  readonly endTime?: bigint;
  /** The rosbag2 metadata the file carries itself (YAML), for a file opened without its metadata.yaml. */
  readonly embeddedMetadata?: string;
  /**
   * Damage found while opening (e.g. a truncated file). Reading still delivers every message before the
   * damage and then throws a BagError with this description.
   */
  readonly damage?: string;
  messages(filter?: MessageFilter): AsyncIterable<BagMessage>;
  close(): Promise<void>;
}

/** A bag that cannot be read (or can be read only up to some point), naming the file and the problem. */
export class BagError extends Error {
  constructor(
    readonly file: string,
    detail: string,
    options?: { cause?: unknown },
  ) {
    super(`${file}: ${detail}`, options);
    this.name = "BagError";
  }
}

export function inFilter(filter: MessageFilter | undefined, topic: string, logTime: bigint): boolean {
  if (!filter) return true;
  if (filter.topics && !filter.topics.includes(topic)) return false;
  if (filter.start !== undefined && logTime < filter.start) return false;
  if (filter.end !== undefined && logTime > filter.end) return false;
  return true;
}
