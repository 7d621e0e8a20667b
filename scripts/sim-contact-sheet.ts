// Renders one episode per task and writes a contact sheet PNG: one row per camera, columns at even steps
// through the episode, so a person can check that the scene looks right.
// Usage: xvfb-run -a node --import tsx scripts/sim-contact-sheet.ts docs/sim-contact-sheet.png [task] [seed]
import sharp from "sharp";
import { runEpisode } from "../sim/rollout.js";
import { createSim } from "../sim/sim.js";
import { TASK_NAMES, type TaskName } from "../sim/tasks/index.js";

const [out = "docs/sim-contact-sheet.png", taskArg = "pick_place", seedArg = "3"] = process.argv.slice(2);
if (!(TASK_NAMES as readonly string[]).includes(taskArg)) throw new Error(`unknown task '${taskArg}'`);
const size = 160;
const columns = 6;
const sim = await createSim({ task: taskArg as TaskName, seed: Number(seedArg), width: size, height: size });
const frames: { step: number; stage: string; views: Uint8Array[] }[] = [];
const final = runEpisode(sim, "expert", {}, (r) =>
  frames.push({
    step: r.step,
    stage: r.truth.stageNames[r.truth.stage]!,
    views: r.frames.map((f) => f.data.slice()),
  }),
);
sim.close();
const picks = Array.from(
  { length: columns },
  (_, i) => frames[Math.round((i * (frames.length - 1)) / (columns - 1))]!,
);
const rows = sim.views.length;
const gap = 2;
const W = columns * size + (columns - 1) * gap;
const H = rows * size + (rows - 1) * gap;
const sheet = new Uint8Array(W * H * 3).fill(255);
picks.forEach((pick, c) =>
  pick.views.forEach((data, r) => {
    for (let y = 0; y < size; y++) {
      const dst = ((r * (size + gap) + y) * W + c * (size + gap)) * 3;
      sheet.set(data.subarray(y * size * 3, (y + 1) * size * 3), dst);
    }
  }),
);
await sharp(sheet, { raw: { width: W, height: H, channels: 3 } })
  .png({ compressionLevel: 9 })
  .toFile(out);
process.stdout.write(
  `${out}: ${taskArg} seed ${seedArg}, rows ${sim.views.join("/")}, steps ${picks.map((p) => `${p.step}(${p.stage})`).join(" ")}; ` +
    `episode ${final.truth.success ? "succeeded" : "failed"} at step ${final.step}\n`,
);
