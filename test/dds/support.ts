// Shared by the DDS tests, the TypeScript test peer and bench/dds.ts: the loopback-only Cyclone
// configuration, unique topic names, and deterministic test images whose bytes both sides can recompute.
import { randomBytes } from "node:crypto";
import { codecFor } from "../../lib/codec/codec.js";
import { MsgType, type Image } from "../../lib/codec/messages.js";
import { packagePath } from "../../lib/paths.js";

export const LOOPBACK_CONFIG = packagePath("config", "cyclonedds-loopback.xml");

/** The environment for this process and its children: Cyclone on loopback only. */
export function useLoopbackDds(): NodeJS.ProcessEnv {
  process.env.CYCLONEDDS_URI = `file://${LOOPBACK_CONFIG}`;
  return { ...process.env };
}

/** Topic names unique to one test run, so concurrent test files (or checkouts) never hear each other. */
export function uniqueTopic(name: string): string {
  return `/test_${process.pid}_${randomBytes(3).toString("hex")}/${name}`;
}

export function testImageData(width: number, height: number, channels: number, seq: number): Uint8Array {
  const data = new Uint8Array(width * height * channels);
  // A pattern that changes with position and sequence number, so shifted or stale bytes are detected.
  let x = (seq * 2654435761) >>> 0;
  for (let i = 0; i < data.length; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    data[i] = x >>> 24;
  }
  return data;
}

export function testImage(width: number, height: number, seq: number): Image {
  return {
    header: { stamp: { sec: seq, nanosec: 1000 * seq }, frame_id: "test_camera" },
    height,
    width,
    encoding: "rgb8",
    is_bigendian: 0,
    step: width * 3,
    data: testImageData(width, height, 3, seq),
  };
}

export function testImageCdr(width: number, height: number, seq: number): Uint8Array {
  return codecFor<Image>(MsgType.Image).encode(testImage(width, height, seq));
}
