import assert from "node:assert/strict";
import { test } from "node:test";
import { FrameError, type CameraMessage } from "../image/cameraImage.js";
import type { Frame, SyncedGroup } from "./sync.js";
import { fillViewSlots } from "./viewTensors.js";

const SIZE = 2;
const topics = ["/a", "/b", "/c", "/d"];

function group(present: boolean[]): SyncedGroup<CameraMessage> {
  const frames = present.map((p, view): Frame<CameraMessage> | undefined =>
    p ? { view, stampMs: 0, arrivalMs: 0, message: { kind: "Image", message: {} as never } } : undefined,
  );
  return { frames, missing: [], stampMs: 0, arrivalMs: 0 };
}

/** Writes topic index + 1 into the slot; `bad` topics fail the way the preprocessor fails. */
function preprocessor(bad: Record<string, Error>) {
  return {
    size: SIZE,
    toTensor: async (topic: string, _m: CameraMessage, out: Float32Array, offset: number): Promise<void> => {
      await new Promise((r) => setImmediate(r));
      if (bad[topic]) throw bad[topic];
      out.fill(topics.indexOf(topic) + 1, offset, offset + SIZE);
    },
  };
}

test("slot i holds the frame of views[i]: absent and failed views are left out, later views move down", async () => {
  const buffer = new Float32Array(4 * SIZE);
  const failed: string[] = [];
  const views = await fillViewSlots(
    group([true, true, false, true]),
    topics,
    preprocessor({ "/b": new FrameError("/b", "size", "too small") }),
    (count) => buffer.subarray(0, count * SIZE),
    (err) => failed.push(err.message),
  );
  assert.deepEqual(views, [0, 3]);
  assert.deepEqual(Array.from(buffer.subarray(0, 2 * SIZE)), [1, 1, 4, 4]);
  assert.deepEqual(failed, ["/b: too small"]);
});

test("an error that is not a FrameError rejects", async () => {
  await assert.rejects(
    fillViewSlots(
      group([true, true]),
      topics,
      preprocessor({ "/a": new Error("bug") }),
      (count) => new Float32Array(count * SIZE),
      () => assert.fail("not a frame error"),
    ),
    /bug/,
  );
});
