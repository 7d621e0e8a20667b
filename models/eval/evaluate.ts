import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import type { FusionMode } from "../../lib/reward/fusion.js";
import type { EvalEpisode } from "./episodeScorer.js";
import {
  classifyCompletion,
  COMPLETIONS,
  trueCompletion,
  voc,
  vocF1,
  vroc,
  type Completion,
} from "./metrics.js";
import { writeProgressPng, type ProgressTrace } from "./plot.js";

export interface ConfigMetrics {
  /** Episodes scored, and how many of them were successful (VOC and VROC are over those). */
  episodes: number;
  successful: number;
  voc: number | null;
  vroc: number | null;
  /**
   * VOC over the successful episodes whose true progress never falls (no scripted drop, undo or wander
   * regression): the protocol of the published VOC figures, which score expert demonstrations.
   */
  voc_monotone: number | null;
  voc_f1: number | null;
  completion_accuracy: number | null;
  /** Mean |Φ − true progress| over every step of every episode. */
  progress_mae: number | null;
  /** confusion[true][predicted] counts. */
  confusion: Record<Completion, Record<Completion, number>>;
}

/**
 * The same metrics on the ground-truth progress: what a perfect model scores on these episodes. An episode
 * that succeeds after a drop or an undo has a true progress that falls for a while, so its time-order VOC
 * is below 1 even for the truth; the ceiling says how far a target is reachable on an episode set.
 */
export interface Ceiling {
  voc: number | null;
  voc_monotone: number | null;
  completion_accuracy: number | null;
}

export interface EvalReport {
  fusion: FusionMode;
  /** "all" and "drop:<view>" for each view. */
  configs: string[];
  tasks: Record<string, Record<string, ConfigMetrics>>;
  overall: Record<string, ConfigMetrics>;
  ceiling: { tasks: Record<string, Ceiling>; overall: Ceiling };
  /** The lowest VOC of any single-view-drop configuration, over all tasks. */
  worst_single_view_drop_voc: number | null;
  episodes: {
    task: string;
    label: string;
    success: boolean;
    truth: Completion;
    predicted: Record<string, Completion>;
    voc: Record<string, number>;
    /** VOC of the true progress (successful episodes). */
    truth_voc?: number;
  }[];
  plots: string[];
}

interface Accumulator {
  vocs: number[];
  monotoneVocs: number[];
  vrocs: number[];
  correct: number;
  total: number;
  absErr: number;
  steps: number;
  confusion: Record<Completion, Record<Completion, number>>;
}

const emptyConfusion = () =>
  Object.fromEntries(
    COMPLETIONS.map((t) => [t, Object.fromEntries(COMPLETIONS.map((p) => [p, 0]))]),
  ) as Record<Completion, Record<Completion, number>>;
const newAcc = (): Accumulator => ({
  vocs: [],
  monotoneVocs: [],
  vrocs: [],
  correct: 0,
  total: 0,
  absErr: 0,
  steps: 0,
  confusion: emptyConfusion(),
});
const mean = (a: number[]) => (a.length ? a.reduce((s, x) => s + x, 0) / a.length : null);
const round4 = (x: number) => Math.round(x * 10000) / 10000;
const round = (x: number | null) => (x === null ? null : round4(x));

/** Records the VOC of a successful episode, and among the monotone ones when its true progress never falls. */
function addVoc(acc: Accumulator, v: number, monotone: boolean): void {
  acc.vocs.push(v);
  if (monotone) acc.monotoneVocs.push(v);
}

/** The ceiling's metrics, from an accumulator fed with the true progress in place of the prediction. */
function finishCeiling(a: Accumulator): Ceiling {
  const { voc, voc_monotone, completion_accuracy } = finish(a);
  return { voc, voc_monotone, completion_accuracy };
}

function finish(a: Accumulator): ConfigMetrics {
  const v = mean(a.vocs);
  const r = mean(a.vrocs);
  return {
    episodes: a.total,
    successful: a.vocs.length,
    voc: round(v),
    vroc: round(r),
    voc_monotone: round(mean(a.monotoneVocs)),
    voc_f1: v === null || r === null ? null : round(vocF1(v, r)),
    completion_accuracy: a.total ? round(a.correct / a.total) : null,
    progress_mae: a.steps ? round(a.absErr / a.steps) : null,
    confusion: a.confusion,
  };
}

export interface EvaluateOptions {
  readonly mode: FusionMode;
  /** Folder for the PNG plots (none when undefined). */
  readonly plots?: string;
  /** Episodes drawn per task plot. */
  readonly plotEpisodes?: number;
  /** Called after each episode (progress output). */
  readonly onEpisode?: (episode: EvalEpisode, index: number) => void;
}

/**
 * What evaluate() needs from a model kind: an episode prepared once (`embed`), the task's goal reference
 * once per task (`goal`), then Φ over the prepared episode in a playback order with some views used. The hop
 * models' batched EpisodeScorer and the served models' StepwiseEpisodeScorer both are one.
 */
export interface EvalScorer<E extends { readonly steps: number }, G> {
  embed(episode: EvalEpisode): Promise<E>;
  goal(task: string): Promise<G>;
  progress(
    ep: E,
    goal: G,
    order: readonly number[],
    use: readonly boolean[],
    mode: FusionMode,
  ): Promise<{ readonly phi: number[] }>;
}

