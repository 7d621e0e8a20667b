import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { writeOneCameraBag } from "../../lib/bag/fixtureBag.js";
import { readAnnotatedBag } from "./annotatedBag.js";

test("an annotated real bag reads as labelled episodes; without annotations one stage uniform in time", async () => {
  const dir = await mkdtemp(join(tmpdir(), "annotated-"));
  try {
    // 11 frames at 10 Hz: 0 … 1 s.
    const bag = await writeOneCameraBag(join(dir, "robot"), { frames: 11, width: 16, height: 12, hz: 10 });
    const views = ["front", "side", "wrist"];
    const cameras = ["/camera/image_raw", "", ""];
    const [plain] = await readAnnotatedBag(bag, views, cameras);
    assert.deepEqual(plain!.stageNames, ["task"]);
    assert.deepEqual(
      plain!.steps.map((s) => Math.round(s.truth.progress * 10) / 10),
      [0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1],
    );
    assert.deepEqual([...plain!.steps[0]!.images.keys()], ["front"]);
    await writeFile(
      join(bag, "annotations.yaml"),
      "task: wipe\nepisodes:\n  - stages:\n      - {name: reach, start_s: 0.2, end_s: 0.4}\n      - {name: wipe, start_s: 0.6, end_s: 1.0}\n",
    );
    const [ep] = await readAnnotatedBag(bag, views, cameras);
    assert.deepEqual(ep!.stageNames, ["reach", "wipe"]);
    assert.equal(ep!.task, "wipe");
    assert.deepEqual(
      ep!.steps.map((s) => Math.round(s.truth.progress * 100) / 100),
      [0, 0, 0, 0.25, 0.5, 0.5, 0.5, 0.63, 0.75, 0.88, 1],
    );
    await assert.rejects(
      readAnnotatedBag(bag, views),
      /none of its camera topics \(\/camera\/image_raw\) is named for the model's views/,
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
