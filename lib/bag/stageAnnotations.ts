// Stage annotations of a recording: the sidecar file `annotations.yaml` beside a rosbag2 bag's
// metadata.yaml, and the step-wise discretized progress labels it gives (DESIGN §4).
import { existsSync } from "node:fs";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { parse as parseYaml, stringify } from "yaml";
import { FileError } from "../fileError.js";

/** The sidecar's file name, in the bag folder. */
export const ANNOTATIONS_FILE = "annotations.yaml";

export interface Stage {
  readonly name: string;
  /** Bag (log) time in ns. */
  readonly startNs: bigint;
  readonly endNs: bigint;
}

export interface AnnotatedEpisode {
  /** The episode's range in bag time; the whole recording when the file gives none. */
  readonly startNs: bigint;
  readonly endNs: bigint;
  /** In time order, not overlapping; empty = one stage over the whole episode, uniform in time. */
  readonly stages: readonly Stage[];
}

export interface StageAnnotations {
  /** The file the annotations came from ("" when the bag has none). */
  readonly file: string;
  /** Free text: the task instruction. */
  readonly task: string;
  readonly episodes: readonly AnnotatedEpisode[];
}

/** The recording's time range (first and last message log time, ns). */
export interface RecordingRange {
  readonly startNs: bigint;
  readonly endNs: bigint;
}

export class AnnotationError extends FileError {
  override name = "AnnotationError";
}

const NS = 1_000_000_000;

/** A time of the file: `<key>_ns` (absolute bag time, integer) or `<key>_s` (seconds since the bag's start). */
function timeOf(
  obj: Record<string, unknown>,
  key: "start" | "end",
  where: string,
  range: RecordingRange,
  fail: (what: string) => never,
): bigint | undefined {
  const ns = obj[`${key}_ns`];
  const s = obj[`${key}_s`];
  if (ns !== undefined && s !== undefined) fail(`${where}: give ${key}_ns or ${key}_s, not both`);
  if (ns !== undefined) {
    if (typeof ns === "bigint") return ns;
    if (typeof ns === "number" && Number.isInteger(ns)) return BigInt(ns);
    fail(`${where}: ${key}_ns must be an integer (bag time in ns), got ${JSON.stringify(String(ns))}`);
  }
  if (s !== undefined) {
    const v = typeof s === "bigint" ? Number(s) : s;
    if (typeof v !== "number" || !Number.isFinite(v))
      fail(
        `${where}: ${key}_s must be a number (seconds since the recording's start), got ${JSON.stringify(s)}`,
      );
    return range.startNs + BigInt(Math.round(v * NS));
  }
  return undefined;
}

const seconds = (ns: bigint, range: RecordingRange): string =>
  `${(Number(ns - range.startNs) / NS).toFixed(3)} s`;

/**
 * Parses and checks an annotations file against the recording it sits beside. Errors name the file and
 * what is wrong: bad types, a stage that ends before it starts, stages out of order or overlapping, a
 * keyframe outside the recording (or outside its episode).
 */
export function parseStageAnnotations(text: string, file: string, range: RecordingRange): StageAnnotations {
  const fail = (what: string): never => {
    throw new AnnotationError(file, what);
  };
  let doc: unknown;
  try {
    doc = parseYaml(text, { intAsBigInt: true });
  } catch (err) {
    fail(`not valid YAML: ${(err as Error).message.split("\n")[0]}`);
  }
  if (typeof doc !== "object" || doc === null || Array.isArray(doc))
    fail("expected a mapping with `episodes:` (see lib/bag/stageAnnotations.ts)");
  const top = doc as Record<string, unknown>;
  const version = top.version === undefined ? 1 : Number(top.version);
  if (version !== 1) fail(`version ${String(top.version)} is not supported (1 is)`);
  const task = top.task ?? "";
  if (typeof task !== "string") fail("task must be a string");
  if (!Array.isArray(top.episodes) || top.episodes.length === 0)
    fail("episodes must be a non-empty list, each with its stages");
  const episodes = (top.episodes as unknown[]).map((e, i): AnnotatedEpisode => {
    const where = `episodes[${i}]`;
    if (typeof e !== "object" || e === null || Array.isArray(e)) fail(`${where} must be a mapping`);
    const ep = e as Record<string, unknown>;
    const startNs = timeOf(ep, "start", where, range, fail) ?? range.startNs;
    const endNs = timeOf(ep, "end", where, range, fail) ?? range.endNs;
    if (endNs <= startNs)
      fail(`${where} ends (${seconds(endNs, range)}) before it starts (${seconds(startNs, range)})`);
    if (startNs < range.startNs || endNs > range.endNs)
      fail(
        `${where} (${seconds(startNs, range)} – ${seconds(endNs, range)}) is outside the recording (0 – ${seconds(range.endNs, range)})`,
      );
    const rawStages = ep.stages ?? [];
    if (!Array.isArray(rawStages)) fail(`${where}.stages must be a list of {name, start_s, end_s}`);
    let previous: Stage | undefined;
    const stages = (rawStages as unknown[]).map((st, k): Stage => {
      const w = `${where}.stages[${k}]`;
      if (typeof st !== "object" || st === null || Array.isArray(st))
        fail(`${w} must be a mapping {name, start_s, end_s}`);
      const o = st as Record<string, unknown>;
      if (typeof o.name !== "string" || o.name.trim() === "") fail(`${w}.name must be a non-empty string`);
      const s = timeOf(o, "start", w, range, fail);
      const en = timeOf(o, "end", w, range, fail);
      if (s === undefined || en === undefined) fail(`${w} needs start_s and end_s (or start_ns and end_ns)`);
      if (en! <= s!)
        fail(
          `${w} '${o.name as string}' ends (${seconds(en!, range)}) before it starts (${seconds(s!, range)})`,
        );
      if (s! < startNs || en! > endNs)
        fail(
          `${w} '${o.name as string}' (${seconds(s!, range)} – ${seconds(en!, range)}) is outside the ${
            ep.start_s !== undefined || ep.start_ns !== undefined ? "episode" : "recording"
          } (${seconds(startNs, range)} – ${seconds(endNs, range)})`,
        );
      if (previous && s! < previous.endNs)
        fail(
          `${w} '${o.name as string}' starts at ${seconds(s!, range)}, before the stage before it ('${previous.name}') ends at ${seconds(previous.endNs, range)}: stages must be in time order and not overlap`,
        );
      previous = { name: o.name as string, startNs: s!, endNs: en! };
      return previous;
    });
    return { startNs, endNs, stages };
  });
  episodes.forEach((ep, i) => {
    const prev = episodes[i - 1];
    if (prev && ep.startNs < prev.endNs)
      fail(
        `episodes[${i}] starts before episodes[${i - 1}] ends: episodes must be in time order and not overlap`,
      );
  });
  return { file, task: task as string, episodes };
}

