import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { Subject } from "rxjs";
import { EpisodeEventKind, type DenseReward, type EpisodeEvent } from "../codec/messages.js";
import { createLogger } from "../node/log.js";
import { timeFromSeconds } from "../time/rosTime.js";
import type { Estimate, PotentialEstimator } from "./estimator.js";
import type { RewardModel } from "./model.js";
import { RewardPipeline } from "./pipeline.js";
import { Preprocessor } from "./preprocess.js";
import type { SuccessSource } from "./shaping.js";
import { testPipelineConfig } from "./testing/pipelineConfig.js";
import { loadPlaceholderModel, rgbImageCdr } from "../testing/placeholderModel.js";

// DESIGN §5 through the whole pipeline: who decides success, where r_gold lands, and what the node announces.
let model: RewardModel;
before(async () => {
  model = await loadPlaceholderModel();
});
after(() => model.release());

/** Φ from a script, one value per step, so the test decides exactly when Φ crosses 1 − δ. */
class ScriptedPhi implements PotentialEstimator {
  readonly task = "pick_place";
  readonly stageNames = ["all"];
  private step = 0;
  constructor(
    private readonly phis: readonly number[],
    private readonly slots: Float32Array,
  ) {}
  async useTask(): Promise<void> {}
  startEpisode(): void {}
  imageSlots(count: number): Float32Array {
    return this.slots.subarray(0, count * (this.slots.length / 3));
  }
  async estimate(): Promise<Estimate> {
    const phi = this.phis[this.step++]!;
    return {
      phi,
      potential: "scripted",
      stage: 0,
      stageProbabilities: Float32Array.of(1),
      stageProgress: phi,
      confidence: 1,
      encoderMs: 0,
      headMs: 0,
    };
  }
}

const image = (t: number): Uint8Array => rgbImageCdr(t, 90);

const episodeEvent = (event: number, step = 0): EpisodeEvent => ({
  header: { stamp: timeFromSeconds(0), frame_id: "sim" },
  event,
  episode_id: 4n,
  step,
  task: "",
  detail: "",
});

async function runEpisode(
  source: SuccessSource,
  phis: readonly number[],
  events: ReadonlyMap<number, readonly EpisodeEvent[]> = new Map(),
): Promise<{ rewards: DenseReward[]; announced: EpisodeEvent[] }> {
  const config = testPipelineConfig({ successSource: source, backPressure: "every-group" });
  const preprocessor = new Preprocessor(model.manifest.image);
  const estimator = new ScriptedPhi(phis, new Float32Array(3 * preprocessor.size));
  const log = createLogger("reward", () => undefined);
  const pipeline = new RewardPipeline(config, { model, preprocessor, estimator, log });
  const cams = config.cameras.map(() => new Subject<Uint8Array>());
  const episodes = new Subject<EpisodeEvent>();
  const rewards: DenseReward[] = [];
  const announced: EpisodeEvent[] = [];
  const subs = [
    pipeline.run(cams, episodes).subscribe((r) => rewards.push(r)),
    pipeline.announcements.subscribe((e) => announced.push(e)),
  ];
  episodes.next(episodeEvent(EpisodeEventKind.START));
  for (let i = 0; i < phis.length; i++) {
    for (const e of events.get(i) ?? []) episodes.next(e);
    cams.forEach((c) => c.next(image(1 + i / 10)));
    await pipeline.idle();
  }
  subs.forEach((s) => s.unsubscribe());
  return { rewards, announced };
}

test("success source task: Φ past 1 − δ before the task's SUCCESS pays nothing; SUCCESS ends the episode with r_gold", async () => {
  const phis = [0.2, 0.96, 0.99, 1, 1];
  const success = [episodeEvent(EpisodeEventKind.SUCCESS, 4), episodeEvent(EpisodeEventKind.TERMINAL, 4)];
  const { rewards, announced } = await runEpisode("task", phis, new Map([[4, success]]));
  assert.deepEqual(
    rewards.map((r) => r.r_gold),
    [0, 0, 0, 0, 1],
  );
  assert.deepEqual(
    rewards.map((r) => r.terminal),
    [false, false, false, false, true],
  );
  assert.equal(rewards[4].success_source, "task");
  assert.equal(rewards[4].phi_next, 0);
  assert.ok(rewards.slice(0, 4).every((r) => r.success_source === ""));
  assert.deepEqual(announced, [], "a task-decided success is the task's to announce");
});

test("success source model: the first Φ(s′) ≥ 1 − δ ends the episode, pays r_gold, and SUCCESS then TERMINAL are announced", async () => {
  const { rewards, announced } = await runEpisode("model", [0.2, 0.6, 0.97, 0.99]);
  assert.equal(rewards.length, 3, "no reward after the detected success: the episode is over");
  const last = rewards[2];
  assert.deepEqual([last.r_gold, last.terminal, last.phi_next, last.success_source], [1, true, 0, "model"]);
  assert.ok(Math.abs(last.reward - (1 + 0.9 * 0 - 0.6)) < 1e-12);
  assert.deepEqual(
    announced.map((e) => [e.event, e.episode_id, e.step]),
    [
      [EpisodeEventKind.SUCCESS, 4n, 2],
      [EpisodeEventKind.TERMINAL, 4n, 2],
    ],
  );
  assert.deepEqual(announced[0].header, last.header, "stamped with the frames that decided it");
});
