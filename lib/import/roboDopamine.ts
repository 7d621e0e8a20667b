// `process-reward import robo-dopamine`: the Robo-Dopamine raw layout (episode_*/cam_*.mp4,
// annotated_keyframes.json, task_instruction.json) → one rosbag2 MCAP folder per episode, cameras as
// sensor_msgs/msg/CompressedImage JPEG, stamps from the frame rate, plus the episode's annotations.yaml.
import { existsSync } from "node:fs";
import { mkdir, readdir, readFile, rm } from "node:fs/promises";
import { basename, join } from "node:path";
import { BagWriter } from "../bag/mcapWriter.js";
import { writeStageAnnotations, type Stage } from "../bag/stageAnnotations.js";
import { MsgType, type CompressedImage } from "../codec/messages.js";
import { timeFromNanos } from "../time/rosTime.js";
import { QOS_SENSOR_DATA } from "../transport/qos.js";
import { decodeJpegFrames, probeVideo, type VideoInfo } from "./ffmpeg.js";

export class ImportError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ImportError";
  }
}

/** The raw data has no wall-clock time: frame 0 of every episode is logged at this bag time. */
export const IMPORT_EPOCH_NS = 1_700_000_000_000_000_000n;

export interface ImportOptions {
  /** Keep every k-th frame (stamps keep the recorded times); default 1. */
  readonly every?: number;
  /** Scale frames to this width; default as recorded. */
  readonly width?: number;
  /** JPEG quality (ffmpeg -q:v, 2 best … 31); default 3. */
  readonly qscale?: number;
  /** Only these episodes (folder names); default all `episode_*`. */
  readonly episodes?: readonly string[];
  readonly log?: (line: string) => void;
}

export interface ImportedEpisode {
  readonly name: string;
  /** The bag folder written. */
  readonly bag: string;
  readonly cameras: readonly string[];
  readonly topics: readonly string[];
  /** Frames of the videos, and frames written per camera. */
  readonly videoFrames: number;
  readonly frames: number;
  readonly fps: number;
  readonly stages: readonly string[];
  readonly task: string;
}

interface Keyframe {
  readonly name: string;
  readonly start: number;
  readonly end: number;
}

/** The camera topic of a video `cam_high.mp4` → `/cam_high/image_raw/compressed`. */
export const cameraTopicOf = (camera: string): string => `/${camera}/image_raw/compressed`;

/** annotated_keyframes.json, checked against the videos' frame count. */
export function parseKeyframes(text: string, file: string, frames: number): Keyframe[] {
  const fail = (what: string): never => {
    throw new ImportError(`${file}: ${what}`);
  };
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    fail(`not valid JSON: ${(err as Error).message}`);
  }
  if (!Array.isArray(doc)) fail("expected a list of {anotation, start_frame_id, end_frame_id}");
  let prev: Keyframe | undefined;
  return (doc as unknown[]).map((e, i) => {
    if (typeof e !== "object" || e === null) fail(`entry ${i} is not an object`);
    const o = e as Record<string, unknown>;
    const name = o.anotation ?? o.annotation;
    if (typeof name !== "string" || name.trim() === "")
      fail(`entry ${i}: anotation must be a non-empty string`);
    const { start_frame_id: s, end_frame_id: en } = o;
    if (!Number.isInteger(s) || !Number.isInteger(en))
      fail(`entry ${i} ('${name as string}'): start_frame_id and end_frame_id must be integers`);
    const k = { name: name as string, start: s as number, end: en as number };
    if (k.start < 0 || k.end > frames - 1)
      fail(
        `entry ${i} ('${k.name}'): frames ${k.start}–${k.end} are outside the video (frames 0–${frames - 1})`,
      );
    if (k.end <= k.start)
      fail(`entry ${i} ('${k.name}'): end_frame_id ${k.end} is not after start_frame_id ${k.start}`);
    if (prev && k.start < prev.end)
      fail(
        `entry ${i} ('${k.name}') starts at frame ${k.start}, before entry ${i - 1} ('${prev.name}') ends at ${prev.end}: keyframes out of order or overlapping`,
      );
    prev = k;
    return k;
  });
}

