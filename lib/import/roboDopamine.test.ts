import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { openBag } from "../bag/openBag.js";
import { readStageAnnotations, stageNames, stageProgress } from "../bag/stageAnnotations.js";
import { codecFor } from "../codec/codec.js";
import { MsgType, type CompressedImage } from "../codec/messages.js";
import { packagePath } from "../paths.js";
import { IMPORT_EPOCH_NS, importRoboDopamine } from "./roboDopamine.js";

const REAL = packagePath("..", "shared", "data", "robo_dopamine_clean_table");
const noReal = existsSync(REAL) ? false : `shared episode not found at ${REAL}`;
const noFfmpeg = (() => {
  try {
    execFileSync("ffmpeg", ["-version"], { stdio: "ignore" });
    return false;
  } catch {
    return "ffmpeg not installed (scripts/install-system-deps.sh)";
  }
})();

let dir: string;
let raw: string;
/** A tiny raw dir: one episode, 20 frames of two 64×48 cameras at 10 fps, two stages. */
function video(file: string, frames: number, pattern = "testsrc"): void {
  execFileSync("ffmpeg", [
    "-v",
    "error",
    "-y",
    "-f",
    "lavfi",
    "-i",
    `${pattern}=size=64x48:rate=10`,
    "-frames:v",
    String(frames),
    "-pix_fmt",
    "yuv420p",
    file,
  ]);
}
before(async () => {
  if (noFfmpeg) return;
  dir = await mkdtemp(join(tmpdir(), "import-"));
  raw = join(dir, "raw");
  await mkdir(join(raw, "episode_000"), { recursive: true });
  video(join(raw, "episode_000", "cam_high.mp4"), 20);
  video(join(raw, "episode_000", "cam_wrist.mp4"), 20, "testsrc2");
  await writeFile(
    join(raw, "episode_000", "annotated_keyframes.json"),
    JSON.stringify([
      { anotation: "reach", start_frame_id: 2, end_frame_id: 10 },
      { anotation: "wipe", start_frame_id: 10, end_frame_id: 18 },
    ]),
  );
  await writeFile(join(raw, "task_instruction.json"), JSON.stringify(["wipe it", "clean it"]));
});
after(() => (dir ? rm(dir, { recursive: true, force: true }) : undefined));

test(
  "a raw dir imports: one bag per episode, JPEG CompressedImage per camera, stamps from the rate, annotations",
  { skip: noFfmpeg },
  async () => {
    const [ep] = await importRoboDopamine(raw, join(dir, "out"));
    assert.equal(ep!.name, "episode_000");
    assert.equal(ep!.frames, 20);
    assert.deepEqual(ep!.topics, ["/cam_high/image_raw/compressed", "/cam_wrist/image_raw/compressed"]);
    const bag = await openBag(ep!.bag);
    const codec = codecFor<CompressedImage>(MsgType.CompressedImage);
    try {
      assert.deepEqual(
        bag.topics.map((t) => [t.name, t.type, t.count]),
        ep!.topics.map((t) => [t, MsgType.CompressedImage, 20]),
      );
      const stamps: bigint[] = [];
      for await (const m of bag.messages({ topics: [ep!.topics[0]!] })) {
        const img = codec.decode(m.data);
        assert.equal(img.format, "jpeg");
        assert.equal(img.data[0], 0xff);
        assert.equal(img.data[1], 0xd8);
        assert.equal(img.data.at(-1), 0xd9);
        stamps.push(m.logTime);
      }
      assert.deepEqual(
        stamps,
        stamps.map((_s, i) => IMPORT_EPOCH_NS + BigInt(i) * 100_000_000n),
      );
    } finally {
      await bag.close();
    }
    const ann = await readStageAnnotations(ep!.bag, {
      startNs: IMPORT_EPOCH_NS,
      endNs: IMPORT_EPOCH_NS + 1_900_000_000n,
    });
    assert.equal(ann.task, "wipe it");
    const e = ann.episodes[0]!;
    assert.deepEqual(stageNames(e), ["reach", "wipe"]);
    assert.equal(stageProgress(e, IMPORT_EPOCH_NS + 600_000_000n), 0.25, "frame 6: half of stage 1");
    assert.equal(stageProgress(e, IMPORT_EPOCH_NS + 1_900_000_000n), 1);
    // Every 4th frame, scaled: stamps keep the recorded times.
    const [sub] = await importRoboDopamine(raw, join(dir, "sub"), { every: 4, width: 32 });
    assert.equal(sub!.frames, 5);
  },
);