/** One episode of one stage over the whole recording: what a bag without annotations is (an expert demo). */
export function unannotated(range: RecordingRange): StageAnnotations {
  return { file: "", task: "", episodes: [{ startNs: range.startNs, endNs: range.endNs, stages: [] }] };
}

/** The annotations beside a bag folder, or the one-stage default when it has none. */
export async function readStageAnnotations(
  bagFolder: string,
  range: RecordingRange,
): Promise<StageAnnotations> {
  const file = join(bagFolder, ANNOTATIONS_FILE);
  if (!existsSync(file)) return unannotated(range);
  return parseStageAnnotations(await readFile(file, "utf8"), file, range);
}

/** Writes annotations for a bag starting at `range.startNs`, times as seconds since its start. */
export async function writeStageAnnotations(
  bagFolder: string,
  range: RecordingRange,
  annotations: Omit<StageAnnotations, "file">,
  comment = "",
): Promise<string> {
  const s = (ns: bigint): number => Number(ns - range.startNs) / NS;
  const doc = {
    version: 1,
    task: annotations.task,
    episodes: annotations.episodes.map((e) => ({
      start_s: s(e.startNs),
      end_s: s(e.endNs),
      stages: e.stages.map((st) => ({ name: st.name, start_s: s(st.startNs), end_s: s(st.endNs) })),
    })),
  };
  const file = join(bagFolder, ANNOTATIONS_FILE);
  const header =
    "# Stage annotations (process_reward, lib/bag/stageAnnotations.ts): per episode, its stages in time order;\n" +
    "# times are seconds since the bag's first message (start_s/end_s) or bag time in ns (start_ns/end_ns).\n" +
    (comment ? comment.replace(/^/gm, "# ") + "\n" : "");
  await writeFile(file, header + stringify(doc));
  return file;
}

/** The stage names of an episode: its stages', or one stage `task` when it has none. */
export function stageNames(episode: AnnotatedEpisode): string[] {
  return episode.stages.length > 0 ? episode.stages.map((s) => s.name) : ["task"];
}

/**
 * Progress Φ ∈ [0, 1] at bag time `ns` by step-wise discretization (DESIGN §4): each of the K stages carries
 * 1/K, rising linearly in time inside the stage; before the first stage 0, between stages the value at the
 * end of the earlier one, after the last 1. An episode without stages is one stage from its start to its end.
 */
export function stageProgress(episode: AnnotatedEpisode, ns: bigint): number {
  const stages: readonly Pick<Stage, "startNs" | "endNs">[] =
    episode.stages.length > 0 ? episode.stages : [{ startNs: episode.startNs, endNs: episode.endNs }];
  const K = stages.length;
  for (let k = 0; k < K; k++) {
    const st = stages[k]!;
    if (ns < st.startNs) return k / K;
    if (ns <= st.endNs) return (k + Number(ns - st.startNs) / Number(st.endNs - st.startNs)) / K;
  }
  return 1;
}

/** The stage index at `ns` (0-based, clamped to the stages; 0 for an episode without stages). */
export function stageIndex(episode: AnnotatedEpisode, ns: bigint): number {
  let k = 0;
  episode.stages.forEach((st, i) => {
    if (ns >= st.startNs) k = i;
  });
  return k;
}

/** The episode whose range holds `ns`, or undefined when it lies outside every episode. */
export function episodeAt(annotations: StageAnnotations, ns: bigint): number | undefined {
  const i = annotations.episodes.findIndex((e) => ns >= e.startNs && ns <= e.endNs);
  return i < 0 ? undefined : i;
}
