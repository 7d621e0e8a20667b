// Small recordings for the replay tests and the replay bench, written with the project's own bag writer (no
// renderer needed).
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import zstd from "@foxglove/wasm-zstd";
import { BagWriter } from "./mcapWriter.js";
import { bagMetadataYaml, qosProfileYaml } from "./metadata.js";
import { openBag } from "./openBag.js";
import { ros2msgSchema } from "./schema.js";
import { codecFor } from "../codec/codec.js";
import { EpisodeEventKind, MsgType, type EpisodeEvent, type Image } from "../codec/messages.js";
import { rgbImage } from "../image/rgbImage.js";
import { timeFromNanos } from "../time/rosTime.js";
import { QOS_SENSOR_DATA } from "../transport/qos.js";

export const FIXTURE_VIEWS = ["front", "left", "wrist"] as const;
export const cameraTopic = (view: string): string => `/camera/${view}/image_raw`;

const W = 16;
const H = 12;
const MS = 1_000_000n;
/** Log times start here (a plausible epoch time, so bag time is not confused with time since 0). */
export const FIXTURE_START_NS = 1_700_000_000_000_000_000n;

/** A frame whose content moves with time, so the model's Φ changes from step to step. */
function frame(view: number, t: number): Image {
  const data = new Uint8Array(W * H * 3);
  for (let y = 0; y < H; y++)
    for (let x = 0; x < W; x++) {
      const i = (y * W + x) * 3;
      const lit = x < Math.round(t * W);
      data[i] = lit ? 220 : 30 + 40 * view;
      data[i + 1] = (y * 20 + view * 50) % 256;
      data[i + 2] = lit ? 40 : 180;
    }
  return rgbImage(W, H, data, { stamp: { sec: 0, nanosec: 0 }, frame_id: `camera_${view}` });
}

export interface FixtureOptions {
  /** Views recorded (default: all three of the placeholder model). */
  readonly views?: readonly string[];
  /** rosbag2 per-message compression: every message zstd'ed, metadata.yaml says MESSAGE. */
  readonly perMessageZstd?: boolean;
  readonly chunkSize?: number;
}

export interface FixtureBag {
  readonly file: string;
  /** Log time (ns) of the TERMINAL event of episode 1, after which its cameras stop. */
  readonly terminalNs: bigint;
}

/**
 * Two episodes at 20 Hz: episode 1 runs 1 s and ends TERMINAL with the cameras stopping (its last step
 * closes after max age of bag time), a gap, then episode 2 runs 0.5 s, is TRUNCATED, and one more frame
 * set follows. Views are 2 ms apart, within the default 20 ms slop.
 */
export async function writeFixtureBag(file: string, options: FixtureOptions = {}): Promise<FixtureBag> {
  const views = options.views ?? FIXTURE_VIEWS;
  if (options.perMessageZstd) await zstd.isLoaded;
  const bag = await BagWriter.open(file, { chunkSize: options.chunkSize ?? 8192, compression: "none" });
  const imageCodec = codecFor<Image>(MsgType.Image);
  const eventCodec = codecFor<EpisodeEvent>(MsgType.EpisodeEvent);
  const pack = (cdr: Uint8Array): Uint8Array => (options.perMessageZstd ? zstd.compress(cdr) : cdr);
  for (const v of views) await bag.addTopic(cameraTopic(v), MsgType.Image, QOS_SENSOR_DATA);
  const event = async (ns: bigint, kind: number, id: bigint, detail: string): Promise<void> => {
    const e: EpisodeEvent = {
      header: { stamp: timeFromNanos(ns), frame_id: "world" },
      event: kind,
      episode_id: id,
      step: 0,
      task: "",
      detail,
    };
    await bag.writeRaw("/episode", MsgType.EpisodeEvent, ns, pack(eventCodec.encode(e)));
  };
  const frames = async (ns: bigint, progress: number): Promise<void> => {
    for (const [i, v] of views.entries()) {
      const at = ns + BigInt(i) * 2n * MS;
      const image = frame(FIXTURE_VIEWS.indexOf(v as (typeof FIXTURE_VIEWS)[number]), progress);
      image.header.stamp = timeFromNanos(at);
      await bag.writeRaw(cameraTopic(v), MsgType.Image, at, pack(imageCodec.encode(image)));
    }
  };
  let t = FIXTURE_START_NS;
  await event(t, EpisodeEventKind.START, 1n, "first");
  for (let k = 0; k < 20; k++, t += 50n * MS) await frames(t, k / 19);
  const terminalNs = t;
  await event(terminalNs, EpisodeEventKind.TERMINAL, 1n, "dropped the object");
  t += 1000n * MS;
  await event(t, EpisodeEventKind.START, 2n, "second");
  for (let k = 0; k < 10; k++, t += 50n * MS) await frames(t, k / 9);
  await event(t, EpisodeEventKind.TRUNCATED, 2n, "time limit");
  await frames(t + 10n * MS, 1);
  await bag.close();
  if (options.perMessageZstd) {
    const meta = join(dirname(file), "metadata.yaml");
    const text = await readFile(meta, "utf8");
    const patched = text
      .replace(/compression_format: ""/, "compression_format: zstd")
      .replace(/compression_mode: ""/, "compression_mode: MESSAGE");
    if (patched === text) throw new Error("metadata.yaml has no compression fields to set");
    await writeFile(meta, patched);
  }
  return { file, terminalNs };
}

