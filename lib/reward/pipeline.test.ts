import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { Subject, VirtualTimeScheduler, type SchedulerLike } from "rxjs";
import { EpisodeEventKind, RewardStatus, type DenseReward, type EpisodeEvent } from "../codec/messages.js";
import { createLogger, type LogLevel } from "../node/log.js";
import { timeFromSeconds } from "../time/rosTime.js";
import { PotentialFusion } from "./fusion.js";
import { HopScorer } from "./hopScorer.js";
import type { RewardModel } from "./model.js";
import { RewardPipeline, type PipelineConfig } from "./pipeline.js";
import { Preprocessor } from "./preprocess.js";
import { loadPlaceholderModel, rgbImageCdr } from "../testing/placeholderModel.js";
import { until } from "../testing/wait.js";
import { testPipelineConfig } from "./testing/pipelineConfig.js";

let model: RewardModel;
before(async () => {
  model = await loadPlaceholderModel();
});
after(() => model.release());

const config: PipelineConfig = testPipelineConfig();

const image = (t: number, view: number): Uint8Array => rgbImageCdr(t, 40 * view + 10);

function harness(m: RewardModel, cfg: PipelineConfig = config, scheduler?: SchedulerLike) {
  const logs: [LogLevel, string][] = [];
  const log = createLogger("reward", (level, _n, msg) => logs.push([level, msg]), "debug");
  const preprocessor = new Preprocessor(m.manifest.image);
  const estimator = new HopScorer(m, preprocessor, new PotentialFusion({ mode: "fused" }));
  const pipeline = new RewardPipeline(cfg, { model: m, preprocessor, estimator, log, scheduler });
  const cams = cfg.cameras.map(() => new Subject<Uint8Array>());
  const episodes = new Subject<EpisodeEvent>();
  const out: DenseReward[] = [];
  const ready = estimator.useTask(m.manifest.default_task);
  const sub = pipeline.run(cams, episodes).subscribe((r) => out.push(r));
  const group = (t: number): void => cams.forEach((c, v) => c.next(image(t, v)));
  return { pipeline, out, logs, group, ready, episodes, stop: () => sub.unsubscribe() };
}

test("NaN from the model: one clear error, an ERROR reward, and the next step is fine", async () => {
  let poison = true;
  const nan: RewardModel = {
    ...model,
    head: {
      run: async (feeds) => {
        const result = await model.head.run(feeds);
        if (poison) (result.hop_logits.data as Float32Array)[1] = Number.NaN;
        return result;
      },
    },
  };
  const h = harness(nan);
  await h.ready;
  h.group(1);
  await until(() => h.out.length === 1, { what: "the first reward" });
  assert.equal(h.out[0].status, RewardStatus.ERROR);
  assert.match(h.out[0].status_detail, /model error: model head output 'hop_logits' has NaN at index 1/);
  h.group(1.1);
  await until(() => h.out.length === 2, { what: "the second reward" });
  assert.equal(h.logs.filter(([l]) => l === "error").length, 1, "repeated errors are rate-limited");
  poison = false;
  h.group(1.2);
  await until(() => h.out.length === 3, { what: "the third reward" });
  assert.equal(h.out[2].status, RewardStatus.OK);
  assert.equal(h.out[2].step, 0, "the failed steps were not counted as transitions");
  assert.equal(h.pipeline.stats.modelErrors, 2);
  h.stop();
});

test("latest wins: groups arriving during a slow step are dropped and counted, the newest is scored", async () => {
  let release: (() => void) | undefined;
  const slow: RewardModel = {
    ...model,
    head: {
      run: async (feeds) => {
        await new Promise<void>((r) => (release = r));
        return model.head.run(feeds);
      },
    },
  };
  const h = harness(slow);
  await h.ready;
  h.group(2);
  await until(() => release !== undefined, { what: "the model to start a step" });
  for (let i = 1; i <= 5; i++) h.group(2 + i / 10);
  await until(() => h.pipeline.stats.groupsSynced === 6, { what: "6 synced groups" });
  const first = release!;
  release = undefined;
  first();
  await until(() => release !== undefined, { what: "the model to start a step" });
  release!();
  await until(() => h.out.length === 2, { what: "the second reward" });
  assert.equal(h.pipeline.stats.groupsDropped, 4);
  assert.deepEqual(h.out[1].header.stamp, timeFromSeconds(2.5), "the newest group was scored");
  h.stop();
});

