import { readFile, readdir, stat } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { checkCompression, zstdDecompress } from "./compression.js";
import { openMcapFile } from "./mcapFile.js";
import { parseRosbag2Metadata, type Rosbag2Metadata } from "./rosbag2Yaml.js";
import { openSqliteFile } from "./sqliteFile.js";
import { BagError, type BagMessage, type BagTopic, type MessageFilter, type StorageFile } from "./types.js";

/** A rosbag2 recording (a bag folder or one storage file), read-only. */
export interface Bag {
  /** What was opened: the folder or the file. */
  readonly path: string;
  readonly storage: "mcap" | "sqlite3";
  /** The storage files, in recording order. */
  readonly files: readonly string[];
  /** metadata.yaml (beside the files, or embedded in them), when there is one. */
  readonly metadata?: Rosbag2Metadata;
  /** Every topic, with counts taken from the storage files themselves. */
  readonly topics: readonly BagTopic[];
  readonly messageCount: number;
  readonly startTime?: bigint;
  readonly endTime?: bigint;
  /** Damage found on opening (e.g. a truncated file); `messages()` throws it after the last good message. */
  readonly damage: readonly string[];
  /** Messages in recording order, bytes already decompressed when rosbag2 compressed each message. */
  messages(filter?: MessageFilter): AsyncIterable<BagMessage>;
  close(): Promise<void>;
}

const METADATA_FILE = "metadata.yaml";
const STORAGE = /\.(mcap|db3)(\.zstd)?$/;

function storageOf(file: string): "mcap" | "sqlite3" {
  const match = STORAGE.exec(file);
  if (!match) throw new BagError(file, "not a rosbag2 storage file (expected .mcap or .db3)");
  return match[1] === "mcap" ? "mcap" : "sqlite3";
}

async function readMetadataYaml(folder: string): Promise<Rosbag2Metadata | undefined> {
  const file = join(folder, METADATA_FILE);
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch {
    return undefined;
  }
  try {
    return parseRosbag2Metadata(text);
  } catch (err) {
    throw new BagError(file, (err as Error).message, { cause: err });
  }
}

/** Split files are `name_0.mcap`, `name_1.mcap`, …: order them by that index, not as text (`_10` < `_2`). */
function recordingOrder(a: string, b: string): number {
  return a.localeCompare(b, undefined, { numeric: true });
}

async function storageFilesIn(folder: string, metadata: Rosbag2Metadata | undefined): Promise<string[]> {
  if (metadata && metadata.relativeFilePaths.length > 0)
    return metadata.relativeFilePaths.map((f) => join(folder, f));
  const found = (await readdir(folder)).filter((f) => STORAGE.test(f)).sort(recordingOrder);
  if (found.length === 0)
    throw new BagError(folder, "no metadata.yaml and no .mcap or .db3 file: not a rosbag2 bag");
  return found.map((f) => join(folder, f));
}

async function openStorageFile(file: string, metadata: Rosbag2Metadata | undefined): Promise<StorageFile> {
  const storage = storageOf(file);
  let data: Uint8Array | undefined;
  // rosbag2's file-compression mode zstd-compresses each finished storage file whole.
  if (file.endsWith(".zstd") || metadata?.compressionMode === "file") {
    let compressed: Uint8Array;
    try {
      compressed = await readFile(file);
    } catch (err) {
      throw new BagError(file, `cannot open: ${(err as Error).message}`, { cause: err });
    }
    try {
      data = zstdDecompress(compressed, "file");
    } catch (err) {
      throw new BagError(file, (err as Error).message, { cause: err });
    }
  }
  return storage === "mcap" ? openMcapFile(file, data) : openSqliteFile(file, data);
}

function mergeTopics(files: readonly StorageFile[]): BagTopic[] {
  const byName = new Map<string, BagTopic>();
  for (const file of files) {
    for (const topic of file.topics) {
      const seen = byName.get(topic.name);
      if (!seen) byName.set(topic.name, topic);
      else
        byName.set(topic.name, {
          ...seen,
          count: seen.count + topic.count,
          ...(seen.definition || !topic.definition ? {} : { definition: topic.definition }),
        });
    }
  }
  return [...byName.values()];
}

