import assert from "node:assert/strict";
import { test } from "node:test";
import {
  actionBounds,
  actionMessage,
  actionVector,
  denormalizeAction,
  executedAction,
  normalizeAction,
} from "./spaces.js";

test("normalized actions map onto the Action.msg bounds and back", () => {
  const b = actionBounds(0.05, 0.2);
  const phys = denormalizeAction([-1, 0, 1, 0.5, -1], b);
  assert.deepEqual(
    Array.from(phys).map((v) => Number(v.toFixed(6))),
    [-0.05, 0, 0.05, 0.1, 0],
  );
  const back = normalizeAction(phys, b);
  assert.deepEqual(
    Array.from(back).map((v) => Number(v.toFixed(5))),
    [-1, 0, 1, 0.5, -1],
  );
  // Out-of-range values are clipped, both ways.
  assert.equal(denormalizeAction([3, 0, 0, 0, 0], b)[0], Math.fround(0.05));
  assert.equal(normalizeAction([1, 0, 0, 0, 2], b)[4], 1);
});

test("a binary gripper is open or closed by the output's sign; what is executed is what is stored", () => {
  const b = actionBounds(0.05, 0.2, { binaryGripper: true });
  assert.equal(denormalizeAction([0, 0, 0, 0, -0.45], b)[4], 0);
  assert.equal(denormalizeAction([0, 0, 0, 0, 0.01], b)[4], 1);
  assert.deepEqual(Array.from(executedAction([1.5, 0, 0, 0, -0.2], b)), [1, 0, 0, 0, -1]);
  // A proportional gripper takes the gap in between.
  const proportional = actionBounds(0.05, 0.2);
  assert.equal(denormalizeAction([0, 0, 0, 0, -0.5], proportional)[4], 0.25);
  assert.equal(executedAction([0, 0, 0, 0, -0.5], proportional)[4], -0.5);
});

test("an Action message carries the vector in field order", () => {
  const msg = actionMessage(
    { stamp: { sec: 1, nanosec: 2 }, frame_id: "policy" },
    3n,
    4,
    [0.1, 0.2, 0.3, 0.4, 1],
  );
  assert.deepEqual(msg.translation, [0.1, 0.2, 0.3]);
  assert.equal(msg.gripper, 1);
  assert.deepEqual(
    Array.from(actionVector(msg)).map((v) => Number(v.toFixed(6))),
    [0.1, 0.2, 0.3, 0.4, 1],
  );
  assert.throws(() => actionBounds(0, 1), /max_translation > 0/);
});
