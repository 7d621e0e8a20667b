import assert from "node:assert/strict";
import { test } from "node:test";
import sharp from "sharp";
import { EpisodeEventKind } from "../codec/messages.js";
import { toPreviewJpeg } from "./cameraFrames.js";
import { DashboardState } from "./state.js";
import { episodeEvent, gradientImage, rewardMessage } from "./testMessages.js";

test("reward history is bounded and keeps the newest points", () => {
  const state = new DashboardState(["/a"], 10);
  for (let step = 1; step <= 25; step++) state.addReward(rewardMessage(step));
  const { rewards, stageNames, model } = state.snapshot();
  assert.equal(rewards.length, 10);
  assert.deepEqual(
    rewards.map((r) => r.step),
    [16, 17, 18, 19, 20, 21, 22, 23, 24, 25],
  );
  assert.deepEqual(stageNames, ["reach", "grasp", "lift"]);
  assert.equal(model, "test_model");
  assert.deepEqual(state.takeStageChange(), ["reach", "grasp", "lift"]);
  assert.equal(state.takeStageChange(), undefined);
});

test("episode outcomes: success only when SUCCESS was seen; rolling rate over the window", () => {
  const state = new DashboardState([], 100, 2);
  const outcomes = [
    [true, 1],
    [false, 2],
    [true, 3],
  ].map(([succeeded, episode]) => {
    state.addEpisodeEvent(episodeEvent(EpisodeEventKind.START, episode as number));
    if (succeeded) state.addEpisodeEvent(episodeEvent(EpisodeEventKind.SUCCESS, episode as number, 40));
    return state.addEpisodeEvent(episodeEvent(EpisodeEventKind.TERMINAL, episode as number, 40));
  });
  assert.deepEqual(
    outcomes.map((o) => [o?.success, o?.successRate]),
    [
      [true, 1],
      [false, 0.5],
      [true, 0.5],
    ],
  );
});

test("camera previews: rgb8 and bgr8 encode to JPEG with the right colours; a short frame is refused", async () => {
  const rgb = gradientImage(64, 48, 0);
  rgb.data.fill(0);
  for (let i = 0; i < rgb.data.length; i += 3) rgb.data[i] = 255; // pure red
  const bgr = { ...rgb, encoding: "bgr8", data: rgb.data.slice() };
  for (const message of [rgb, bgr]) {
    const { data, info } = await sharp(await toPreviewJpeg("/cam", message))
      .raw()
      .toBuffer({ resolveWithObject: true });
    assert.equal(info.width, 64);
    const [r, , b] = [data[0]!, data[1]!, data[2]!];
    if (message.encoding === "rgb8") assert.ok(r > 200 && b < 60, `red stays red (${r}, ${b})`);
    else assert.ok(b > 200 && r < 60, `bgr red bytes become blue (${r}, ${b})`);
  }
  await assert.rejects(
    toPreviewJpeg("/cam", { ...rgb, data: rgb.data.subarray(0, 100) }),
    /\/cam: data is 100 bytes/,
  );
  await assert.rejects(
    toPreviewJpeg("/cam", { ...rgb, encoding: "yuv422" }),
    /\/cam: unsupported encoding 'yuv422'/,
  );
});