async function taskInstruction(rawDir: string, episodeDir: string): Promise<string> {
  for (const file of [join(episodeDir, "task_instruction.json"), join(rawDir, "task_instruction.json")]) {
    if (!existsSync(file)) continue;
    let doc: unknown;
    try {
      doc = JSON.parse(await readFile(file, "utf8"));
    } catch (err) {
      throw new ImportError(`${file}: not valid JSON: ${(err as Error).message}`);
    }
    const first = Array.isArray(doc) ? doc[0] : doc;
    if (typeof first !== "string")
      throw new ImportError(`${file}: expected a list of task phrasings (strings)`);
    return first;
  }
  return "";
}

/** The episodes of a raw dir: its `episode_*` folders, or the dir itself when it holds the videos. */
async function episodeDirs(rawDir: string, only?: readonly string[]): Promise<string[]> {
  if (!existsSync(rawDir)) throw new ImportError(`${rawDir}: no such folder`);
  const entries = await readdir(rawDir, { withFileTypes: true });
  let dirs = entries
    .filter((e) => e.isDirectory() && e.name.startsWith("episode_"))
    .map((e) => e.name)
    .sort();
  if (dirs.length === 0 && entries.some((e) => /^cam_.*\.mp4$/.test(e.name))) return [rawDir];
  if (only && only.length > 0) {
    const missing = only.filter((o) => !dirs.includes(o));
    if (missing.length > 0) throw new ImportError(`${rawDir}: no episode ${missing.join(", ")}`);
    dirs = dirs.filter((d) => only.includes(d));
  }
  if (dirs.length === 0) throw new ImportError(`${rawDir}: no episode_* folder with cam_*.mp4 videos`);
  return dirs.map((d) => join(rawDir, d));
}

/** The camera videos of every episode: the union of `cam_*.mp4` names; an episode lacking one is an error. */
async function camerasOf(dirs: readonly string[]): Promise<string[]> {
  const names = new Map<string, string[]>();
  for (const d of dirs)
    names.set(
      d,
      (await readdir(d)).filter((f) => /^cam_.*\.mp4$/.test(f)).map((f) => f.slice(0, -4)),
    );
  const all = [...new Set([...names.values()].flat())].sort();
  if (all.length === 0) throw new ImportError(`${dirs[0]}: no camera video (cam_*.mp4)`);
  for (const [d, cams] of names) {
    const missing = all.filter((c) => !cams.includes(c));
    if (missing.length > 0)
      throw new ImportError(
        `${missing.map((c) => join(d, `${c}.mp4`)).join(", ")}: missing camera video (other episodes have ${missing.join(", ")})`,
      );
  }
  return all;
}

/** Imports every episode of a Robo-Dopamine raw dir into `outDir/<episode>/`. */
export async function importRoboDopamine(
  rawDir: string,
  outDir: string,
  options: ImportOptions = {},
): Promise<ImportedEpisode[]> {
  const every = options.every ?? 1;
  if (!(Number.isInteger(every) && every >= 1))
    throw new ImportError(`--every must be an integer ≥ 1, got ${every}`);
  const dirs = await episodeDirs(rawDir, options.episodes);
  const cameras = await camerasOf(dirs);
  const out: ImportedEpisode[] = [];
  for (const dir of dirs) out.push(await importEpisode(rawDir, dir, cameras, outDir, every, options));
  return out;
}