function earliest(
  values: (bigint | undefined)[],
  pick: (a: bigint, b: bigint) => boolean,
): bigint | undefined {
  let out: bigint | undefined;
  for (const v of values) if (v !== undefined && (out === undefined || pick(v, out))) out = v;
  return out;
}

class OpenedBag implements Bag {
  readonly topics: readonly BagTopic[];
  readonly messageCount: number;
  readonly startTime?: bigint;
  readonly endTime?: bigint;
  readonly damage: readonly string[];

  constructor(
    readonly path: string,
    private readonly opened: readonly StorageFile[],
    readonly metadata: Rosbag2Metadata | undefined,
  ) {
    this.topics = mergeTopics(opened);
    this.messageCount = this.topics.reduce((n, t) => n + t.count, 0);
    const start = earliest(
      opened.map((f) => f.startTime),
      (a, b) => a < b,
    );
    const end = earliest(
      opened.map((f) => f.endTime),
      (a, b) => a > b,
    );
    if (start !== undefined) this.startTime = start;
    if (end !== undefined) this.endTime = end;
    this.damage = opened.flatMap((f) => (f.damage ? [f.damage] : []));
  }

  get storage(): "mcap" | "sqlite3" {
    return this.opened[0]!.storage;
  }
  get files(): readonly string[] {
    return this.opened.map((f) => f.path);
  }

  async *messages(filter?: MessageFilter): AsyncIterable<BagMessage> {
    const perMessage = this.metadata?.compressionMode === "message";
    for (const file of this.opened) {
      let delivered = 0;
      for await (const message of file.messages(filter)) {
        delivered++;
        if (!perMessage) {
          yield message;
          continue;
        }
        let data: Uint8Array;
        try {
          data = zstdDecompress(message.data, `message ${delivered} on ${message.topic}`);
        } catch (err) {
          throw new BagError(file.path, (err as Error).message, { cause: err });
        }
        yield { ...message, data };
      }
    }
  }

  async close(): Promise<void> {
    await Promise.all(this.opened.map((f) => f.close()));
  }
}

/**
 * Opens a rosbag2 bag: a folder (metadata.yaml + storage files) or a single `.mcap` / `.db3` file. Throws a
 * BagError naming the file when nothing can be read; a file damaged part-way opens, lists its damage in
 * `damage`, and yields its messages up to that point.
 */
export async function openBag(path: string): Promise<Bag> {
  let isFolder: boolean;
  try {
    isFolder = (await stat(path)).isDirectory();
  } catch (err) {
    throw new BagError(path, `cannot open: ${(err as Error).message}`, { cause: err });
  }
  const folder = isFolder ? path : dirname(path);
  let metadata = await readMetadataYaml(folder);
  // A file opened alone uses the metadata.yaml beside it only if that describes this file.
  if (!isFolder && metadata && !metadata.relativeFilePaths.includes(basename(path))) metadata = undefined;
  const paths = isFolder ? await storageFilesIn(folder, metadata) : [path];
  if (metadata) {
    try {
      checkCompression(metadata);
    } catch (err) {
      throw new BagError(join(folder, METADATA_FILE), (err as Error).message, { cause: err });
    }
  }
  const opened: StorageFile[] = [];
  try {
    for (const file of paths) opened.push(await openStorageFile(file, metadata));
    const embedded = opened[0]?.embeddedMetadata;
    if (!metadata && embedded) {
      try {
        metadata = parseRosbag2Metadata(embedded);
        checkCompression(metadata);
      } catch (err) {
        throw new BagError(paths[0]!, `embedded rosbag2 metadata: ${(err as Error).message}`, { cause: err });
      }
    }
  } catch (err) {
    await Promise.all(opened.map((f) => f.close()));
    if (err instanceof BagError) throw err;
    throw new BagError(path, (err as Error).message, { cause: err });
  }
  const kinds = new Set(opened.map((f) => f.storage));
  if (kinds.size > 1) {
    await Promise.all(opened.map((f) => f.close()));
    throw new BagError(path, "mixes MCAP and SQLite storage files");
  }
  return new OpenedBag(path, opened, metadata);
}
