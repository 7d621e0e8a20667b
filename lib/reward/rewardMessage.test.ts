import assert from "node:assert/strict";
import { test } from "node:test";
import { RewardStatus, type Image } from "../codec/messages.js";
import type { CameraMessage } from "../image/cameraImage.js";
import { timeFromSeconds } from "../time/rosTime.js";
import type { Estimate } from "./estimator.js";
import {
  errorReward,
  flushedReward,
  scoredReward,
  type EpisodeState,
  type RewardSource,
} from "./rewardMessage.js";
import type { ShapedStep } from "./shaping.js";
import type { Frame, SyncedGroup } from "./sync.js";

const source: RewardSource = {
  nodeName: "reward",
  topics: ["/a", "/b", "/c"],
  gamma: 0.9,
  modelName: "m",
  modelSha256: "abc",
};
const state: EpisodeState = { episodeId: 7n, phi: 0.4, potential: "hop", stageNames: ["reach", "grasp"] };

function frame(view: number, seconds: number): Frame<CameraMessage> {
  const message = { header: { stamp: timeFromSeconds(seconds), frame_id: "" } } as Image;
  return { view, stampMs: seconds * 1000, arrivalMs: 0, message: { kind: "Image", message } };
}

/** Views /a and /c, /b missing from the group. */
const group: SyncedGroup<CameraMessage> = {
  frames: [frame(0, 10), undefined, frame(2, 10.002)],
  missing: [1],
  stampMs: 10_002,
  arrivalMs: 0,
};

const shaped: ShapedStep = {
  episodeId: 7n,
  step: 3,
  reward: 0.25,
  rGold: 0,
  phi: 0.4,
  phiNext: 0.5,
  estimate: 0.5,
  gamma: 0.9,
  terminal: false,
  truncated: true,
};

test("a scored step: shaped fields, the estimate, stamped with the newest view used, missing views named", () => {
  const estimate: Estimate = {
    phi: 0.5,
    potential: "fused",
    stage: 1,
    stageProbabilities: new Float32Array([0.25, 0.75]),
    stageProgress: 0.2,
    confidence: 0.6,
    encoderMs: 1,
    headMs: 1,
  };
  // /c's frame failed: only /a made it into the model.
  const m = scoredReward(source, state, group, [0], shaped, estimate);
  assert.deepEqual(m.header, { stamp: timeFromSeconds(10), frame_id: "reward" });
  assert.deepEqual(m.source_present, [true, false, false]);
  assert.deepEqual(m.source_stamps, [timeFromSeconds(10), { sec: 0, nanosec: 0 }, timeFromSeconds(10.002)]);
  assert.deepEqual(
    [m.episode_id, m.step, m.reward, m.r_gold, m.phi, m.phi_next, m.terminal, m.truncated],
    [7n, 3, 0.25, 0, 0.4, 0.5, false, true],
  );
  assert.deepEqual(
    [m.potential, m.stage, m.stage_progress, m.progress, m.confidence],
    ["fused", 1, 0.2, 0.5, 0.6],
  );
  assert.deepEqual(Array.from(m.stage_probabilities), [0.25, 0.75]);
  assert.deepEqual(m.stage_names, ["reach", "grasp"]);
  assert.equal(m.status, RewardStatus.DEGRADED_VIEW_MISSING);
  assert.equal(m.status_detail, "missing /b, /c");
  assert.deepEqual([m.model_name, m.model_sha256, m.gamma], ["m", "abc", 0.9]);
});

test("a flushed step: stale, no source present, the last state's potential and progress", () => {
  const stamp = timeFromSeconds(11);
  const m = flushedReward(source, state, shaped, stamp);
  assert.equal(m.header.stamp, stamp);
  assert.deepEqual(m.source_present, [false, false, false]);
  assert.deepEqual([m.step, m.phi, m.phi_next, m.truncated], [3, 0.4, 0.5, true]);
  assert.deepEqual([m.potential, m.progress, m.stage], ["hop", 0.4, 0]);
  assert.deepEqual(Array.from(m.stage_probabilities), [0, 0]);
  assert.equal(m.status, RewardStatus.DEGRADED_STALE);
});

test("an error step repeats the last Φ and names what failed", () => {
  const m = errorReward(source, state, group, [1, 2], "model error: boom");
  assert.deepEqual(m.header.stamp, timeFromSeconds(10.002));
  assert.deepEqual(m.source_present, [true, false, false]);
  assert.deepEqual(
    [m.episode_id, m.step, m.reward, m.phi, m.phi_next, m.progress],
    [7n, 0, 0, 0.4, 0.4, 0.4],
  );
  assert.equal(m.status, RewardStatus.ERROR);
  assert.equal(m.status_detail, "model error: boom");
});