async function importEpisode(
  rawDir: string,
  dir: string,
  cameras: readonly string[],
  outDir: string,
  every: number,
  options: ImportOptions,
): Promise<ImportedEpisode> {
  const name = basename(dir);
  const videos = cameras.map((c) => join(dir, `${c}.mp4`));
  const infos: VideoInfo[] = [];
  for (const v of videos) {
    try {
      infos.push(await probeVideo(v));
    } catch (err) {
      throw new ImportError((err as Error).message);
    }
  }
  const frames = infos[0]!.frames;
  if (infos.some((i) => i.frames !== frames))
    throw new ImportError(
      `${dir}: videos of different lengths: ${videos.map((v, i) => `${basename(v)} ${infos[i]!.frames} frames`).join(", ")}`,
    );
  const fps = infos[0]!.fps;
  if (infos.some((i) => Math.abs(i.fps - fps) > 1e-6))
    throw new ImportError(
      `${dir}: videos at different frame rates: ${videos.map((v, i) => `${basename(v)} ${infos[i]!.fps} fps`).join(", ")}`,
    );
  const keyframesFile = join(dir, "annotated_keyframes.json");
  const keyframes = existsSync(keyframesFile)
    ? parseKeyframes(await readFile(keyframesFile, "utf8"), keyframesFile, frames)
    : [];
  if (keyframes.length === 0)
    options.log?.(`${name}: no annotated_keyframes.json: one stage over the episode`);
  const task = await taskInstruction(rawDir, dir);
  const periodNs = 1e9 / fps;
  const timeOf = (frame: number): bigint => IMPORT_EPOCH_NS + BigInt(Math.round(frame * periodNs));

  const bag = join(outDir, name);
  await rm(bag, { recursive: true, force: true });
  await mkdir(bag, { recursive: true });
  const writer = await BagWriter.open(join(bag, `${name}_0.mcap`));
  const topics = cameras.map(cameraTopicOf);
  let written = 0;
  try {
    for (const t of topics) await writer.addTopic(t, MsgType.CompressedImage, QOS_SENSOR_DATA);
    const streams = videos.map((v) =>
      decodeJpegFrames(v, { every, width: options.width, qscale: options.qscale })[Symbol.asyncIterator](),
    );
    for (let j = 0; ; j++) {
      const next = await Promise.all(streams.map((s) => s.next()));
      const done = next.filter((n) => n.done).length;
      if (done === next.length) break;
      if (done > 0)
        throw new ImportError(
          `${dir}: ${videos.filter((_v, i) => next[i]!.done).join(", ")} ended at frame ${j * every}, before the others`,
        );
      const ns = timeOf(j * every);
      for (const [c, n] of next.entries()) {
        const message: CompressedImage = {
          header: { stamp: timeFromNanos(ns), frame_id: cameras[c]! },
          format: "jpeg",
          data: n.value as Buffer,
        };
        await writer.write(topics[c]!, MsgType.CompressedImage, ns, message);
      }
      written++;
    }
  } catch (err) {
    if (err instanceof Error && err.name === "VideoError") throw new ImportError(err.message);
    throw err;
  } finally {
    await writer.close();
  }
  const range = { startNs: timeOf(0), endNs: timeOf((written - 1) * every) };
  const stages: Stage[] = keyframes.map((k) => ({
    name: k.name,
    // The last frame written may be before a keyframe when frames are skipped: clamp to the recording.
    startNs: timeOf(k.start) < range.endNs ? timeOf(k.start) : range.endNs,
    endNs: timeOf(k.end) < range.endNs ? timeOf(k.end) : range.endNs,
  }));
  const kept = stages.filter((s) => s.endNs > s.startNs);
  if (kept.length < stages.length)
    options.log?.(`${name}: ${stages.length - kept.length} stage(s) after the last frame kept were dropped`);
  await writeStageAnnotations(
    bag,
    range,
    { task, episodes: [{ startNs: range.startNs, endNs: range.endNs, stages: kept }] },
    `imported from ${dir} (${frames} frames at ${fps} fps${every > 1 ? `, every ${every}th kept` : ""}); ` +
      `stage times are annotated_keyframes.json's frame ids × 1/${fps} s`,
  );
  options.log?.(`${name}: ${written} frames × ${cameras.length} cameras → ${bag} (${kept.length} stages)`);
  return {
    name,
    bag,
    cameras,
    topics,
    videoFrames: frames,
    frames: written,
    fps,
    stages: kept.map((s) => s.name),
    task,
  };
}
