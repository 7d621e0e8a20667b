// Where the ground-truth progress Φ rises, against where the scripted expert moves: on noisy expert
// episodes, the finite-difference gradient of Φ with respect to the gripper's translation (a held object
// moved with it) is compared, per stage, with the expert's translation on that step. Shaping pays each step
// about w·γ·ΔΦ, so a learner that follows the shaped reward's immediate slope goes where Φ rises; where that
// is not where the expert goes, a stronger shaping weight pulls the policy off the path that succeeds
// (docs/experiments/README.md, sixth round). Then, as a test of Φ as a local guide, the same episodes with
// the translation replaced by a step of the expert's length along ∇Φ (yaw and gripper still the
// expert's, or a fixed length with --step, e.g. 0.03 for the action bound a learner's actor saturates at):
// how often greedy ascent of the ground truth succeeds. Usage (no rendering):
//   npx tsx scripts/potential-ascent.ts [--task pick_place] [--episodes 20] [--seed 101] [--step <m>]
import { parseArgs } from "node:util";
import { episodePolicy, runEpisode } from "../sim/rollout.js";
import { createSim, withGripperMoved } from "../sim/sim.js";
import { overallProgress } from "../sim/tasks/task.js";
import type { WorldState } from "../sim/world/physics.js";

const { values } = parseArgs({
  options: {
    task: { type: "string", default: "pick_place" },
    episodes: { type: "string", default: "20" },
    seed: { type: "string", default: "101" },
    step: { type: "string" },
  },
});
const episodes = Number(values.episodes);
if (!(Number.isInteger(episodes) && episodes > 0)) throw new Error("--episodes must be a positive integer");
const fixedStep = values.step === undefined ? undefined : Number(values.step);
if (fixedStep !== undefined && !(fixedStep > 0 && fixedStep <= 0.03))
  throw new Error("--step must be a length in (0, 0.03] m");
const sim = await createSim({ task: values.task as "pick_place", seed: Number(values.seed), views: [] });
const stages = sim.task.stageNames;
const h = 0.002; // m: below the expert's 2 cm step, above float noise in Φ
const phiOf = (state: WorldState): number => overallProgress(sim.truthOf(state), stages.length);

/** ∂Φ/∂(gripper translation), the held object moving with the gripper as it does when carried. */
function gradient(state: WorldState): [number, number, number] {
  const g: [number, number, number] = [0, 0, 0];
  for (let k = 0; k < 3; k++) {
    const [up, down] = [h, -h].map((d) => {
      const offset: [number, number, number] = [0, 0, 0];
      offset[k] = d;
      return phiOf(withGripperMoved(state, offset));
    });
    g[k] = (up! - down!) / (2 * h);
  }
  return g;
}

interface StageTally {
  steps: number;
  flat: number;
  cosines: number[];
}
const tally: StageTally[] = stages.map(() => ({ steps: 0, flat: 0, cosines: [] }));
let successes = 0;
for (let e = 0; e < episodes; e++) {
  const last = runEpisode(sim, "noisy", { seed: Number(values.seed) + e }, (result, action) => {
    if (!action) return;
    const t = action.translation;
    const moving = Math.hypot(...t);
    if (moving < 0.001) return; // the expert is closing, opening or turning: no direction to compare
    const row = tally[result.truth.stage]!;
    row.steps++;
    const g = gradient(result.state);
    const slope = Math.hypot(...g);
    if (slope < 1e-3) {
      row.flat++;
      return;
    }
    row.cosines.push((g[0] * t[0] + g[1] * t[1] + g[2] * t[2]) / (slope * moving));
  });
  if (last.truth.success) successes++;
}

// Greedy ascent: where Φ has a slope, the expert's step length along it instead of the expert's direction.
let greedySuccesses = 0;
const stalled: number[] = stages.map(() => 0);
for (let e = 0; e < episodes; e++) {
  let result = sim.reset({ seed: Number(values.seed) + e });
  const expert = episodePolicy(sim, "noisy");
  while (!result.done) {
    const action = expert.act(result.state, result.truth);
    const g = gradient(result.state);
    const slope = Math.hypot(...g);
    const length = fixedStep ?? Math.hypot(...action.translation);
    if (slope >= 1e-3 && length > 0)
      action.translation = [(g[0] / slope) * length, (g[1] / slope) * length, (g[2] / slope) * length];
    result = sim.step(action);
  }
  if (result.truth.success) greedySuccesses++;
  else stalled[result.truth.stage]!++;
}
sim.close();
console.log(`${values.task}: ${episodes} noisy expert episodes (${successes} successful), h = ${h} m`);
const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
console.log(
  `following ∇Φ instead (${fixedStep ? `${fixedStep} m steps` : "the expert's step length"}, its yaw and gripper): ${greedySuccesses} of ${episodes} successful; ` +
    `the failures ended in ${stages.map((n, i) => `${n} ${stalled[i]}`).join(", ")}`,
);
for (const [i, row] of tally.entries()) {
  if (row.steps === 0) continue;
  const c = row.cosines;
  console.log(
    `  ${stages[i]!.padEnd(8)} ${String(row.steps).padStart(5)} moving steps: Φ flat on ${((100 * row.flat) / row.steps).toFixed(0)}%;` +
      (c.length
        ? ` where it is not, cosine of ∇Φ with the expert's motion mean ${mean(c).toFixed(2)}, above 0.7 on ${((100 * c.filter((x) => x > 0.7).length) / c.length).toFixed(0)}%, below 0 on ${((100 * c.filter((x) => x < 0).length) / c.length).toFixed(0)}%`
        : ""),
  );
}
