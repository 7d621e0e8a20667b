import { readFile, writeFile } from "node:fs/promises";
import { basename, join } from "node:path";
import { sealModel } from "../card.js";
import type { ConfigMetrics } from "../eval/evaluate.js";
import type { EvalOutput } from "../eval/run.js";

const TARGETS = { voc_all: 0.95, voc_one_view_missing: 0.9, completion: 0.9 };

/**
 * Parameters of the encoder that models/train/hopmodel.py builds: four 3×3 stride-2 conv blocks (16/32/48/64
 * channels, batch norm folded into the conv) and a linear map of the side × side × 64 feature map.
 */
function encoderParameters(side: number, embed: number): number {
  const chans = [3, 16, 32, 48, 64];
  let n = 0;
  for (let i = 1; i < chans.length; i++) n += chans[i - 1] * chans[i] * 9 + chans[i];
  return n + 64 * side * side * embed + embed;
}

const cell = (x: number | null) => (x === null ? "–" : x.toFixed(3));

function table(configs: Record<string, ConfigMetrics>): string {
  const rows = Object.entries(configs).map(
    ([name, m]) =>
      `| ${name} | ${cell(m.voc)} | ${cell(m.voc_monotone)} | ${cell(m.vroc)} | ${cell(m.voc_f1)} | ${cell(m.completion_accuracy)} | ${cell(m.progress_mae)} | ${m.episodes} (${m.successful}) |`,
  );
  return [
    "| views | VOC | VOC, monotone episodes | VROC | VOC-F1 | completion acc. | mean abs(Φ − true) | episodes (successful) |",
    "|---|---|---|---|---|---|---|---|",
    ...rows,
  ].join("\n");
}

function evalSource(source: EvalOutput["source"]): string {
  const sim = (source as { sim?: { task: string; episodes: number; first_seed: number } }).sim;
  return sim
    ? `sim task ${sim.task}, ${sim.episodes} episodes from seed ${sim.first_seed}`
    : JSON.stringify(source);
}

/** What models/train/learnerAdapt.ts records in manifest.training.fine_tuning. */
export interface FineTuning {
  readonly sim_plan: { task: string; first_seed: number; episodes: number; frames: number };
  readonly learner_rollouts: {
    learner_seeds: readonly number[];
    rollouts_per_learner: number;
    demos: number;
    max_steps: number;
    actor_weight_decay: number;
    episodes: number;
    successes: number;
    frames: number;
  };
  readonly steps: number;
  readonly lr: number;
}

function fineTuningSection(
  training: { adapted_from: { model: string; sha256: string }; seconds: { data: number; train: number } },
  f: FineTuning,
): string {
  const r = f.learner_rollouts;
  const seeds = r.learner_seeds;
  return `
## Fine-tuned on the learner's rollouts (\`process-reward adapt-to-learner\`: ${training.seconds.data} s data + ${training.seconds.train} s training)
- Started from \`${training.adapted_from.model}\` (manifest sha256 ${training.adapted_from.sha256.slice(0, 12)}), trained as above;
  ${f.steps} steps at learning rate ${f.lr}, all weights.
- Data: this task's sim plan again (seeds ${f.sim_plan.first_seed}–${f.sim_plan.first_seed + f.sim_plan.episodes - 1}, ${f.sim_plan.frames} frames) and
  ${r.episodes} episodes (${r.successes} successful, ${r.frames} frames) of the experiment's own learners: ${seeds.length} learners
  (seeds ${seeds.join(", ")}), each cloned from ${r.demos} noisy demos and trained for ${r.rollouts_per_learner} exploring rollouts of at most
  ${r.max_steps} steps under the ground-truth potential (actor weight decay ${r.actor_weight_decay}); their demos and failed demo attempts
  are kept too. Frames rendered at the model's size and compressed as the recordings are.
- Why: a learned policy visits states that the scripted experts and their scripted failures do not, and there
  the base model's Φ strayed from the truth (\`scripts/potential-on-rollouts.ts\`); these are the states the
  experiment's learner explores and is rewarded on.
`;
}

/**
 * Writes the model card (README.md) and the manifest's `metrics` from a held-out evaluation, then re-hashes
 * the folder. Figures are the evaluation's, as measured; the targets are stated beside them, not tuned to.
 */
