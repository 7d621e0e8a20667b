// Sim throughput: steps per second for physics + rendering + readback, with the expert driving, at
// three 224² views, three 640×480 views, and without cameras. Run it under a display:
//   xvfb-run -a -s "-screen 0 640x480x24" node --import tsx bench/sim.ts [seconds-per-case]
// Only sim.step() is timed (resets build a new world and are reported separately). The last line printed is
// the results as JSON (read by `process-reward bench`).
import { os } from "./os.js";
import { episodePolicy } from "../sim/rollout.js";
import { createSim, type SimOptions } from "../sim/sim.js";

const seconds = Number(process.argv[2] ?? 5);
const TARGET_224 = 150;

interface Case {
  name: string;
  options: Omit<SimOptions, "task">;
}

const cases: Case[] = [
  { name: "state only (views: [])", options: { views: [] } },
  { name: "3 views 224x224", options: { width: 224, height: 224 } },
  { name: "3 views 224x224, no shadows", options: { width: 224, height: 224, shadows: false } },
  { name: "3 views 640x480", options: { width: 640, height: 480 } },
];

async function measure(c: Case): Promise<{ stepsPerSecond: number; resetMs: number }> {
  const sim = await createSim({ task: "pick_place", seed: 1, ...c.options });
  let steps = 0;
  let stepTime = 0;
  let resets = 0;
  let resetTime = 0;
  const wall = performance.now();
  while (performance.now() - wall < seconds * 1000) {
    const r0 = performance.now();
    let r = sim.reset();
    resetTime += performance.now() - r0;
    resets++;
    const policy = episodePolicy(sim, "noisy");
    while (!r.done) {
      const action = policy.act(r.state, r.truth);
      const t0 = performance.now();
      r = sim.step(action);
      stepTime += performance.now() - t0;
      steps++;
    }
  }
  sim.close();
  return { stepsPerSecond: steps / (stepTime / 1000), resetMs: resetTime / resets };
}

process.stdout.write(`sim benchmark (${os()}), ${seconds} s per case, task pick_place, noisy expert\n`);
const results = new Map<string, number>();
const rows: { name: string; stepsPerSecond: number; resetMs: number }[] = [];
for (const c of cases) {
  const { stepsPerSecond, resetMs } = await measure(c);
  results.set(c.name, stepsPerSecond);
  rows.push({ name: c.name, stepsPerSecond, resetMs });
  process.stdout.write(
    `  ${c.name.padEnd(30)} ${stepsPerSecond.toFixed(1).padStart(8)} steps/s   reset ${resetMs.toFixed(1)} ms\n`,
  );
}
const at224 = results.get("3 views 224x224")!;
const stateOnly = results.get("state only (views: [])")!;
process.stdout.write(
  `rendering share at 224²: ${(100 * (1 - at224 / stateOnly)).toFixed(1)}% of step time; ` +
    `224² target ${TARGET_224} steps/s: ${at224 >= TARGET_224 ? "met" : "NOT met"} (${(at224 / TARGET_224).toFixed(2)}×)\n`,
);
process.stdout.write(
  `${JSON.stringify({ machine: os(), seconds, cases: rows, maxRssMB: process.resourceUsage().maxRSS / 1024 })}\n`,
);