test("every-group (offline input): groups arriving during a slow step all wait and are scored in order", async () => {
  const releases: (() => void)[] = [];
  const slow: RewardModel = {
    ...model,
    head: {
      run: async (feeds) => {
        await new Promise<void>((r) => releases.push(r));
        return model.head.run(feeds);
      },
    },
  };
  const h = harness(slow, { ...config, backPressure: "every-group" });
  await h.ready;
  for (let i = 0; i <= 5; i++) h.group(2 + i / 10);
  await until(() => h.pipeline.stats.groupsSynced === 6 && releases.length === 1, {
    what: "6 synced groups and the first step",
  });
  let idle = false;
  const waiting = h.pipeline.idle().then(() => (idle = true));
  for (let released = 0; released < 6; released++) {
    await until(() => releases.length > released, { what: `step ${released} to start` });
    assert.equal(idle, false, "idle() waits for every queued step");
    releases[released]!();
  }
  await waiting;
  assert.equal(h.out.length, 6, "idle() resolves after the last reward was emitted");
  assert.equal(h.pipeline.stats.groupsDropped, 0);
  assert.deepEqual(
    h.out.map((r) => r.header.stamp),
    [0, 1, 2, 3, 4, 5].map((i) => timeFromSeconds(2 + i / 10)),
  );
  assert.deepEqual(
    h.out.map((r) => r.step),
    [0, 1, 2, 3, 4, 5],
  );
  h.stop();
});

test("reward_rate caps steps per second of camera time", async () => {
  const h = harness(model, { ...config, rewardRateHz: 5 });
  await h.ready;
  for (let i = 0; i < 30; i++) {
    h.group(3 + i / 30);
    await until(() => h.pipeline.stats.groupsSynced === i + 1, { what: `group ${i} to sync` });
    await until(
      () => h.out.length + h.pipeline.stats.groupsRateLimited + h.pipeline.stats.groupsDropped === i + 1,
      { what: `group ${i} to be scored or counted` },
    );
  }
  assert.equal(h.out.length, 5, "1 s of camera time at 5 Hz");
  assert.equal(h.pipeline.stats.groupsRateLimited, 25);
  h.stop();
});

test("a TERMINAL with no frame after it closes after max age with the last state (status stale)", async () => {
  const clock = new VirtualTimeScheduler();
  const h = harness(model, { ...config, maxAgeMs: 50 }, clock);
  await h.ready;
  const episodes = h.episodes;
  const event = (kind: number): EpisodeEvent => ({
    header: { stamp: timeFromSeconds(5), frame_id: "" },
    event: kind,
    episode_id: 4n,
    step: 0,
    task: "",
    detail: "",
  });
  episodes.next(event(EpisodeEventKind.START));
  h.group(5);
  h.group(5.1);
  await until(() => h.out.length === 2, { what: "the second reward" });
  episodes.next(event(EpisodeEventKind.TERMINAL));
  await h.pipeline.idle();
  assert.equal(h.out.length, 2, "the boundary waits for max age");
  clock.flush();
  await h.pipeline.idle();
  assert.equal(h.out.length, 3, "after max age the boundary closes with no new frame");
  const last = h.out[2];
  assert.equal(last.terminal, true);
  assert.equal(last.status, RewardStatus.DEGRADED_STALE);
  assert.equal(last.phi, h.out[1].phi_next);
  assert.equal(last.phi_next, 0);
  assert.equal(last.step, 2);
  h.group(5.2);
  await h.pipeline.idle();
  assert.equal(h.pipeline.stats.groupsOutsideEpisode, 1);
  assert.equal(h.out.length, 3, "nothing is published between episodes");
  h.stop();
});

test("one camera for a three-view model: by position the others are masked (degraded); viewSources fills all three", async () => {
  const one = {
    ...config,
    cameras: [{ topic: "/only", type: "Image" as const }],
    missingViewPolicy: "degrade" as const,
  };
  const h = harness(model, one);
  await h.ready;
  for (let k = 0; k < 3; k++) {
    h.group(1 + k * 0.1);
    await until(() => h.out.length === k + 1, { what: `reward ${k}` });
  }
  assert.ok(h.out.every((r) => r.status === RewardStatus.DEGRADED_VIEW_MISSING));
  assert.deepEqual(h.out[0].source_present, [true, false, false]);
  assert.match(h.out[0].status_detail, /missing \(no topic for view left\), \(no topic for view wrist\)/);
  h.stop();
  const all = harness(model, { ...one, viewSources: [0, 0, 0] });
  await all.ready;
  for (let k = 0; k < 3; k++) {
    all.group(1 + k * 0.1);
    await until(() => all.out.length === k + 1, { what: `reward ${k}` });
  }
  assert.ok(all.out.every((r) => r.status === RewardStatus.OK));
  assert.deepEqual(all.out[0].source_topics, ["/only", "/only", "/only"]);
  all.stop();
  assert.throws(
    () => harness(model, { ...one, viewSources: [0, 1, undefined] }),
    /viewSources names camera 1, there are 1/,
  );
  assert.throws(
    () => harness(model, { ...config, viewSources: [0, 0, 1] }),
    /camera \/c serves no model view/,
  );
});
