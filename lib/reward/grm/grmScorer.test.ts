import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { rgbImage } from "../../image/rgbImage.js";
import { createLogger } from "../../node/log.js";
import type { FusionMode } from "../fusion.js";
import { createRewardModel, type RewardModelParts } from "../rewardModelFactory.js";
import { writeGrmModel, type Rgb } from "../testing/grmModel.js";
import { dataUrlColour, startGrmServer, type GrmCall, type GrmServer } from "../testing/grmServer.js";
import { GrmAnswerError, parseHop } from "./answer.js";
import type { GrmScorer } from "./grmScorer.js";

const VIEWS = ["front", "left", "right"];
const GOAL: Rgb[] = [
  [250, 250, 250],
  [250, 250, 0],
  [0, 250, 250],
];
// Per step, one colour per view; every colour in the test is distinct.
const STEPS: Rgb[][] = [
  [
    [200, 0, 0],
    [0, 200, 0],
    [0, 0, 200],
  ],
  [
    [120, 0, 0],
    [0, 120, 0],
    [0, 0, 120],
  ],
  [
    [60, 0, 0],
    [0, 60, 0],
    [0, 0, 60],
  ],
];
const SIZE = 16;
let dir: string;
let server: GrmServer;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), "grm-test-"));
  await writeGrmModel(join(dir, "m"), { views: VIEWS, goalColours: GOAL, size: SIZE });
  server = await startGrmServer(() => "<score>+0%</score>");
});
after(async () => {
  await server.close();
  await rm(dir, { recursive: true, force: true });
});

const quiet = createLogger("grm-test", () => {});

async function model(fusion: FusionMode, grm = {}): Promise<RewardModelParts & { estimator: GrmScorer }> {
  if (Object.keys(grm).length > 0) {
    await writeGrmModel(join(dir, "m2"), { views: VIEWS, goalColours: GOAL, size: SIZE, grm });
  }
  const parts = await createRewardModel({
    model: join(dir, Object.keys(grm).length > 0 ? "m2" : "m"),
    providers: ["cpu"],
    threads: 1,
    fusion,
    grmEndpoint: server.url,
    log: quiet,
  });
  return parts as RewardModelParts & { estimator: GrmScorer };
}

/** A fresh scorer in `fusion` mode at the start of an episode, with the server's call log cleared. */
async function atEpisodeStart(fusion: FusionMode): Promise<RewardModelParts & { estimator: GrmScorer }> {
  const parts = await model(fusion);
  server.calls.length = 0;
  parts.estimator.startEpisode();
  return parts;
}

/** Writes one solid frame per view into the estimator's slots and estimates the step. */
async function step(parts: RewardModelParts, colours: readonly Rgb[], views = [0, 1, 2]) {
  const slots = parts.estimator.imageSlots(views.length);
  await Promise.all(
    views.map((v, i) => {
      const data = new Uint8Array(SIZE * SIZE * 3);
      for (let p = 0; p < SIZE * SIZE; p++) data.set(colours[v], 3 * p);
      const message = rgbImage(SIZE, SIZE, data, { stamp: { sec: 0, nanosec: 0 }, frame_id: VIEWS[v] });
      return parts.preprocessor.toTensor(
        VIEWS[v],
        { kind: "Image", message },
        slots,
        i * parts.preprocessor.size,
      );
    }),
  );
  return parts.estimator.estimate(views);
}

const near = (a: readonly number[], b: Rgb): boolean => a.every((x, i) => Math.abs(x - b[i]) < 6);
async function colours(call: GrmCall): Promise<number[][]> {
  return Promise.all(call.images.map(dataUrlColour));
}
/** Which of the known colours an image is: 'goal0', 's1v2', … */
function name(c: number[]): string {
  for (const [v, g] of GOAL.entries()) if (near(c, g)) return `goal${v}`;
  for (const [s, views] of STEPS.entries())
    for (const [v, x] of views.entries()) if (near(c, x)) return `s${s}v${v}`;
  return `?${c.map(Math.round).join(",")}`;
}

