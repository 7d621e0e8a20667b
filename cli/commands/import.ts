import type { Command } from "commander";
import { ImportError, importRoboDopamine } from "../../lib/import/roboDopamine.js";

interface ImportFlags {
  out: string;
  every: string;
  width?: string;
  quality: string;
  episode?: string[];
  json?: boolean;
}

const integer = (flag: string, v: string): number => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new ImportError(`${flag} must be an integer ≥ 1, got '${v}'`);
  return n;
};

/** `process-reward import robo-dopamine <raw_dir> --out <dir>`: raw demonstrations → rosbag2 bags + annotations. */
export function addImportCommand(program: Command): void {
  const cmd = program.command("import").description("Turn other recording layouts into rosbag2 bags");
  cmd
    .command("robo-dopamine")
    .description(
      "Robo-Dopamine raw layout (episode_*/cam_*.mp4, annotated_keyframes.json, task_instruction.json) → one rosbag2 MCAP folder per episode with its annotations.yaml",
    )
    .argument("<raw_dir>", "folder with episode_* folders (or one episode folder)")
    .requiredOption("--out <dir>", "output folder: <dir>/<episode>/ per episode")
    .option("--every <k>", "keep every k-th frame (stamps keep the recorded times)", "1")
    .option("--width <px>", "scale frames to this width (aspect kept)")
    .option("--quality <q>", "JPEG quality as ffmpeg -q:v (2 best … 31 worst)", "3")
    .option("--episode <name...>", "only these episodes")
    .option("--json", "print the result as JSON", false)
    .addHelpText(
      "after",
      `
Each camera video cam_<name>.mp4 becomes the topic /cam_<name>/image_raw/compressed
(sensor_msgs/msg/CompressedImage, JPEG), frame i stamped i/fps after the bag's start. The episode's
annotated_keyframes.json (frame ids) becomes annotations.yaml beside the bag (stage times in seconds;
format in lib/bag/stageAnnotations.ts), with the first phrasing of task_instruction.json as its task.
With --every k the frames are k/fps apart (every 43rd of a 30 fps video: 1.43 s). The reward node's
max_age_ms (default 250) must then exceed that gap, or each view counts as stale and every reward but the
first is DEGRADED: replay such a bag with --params holding reward: ros__parameters: max_age_ms: 3000
(the summary below prints the value for the gap). Decoding needs Debian's ffmpeg (scripts/install-system-deps.sh). Exit status: 0 imported, 2 bad input
(the message names the file and what is wrong).`,
    )
    .action(async (rawDir: string, flags: ImportFlags) => {
      try {
        const episodes = await importRoboDopamine(rawDir, flags.out, {
          every: integer("--every", flags.every),
          width: flags.width === undefined ? undefined : integer("--width", flags.width),
          qscale: integer("--quality", flags.quality),
          episodes: flags.episode,
          log: (line) => process.stderr.write(`${line}\n`),
        });
        process.stdout.write(
          flags.json
            ? JSON.stringify(episodes, null, 2) + "\n"
            : episodes
                .map(
                  (e) =>
                    `${e.bag}: ${e.frames} of ${e.videoFrames} frames at ${e.fps} fps, cameras ${e.cameras.join(", ")}, ${e.stages.length} stages, task '${e.task}'` +
                    staleHint(integer("--every", flags.every), e.fps),
                )
                .join("\n") + "\n",
        );
      } catch (err) {
        if (!(err instanceof ImportError)) throw err;
        process.stderr.write(`process-reward import robo-dopamine: ${err.message}\n`);
        process.exitCode = 2;
      }
    });
}

/** Frames k/fps apart need a max_age_ms above the gap: the value to replay with (twice the gap, in 500 ms). */
function staleHint(every: number, fps: number): string {
  const gapMs = (1000 * every) / fps;
  if (gapMs < 250) return "";
  const age = Math.ceil((2 * gapMs) / 500) * 500;
  return `\n  frames ${Math.round(gapMs)} ms apart: replay / serve with max_age_ms: ${age} (default 250 marks the views stale)`;
}
