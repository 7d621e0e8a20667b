import assert from "node:assert/strict";
import { test } from "node:test";
import { LocalBus, LocalTransport } from "../transport/local.js";
import { createPublisher } from "../transport/typed.js";
import { MsgType } from "../codec/messages.js";
import { SimClock } from "./clock.js";
import { compareTime, millisBetween, timeFromNanos, timeFromSeconds, timeToNanos } from "./rosTime.js";

test("ROS time converts to and from nanoseconds exactly, beyond 2^53", () => {
  const t = { sec: 2_000_000_000, nanosec: 999_999_999 };
  assert.equal(timeToNanos(t), 2_000_000_000_999_999_999n);
  assert.deepEqual(timeFromNanos(timeToNanos(t)), t);
  assert.deepEqual(timeFromSeconds(1.5), { sec: 1, nanosec: 500_000_000 });
  assert.equal(millisBetween({ sec: 1, nanosec: 0 }, { sec: 1, nanosec: 2_500_000 }), 2.5);
  assert.equal(compareTime({ sec: 1, nanosec: 5 }, { sec: 1, nanosec: 4 }), 1);
  assert.throws(() => timeFromNanos(-1n), /cannot be negative/);
});

test("use_sim_time: the clock is zero until /clock arrives, then follows it", async () => {
  const transport = new LocalTransport(new LocalBus());
  const clock = new SimClock(transport);
  assert.deepEqual(clock.now(), { sec: 0, nanosec: 0 });
  createPublisher(transport, "/clock", MsgType.Clock).publish({ clock: { sec: 42, nanosec: 7 } });
  await new Promise((resolve) => setImmediate(resolve));
  assert.deepEqual(clock.now(), { sec: 42, nanosec: 7 });
  clock.close();
});
