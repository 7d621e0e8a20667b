import { open, type FileHandle } from "node:fs/promises";
import { createReadStream } from "node:fs";
import {
  McapIndexedReader,
  McapStreamReader,
  type DecompressHandlers,
  type IReadable,
  type McapTypes,
} from "@mcap/core";
import { loadDecompressHandlers } from "@mcap/support";
import {
  BagError,
  inFilter,
  type BagMessage,
  type BagTopic,
  type MessageFilter,
  type StorageFile,
} from "./types.js";

// rosbag2's MCAP plugin stores its own metadata.yaml text in a Metadata record of this name.
const ROSBAG2_METADATA = "rosbag2";
const SERIALIZED_METADATA = "serialized_metadata";
const STREAM_READ_BYTES = 1 << 20;

class FileReadable implements IReadable {
  constructor(
    private readonly handle: FileHandle,
    private readonly bytes: bigint,
  ) {}
  async size(): Promise<bigint> {
    return this.bytes;
  }
  async read(offset: bigint, length: bigint): Promise<Uint8Array> {
    // A damaged length or offset must fail here: a read past 2 GiB aborts the process inside Node's fs
    // (a native assertion, found by openBag.fuzz.test.ts), and a huge one would allocate first.
    if (offset < 0n || length < 0n || offset + length > this.bytes)
      throw new Error(`read of ${length} bytes at byte ${offset} is outside the file (${this.bytes} bytes)`);
    const buffer = new Uint8Array(Number(length));
    const { bytesRead } = await this.handle.read(buffer, 0, buffer.byteLength, Number(offset));
    if (bytesRead !== buffer.byteLength) throw new Error(`short read at byte ${offset}`);
    return buffer;
  }
}

/** Holds a whole (decompressed) file in memory, for rosbag2's file-compression mode. */
class MemoryReadable implements IReadable {
  constructor(private readonly data: Uint8Array) {}
  async size(): Promise<bigint> {
    return BigInt(this.data.byteLength);
  }
  async read(offset: bigint, length: bigint): Promise<Uint8Array> {
    return this.data.subarray(Number(offset), Number(offset + length));
  }
}

type ChannelTopics = Map<number, { topic: string; type: string }>;

function schemaText(schema: McapTypes.Schema): string {
  return new TextDecoder().decode(schema.data);
}

function topicsFrom(
  channels: Iterable<McapTypes.Channel>,
  schemas: ReadonlyMap<number, McapTypes.Schema>,
  counts: ReadonlyMap<number, bigint>,
): { topics: BagTopic[]; byChannel: ChannelTopics } {
  const byName = new Map<string, BagTopic>();
  const byChannel = new Map<number, { topic: string; type: string }>();
  for (const channel of channels) {
    const schema = schemas.get(channel.schemaId);
    const type = schema?.name ?? "";
    byChannel.set(channel.id, { topic: channel.topic, type });
    const count = Number(counts.get(channel.id) ?? 0n);
    const existing = byName.get(channel.topic);
    // rosbag2 writes one channel per topic; several (e.g. after a writer restart) are one topic to a reader.
    if (existing) {
      byName.set(channel.topic, { ...existing, count: existing.count + count });
      continue;
    }
    byName.set(channel.topic, {
      name: channel.topic,
      type,
      serializationFormat: channel.messageEncoding,
      count,
      ...(schema && schema.data.byteLength > 0
        ? { definition: { encoding: schema.encoding, text: schemaText(schema) } }
        : {}),
    });
  }
  return { topics: [...byName.values()], byChannel };
}

/** What a sequential read of the records found: everything needed to describe a file without its summary. */
interface StreamScan {
  schemas: Map<number, McapTypes.Schema>;
  channels: Map<number, McapTypes.Channel>;
  counts: Map<number, bigint>;
  start?: bigint;
  end?: bigint;
  metadata?: string;
}

type Source = { kind: "file"; path: string } | { kind: "memory"; data: Uint8Array };

