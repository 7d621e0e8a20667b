import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import type { CameraMessage } from "../../lib/image/cameraImage.js";
import { rgbImage } from "../../lib/image/rgbImage.js";
import { createLogger } from "../../lib/node/log.js";
import { goalImageTensor } from "../../lib/reward/goalImages.js";
import { slotToJpegDataUrl } from "../../lib/reward/grm/jpeg.js";
import { loadManifest } from "../../lib/reward/manifest.js";
import { Preprocessor } from "../../lib/reward/preprocess.js";
import { writeGrmModel, type Rgb } from "../../lib/reward/testing/grmModel.js";
import { startGrmServer, type GrmServer } from "../../lib/reward/testing/grmServer.js";
import { truthAnswerer } from "../../lib/reward/testing/truthAnswerer.js";
import { imageMessage } from "../../sim/messages.js";
import { createSim } from "../../sim/sim.js";
import type { EvalEpisode } from "./episodeScorer.js";
import { runEval } from "./run.js";

const hasDisplay = Boolean(process.env.DISPLAY);
const VIEWS = ["front", "side", "wrist"] as const;
const GOAL: Rgb[] = [
  [250, 250, 250],
  [250, 250, 0],
  [0, 250, 250],
];
const SIZE = 64;
const log = createLogger("test", () => {}, "error");
let dir: string;
let model: string;
let server: GrmServer;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), "eval-grm-"));
  model = await writeGrmModel(join(dir, "grm"), { views: [...VIEWS], goalColours: GOAL, size: SIZE });
  server = await startGrmServer(() => "<score>+0%</score>");
});
after(async () => {
  await server.close();
  await rm(dir, { recursive: true, force: true });
});

/** The data URL the grm scorer sends for a frame (preprocessed, then JPEG as the model says). */
async function dataUrlOf(pre: Preprocessor, message: CameraMessage): Promise<string> {
  const loaded = await loadManifest(model);
  const slot = new Float32Array(pre.size);
  await pre.toTensor("test", message, slot, 0);
  return slotToJpegDataUrl(loaded.manifest.image, slot, loaded.manifest.grm!.jpeg_quality);
}

