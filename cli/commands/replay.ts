import { existsSync } from "node:fs";
import { basename, extname, isAbsolute, resolve } from "node:path";
import type { Command } from "commander";
import { BagError } from "../../lib/bag/types.js";
import { createLogger, formatLogLine, stderrSink } from "../../lib/node/log.js";
import { ParameterError } from "../../lib/params/resolve.js";
import { replayParameters } from "../../nodes/reward/replay/parameters.js";
import { replayBag, type ReplaySummary } from "../../nodes/reward/replay/replay.js";
import { ReplayError } from "../../nodes/reward/replay/replayError.js";
import { Progress } from "../progress.js";

/** Exit status of `process-reward replay`, for scripts. */
export const REPLAY_EXIT = {
  ok: 0,
  bag: 1,
  usage: 2,
  noCameras: 3,
  nothingScored: 4,
  interrupted: 130,
} as const;

function formatSeconds(s: number): string {
  if (s < 60) return `${s.toFixed(1)} s`;
  const m = Math.floor(s / 60);
  return `${m} min ${Math.round(s - m * 60)} s`;
}

export function formatReplaySummary(s: ReplaySummary): string {
  const lines = [
    `bag:       ${s.bag}`,
    `output:    ${s.out}`,
    `model:     ${s.model}`,
    ...s.views.map(
      (v) =>
        `view ${v.view.padEnd(6)} ${v.inBag ? `${v.topic} (${v.type})` : "missing: no camera topic in the bag"}`,
    ),
    `messages:  ${s.messagesRead} read (cameras and episode events) of ${s.messagesInBag} in the bag`,
    `episode events: ${s.episodeEvents}${s.badEpisodeEvents ? ` (${s.badEpisodeEvents} malformed, skipped)` : ""}${s.announcedEvents ? `; ${s.announcedEvents} announced by the model's success detector` : ""}`,
    `groups:    ${s.groups} synced${s.groupsOutsideEpisode ? `, ${s.groupsOutsideEpisode} between episodes (not scored)` : ""}`,
    `rewards:   ${s.rewards} (${s.degraded} degraded, ${s.errors} errors)`,
    `time:      ${formatSeconds(s.bagSeconds)} of bag time in ${formatSeconds(s.wallSeconds)}`,
  ];
  if (s.unusedCameras.length > 0)
    lines.push("cameras not replayed:", ...s.unusedCameras.map((u) => `  ${u.topic}: ${u.reason}`));
  if (s.skippedTopics.length > 0)
    lines.push(
      "topics that cannot be decoded (skipped):",
      ...s.skippedTopics.map((t) => `  ${t.topic} (${t.type}): ${t.reason}`),
    );
  if (s.damage) lines.push(`stopped early: ${s.damage}`);
  if (s.interrupted) lines.push("stopped early: interrupted");
  if (s.nothingScored) lines.push(`nothing scored: ${s.nothingScored}`);
  return lines.join("\n") + "\n";
}

/** A --model folder as the user typed it: relative to here if it is here, else to the package (as the node reads it). */
function modelOption(model: string): string {
  return !isAbsolute(model) && existsSync(model) ? resolve(model) : model;
}

function defaultOut(bag: string): string {
  const name = basename(resolve(bag), extname(bag));
  return `${name}_rewards`;
}

interface ReplayFlags {
  params?: string;
  out?: string;
  model?: string;
  includeInputs?: boolean;
  json?: boolean;
  progress: boolean;
}