/**
 * Records in file order. After the last good record it throws a BagError naming the damage (bad record, CRC
 * mismatch, truncation), so a reader keeps everything before it.
 */
async function* streamRecords(
  file: string,
  source: Source,
  handlers: DecompressHandlers,
): AsyncGenerator<McapTypes.TypedMcapRecord> {
  const reader = new McapStreamReader({ decompressHandlers: handlers, validateCrcs: true });
  const pieces: AsyncIterable<Uint8Array> | Iterable<Uint8Array> =
    source.kind === "memory"
      ? [source.data]
      : createReadStream(source.path, { highWaterMark: STREAM_READ_BYTES });
  let delivered = 0;
  for await (const piece of pieces) {
    reader.append(piece);
    for (;;) {
      let record: McapTypes.TypedMcapRecord | undefined;
      try {
        record = reader.nextRecord();
      } catch (err) {
        throw new BagError(file, `damaged MCAP after ${delivered} messages: ${(err as Error).message}`, {
          cause: err,
        });
      }
      if (!record) break;
      if (record.type === "Message") delivered++;
      yield record;
    }
  }
  if (!reader.done()) {
    throw new BagError(
      file,
      `truncated MCAP: the file ends after ${delivered} messages, inside a record ` +
        `(${reader.bytesRemaining()} bytes of it present; no footer)`,
    );
  }
}

async function scan(
  file: string,
  source: Source,
  handlers: DecompressHandlers,
): Promise<{ scan: StreamScan; damage?: string }> {
  const result: StreamScan = { schemas: new Map(), channels: new Map(), counts: new Map() };
  try {
    for await (const record of streamRecords(file, source, handlers)) {
      switch (record.type) {
        case "Schema":
          result.schemas.set(record.id, record);
          break;
        case "Channel":
          result.channels.set(record.id, record);
          break;
        case "Message":
          result.counts.set(record.channelId, (result.counts.get(record.channelId) ?? 0n) + 1n);
          if (result.start === undefined || record.logTime < result.start) result.start = record.logTime;
          if (result.end === undefined || record.logTime > result.end) result.end = record.logTime;
          break;
        case "Metadata":
          if (record.name === ROSBAG2_METADATA) result.metadata = record.metadata.get(SERIALIZED_METADATA);
          break;
        default:
          break;
      }
    }
    return { scan: result };
  } catch (err) {
    // Nothing readable at all (not an MCAP file, bad magic) is an error; a damaged tail is reported as damage.
    if (result.channels.size === 0) throw err;
    return { scan: result, damage: (err as Error).message };
  }
}

class IndexedMcapFile implements StorageFile {
  readonly storage = "mcap";
  constructor(
    readonly path: string,
    private readonly reader: McapIndexedReader,
    private readonly byChannel: ChannelTopics,
    readonly topics: readonly BagTopic[],
    private readonly onClose: () => Promise<void>,
    readonly embeddedMetadata: string | undefined,
  ) {}

  get startTime(): bigint | undefined {
    return this.reader.statistics?.messageStartTime;
  }
  get endTime(): bigint | undefined {
    return this.reader.statistics?.messageEndTime;
  }

  async *messages(filter?: MessageFilter): AsyncIterable<BagMessage> {
    let delivered = 0;
    const iterator = this.reader.readMessages({
      ...(filter?.topics ? { topics: [...filter.topics] } : {}),
      ...(filter?.start !== undefined ? { startTime: filter.start } : {}),
      ...(filter?.end !== undefined ? { endTime: filter.end } : {}),
      validateCrcs: true,
    });
    try {
      for await (const message of iterator) {
        const channel = this.byChannel.get(message.channelId);
        if (!channel) throw new Error(`message on unknown channel ${message.channelId}`);
        delivered++;
        yield { topic: channel.topic, type: channel.type, logTime: message.logTime, data: message.data };
      }
    } catch (err) {
      throw new BagError(this.path, `damaged MCAP after ${delivered} messages: ${(err as Error).message}`, {
        cause: err,
      });
    }
  }

