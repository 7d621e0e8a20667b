import assert from "node:assert/strict";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { writeOneCameraBag } from "../../lib/bag/fixtureBag.js";
import { bagViews, viewNameOfTopic, writeAnnotatedDataset } from "./annotatedDataset.js";

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), "annotated-dataset-"));
});
after(() => rm(dir, { recursive: true, force: true }));

test("view names of camera topics", () => {
  assert.equal(viewNameOfTopic("/cam_high/image_raw/compressed"), "cam_high");
  assert.equal(viewNameOfTopic("/camera/front/image_raw"), "front");
  assert.equal(viewNameOfTopic("/camera/image_raw"), "camera");
  assert.throws(() => viewNameOfTopic("/"), /has no name/);
});

test("a bag without annotations: one stage, the task named after the bag, its camera as the view", async () => {
  const bag = await writeOneCameraBag(join(dir, "robot_demo"), { frames: 6, width: 32, height: 24 });
  assert.deepEqual((await bagViews(bag)).views, ["camera"]);
  await assert.rejects(bagViews(bag, ["/nope"]), /no camera topic \/nope/);
  const out = join(dir, "data");
  const summary = await writeAnnotatedDataset([bag], { out, size: 16, stride: 1 });
  assert.deepEqual(summary.views, ["camera"]);
  assert.deepEqual(summary.tasks, { robot_demo: ["task"] });
  assert.equal(summary.frames, 6);
  const meta = JSON.parse(await readFile(join(out, "dataset.json"), "utf8")) as {
    frames: { progress: number[] };
    episodes: { success: boolean }[];
  };
  assert.equal(meta.episodes[0]!.success, true, "an annotated demonstration counts as a success");
  const p = meta.frames.progress;
  assert.ok(
    p.every((x, i) => i === 0 || x > p[i - 1]!),
    `uniform in time: ${p.join(", ")}`,
  );
});

test("a malformed annotations.yaml is refused naming the file", async () => {
  const bag = await writeOneCameraBag(join(dir, "bad"), { frames: 4, width: 32, height: 24 });
  await writeFile(join(bag, "annotations.yaml"), "version: 1\nepisodes: nope\n");
  await assert.rejects(
    writeAnnotatedDataset([bag], { out: join(dir, "data-bad"), size: 16, stride: 1 }),
    /annotations\.yaml/,
  );
});