async function broken(name: string, change: (ep: string) => Promise<void>): Promise<string> {
  const copy = join(dir, name);
  await cp(raw, copy, { recursive: true });
  await change(join(copy, "episode_000"));
  return copy;
}

test("malformed raw data: clear errors naming the file and what is wrong", { skip: noFfmpeg }, async () => {
  const refuses = async (name: string, change: (ep: string) => Promise<void>, re: RegExp): Promise<void> => {
    const copy = await broken(name, change);
    await assert.rejects(importRoboDopamine(copy, join(dir, `${name}_out`)), re);
  };
  await refuses(
    "unreadable",
    (ep) => writeFile(join(ep, "cam_wrist.mp4"), "not a video"),
    /episode_000\/cam_wrist\.mp4: unreadable video/,
  );
  await refuses(
    "lengths",
    async (ep) => video(join(ep, "cam_wrist.mp4"), 15),
    /episode_000: videos of different lengths: cam_high\.mp4 20 frames, cam_wrist\.mp4 15 frames/,
  );
  await refuses(
    "outside",
    (ep) =>
      writeFile(
        join(ep, "annotated_keyframes.json"),
        JSON.stringify([{ anotation: "a", start_frame_id: 2, end_frame_id: 25 }]),
      ),
    /annotated_keyframes\.json: entry 0 \('a'\): frames 2–25 are outside the video \(frames 0–19\)/,
  );
  await refuses(
    "order",
    (ep) =>
      writeFile(
        join(ep, "annotated_keyframes.json"),
        JSON.stringify([
          { anotation: "a", start_frame_id: 8, end_frame_id: 12 },
          { anotation: "b", start_frame_id: 2, end_frame_id: 6 },
        ]),
      ),
    /entry 1 \('b'\) starts at frame 2, before entry 0 \('a'\) ends at 12: keyframes out of order or overlapping/,
  );
  await refuses(
    "types",
    (ep) =>
      writeFile(
        join(ep, "annotated_keyframes.json"),
        JSON.stringify([{ anotation: "a", start_frame_id: "2", end_frame_id: 6 }]),
      ),
    /entry 0 \('a'\): start_frame_id and end_frame_id must be integers/,
  );
  // A second episode without one of the cameras.
  const missing = await broken("missing", async () => undefined);
  await mkdir(join(missing, "episode_001"));
  video(join(missing, "episode_001", "cam_high.mp4"), 5);
  await assert.rejects(
    importRoboDopamine(missing, join(dir, "missing_out")),
    /episode_001\/cam_wrist\.mp4: missing camera video/,
  );
  await assert.rejects(importRoboDopamine(join(dir, "nowhere"), join(dir, "x")), /nowhere: no such folder/);
});

test(
  "the shared real episode imports (every 200th frame, 160 px wide)",
  { skip: noFfmpeg || noReal },
  async () => {
    const [ep] = await importRoboDopamine(REAL, join(dir, "real"), { every: 200, width: 160 });
    assert.equal(ep!.videoFrames, 1277);
    assert.equal(ep!.frames, 7);
    assert.deepEqual(ep!.cameras, ["cam_high", "cam_left_wrist", "cam_right_wrist"]);
    assert.equal(ep!.task, "clean the table");
    // Frames 0–1200 kept: the stages after frame 1200 are clipped or dropped.
    assert.ok(ep!.stages.length >= 14 && ep!.stages.length <= 16, `${ep!.stages.length} stages`);
    const text = await readFile(join(ep!.bag, "annotations.yaml"), "utf8");
    assert.match(text, /name: subtask1\n\s+start_s: 0\.266666667/);
  },
);