/** `process-reward replay <bag>`: a recording through the reward node's pipeline, rewards to a new MCAP. */
export function addReplayCommand(program: Command): void {
  program
    .command("replay")
    .description(
      "Score a rosbag2 recording (MCAP or SQLite) with the reward pipeline on the bag's clock; write /reward and /diagnostics to a new MCAP",
    )
    .argument("<bag>", "bag folder (with metadata.yaml) or a .mcap / .db3 file")
    .option(
      "--params <file.yaml>",
      "the reward node's parameters (section reward: ros__parameters:); camera_topics there name the cameras in view order",
    )
    .option(
      "--out <path>",
      "output .mcap file, or a folder for <folder>_0.mcap; metadata.yaml goes beside it (default: ./<bag name>_rewards/)",
    )
    .option("--model <dir>", "model folder with manifest.json (overrides the parameters' model)")
    .option("--include-inputs", "also copy the camera topics and episode events into the output", false)
    .option("--json", "print the closing summary as JSON", false)
    .option("--no-progress", "no progress on stderr")
    .addHelpText(
      "after",
      `
Without --params (or without camera_topics in it), every sensor_msgs Image / CompressedImage topic is a
camera, matched to the model's views by name (/camera/front/image_raw feeds view 'front'); a view with no
matching topic is missing in every step (status degraded), and a camera that matches no view is not used.
camera_topics may list fewer topics than the model has views (the i-th topic serves the i-th view, the
rest are masked); camera_views names the view(s) of each topic: camera_views: ["front,side,wrist"] (or
["*"]) lets one camera fill every view.
Episodes come from EpisodeEvent messages on episode_topic (/episode) when the bag has them.

Replay is deterministic: every synced group is scored in order (no latest-wins dropping), timers run on the
bag's clock, and the same bag with the same parameters and model gives the same /reward bytes.
latency_ms is measured on the bag's clock too: from the newest frame's log time to the reward (non-zero
only when the sync waited for a later frame); scoring takes no bag time, since wall-clock latency would
differ run to run. /diagnostics carries the measured per-stage latencies.

Exit status: 0 replayed; 1 the bag cannot be read, or is damaged part-way (the output is still finished,
with every reward up to the damage); 2 bad arguments, parameters or model; 3 nothing to score (no camera
topic of the bag feeds a model view; no output is written); 4 the replay produced no reward (why is
printed: no synced group, every group between episodes, ...); 130 interrupted by Ctrl-C (the output is
finished with what was read).`,
    )
    .action(async (bag: string, flags: ReplayFlags) => {
      process.exitCode = await replayCommand(bag, flags);
    });
}

async function replayCommand(bag: string, flags: ReplayFlags): Promise<number> {
  const progress = flags.progress ? new Progress("replay") : undefined;
  const log = createLogger(
    "replay",
    progress ? (level, name, message) => progress.log(formatLogLine(level, name, message)) : stderrSink,
  );
  // Ctrl-C finishes the output with what was read; a second one ends the process as usual.
  const abort = new AbortController();
  const interrupt = (): void => {
    process.off("SIGINT", interrupt);
    abort.abort();
  };
  process.on("SIGINT", interrupt);
  try {
    const { params, named } = replayParameters(
      flags.params,
      flags.model ? { model: modelOption(flags.model) } : {},
    );
    const summary = await replayBag({
      bag,
      out: flags.out ?? defaultOut(bag),
      params,
      named,
      includeInputs: flags.includeInputs,
      log,
      signal: abort.signal,
      onProgress: (p) =>
        progress?.update(
          p.read,
          p.total,
          `messages, ${p.rewards} rewards, bag time ${p.bagSeconds.toFixed(1)} s`,
        ),
    });
    progress?.end();
    process.stdout.write(
      flags.json
        ? JSON.stringify(summary, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v), 2) + "\n"
        : formatReplaySummary(summary),
    );
    if (summary.damage) return REPLAY_EXIT.bag;
    if (summary.nothingScored && !summary.interrupted) {
      process.stderr.write(`process-reward replay: nothing scored: ${summary.nothingScored}\n`);
      return REPLAY_EXIT.nothingScored;
    }
    return summary.interrupted ? REPLAY_EXIT.interrupted : REPLAY_EXIT.ok;
  } catch (err) {
    progress?.end();
    process.stderr.write(`process-reward replay: ${(err as Error).message}\n`);
    if (err instanceof ReplayError)
      return err.reason === "no-cameras" ? REPLAY_EXIT.noCameras : REPLAY_EXIT.usage;
    if (err instanceof ParameterError) return REPLAY_EXIT.usage;
    if (err instanceof BagError) return REPLAY_EXIT.bag;
    throw err;
  } finally {
    process.off("SIGINT", interrupt);
  }
}
