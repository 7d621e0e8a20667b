import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { test } from "node:test";
import { runEpisode } from "../rollout.js";
import { createSim } from "../sim.js";
import type { TaskName } from "../tasks/index.js";

// Rendering needs an X display (headless-gl on Mesa); `make test` runs the suite under `xvfb-run -a`.
const skip =
  !process.env.DISPLAY && !process.env.CI ? "no X display: run under xvfb-run -a (make test does)" : false;

async function frameHashes(task: TaskName, seed: number, steps: number): Promise<string[]> {
  const sim = await createSim({ task, seed, width: 64, height: 48 });
  const hashes: string[] = [];
  runEpisode(sim, "noisy", {}, (r) => {
    if (r.step < steps)
      hashes.push(r.frames.map((f) => createHash("sha256").update(f.data).digest("hex")).join(":"));
  });
  sim.close();
  return hashes;
}

test("the same seed renders identical frames; another seed renders different ones", { skip }, async () => {
  const a = await frameHashes("stack", 11, 12);
  assert.equal(a.length, 12);
  assert.deepEqual(await frameHashes("stack", 11, 12), a);
  const b = await frameHashes("stack", 12, 12);
  assert.notEqual(b[0], a[0]);
});

test("frames are packed RGB of the configured size, one per view, top row first", { skip }, async () => {
  const sim = await createSim({
    task: "pick_place",
    seed: 3,
    width: 80,
    height: 60,
    views: ["front", "wrist"],
    randomization: { appearance: false },
  });
  const r = sim.reset();
  assert.deepEqual(
    r.frames.map((f) => [f.view, f.width, f.height, f.data.byteLength]),
    [
      ["front", 80, 60, 80 * 60 * 3],
      ["wrist", 80, 60, 80 * 60 * 3],
    ],
  );
  // The nominal background (0xb8c4d0) fills the top of the front view; the table (brown) its bottom.
  const front = r.frames[0]!.data;
  const pixel = (x: number, y: number): number[] =>
    Array.from(front.subarray((y * 80 + x) * 3, (y * 80 + x) * 3 + 3));
  const [br, bg, bb] = pixel(40, 1);
  assert.ok(bb! > br! && bg! > br!, `top pixel should be the bluish-grey background, got ${[br, bg, bb]}`);
  const [tr, , tb] = pixel(40, 58);
  assert.ok(tr! > tb!, `bottom pixel should be the brown table, got ${pixel(40, 58)}`);
  sim.close();
});

test("the wrist camera moves with the gripper; the front camera stays", { skip }, async () => {
  const sim = await createSim({ task: "push", seed: 5, width: 64, height: 64, views: ["front", "wrist"] });
  const copy = (r: { frames: readonly { data: Uint8Array }[] }): Buffer[] =>
    r.frames.map((f) => Buffer.from(f.data));
  let r = sim.reset();
  const before = copy(r);
  for (let i = 0; i < 5; i++) r = sim.step({ translation: [0.03, 0, 0], yaw: 0, gripper: 0 });
  const after = copy(r);
  sim.close();
  // Share of pixels that changed noticeably between the two frames of a view.
  const changed = (a: Buffer, b: Buffer): number => {
    let n = 0;
    for (let i = 0; i < a.length; i += 3) {
      if (Math.abs(a[i]! - b[i]!) + Math.abs(a[i + 1]! - b[i + 1]!) + Math.abs(a[i + 2]! - b[i + 2]!) > 30)
        n++;
    }
    return n / (a.length / 3);
  };
  const front = changed(before[0]!, after[0]!);
  const wrist = changed(before[1]!, after[1]!);
  assert.ok(front > 0, "the gripper moved in the front view");
  assert.ok(wrist > 0.2, `most of the wrist view changed (${wrist.toFixed(2)})`);
  assert.ok(
    front < wrist / 3,
    `the front view mostly stayed (${front.toFixed(2)} vs wrist ${wrist.toFixed(2)})`,
  );
});
