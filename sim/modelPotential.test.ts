import assert from "node:assert/strict";
import { test } from "node:test";
import { Subject } from "rxjs";
import { createPolicyEnv } from "./policyEnv.js";
import { codecFor } from "../lib/codec/codec.js";
import {
  EpisodeEventKind,
  MsgType,
  type DenseReward,
  type EpisodeEvent,
  type Image,
} from "../lib/codec/messages.js";
import { createLogger } from "../lib/node/log.js";
import { packagePath } from "../lib/paths.js";
import { PotentialFusion } from "../lib/reward/fusion.js";
import { HopScorer } from "../lib/reward/hopScorer.js";
import { loadManifest } from "../lib/reward/manifest.js";
import { loadModel } from "../lib/reward/model.js";
import { RewardPipeline } from "../lib/reward/pipeline.js";
import { Preprocessor } from "../lib/reward/preprocess.js";
import { until } from "../lib/testing/wait.js";
import { timeFromSeconds } from "../lib/time/rosTime.js";
import type { EnvStep } from "../lib/rl/env.js";
import { createModelPotential } from "../lib/rl/modelPotential.js";
import { EpisodeRewards } from "../lib/rl/rewards.js";

const imageCodec = codecFor<Image>(MsgType.Image);
const GAMMA = 0.98;
const DELTA = 0.05;

// The experiment's learned Φ and shaped reward must be what the reward node publishes for the same frames.
test("the experiment's pbrs reward equals the reward node's DenseReward on a rendered sim episode", async () => {
  const log = createLogger("test", () => undefined);
  const dir = packagePath("models", "hop_push");
  const model = await loadModel(await loadManifest(dir), { providers: ["cpu"], threads: 1, log });
  const preprocessor = new Preprocessor(model.manifest.image);
  const estimator = new HopScorer(model, preprocessor, new PotentialFusion({ mode: "fused" }));
  await estimator.useTask("push");
  const views = model.manifest.views;
  const node = new RewardPipeline(
    {
      nodeName: "reward",
      cameras: views.map((v) => ({ topic: `/camera/${v}/image_raw`, type: "Image" as const })),
      slopMs: 5,
      maxAgeMs: 60_000,
      missingViewPolicy: "wait",
      gamma: GAMMA,
      successDelta: DELTA,
      rewardRateHz: 0,
    },
    { model, preprocessor, estimator, log },
  );
  const cameras = views.map(() => new Subject<Uint8Array>());
  const episodes = new Subject<EpisodeEvent>();
  const published: DenseReward[] = [];
  const sub = node.run(cameras, episodes).subscribe((m) => published.push(m));

  const potential = await createModelPotential({ model: dir, task: "push", fusion: "fused", threads: 1 });
  const env = await createPolicyEnv("push", 5);
  try {
    await env.prepareFrames(potential.frames);
    const header = (step: number) => ({ stamp: timeFromSeconds(step * 0.05), frame_id: "" });
    const event = (kind: number, step: number): void =>
      episodes.next({ header: header(step), event: kind, episode_id: 7n, step, task: "push", detail: "" });
    const send = async (s: EnvStep, step: number): Promise<DenseReward> => {
      const n = published.length;
      views.forEach((view, v) => {
        const f = s.frames!.find((x) => x.view === view)!;
        cameras[v]!.next(
          imageCodec.encode({
            header: header(step),
            height: f.height,
            width: f.width,
            encoding: "rgb8",
            is_bigendian: 0,
            step: f.width * 3,
            data: f.data,
          }),
        );
      });
      await until(() => published.length > n, {
        what: `the reward node's reward for step ${step}`,
        timeoutMs: 20_000,
      });
      return published[n]!;
    };

    const rewards = new EpisodeRewards("pbrs", { gamma: GAMMA, successDelta: DELTA });
    let s = env.reset(21, potential.frames);
    event(EpisodeEventKind.START, 0);
    const first = await send(s, 0);
    const phi0 = await potential.startEpisode({
      episode: 21,
      step: 0,
      observation: s.observation,
      frames: s.frames,
    });
    rewards.startEpisode(phi0);
    assert.ok(Math.abs(first.phi - phi0) < 1e-6, `Φ(s₀): node ${first.phi}, experiment ${phi0}`);
    const phis = new Set<string>();
    for (let step = 1; ; step++) {
      s = env.step(env.expert(0));
      const gt = s.groundTruth;
      if (gt.success) event(EpisodeEventKind.SUCCESS, step);
      if (gt.terminal || gt.truncated)
        event(gt.terminal ? EpisodeEventKind.TERMINAL : EpisodeEventKind.TRUNCATED, step);
      const m = await send(s, step);
      const phiNext = await potential.potential({
        episode: 21,
        step,
        observation: s.observation,
        frames: s.frames,
      });
      const r = rewards.step({
        phiNext,
        success: gt.success,
        terminal: gt.terminal,
        truncated: gt.truncated,
      });
      phis.add(phiNext.toFixed(3));
      assert.equal(m.step, step);
      assert.ok(
        Math.abs(m.progress - phiNext) < 1e-6,
        `step ${step} Φ: node ${m.progress}, experiment ${phiNext}`,
      );
      assert.ok(Math.abs(m.reward - r) < 1e-6, `step ${step} reward: node ${m.reward}, experiment ${r}`);
      if (gt.terminal || gt.truncated) {
        assert.equal(m.terminal, gt.terminal);
        assert.ok(gt.success, "the clean expert finishes push");
        assert.equal(m.r_gold, 1);
        break;
      }
    }
    assert.ok(phis.size > 3, "Φ varies over the episode");
  } finally {
    sub.unsubscribe();
    env.close();
    await potential.release();
    await model.release();
  }
});