  close(): Promise<void> {
    return this.onClose();
  }
}

class StreamedMcapFile implements StorageFile {
  readonly storage = "mcap";
  readonly topics: readonly BagTopic[];
  private readonly byChannel: ChannelTopics;
  constructor(
    readonly path: string,
    private readonly source: Source,
    private readonly handlers: DecompressHandlers,
    private readonly found: StreamScan,
    readonly damage: string | undefined,
  ) {
    ({ topics: this.topics, byChannel: this.byChannel } = topicsFrom(
      found.channels.values(),
      found.schemas,
      found.counts,
    ));
  }
  get startTime(): bigint | undefined {
    return this.found.start;
  }
  get endTime(): bigint | undefined {
    return this.found.end;
  }
  get embeddedMetadata(): string | undefined {
    return this.found.metadata;
  }

  async *messages(filter?: MessageFilter): AsyncIterable<BagMessage> {
    for await (const record of streamRecords(this.path, this.source, this.handlers)) {
      if (record.type !== "Message") continue;
      const channel = this.byChannel.get(record.channelId);
      if (!channel || !inFilter(filter, channel.topic, record.logTime)) continue;
      yield { topic: channel.topic, type: channel.type, logTime: record.logTime, data: record.data };
    }
  }

  async close(): Promise<void> {}
}

async function embeddedMetadata(reader: McapIndexedReader): Promise<string | undefined> {
  let text: string | undefined;
  for await (const record of reader.readMetadata({ name: ROSBAG2_METADATA }))
    text = record.metadata.get(SERIALIZED_METADATA) ?? text;
  return text;
}

/**
 * Opens one rosbag2 MCAP file: through its summary (fast seeks, topic filters) when it has one, else by a
 * sequential scan, which is also how a truncated file (no footer) is read up to its damage.
 * `data` is the file's content when rosbag2's file-compression mode made it a `.mcap.zstd`.
 */
export async function openMcapFile(path: string, data?: Uint8Array): Promise<StorageFile> {
  const handlers = await loadDecompressHandlers();
  let handle: FileHandle | undefined;
  let readable: IReadable;
  if (data) {
    readable = new MemoryReadable(data);
  } else {
    try {
      handle = await open(path, "r");
      readable = new FileReadable(handle, BigInt((await handle.stat()).size));
    } catch (err) {
      await handle?.close();
      throw new BagError(path, `cannot open: ${(err as Error).message}`, { cause: err });
    }
  }
  try {
    const reader = await McapIndexedReader.Initialize({ readable, decompressHandlers: handlers });
    if (reader.statistics) {
      const { topics, byChannel } = topicsFrom(
        reader.channelsById.values(),
        reader.schemasById,
        reader.statistics.channelMessageCounts,
      );
      const metadata = await embeddedMetadata(reader);
      const owned = handle;
      return new IndexedMcapFile(path, reader, byChannel, topics, async () => owned?.close(), metadata);
    }
  } catch {
    // No usable summary (truncated, or written without one): the sequential scan below reads what is there
    // and reports the damage, or fails with the reason when the file is not MCAP at all.
  }
  await handle?.close();
  const source: Source = data ? { kind: "memory", data } : { kind: "file", path };
  const { scan: found, damage } = await scan(path, source, handlers);
  return new StreamedMcapFile(path, source, handlers, found, damage);
}

/** The raw indexed reader of a complete MCAP file, for checks of the container itself (profile, schemas). */
export async function openIndexedMcap(
  path: string,
): Promise<{ reader: McapIndexedReader; close(): Promise<void> }> {
  const handle = await open(path, "r");
  try {
    const readable = new FileReadable(handle, BigInt((await handle.stat()).size));
    const reader = await McapIndexedReader.Initialize({
      readable,
      decompressHandlers: await loadDecompressHandlers(),
    });
    return { reader, close: () => handle.close() };
  } catch (err) {
    await handle.close();
    throw new BagError(path, `cannot read as an indexed MCAP file: ${(err as Error).message}`, {
      cause: err,
    });
  }
}