export async function writeModelCard(dir: string, report: EvalOutput): Promise<void> {
  const manifest = JSON.parse(await readFile(join(dir, "manifest.json"), "utf8"));
  const task = manifest.default_task as string;
  const t = report.tasks[task];
  if (!t) throw new Error(`the evaluation report has no task '${task}'`);
  const all = t.all;
  const ceiling = report.ceiling.tasks[task];
  const drops = Object.entries(t).filter(([k]) => k.startsWith("drop:"));
  const worst = (pick: (m: ConfigMetrics) => number | null) =>
    drops.reduce<number | null>((mn, [, m]) => {
      const x = pick(m);
      return x === null ? mn : mn === null ? x : Math.min(mn, x);
    }, null);
  const worstDrop = worst((m) => m.voc);
  const worstDropMonotone = worst((m) => m.voc_monotone);
  const metrics = {
    source: report.source,
    fusion: report.fusion,
    frame_stride: report.frame_stride,
    voc: all.voc,
    voc_monotone: all.voc_monotone,
    vroc: all.vroc,
    voc_f1: all.voc_f1,
    completion_accuracy: all.completion_accuracy,
    progress_mae: all.progress_mae,
    worst_single_view_drop_voc: worstDrop,
    worst_single_view_drop_voc_monotone: worstDropMonotone,
    ceiling,
    per_view_drop: Object.fromEntries(
      drops.map(([k, m]) => [k, { voc: m.voc, completion_accuracy: m.completion_accuracy }]),
    ),
    targets: TARGETS,
  };
  // A fine-tuned model (models/train/learnerAdapt.ts) keeps the training it started from as `base`.
  const tr = manifest.training.base ?? manifest.training;
  const fine = manifest.training.fine_tuning as FineTuning | undefined;
  const cameras: string = tr.recordings?.sim?.cameras ?? "format not recorded";
  const size: number = manifest.image.width;
  // Four stride-2 convolutions with padding 1 halve the side four times, rounding up.
  const side = Math.ceil(size / 16);
  const embed: number = manifest.encoder.outputs[0].shape[1];
  const threads = tr.threads === undefined ? "an unrecorded number of" : String(tr.threads);
  const verdict = (x: number | null, target: number) =>
    x === null ? "not measured" : x >= target ? "met" : "NOT met";
  const card = `# ${manifest.name}: stage-aware hop reward model for the sim task \`${task}\`

Predicts the relative progress hop H(BEFORE → AFTER) ∈ [−1, 1] (DESIGN §4) as a distribution over
${manifest.hop_bins} bins, plus the stage of the AFTER state (${manifest.tasks[task].stages.join(" → ")}), from
START / GOAL / BEFORE / AFTER images of the views ${manifest.views.join(", ")} and a view mask.
Follows the reward node's model contract (\`lib/reward/manifest.ts\`); every file is pinned by sha256 in
\`manifest.json\`.

## Architecture
- **Encoder** (\`encoder.onnx\`, shared by every view and role): four stride-2 3×3 conv blocks
  (16/32/48/64 channels, batch norm folded) on ${manifest.image.width}×${manifest.image.height} RGB, then a linear
  map of the ${side}×${side} feature map to a ${embed}-d embedding (keeps *where* things are).
- **Head** (\`head.onnx\`): per view, a state code of BEFORE and of AFTER, each conditioned on START and GOAL;
  a pair code from both; pair codes averaged over the views whose mask is 1; hop logits from the pooled pair
  code, stage logits from the pooled AFTER code.
- One network was trained on all sim tasks (${tr.tasks.join(", ")}); each task ships as its own folder because
  the contract ties the stage-logit width to the task's stage list.

## Training (\`npm run train\`: ${tr.seconds?.data ?? "?"} s data + ${tr.seconds?.train ?? "?"} s training with ${threads} PyTorch thread(s) on this project's 2-core CPU machine)
- Data: sim recordings (rosbag2 MCAP; cameras: ${cameras}), ${tr.episodes.train + tr.episodes.validation} episodes
  over all tasks (${tr.frames} frames), training seeds ${tr.train_seeds.first}–${tr.train_seeds.last} per task; per ten seeds
  3 clean experts, 3 noisy experts, 3 experts with a scripted failure (drop / undo / stall / wander) and 1 random
  policy. One control step in ${manifest.frame_stride} kept (and the last).
- Labels: the sim's stage-aware ground truth Φ = (stage + τ)/K (each stage an equal share). Pairs per step
  sampled from all (BEFORE, AFTER) combinations of an episode's frames plus (GOAL, frame) pairs, weighted to
  balance hop-value bins × time-gap bins (regressions and zero hops included); GOAL images come from another
  successful episode of the task; START is the episode's first frame.
- Loss: cross-entropy to two-hot hop targets, stage cross-entropy, auxiliary per-state progress regression
  (training only). Augmentation: a shift of up to 3 px, brightness and contrast jitter, and a colour gain of
  ±10% per channel. View dropout: each view dropped with p = 0.1 and exactly one view dropped on 30% of pairs.
- Goal reference images (\`goals/\`): last frame of a successful training episode
  (seed ${manifest.tasks[task].goal_source.seed}, ${manifest.tasks[task].goal_source.policy}).
${fine ? fineTuningSection(manifest.training, fine) : ""}
## What was traded for the CPU budget
- ${manifest.image.width}×${manifest.image.height} images, a ${(encoderParameters(side, embed) / 1e6).toFixed(2)} M-parameter encoder, ${tr.steps} optimisation
  steps, frames subsampled by ${manifest.frame_stride}. The cameras are rendered and compressed at the model's size:
  cheaper than rendering 640×480 and downsampling, as a robot's camera stream reaches the model, and the
  JPEG keeps full chroma, which a camera's 4:2:0 stream loses (harmless at 640 px, not at ${size} px).
- The model should be run at the same frame stride (one 20 Hz sim step in ${manifest.frame_stride}, ~${20 / manifest.frame_stride} Hz):
  the incremental hop was trained on gaps of at least that.

## Held-out evaluation (\`process-reward eval\`, ${evalSource(report.source)}, fusion \`${report.fusion}\`)
${table(t)}

VOC / VROC over successful episodes; "monotone episodes" keeps those whose true progress never falls (no
scripted drop, undo or wander), the protocol of the published figures below, which score expert demonstrations; completion accuracy over all (success / partial / failure, DESIGN §6;
true class: sim success, else partial if the last third of true progress averages ≥ 0.4).

| target | measured | | ceiling (true Φ) |
|---|---|---|---|
| VOC ≥ ${TARGETS.voc_all} (all views) | ${cell(all.voc)} | ${verdict(all.voc, TARGETS.voc_all)} | ${cell(ceiling.voc)} |
| VOC ≥ ${TARGETS.voc_one_view_missing} (any one view missing) | ${cell(worstDrop)} (worst) | ${verdict(worstDrop, TARGETS.voc_one_view_missing)} | ${cell(ceiling.voc)} |
| VOC ≥ ${TARGETS.voc_all} (all views), monotone episodes | ${cell(all.voc_monotone)} | ${verdict(all.voc_monotone, TARGETS.voc_all)} | ${cell(ceiling.voc_monotone)} |
| VOC ≥ ${TARGETS.voc_one_view_missing} (any one view missing), monotone episodes | ${cell(worstDropMonotone)} (worst) | ${verdict(worstDropMonotone, TARGETS.voc_one_view_missing)} | ${cell(ceiling.voc_monotone)} |
| completion ≥ ${TARGETS.completion} | ${cell(all.completion_accuracy)} | ${verdict(all.completion_accuracy, TARGETS.completion)} | ${cell(ceiling.completion_accuracy)} |

The ceiling is the same metric on the ground-truth progress, what a perfect model would score on these
episodes. Episodes that succeed after a scripted drop, undo or wander have a true progress that falls for a
while, so time-order VOC is below 1 for them even for the truth; a model can only pass the ceiling by
ignoring such regressions (VROC and mean abs(Φ − true) show whether it does).

Published anchors for scale: Robo-Dopamine GRM-8B multi-view VOC 0.96, GRM-3B single-view 0.91, GVL zero-shot
0.74 (RT-1); completion classification 92.8%. These are real-robot figures; ours are on our own sim.

Plots: ${report.plots.map((p) => `\`eval/${basename(p)}\``).join(", ")}; full report: \`eval/report.json\`.
`;
  await writeFile(join(dir, "README.md"), card);
  await writeFile(
    join(dir, "eval", "report.json"),
    JSON.stringify(
      {
        ...report,
        plots: report.plots.map((p) => `eval/${basename(p)}`),
        model: { ...report.model, dir: basename(dir) },
      },
      null,
      2,
    ) + "\n",
  );
  await sealModel(dir, (m) => {
    m.metrics = metrics;
  });
}
