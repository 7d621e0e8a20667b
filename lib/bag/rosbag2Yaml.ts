import { parse as parseYaml } from "yaml";
import { z } from "zod";

// The part of rosbag2's metadata.yaml (versions 1–9) that a reader needs. Unknown keys are allowed: newer
// rosbag2 versions add fields, and a reader should not refuse a bag over one it does not use.
const integer = z.union([z.bigint(), z.number().int()]).transform((v) => BigInt(v));

const schema = z.object({
  rosbag2_bagfile_information: z.object({
    version: integer.transform(Number),
    storage_identifier: z.string(),
    relative_file_paths: z.array(z.string()).default([]),
    duration: z.object({ nanoseconds: integer }).optional(),
    starting_time: z.object({ nanoseconds_since_epoch: integer }).optional(),
    message_count: integer.optional(),
    topics_with_message_count: z
      .array(
        z.object({
          message_count: integer,
          topic_metadata: z.object({
            name: z.string(),
            type: z.string(),
            serialization_format: z.string(),
          }),
        }),
      )
      .default([]),
    compression_format: z.string().default(""),
    compression_mode: z.string().default(""),
  }),
});

export type CompressionMode = "none" | "file" | "message";

export interface Rosbag2Metadata {
  readonly version: number;
  readonly storageIdentifier: string;
  readonly relativeFilePaths: readonly string[];
  readonly compressionFormat: string;
  readonly compressionMode: CompressionMode;
  readonly messageCount?: bigint;
  readonly startingTime?: bigint;
  readonly duration?: bigint;
  readonly topics: readonly { name: string; type: string; serializationFormat: string; count: number }[];
}

function compressionMode(mode: string): CompressionMode {
  switch (mode.toUpperCase()) {
    case "":
    case "NONE":
      return "none";
    case "FILE":
      return "file";
    case "MESSAGE":
      return "message";
    default:
      throw new Error(`unknown compression_mode '${mode}' (expected FILE, MESSAGE or none)`);
  }
}

/** Parses metadata.yaml text (from the bag folder, or embedded in the storage file); errors say what is wrong. */
export function parseRosbag2Metadata(text: string): Rosbag2Metadata {
  let doc: unknown;
  try {
    // Nanosecond stamps exceed a double's exact range.
    doc = parseYaml(text, { intAsBigInt: true });
  } catch (err) {
    throw new Error(`not valid YAML: ${(err as Error).message}`, { cause: err });
  }
  const result = schema.safeParse(doc);
  if (!result.success) {
    const issues = result.error.issues
      .map((i) => `${i.path.join(".") || "(top level)"}: ${i.message}`)
      .join("; ");
    throw new Error(`not rosbag2 metadata: ${issues}`);
  }
  const info = result.data.rosbag2_bagfile_information;
  return {
    version: info.version,
    storageIdentifier: info.storage_identifier,
    relativeFilePaths: info.relative_file_paths,
    compressionFormat: info.compression_format,
    compressionMode: compressionMode(info.compression_mode),
    ...(info.message_count !== undefined ? { messageCount: info.message_count } : {}),
    ...(info.starting_time ? { startingTime: info.starting_time.nanoseconds_since_epoch } : {}),
    ...(info.duration ? { duration: info.duration.nanoseconds } : {}),
    topics: info.topics_with_message_count.map((t) => ({
      name: t.topic_metadata.name,
      type: t.topic_metadata.type,
      serializationFormat: t.topic_metadata.serialization_format,
      count: Number(t.message_count),
    })),
  };
}
