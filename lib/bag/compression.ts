import { decompress } from "fzstd";
import type { Rosbag2Metadata } from "./rosbag2Yaml.js";

// rosbag2's compression plugin writes standard zstd frames. fzstd (pure JS) decodes a frame without being
// told the decompressed size, which rosbag2 does not record per message.
const SUPPORTED = new Set(["zstd"]);

/** Throws when the bag uses a compression format this reader cannot undo. */
export function checkCompression(metadata: Rosbag2Metadata): void {
  if (metadata.compressionMode === "none") return;
  if (!SUPPORTED.has(metadata.compressionFormat)) {
    throw new Error(
      `compression_format '${metadata.compressionFormat}' (mode ${metadata.compressionMode}) ` +
        `is not supported; only zstd is`,
    );
  }
}

export function zstdDecompress(data: Uint8Array, what: string): Uint8Array {
  try {
    return decompress(data);
  } catch (err) {
    throw new Error(`${what}: not a valid zstd frame (${(err as Error).message})`, { cause: err });
  }
}