test("parseHop reads <score>±NN%</score> as NN/100, clamped, the last score wins; anything else is an error", () => {
  assert.equal(parseHop("<score>+35%</score>"), 0.35);
  assert.equal(parseHop("thinking… <score>-20%</score>"), -0.2);
  assert.equal(parseHop("<score>\u221250%</score>"), -0.5);
  assert.equal(parseHop("<score>7%</score>"), 0.07);
  assert.equal(parseHop("<score>+150%</score>"), 1);
  assert.equal(parseHop("was <score>+10%</score>, now <score>+40%</score>"), 0.4);
  for (const bad of ["", "35%", "<score>high</score>", "<score>+35</score>"]) {
    assert.throws(() => parseHop(bad), GrmAnswerError, bad);
  }
  assert.throws(() => parseHop("no score at all"), /no score at all/, "the error carries the raw answer");
});

test("each anchor's request carries the task text and 8 images in order: START, GOAL, BEFORE ×3, AFTER ×3", async () => {
  const parts = await atEpisodeStart("fused");
  try {
    await step(parts, STEPS[0]);
    await step(parts, STEPS[1]);
    const calls = server.calls.slice(3);
    assert.equal(calls.length, 3, "three anchors per step in fused mode");
    for (const call of calls) {
      assert.match(call.text, /stack the red cube/, "the task instruction fills {task}");
      assert.equal(call.body.model, "test-grm");
      assert.equal(call.images.length, 8);
      assert.ok(call.images.every((u) => u.startsWith("data:image/jpeg;base64,")));
    }
    const seen = (await Promise.all(calls.map(colours))).map((c) => c.map(name).join(" "));
    const after = "s1v0 s1v1 s1v2";
    assert.deepEqual(
      new Set(seen),
      new Set([
        `s0v0 goal0 s0v0 s0v1 s0v2 ${after}`, // incremental: BEFORE = previous step
        `s0v0 goal0 s0v0 s0v1 s0v2 ${after}`, // forward: BEFORE = START (step 0 here)
        `s0v0 goal0 goal0 goal1 goal2 ${after}`, // backward: BEFORE = GOAL
      ]),
    );
    await step(parts, STEPS[2]);
    const third = (await Promise.all(server.calls.slice(6).map(colours))).map((c) => c.map(name).join(" "));
    const now = "s2v0 s2v1 s2v2";
    assert.deepEqual(
      third.sort(),
      [
        `s0v0 goal0 goal0 goal1 goal2 ${now}`,
        `s0v0 goal0 s0v0 s0v1 s0v2 ${now}`,
        `s0v0 goal0 s1v0 s1v1 s1v2 ${now}`,
      ].sort(),
    );
  } finally {
    await parts.release();
  }
});

test("one camera fills all three slots; a missing view's slot takes the front view", async () => {
  const parts = await atEpisodeStart("forward");
  try {
    await step(parts, STEPS[0]);
    const e = await step(parts, STEPS[1], [0, 2]);
    assert.equal(server.calls.length, 2, "forward mode sends one request per step");
    const names = (await colours(server.calls[1])).map(name);
    assert.deepEqual(names, ["s0v0", "goal0", "s0v0", "s0v0", "s0v2", "s1v0", "s1v0", "s1v2"]);
    assert.ok(Math.abs(e.confidence - 2 / 3) < 1e-9, "confidence is the share of views present");
  } finally {
    await parts.release();
  }
});

