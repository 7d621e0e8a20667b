import assert from "node:assert/strict";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import sharp from "sharp";
import { createLogger } from "../../lib/node/log.js";
import { packagePath } from "../../lib/paths.js";
import { writeTestRecording } from "../data/testRecording.js";
import { runEval } from "./run.js";
import { recordingEpisodes } from "./sources.js";

const log = createLogger("test", () => {}, "error");
// The reward node's placeholder: random weights, the real contract (views front/left/wrist, task pick_place).
const PLACEHOLDER = packagePath("models", "placeholder");

async function withDir(f: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), "eval-"));
  try {
    await f(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

test("eval of a recording: every view configuration scored, metrics in range, JSON and PNG plot written", () =>
  withDir(async (dir) => {
    const bag = join(dir, "rec.mcap");
    await writeTestRecording(bag, {
      task: "pick_place",
      stages: ["reach", "grasp", "transport", "place"],
      views: ["front", "wrist"],
      episodes: 3,
      steps: 7,
    });
    const json = join(dir, "out", "report.json");
    const out = await runEval({
      model: PLACEHOLDER,
      fusion: "fused",
      json,
      plots: join(dir, "plots"),
      threads: 1,
      log,
      source: { bag },
      episodes: (m) => recordingEpisodes(bag, m.views, m.stride),
    });
    assert.deepEqual(out.configs, ["all", "drop:front", "drop:left", "drop:wrist"]);
    const metrics = out.tasks.pick_place;
    for (const name of out.configs) {
      const m = metrics[name];
      assert.equal(m.episodes, 3);
      assert.equal(m.successful, 1);
      for (const v of [m.voc, m.vroc]) assert.ok(v !== null && v >= -1 && v <= 1, `${name}: ${v}`);
      assert.ok(m.completion_accuracy !== null && m.completion_accuracy >= 0 && m.completion_accuracy <= 1);
      const counted = Object.values(m.confusion).reduce(
        (s, row) => s + Object.values(row).reduce((a, b) => a + b, 0),
        0,
      );
      assert.equal(counted, 3);
    }
    // Truth rises linearly in every episode, but only the first is a sim success: the truth's own
    // classification calls the other two "success" where their true class is "partial".
    assert.deepEqual(out.ceiling.tasks.pick_place, {
      voc: 1,
      voc_monotone: 1,
      completion_accuracy: 0.3333,
    });
    assert.equal(out.episodes[0].truth_voc, 1);
    // the one successful episode rises steadily, so it counts among the monotone ones
    assert.equal(metrics.all.voc_monotone, metrics.all.voc);
    // the view the recording lacks ('left') changes nothing when dropped
    assert.equal(metrics["drop:left"].voc, metrics.all.voc);
    assert.deepEqual(JSON.parse(await readFile(json, "utf8")).configs, out.configs);
    const png = await sharp(out.plots[0]).metadata();
    assert.equal(png.format, "png");
  }));

test("a success whose true progress falls lowers the ceiling and leaves no monotone episode to score", () =>
  withDir(async (dir) => {
    const bag = join(dir, "rec.mcap");
    // rises, falls back (a dropped object), then reaches the goal
    const dip = [0, 0.5, 0.2, 0.6, 1];
    await writeTestRecording(bag, {
      task: "pick_place",
      stages: ["reach", "grasp", "transport", "place"],
      views: ["front", "wrist"],
      episodes: 1,
      steps: dip.length,
      progress: (step) => dip[step],
    });
    const out = await runEval({
      model: PLACEHOLDER,
      fusion: "fused",
      threads: 1,
      log,
      source: { bag },
      episodes: (m) => recordingEpisodes(bag, m.views, m.stride),
    });
    assert.equal(out.ceiling.tasks.pick_place.voc, 0.9);
    assert.equal(out.episodes[0].truth_voc, 0.9);
    assert.equal(out.ceiling.tasks.pick_place.voc_monotone, null);
    assert.equal(out.tasks.pick_place.all.voc_monotone, null);
    assert.equal(out.tasks.pick_place.all.successful, 1);
  }));

test("a missing model folder and a recording of a task the model does not know fail with clear errors", () =>
  withDir(async (dir) => {
    const bag = join(dir, "rec.mcap");
    await writeTestRecording(bag, { task: "push", stages: ["reach", "push"], views: ["front"] });
    const base = {
      fusion: "fused" as const,
      threads: 1,
      log,
      source: {},
      episodes: (m: { views: readonly string[]; stride: number }) =>
        recordingEpisodes(bag, m.views, m.stride),
    };
    await assert.rejects(runEval({ ...base, model: join(dir, "nope") }), /nope: cannot read manifest\.json/);
    await assert.rejects(
      runEval({ ...base, model: PLACEHOLDER }),
      /task 'push' is not in model 'placeholder'/,
    );
  }));

test("a recording without any of the model's views is refused, naming the views", () =>
  withDir(async (dir) => {
    const bag = join(dir, "rec.mcap");
    await writeTestRecording(bag, { task: "pick_place", stages: ["a", "b", "c", "d"], views: ["top"] });
    await assert.rejects(
      runEval({
        model: PLACEHOLDER,
        fusion: "fused",
        threads: 1,
        log,
        source: {},
        episodes: (m) => recordingEpisodes(bag, m.views, m.stride),
      }),
      /rec\.mcap: no episodes with camera frames/,
    );
  }));
