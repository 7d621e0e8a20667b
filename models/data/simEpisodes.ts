import { FAILURE_MODES, type FailureMode } from "../../sim/experts/expert.js";
import { runEpisode, type PolicyKind } from "../../sim/rollout.js";
import { createSim } from "../../sim/sim.js";
import { taskByName, type TaskName } from "../../sim/tasks/index.js";
import type { RandomizationOptions } from "../../sim/world/randomize.js";
import { VIEW_NAMES, type ViewName } from "../../sim/world/spec.js";

export interface PlannedEpisode {
  readonly task: TaskName;
  readonly seed: number;
  readonly policy: PolicyKind;
  readonly failure: FailureMode;
}

/** How a planned episode's policy is named in datasets and reports: `noisy`, `expert+drop`, … */
export const policyLabel = (p: { policy: PolicyKind; failure: FailureMode }): string =>
  p.failure === "none" ? p.policy : `${p.policy}+${p.failure}`;

const FAILURES = FAILURE_MODES.filter((f) => f !== "none");

/**
 * The mix of rollouts for a task over consecutive seeds: per ten seeds, three clean experts, three noisy
 * experts, three experts with a scripted failure (drop, undo, stall, wander in turn; clean or noisy) and
 * one random policy. Successes give the forward trajectories; failures give regressions and stalls, the
 * cases a reward model must not score as progress.
 */
export function episodePlan(task: TaskName, firstSeed: number, count: number): PlannedEpisode[] {
  taskByName(task);
  const plan: PlannedEpisode[] = [];
  let f = 0;
  for (let i = 0; i < count; i++) {
    const seed = firstSeed + i;
    const slot = i % 10;
    if (slot < 3) plan.push({ task, seed, policy: "expert", failure: "none" });
    else if (slot < 6) plan.push({ task, seed, policy: "noisy", failure: "none" });
    else if (slot < 9)
      plan.push({
        task,
        seed,
        policy: slot === 6 ? "expert" : "noisy",
        failure: FAILURES[f++ % FAILURES.length],
      });
    else plan.push({ task, seed, policy: "random", failure: "none" });
  }
  return plan;
}

export interface SimEpisode {
  readonly planned: PlannedEpisode;
  readonly stageNames: readonly string[];
  readonly success: boolean;
  /** Kept step indices (every `stride`-th and the last). */
  readonly steps: readonly number[];
  readonly truth: readonly { stage: number; stageProgress: number; progress: number }[];
  /** Per kept step, one packed RGB8 `size`×`size` frame per view (copied out of the renderer). */
  readonly frames: readonly (readonly Uint8Array[])[];
}

/** Rolls out the planned episodes in the headless sim at the model's image size, keeping every `stride`-th step. */
export async function* simEpisodes(
  plan: readonly PlannedEpisode[],
  options: {
    size: number;
    stride: number;
    views?: readonly string[];
    randomization?: Partial<RandomizationOptions>;
  },
): AsyncGenerator<SimEpisode> {
  const views = (options.views ?? VIEW_NAMES) as readonly string[];
  for (const v of views) {
    if (!(VIEW_NAMES as readonly string[]).includes(v))
      throw new Error(`the sim has no view '${v}' (views: ${VIEW_NAMES.join(", ")})`);
  }
  const byTask = new Map<TaskName, PlannedEpisode[]>();
  for (const p of plan) byTask.set(p.task, [...(byTask.get(p.task) ?? []), p]);
  for (const [task, episodes] of byTask) {
    const sim = await createSim({
      task,
      width: options.size,
      height: options.size,
      views: views as ViewName[],
      randomization: options.randomization,
    });
    try {
      for (const planned of episodes) {
        const all: { step: number; truth: SimEpisode["truth"][number]; frames: Uint8Array[] }[] = [];
        let index = 0;
        const final = runEpisode(
          sim,
          planned.policy,
          { seed: planned.seed, failure: planned.failure },
          (r) => {
            // Only kept steps are copied out of the renderer: every stride-th and the last (the outcome).
            const keep = index % options.stride === 0 || r.done;
            if (keep) {
              all.push({
                step: r.step,
                truth: {
                  stage: r.truth.stage,
                  stageProgress: r.truth.stageProgress,
                  progress: r.truth.progress,
                },
                frames: views.map((v) => Uint8Array.from(r.frames.find((fr) => fr.view === v)!.data)),
              });
            }
            index++;
          },
        );
        yield {
          planned,
          stageNames: final.truth.stageNames,
          success: final.truth.success,
          steps: all.map((k) => k.step),
          truth: all.map((k) => k.truth),
          frames: all.map((k) => k.frames),
        };
      }
    } finally {
      sim.close();
    }
  }
}
