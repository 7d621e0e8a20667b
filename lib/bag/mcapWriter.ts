import { open, writeFile, type FileHandle } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import * as zlib from "node:zlib";
import { McapWriter, type IWritable } from "@mcap/core";
import type { Time } from "../codec/messages.js";
import { codecFor } from "../codec/codec.js";
import { fullTypeName } from "../codec/typeName.js";
import { timeToNanos } from "../time/rosTime.js";
import { QOS_DEFAULT, type QoS } from "../transport/qos.js";
import { bagMetadataYaml, qosProfileYaml, type TopicSummary } from "./metadata.js";
import { ros2msgSchema } from "./schema.js";

export interface BagWriterOptions {
  /** Target size of an MCAP chunk before it is written (bytes). */
  chunkSize?: number;
  /**
   * Chunk compression: "zstd" uses node:zlib's Zstandard where this Node has it (22.15+), "none" stores
   * chunks as they are. "auto" (default) takes zstd when available.
   */
  compression?: "auto" | "zstd" | "none";
  /** Written into metadata.yaml. */
  rosDistro?: string;
}

type ZstdZlib = { zstdCompressSync(data: Uint8Array): Buffer };

function zstdCompressor():
  ((data: Uint8Array) => { compression: string; compressedData: Uint8Array }) | undefined {
  const z = zlib as unknown as Partial<ZstdZlib>;
  if (typeof z.zstdCompressSync !== "function") return undefined;
  return (data) => ({ compression: "zstd", compressedData: z.zstdCompressSync!(data) });
}

/** A file as @mcap/core's writer wants it: sequential writes and the current position. */
class FileWritable implements IWritable {
  private offset = 0n;
  constructor(private readonly handle: FileHandle) {}
  async write(buffer: Uint8Array): Promise<void> {
    let done = 0;
    while (done < buffer.byteLength) {
      const { bytesWritten } = await this.handle.write(buffer, done, buffer.byteLength - done);
      done += bytesWritten;
    }
    this.offset += BigInt(buffer.byteLength);
  }
  position(): bigint {
    return this.offset;
  }
}

interface TopicEntry extends TopicSummary {
  channelId: number;
}

/**
 * Writes a rosbag2-compatible MCAP file (profile `ros2`, `ros2msg` schemas with every dependency,
 * `cdr` messages, chunked and indexed) and, on close, the rosbag2 `metadata.yaml` beside it. Calls must
 * be awaited one after the other (the MCAP writer is sequential).
 */
export class BagWriter {
  private readonly topics = new Map<string, TopicEntry>();
  private readonly schemas = new Map<string, number>();
  private startNs: bigint | undefined;
  private endNs = 0n;
  private sequence = 0;
  private closed = false;

  private constructor(
    readonly path: string,
    private readonly handle: FileHandle,
    private readonly writer: McapWriter,
    readonly compression: string,
    private readonly rosDistro: string,
  ) {}

  /** Creates (or truncates) `path`; its folder gets the metadata.yaml, as `ros2 bag record -o` lays out. */
  static async open(path: string, options: BagWriterOptions = {}): Promise<BagWriter> {
    const mode = options.compression ?? "auto";
    const zstd = zstdCompressor();
    if (mode === "zstd" && !zstd) {
      throw new Error(
        `zstd chunk compression needs node:zlib Zstandard (Node ≥ 22.15); this is ${process.version}`,
      );
    }
    const compress = mode === "none" ? undefined : zstd;
    const handle = await open(path, "w");
    const writer = new McapWriter({
      writable: new FileWritable(handle),
      useChunks: true,
      chunkSize: options.chunkSize ?? 4 * 1024 * 1024,
      ...(compress ? { compressChunk: compress } : {}),
    });
    await writer.start({ profile: "ros2", library: "process-reward" });
    return new BagWriter(path, handle, writer, compress ? "zstd" : "", options.rosDistro ?? "");
  }

  /** Declares a topic (done implicitly by the first write of a topic with the default QoS). */
  async addTopic(topic: string, type: string, qos: QoS = QOS_DEFAULT): Promise<void> {
    const existing = this.topics.get(topic);
    if (existing) {
      if (fullTypeName(existing.type) !== fullTypeName(type)) {
        throw new Error(`topic ${topic} is already recorded as ${existing.type}, not ${type}`);
      }
      return;
    }
    const name = fullTypeName(type);
    let schemaId = this.schemas.get(name);
    if (schemaId === undefined) {
      schemaId = await this.writer.registerSchema({
        name,
        encoding: "ros2msg",
        data: new TextEncoder().encode(ros2msgSchema(type)),
      });
      this.schemas.set(name, schemaId);
    }
    const channelId = await this.writer.registerChannel({
      topic,
      schemaId,
      messageEncoding: "cdr",
      metadata: new Map([
        ["offered_qos_profiles", qosProfileYaml(qos)],
        ["topic_type_hash", ""],
      ]),
    });
    this.topics.set(topic, { name: topic, type: name, qos, messageCount: 0, channelId });
  }

  /** Appends serialized CDR bytes received (logged) at `time`. */
  async writeRaw(topic: string, type: string, time: Time | bigint, data: Uint8Array): Promise<void> {
    if (this.closed) throw new Error(`the bag ${this.path} is closed`);
    if (!this.topics.has(topic)) await this.addTopic(topic, type);
    const entry = this.topics.get(topic)!;
    const ns = typeof time === "bigint" ? time : timeToNanos(time);
    this.startNs = this.startNs === undefined || ns < this.startNs ? ns : this.startNs;
    if (ns > this.endNs) this.endNs = ns;
    await this.writer.addMessage({
      channelId: entry.channelId,
      sequence: this.sequence++,
      logTime: ns,
      publishTime: ns,
      data,
    });
    entry.messageCount++;
  }

  /** Encodes a message with the type's CDR codec and appends it. */
  async write<T>(topic: string, type: string, time: Time | bigint, message: T): Promise<void> {
    await this.writeRaw(topic, type, time, codecFor<T>(type).encode(message));
  }

  /** Finishes the MCAP (summary, indexes) and writes `metadata.yaml` in the same folder. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    try {
      await this.writer.end();
    } finally {
      await this.handle.close();
    }
    const yaml = bagMetadataYaml({
      storage: "mcap",
      files: [basename(this.path)],
      startNs: this.startNs ?? 0n,
      endNs: this.endNs,
      topics: [...this.topics.values()].map(({ name, type, qos, messageCount }) => ({
        name,
        type,
        qos,
        messageCount,
      })),
      rosDistro: this.rosDistro,
    });
    await writeFile(join(dirname(this.path), "metadata.yaml"), yaml);
  }
}