export interface RecordedMessage {
  readonly logTime: bigint;
  readonly data: Uint8Array;
}

/** The messages of one topic of a bag, raw, in order. */
export async function topicMessages(path: string, topic: string): Promise<RecordedMessage[]> {
  const bag = await openBag(path);
  try {
    const out: RecordedMessage[] = [];
    for await (const m of bag.messages({ topics: [topic] }))
      out.push({ logTime: m.logTime, data: Uint8Array.from(m.data) });
    return out;
  } finally {
    await bag.close();
  }
}

export interface OneCameraBagOptions {
  readonly topic?: string;
  readonly frames?: number;
  readonly width?: number;
  readonly height?: number;
  /** Camera rate (default 30 Hz). */
  readonly hz?: number;
}

/** An in-memory IWritable for McapWriter. */
class MemoryWritable {
  private readonly parts: Uint8Array[] = [];
  private size = 0n;
  async write(buffer: Uint8Array): Promise<void> {
    this.parts.push(Uint8Array.from(buffer));
    this.size += BigInt(buffer.byteLength);
  }
  position(): bigint {
    return this.size;
  }
  bytes(): Uint8Array {
    return Buffer.concat(this.parts);
  }
}

/**
 * A one-camera recording as a real robot's rosbag2 gives it and as this project's writer never would:
 * 640×480 rgb8 `sensor_msgs/Image` with the ROS 1 style schema name (no `/msg/`), every message zstd'ed
 * (compression_mode MESSAGE), and no /episode topic. A bright bar sweeps across the image over time.
 */
export async function writeOneCameraBag(folder: string, options: OneCameraBagOptions = {}): Promise<string> {
  const topic = options.topic ?? "/camera/image_raw";
  const n = options.frames ?? 30;
  const W = options.width ?? 640;
  const H = options.height ?? 480;
  const periodNs = BigInt(Math.round(1e9 / (options.hz ?? 30)));
  await zstd.isLoaded;
  const { McapWriter } = await import("@mcap/core");
  const out = new MemoryWritable();
  const writer = new McapWriter({ writable: out, useChunks: true, chunkSize: 1 << 20 });
  await writer.start({ profile: "ros2", library: "a ROS 2 recorder" });
  const schemaId = await writer.registerSchema({
    name: "sensor_msgs/Image",
    encoding: "ros2msg",
    data: new TextEncoder().encode(ros2msgSchema(MsgType.Image)),
  });
  const channelId = await writer.registerChannel({
    topic,
    schemaId,
    messageEncoding: "cdr",
    metadata: new Map([["offered_qos_profiles", qosProfileYaml(QOS_SENSOR_DATA)]]),
  });
  const codec = codecFor<Image>(MsgType.Image);
  const data = new Uint8Array(W * H * 3);
  let ns = FIXTURE_START_NS;
  for (let k = 0; k < n; k++, ns += periodNs) {
    const lit = Math.round(((k + 1) / n) * W);
    for (let y = 0; y < H; y++)
      for (let x = 0; x < W; x++) {
        const i = (y * W + x) * 3;
        data[i] = x < lit ? 210 : 40;
        data[i + 1] = (y >> 2) & 0xff;
        data[i + 2] = x < lit ? 50 : 170;
      }
    const cdr = codec.encode(rgbImage(W, H, data, { stamp: timeFromNanos(ns), frame_id: "camera" }));
    await writer.addMessage({
      channelId,
      sequence: k,
      logTime: ns,
      publishTime: ns,
      data: zstd.compress(cdr),
    });
  }
  await writer.end();
  await mkdir(folder, { recursive: true });
  const file = join(folder, `${basename(folder)}_0.mcap`);
  await writeFile(file, out.bytes());
  const yaml = bagMetadataYaml({
    storage: "mcap",
    files: [basename(file)],
    startNs: FIXTURE_START_NS,
    endNs: ns - periodNs,
    topics: [{ name: topic, type: MsgType.Image, qos: QOS_SENSOR_DATA, messageCount: n }],
  })
    .replace(/compression_format: ""/, "compression_format: zstd")
    .replace(/compression_mode: ""/, "compression_mode: MESSAGE")
    .replace(/type: sensor_msgs\/msg\/Image/, "type: sensor_msgs/Image");
  await writeFile(join(folder, "metadata.yaml"), yaml);
  return folder;
}
