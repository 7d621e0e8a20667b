import { createHash } from "node:crypto";
import { open, readFile, rename, rm } from "node:fs/promises";
import { dirname } from "node:path";

const MAGIC = "PRCKPT01";

/** A checkpoint that cannot be used: missing magic, truncated, a hash mismatch, or unreadable metadata. */
export class CorruptCheckpointError extends Error {
  constructor(path: string, why: string) {
    super(`checkpoint ${path} is corrupt: ${why}`);
    this.name = "CorruptCheckpointError";
  }
}

export interface CheckpointContents {
  readonly meta: Record<string, unknown>;
  readonly arrays: Readonly<Record<string, Float32Array>>;
}

interface Header {
  version: 1;
  meta: Record<string, unknown>;
  arrays: { name: string; length: number }[];
  payloadBytes: number;
  payloadSha256: string;
}

/**
 * Binary layout: magic, uint32 LE header length, header JSON (metadata, array names and lengths, sha256
 * of the payload), then the Float32 arrays back to back. The hash makes a torn or bit-flipped file a
 * clear error instead of silently wrong weights.
 */
export function encodeCheckpoint(contents: CheckpointContents): Buffer {
  const names = Object.keys(contents.arrays);
  const payloadBytes = names.reduce((n, k) => n + contents.arrays[k]!.byteLength, 0);
  const payload = Buffer.alloc(payloadBytes);
  let offset = 0;
  for (const k of names) {
    const a = contents.arrays[k]!;
    Buffer.from(a.buffer, a.byteOffset, a.byteLength).copy(payload, offset);
    offset += a.byteLength;
  }
  const header: Header = {
    version: 1,
    meta: contents.meta,
    arrays: names.map((name) => ({ name, length: contents.arrays[name]!.length })),
    payloadBytes,
    payloadSha256: createHash("sha256").update(payload).digest("hex"),
  };
  const json = Buffer.from(JSON.stringify(header), "utf8");
  const length = Buffer.alloc(4);
  length.writeUInt32LE(json.length);
  return Buffer.concat([Buffer.from(MAGIC, "ascii"), length, json, payload]);
}

export function decodeCheckpoint(data: Buffer, path = "(buffer)"): CheckpointContents {
  if (data.length < MAGIC.length + 4 || data.toString("ascii", 0, MAGIC.length) !== MAGIC) {
    throw new CorruptCheckpointError(
      path,
      `it does not start with ${MAGIC} (not a checkpoint, or truncated)`,
    );
  }
  const headerLength = data.readUInt32LE(MAGIC.length);
  const headerStart = MAGIC.length + 4;
  if (headerStart + headerLength > data.length) {
    throw new CorruptCheckpointError(path, `header of ${headerLength} bytes runs past the end of the file`);
  }
  let header: Header;
  try {
    header = JSON.parse(data.toString("utf8", headerStart, headerStart + headerLength)) as Header;
  } catch (err) {
    throw new CorruptCheckpointError(path, `header is not JSON (${(err as Error).message})`);
  }
  if (header.version !== 1)
    throw new CorruptCheckpointError(path, `unknown version ${String(header.version)}`);
  const payload = data.subarray(headerStart + headerLength);
  if (payload.length !== header.payloadBytes) {
    throw new CorruptCheckpointError(
      path,
      `payload has ${payload.length} bytes, header says ${header.payloadBytes}`,
    );
  }
  if (createHash("sha256").update(payload).digest("hex") !== header.payloadSha256) {
    throw new CorruptCheckpointError(path, "payload sha256 does not match the header");
  }
  const arrays: Record<string, Float32Array> = {};
  let offset = 0;
  for (const { name, length } of header.arrays) {
    // Copy out: the file buffer's offset need not be 4-byte aligned for a Float32Array view.
    const bytes = Buffer.from(payload.subarray(offset, offset + length * 4));
    arrays[name] = new Float32Array(bytes.buffer, bytes.byteOffset, length);
    offset += length * 4;
  }
  return { meta: header.meta, arrays };
}

/** Write atomically: a temporary file beside the target, fsync, rename over it, fsync the directory. */
export async function writeCheckpoint(path: string, contents: CheckpointContents): Promise<void> {
  const tmp = `${path}.tmp-${process.pid}`;
  const data = encodeCheckpoint(contents);
  try {
    const file = await open(tmp, "w");
    try {
      await file.writeFile(data);
      await file.sync();
    } finally {
      await file.close();
    }
    await rename(tmp, path);
  } catch (err) {
    await rm(tmp, { force: true });
    throw new Error(`could not write checkpoint ${path}: ${(err as Error).message}`, { cause: err });
  }
  const dir = await open(dirname(path), "r");
  try {
    await dir.sync();
  } finally {
    await dir.close();
  }
}

/** Read a checkpoint; undefined when there is none, CorruptCheckpointError when it cannot be trusted. */
export async function readCheckpoint(path: string): Promise<CheckpointContents | undefined> {
  let data: Buffer;
  try {
    data = await readFile(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw new Error(`could not read checkpoint ${path}: ${(err as Error).message}`, { cause: err });
  }
  return decodeCheckpoint(data, path);
}
