import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import type { Command } from "commander";
import { z } from "zod";
import { FAILURE_MODES } from "../../sim/experts/expert.js";
import { recordEpisodes } from "../../sim/record.js";
import { POLICY_KINDS, runEpisode } from "../../sim/rollout.js";
import { createSim } from "../../sim/sim.js";
import { TASK_NAMES } from "../../sim/tasks/index.js";
import { VIEW_NAMES } from "../../sim/world/spec.js";

const options = z.object({
  task: z.enum(TASK_NAMES),
  episodes: z.coerce.number().int().positive(),
  seed: z.coerce.number().int().nonnegative(),
  policy: z.enum(POLICY_KINDS),
  failure: z.enum(FAILURE_MODES),
  noise: z.coerce.number().nonnegative().optional(),
  record: z.string().optional(),
  compressed: z.boolean(),
  jpegQuality: z.coerce.number().int().min(1).max(100),
  width: z.coerce.number().int().min(8),
  height: z.coerce.number().int().min(8),
  views: z
    .string()
    .transform((s) => (s === "" ? [] : s.split(",").map((v) => v.trim())))
    .pipe(z.array(z.enum(VIEW_NAMES))),
});

/** `process-reward sim`: roll out scripted episodes, optionally recording them as a rosbag2 MCAP. */
export function addSimCommand(program: Command): void {
  program
    .command("sim")
    .description(
      "Run simulated episodes with a scripted policy; --record writes a rosbag2 MCAP + metadata.yaml",
    )
    .option("--task <task>", `task: ${TASK_NAMES.join(" | ")}`, "pick_place")
    .option("--episodes <n>", "number of episodes", "1")
    .option("--seed <s>", "seed of the first episode (later ones use the next seeds)", "0")
    .option("--policy <p>", `policy: ${POLICY_KINDS.join(" | ")}`, "expert")
    .option("--failure <mode>", `deliberate failure of the expert: ${FAILURE_MODES.join(" | ")}`, "none")
    .option("--noise <std>", "action noise std in metres (noisy policy default 0.004)")
    .option("--record <out.mcap>", "record to this MCAP file (metadata.yaml is written beside it)")
    .option("--compressed", "record cameras as sensor_msgs/CompressedImage JPEG", false)
    .option("--jpeg-quality <q>", "JPEG quality for --compressed", "90")
    .option("--width <px>", "image width", "224")
    .option("--height <px>", "image height", "224")
    .option(
      "--views <list>",
      `comma-separated cameras (${VIEW_NAMES.join(",")}); empty for none`,
      VIEW_NAMES.join(","),
    )
    .action(async (raw: Record<string, unknown>) => {
      const parsed = options.safeParse(raw);
      if (!parsed.success) {
        const issues = parsed.error.issues.map((i) => `--${i.path.join(".")}: ${i.message}`).join("; ");
        process.stderr.write(`process-reward sim: bad option: ${issues}\n`);
        process.exitCode = 2;
        return;
      }
      const o = parsed.data;
      const report = (
        episode: number,
        r: {
          step: number;
          truth: { success: boolean; failure: string | null; truncated: boolean; progress: number };
        },
      ): void => {
        const outcome = r.truth.success
          ? "success"
          : r.truth.truncated
            ? "truncated"
            : `terminal (${r.truth.failure})`;
        process.stdout.write(
          `episode ${episode} (seed ${o.seed + episode}): ${outcome} after ${r.step} steps, progress ${r.truth.progress.toFixed(2)}\n`,
        );
      };
      const simOptions = { task: o.task, seed: o.seed, width: o.width, height: o.height, views: o.views };
      const policy = { failure: o.failure, ...(o.noise !== undefined ? { noise: o.noise } : {}) };
      if (o.record) {
        mkdirSync(dirname(o.record), { recursive: true });
        const summary = await recordEpisodes({
          ...simOptions,
          ...policy,
          episodes: o.episodes,
          policy: o.policy,
          out: o.record,
          compressed: o.compressed,
          jpegQuality: o.jpegQuality,
          onEpisode: report,
        });
        process.stdout.write(
          `recorded ${summary.episodes} episodes (${summary.successes} successful, ${summary.steps} steps, ` +
            `${summary.messages} messages) to ${o.record}\n`,
        );
        return;
      }
      const sim = await createSim(simOptions);
      try {
        for (let e = 0; e < o.episodes; e++) report(e, runEpisode(sim, o.policy, policy));
      } finally {
        sim.close();
      }
    });
}