test(
  "eval through a grm model: a scripted answerer giving the true hop scores expert sim episodes at VOC ≥ 0.95 in every view configuration",
  {
    skip: hasDisplay ? false : "rendering needs an X display (run under xvfb-run, as make test does)",
    timeout: 180_000,
  },
  async (t) => {
    const loaded = await loadManifest(model);
    const pre = new Preprocessor(loaded.manifest.image);
    const truthOf = new Map<string, number>();
    const sideFrames = new Set<string>();
    const goal = await goalImageTensor(loaded, pre, "t");
    for (const v of VIEWS.keys()) {
      const url = await slotToJpegDataUrl(
        loaded.manifest.image,
        goal.subarray(v * pre.size, (v + 1) * pre.size),
        loaded.manifest.grm!.jpeg_quality,
      );
      truthOf.set(url, 1);
    }
    // Two expert episodes, every 3rd step (and the last), every view's frame known to the answerer.
    const episodes: EvalEpisode[] = [];
    for (const seed of [900_011, 900_012]) {
      const sim = await createSim({ task: "pick_place", seed, width: SIZE, height: SIZE, views: [...VIEWS] });
      try {
        const frames: CameraMessage[][] = [];
        const progress: number[] = [];
        let r = sim.reset();
        const expert = sim.expert({ noise: 0.002, failure: "none" });
        const keep = async () => {
          // The sim renders into reused buffers: keep a copy of each frame.
          const views = r.frames.map((f): CameraMessage => ({
            kind: "Image",
            message: imageMessage({ ...f, data: new Uint8Array(f.data) }, { sec: 0, nanosec: 0 }),
          }));
          for (const [v, m] of views.entries()) {
            const url = await dataUrlOf(pre, m);
            truthOf.set(url, r.truth.progress);
            if (VIEWS[v] === "side") sideFrames.add(url);
          }
          frames.push(views);
          progress.push(r.truth.progress);
        };
        await keep();
        while (!r.done) {
          r = sim.step(expert.act(r.state, r.truth));
          if (r.step % 3 === 0 || r.done) await keep();
        }
        assert.ok(r.truth.success, `seed ${seed}: the expert succeeds`);
        episodes.push({ task: "t", label: `seed ${seed}`, success: true, trueProgress: progress, frames });
      } finally {
        sim.close();
      }
    }
    const unknown: string[] = [];
    server.answer = truthAnswerer(truthOf, unknown);
    server.calls.length = 0;
    const out = await runEval({
      model,
      fusion: "fused",
      threads: 1,
      grmEndpoint: server.url,
      log,
      source: { test: "expert sim episodes" },
      episodes: async function* () {
        yield* episodes;
      },
    });
    assert.deepEqual(unknown, [], "every image sent is a frame of the episode or a goal image");
    assert.ok(server.calls.length > 0 && server.calls.every((c) => c.images.length === 8), "8 images each");
    assert.deepEqual(out.configs, ["all", "drop:front", "drop:side", "drop:wrist"]);
    assert.ok(
      server.calls.some((c) => sideFrames.has(c.images[5])),
      "with the front view dropped, the front slot takes the first view present (side)",
    );
    const steps = episodes.reduce((s, e) => s + e.frames.length, 0);
    // Every configuration, forwards and reversed; three anchors per step in fused mode.
    assert.equal(server.calls.length, 4 * 2 * 3 * steps);
    assert.deepEqual(out.served, {
      scoring: "stepwise",
      endpoint: server.url,
      steps: 4 * 2 * steps,
      failed_steps: 0,
      errors: [],
    });
    for (const name of out.configs) {
      const m = out.tasks.t[name];
      t.diagnostic(`${name}: VOC ${m.voc}, VROC ${m.vroc}, |Φ−true| ${m.progress_mae}`);
      assert.equal(m.episodes, 2);
      assert.ok(m.voc !== null && m.voc >= 0.95, `${name}: VOC ${m.voc}`);
      assert.ok(m.progress_mae !== null && m.progress_mae < 0.1, `${name}: |Φ−true| ${m.progress_mae}`);
    }
    assert.ok(out.worst_single_view_drop_voc! >= 0.95);
  },
);

/** A tiny synthetic episode: solid grey frames, brighter each step, progress rising linearly. */
function greyEpisode(steps: number): EvalEpisode {
  const frame = (t: number): CameraMessage[] =>
    VIEWS.map((view) => ({
      kind: "Image",
      message: rgbImage(8, 8, new Uint8Array(8 * 8 * 3).fill(30 + 40 * t), {
        stamp: { sec: t, nanosec: 0 },
        frame_id: view,
      }),
    }));
  return {
    task: "t",
    label: "grey",
    success: true,
    trueProgress: Array.from({ length: steps }, (_, t) => t / (steps - 1)),
    frames: Array.from({ length: steps }, (_, t) => frame(t)),
  };
}

test("eval through a grm model: failed steps hold Φ and are counted; a server that is not there stops the eval", async () => {
  const base = {
    model,
    fusion: "forward" as const,
    threads: 1,
    grmEndpoint: server.url,
    log,
    source: {},
    episodes: async function* () {
      yield greyEpisode(4);
    },
  };
  let n = 0;
  server.answer = () => (++n % 4 === 0 ? "no idea" : "<score>+20%</score>");
  const out = await runEval(base);
  // forward mode: one request per step; 4 configs × 2 directions × 4 steps
  assert.equal(out.served!.steps, 32);
  assert.equal(out.served!.failed_steps, 8);
  assert.match(out.served!.errors[0], /no idea/);
  assert.ok(out.episodes.length === 1);
  await server.close();
  try {
    await assert.rejects(runEval(base), /grey: every step failed, the first with: .*ECONNREFUSED/);
  } finally {
    await server.restart();
  }
});