test("a single camera fills the front, left-wrist and right-wrist slots: START, GOAL, BEFORE ×3, AFTER ×3 of that camera", async () => {
  const cases = [
    // a one-view model: every slot defaults to its only view
    { folder: "one", views: ["front"], goal: [GOAL[0]], grm: {}, camera: 0 },
    // three views, the manifest points every slot at the second one
    {
      folder: "same",
      views: VIEWS,
      goal: GOAL,
      grm: { slots: { front: "left", left_wrist: "left", right_wrist: "left" } },
      camera: 1,
    },
  ];
  for (const c of cases) {
    await writeGrmModel(join(dir, c.folder), { views: c.views, goalColours: c.goal, size: SIZE, grm: c.grm });
    const parts = await createRewardModel({
      model: join(dir, c.folder),
      providers: ["cpu"],
      threads: 1,
      fusion: "incremental",
      grmEndpoint: server.url,
      log: quiet,
    });
    try {
      server.answer = () => "<score>+10%</score>";
      server.calls.length = 0;
      parts.estimator.startEpisode();
      const all = c.views.map((_v, i) => i);
      for (const s of STEPS) await step(parts, s, all);
      assert.equal(server.calls.length, 3, `${c.folder}: one request per step`);
      const last = server.calls[2];
      assert.equal(last.images.length, 8);
      const v = `v${c.camera}`;
      assert.deepEqual(
        (await colours(last)).map(name),
        [`s0${v}`, `goal${c.camera}`, `s1${v}`, `s1${v}`, `s1${v}`, `s2${v}`, `s2${v}`, `s2${v}`],
        c.folder,
      );
      // the three BEFORE and the three AFTER images are the very same encoded frame
      assert.equal(new Set(last.images.slice(2, 5)).size, 1);
      assert.equal(new Set(last.images.slice(5, 8)).size, 1);
    } finally {
      await parts.release();
    }
  }
});

/** Fixed answers per anchor, told apart by the BEFORE front image. */
function fixedScores(
  call: GrmCall,
  names: string[],
  scores: { inc: string; fwd: string; bwd: string },
): string {
  if (names[2] === "goal0") return `<score>${scores.bwd}%</score>`;
  if (names[2] === names[0]) return `<score>${scores.fwd}%</score>`;
  return `<score>${scores.inc}%</score>`;
}

test("fixed scores give Φ exactly as DESIGN §4's fusion formulas say", async () => {
  const answerWith = (scores: { inc: string; fwd: string; bwd: string }) => async (call: GrmCall) =>
    fixedScores(call, (await colours(call)).map(name), scores);
  server.answer = answerWith({ inc: "+50", fwd: "+30", bwd: "-60" });
  const fused = await model("fused");
  try {
    fused.estimator.startEpisode();
    // step 0: BEFORE = START for the incremental hop too, so it answers the forward score.
    const e0 = await step(fused, STEPS[0]);
    const phiI0 = 0 + (1 - 0) * 0.3;
    const phi0 = (phiI0 + 0.3 + (1 - 0.6)) / 3;
    assert.ok(Math.abs(e0.phi - phi0) < 1e-12, `Φ0 ${e0.phi} vs ${phi0}`);
    // step 1: BEFORE (step 0) is still the START image, so the incremental hop gets the forward score again.
    const e1 = await step(fused, STEPS[1]);
    const phi1 = (phi0 + (1 - phi0) * 0.3 + 0.3 + 0.4) / 3;
    assert.ok(Math.abs(e1.phi - phi1) < 1e-12, `Φ1 ${e1.phi} vs ${phi1}`);
    const e2 = await step(fused, STEPS[2]);
    const phi2 = (phi1 + (1 - phi1) * 0.5 + 0.3 + 0.4) / 3;
    assert.ok(Math.abs(e2.phi - phi2) < 1e-12, `Φ2 ${e2.phi} vs ${phi2}`);
    assert.equal(e1.potential, "fused");
  } finally {
    await fused.release();
  }
  server.answer = answerWith({ inc: "-25", fwd: "+80", bwd: "-10" });
  const inc = await atEpisodeStart("incremental");
  try {
    const e0 = await step(inc, STEPS[0]); // H = +80 (BEFORE = START)
    assert.ok(Math.abs(e0.phi - 0.8) < 1e-12);
    await step(inc, STEPS[1]); // BEFORE = step 0 = START: +80 again
    const phi1 = 0.8 + 0.2 * 0.8;
    const e2 = await step(inc, STEPS[2]); // H = −25: ΔΦ = Φ·H
    assert.ok(Math.abs(e2.phi - (phi1 + phi1 * -0.25)) < 1e-12, `Φ ${e2.phi}`);
    assert.equal(server.calls.length, 3, "incremental mode sends one request per step");
  } finally {
    await inc.release();
  }
  server.answer = answerWith({ inc: "+0", fwd: "+0", bwd: "-35" });
  const backward = await model("backward");
  try {
    backward.estimator.startEpisode();
    assert.ok(Math.abs((await step(backward, STEPS[0])).phi - 0.65) < 1e-12);
  } finally {
    await backward.release();
  }
});

