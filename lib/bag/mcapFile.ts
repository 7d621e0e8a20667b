import { open } from "node:fs/promises";
import { McapIndexedReader } from "@mcap/core";
import type { FileHandle } from "node:fs/promises";

export interface OpenMcap {
  reader: McapIndexedReader;
  close(): Promise<void>;
}

/**
 * Opens an indexed MCAP file for random access. Chunks compressed with zstd are read through
 * node:zlib where this Node has it; lz4 and others need a handler passed in.
 */
export async function openIndexedMcap(
  path: string,
  decompressHandlers: Record<string, (data: Uint8Array, size: bigint) => Uint8Array> = {},
): Promise<OpenMcap> {
  const handle: FileHandle = await open(path, "r");
  const size = BigInt((await handle.stat()).size);
  const zlib = (await import("node:zlib")) as unknown as { zstdDecompressSync?: (d: Uint8Array) => Buffer };
  const handlers = { ...decompressHandlers };
  if (!handlers.zstd && zlib.zstdDecompressSync) handlers.zstd = (d) => zlib.zstdDecompressSync!(d);
  try {
    const reader = await McapIndexedReader.Initialize({
      readable: {
        size: async () => size,
        read: async (offset, length) => {
          const out = new Uint8Array(Number(length));
          await handle.read(out, 0, out.byteLength, Number(offset));
          return out;
        },
      },
      decompressHandlers: handlers,
    });
    return { reader, close: () => handle.close() };
  } catch (err) {
    await handle.close();
    throw new Error(`cannot read ${path} as an indexed MCAP file: ${(err as Error).message}`, { cause: err });
  }
}
