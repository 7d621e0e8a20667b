import assert from "node:assert/strict";
import { test } from "node:test";
import { StampIndex } from "./stampIndex.js";

test("a reward is placed on the step observed at its stamp, per episode; old entries are forgotten", () => {
  const index = new StampIndex(3);
  index.add(1n, { sec: 10, nanosec: 0 }, 0);
  index.add(1n, { sec: 10, nanosec: 50_000_000 }, 1);
  index.add(2n, { sec: 10, nanosec: 50_000_000 }, 7);
  assert.equal(index.step(1n, { sec: 10, nanosec: 50_000_000 }), 1);
  assert.equal(index.step(2n, { sec: 10, nanosec: 50_000_000 }), 7);
  assert.equal(index.step(1n, { sec: 11, nanosec: 0 }), undefined);
  index.add(2n, { sec: 10, nanosec: 100_000_000 }, 8);
  assert.equal(index.step(1n, { sec: 10, nanosec: 0 }), undefined, "capacity 3 forgets the oldest");
});