test("a malformed answer fails the step (counted, raw answer in the error) and keeps the incremental chain", async () => {
  const parts = await model("incremental");
  try {
    server.answer = () => "<score>+50%</score>";
    parts.estimator.startEpisode();
    const e0 = await step(parts, STEPS[0]);
    server.answer = () => "I think it is about halfway";
    await assert.rejects(step(parts, STEPS[1]), (err: Error) => {
      assert.ok(err instanceof GrmAnswerError);
      assert.match(err.message, /about halfway/);
      return true;
    });
    assert.equal(parts.estimator.client.counts.failed.answer, 1);
    server.calls.length = 0;
    server.answer = () => "<score>+50%</score>";
    const e2 = await step(parts, STEPS[2]);
    const names = (await colours(server.calls[0])).map(name);
    assert.deepEqual(names.slice(2, 5), ["s0v0", "s0v1", "s0v2"], "BEFORE is the last scored state, step 0");
    assert.ok(Math.abs(e2.phi - (e0.phi + (1 - e0.phi) * 0.5)) < 1e-12, "Φ chains from the last scored step");
  } finally {
    await parts.release();
  }
});

test("the three anchors run concurrently; a slow server past timeout_ms, HTTP errors and a server that goes away fail the step, then it recovers", async () => {
  const parts = await model("fused", { timeout_ms: 400 });
  try {
    parts.estimator.startEpisode();
    server.answer = () => "<score>+10%</score>";
    server.delayMs = 150;
    const t0 = performance.now();
    await step(parts, STEPS[0]);
    const took = performance.now() - t0;
    assert.ok(took < 2 * 150 + 100, `three concurrent 150 ms answers took ${took.toFixed(0)} ms`);
    server.delayMs = 600;
    await assert.rejects(step(parts, STEPS[1]), /no answer within 400 ms/);
    assert.equal(parts.estimator.client.counts.failed.timeout, 3);
    server.delayMs = 0;
    server.answer = () => ({ status: 503, body: "model is loading" });
    await assert.rejects(step(parts, STEPS[1]), /HTTP 503 model is loading/);
    await server.close();
    await assert.rejects(step(parts, STEPS[1]), /ECONNREFUSED/);
    assert.ok(parts.estimator.client.counts.failed.connection >= 1);
    await server.restart();
    server.answer = () => "<score>+10%</score>";
    const e = await step(parts, STEPS[1]);
    assert.ok(e.phi > 0, "scores again once the server is back");
  } finally {
    server.delayMs = 0;
    await parts.release();
  }
});

test("bad grm manifests are refused naming the field; the API key comes from the named environment variable", async () => {
  const bad = async (grm: object, pattern: RegExp) => {
    await writeGrmModel(join(dir, "bad"), { views: VIEWS, goalColours: GOAL, size: SIZE, grm });
    await assert.rejects(
      createRewardModel({
        model: join(dir, "bad"),
        providers: ["cpu"],
        threads: 1,
        fusion: "fused",
        log: quiet,
      }),
      pattern,
    );
  };
  await bad({ prompt: "no placeholder" }, /\{task\}/);
  await bad(
    { slots: { front: "front", left_wrist: "nope", right_wrist: "right" } },
    /grm.slots.left_wrist: 'nope'/,
  );
  await bad({ max_side: 8 }, /exceeds grm.max_side 8/);
  await bad({ prompt: "{task} <image> <image>" }, /2 '<image>' markers/);
  await bad({ endpoint: "ftp://x" }, /grm.endpoint/);
  await bad({ api_key_env: "GRM_TEST_KEY_UNSET" }, /GRM_TEST_KEY_UNSET.*not set/);
  process.env.GRM_TEST_KEY = "sekrit";
  try {
    const parts = await model("forward", { api_key_env: "GRM_TEST_KEY" });
    try {
      server.calls.length = 0;
      server.answer = () => "<score>+1%</score>";
      parts.estimator.startEpisode();
      await step(parts, STEPS[0]);
      assert.equal(server.calls[0].authorization, "Bearer sekrit");
    } finally {
      await parts.release();
    }
  } finally {
    delete process.env.GRM_TEST_KEY;
  }
});