/**
 * Scores every episode with all views and with each single view dropped, forwards and time-reversed, and
 * aggregates DESIGN §6's metrics per task and overall.
 */
export async function evaluate<E extends { readonly steps: number }, G>(
  scorer: EvalScorer<E, G>,
  views: readonly string[],
  episodes: AsyncIterable<EvalEpisode>,
  options: EvaluateOptions,
): Promise<EvalReport> {
  const configs = [{ name: "all", use: views.map(() => true) }];
  if (views.length > 1)
    for (const [i, v] of views.entries())
      configs.push({ name: `drop:${v}`, use: views.map((_, j) => j !== i) });
  const perTask = new Map<string, Map<string, Accumulator>>();
  const overall = new Map(configs.map((c) => [c.name, newAcc()]));
  const ceilings = new Map<string, Accumulator>();
  const overallCeiling = newAcc();
  const traces = new Map<string, ProgressTrace[]>();
  const report: EvalReport = {
    fusion: options.mode,
    configs: configs.map((c) => c.name),
    tasks: {},
    overall: {},
    ceiling: { tasks: {}, overall: { voc: null, voc_monotone: null, completion_accuracy: null } },
    worst_single_view_drop_voc: null,
    episodes: [],
    plots: [],
  };
  let index = 0;
  for await (const episode of episodes) {
    if (episode.frames.length !== episode.trueProgress.length) {
      throw new Error(
        `${episode.label}: ${episode.frames.length} frames but ${episode.trueProgress.length} progress labels`,
      );
    }
    if (episode.frames.length === 0) continue;
    const embedded = await scorer.embed(episode);
    const goal = await scorer.goal(episode.task);
    const T = embedded.steps;
    const forward = [...Array(T).keys()];
    const backward = [...forward].reverse();
    const truth = trueCompletion(episode.success, episode.trueProgress);
    const entry: EvalReport["episodes"][number] = {
      task: episode.task,
      label: episode.label,
      success: episode.success,
      truth,
      predicted: {},
      voc: {},
    };
    let ceiling = ceilings.get(episode.task);
    if (!ceiling) ceilings.set(episode.task, (ceiling = newAcc()));
    const monotone = episode.trueProgress.every((p, i) => i === 0 || p >= episode.trueProgress[i - 1]);
    const truthVoc = episode.success ? voc(episode.trueProgress) : undefined;
    if (truthVoc !== undefined) entry.truth_voc = round4(truthVoc);
    const truthClassified = classifyCompletion(episode.trueProgress) === truth;
    for (const acc of [ceiling, overallCeiling]) {
      acc.total++;
      if (truthClassified) acc.correct++;
      if (truthVoc !== undefined) addVoc(acc, truthVoc, monotone);
    }
    let task = perTask.get(episode.task);
    if (!task) perTask.set(episode.task, (task = new Map(configs.map((c) => [c.name, newAcc()]))));
    for (const config of configs) {
      const fwd = await scorer.progress(embedded, goal, forward, config.use, options.mode);
      const predicted = classifyCompletion(fwd.phi);
      entry.predicted[config.name] = predicted;
      for (const acc of [task.get(config.name)!, overall.get(config.name)!]) {
        acc.total++;
        if (predicted === truth) acc.correct++;
        acc.confusion[truth][predicted]++;
        fwd.phi.forEach((p, i) => (acc.absErr += Math.abs(p - episode.trueProgress[i])));
        acc.steps += T;
      }
      if (episode.success) {
        const rev = await scorer.progress(embedded, goal, backward, config.use, options.mode);
        const v = voc(fwd.phi);
        const r = vroc(rev.phi);
        entry.voc[config.name] = round4(v);
        for (const acc of [task.get(config.name)!, overall.get(config.name)!]) {
          addVoc(acc, v, monotone);
          acc.vrocs.push(r);
        }
      }
      if (config.name === "all" && options.plots) {
        const list = traces.get(episode.task) ?? [];
        if (list.length < (options.plotEpisodes ?? 6))
          list.push({
            label: `${episode.label} (${truth})`,
            predicted: fwd.phi,
            truth: episode.trueProgress,
          });
        traces.set(episode.task, list);
      }
    }
    report.episodes.push(entry);
    options.onEpisode?.(episode, index++);
  }
  if (index === 0) throw new Error("no episodes to evaluate");
  for (const [task, accs] of perTask)
    report.tasks[task] = Object.fromEntries([...accs].map(([k, a]) => [k, finish(a)]));
  report.overall = Object.fromEntries([...overall].map(([k, a]) => [k, finish(a)]));
  report.ceiling = {
    tasks: Object.fromEntries([...ceilings].map(([k, a]) => [k, finishCeiling(a)])),
    overall: finishCeiling(overallCeiling),
  };
  const drops = Object.values(report.tasks).flatMap((t) =>
    Object.entries(t)
      .filter(([k, m]) => k.startsWith("drop:") && m.voc !== null)
      .map(([, m]) => m.voc as number),
  );
  report.worst_single_view_drop_voc = drops.length ? Math.min(...drops) : null;
  if (options.plots) {
    await mkdir(options.plots, { recursive: true });
    for (const [task, list] of traces) {
      const file = join(options.plots, `progress_${task}.png`);
      await writeProgressPng(file, `${task}: predicted (${options.mode}) vs true progress`, list);
      report.plots.push(file);
    }
  }
  return report;
}
