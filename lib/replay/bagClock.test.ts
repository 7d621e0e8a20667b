import assert from "node:assert/strict";
import { test } from "node:test";
import { interval, timer } from "rxjs";
import { BagClock } from "./bagClock.js";

test("timers run on bag time, each due time settled before time moves on", async () => {
  const clock = new BagClock(5_000_000_000n);
  const log: string[] = [];
  const settle = async (): Promise<void> => {
    await Promise.resolve();
    log.push(`settled@${clock.now()}`);
  };
  assert.equal(clock.msOf(5_250_000_000n), 250);
  await clock.advanceTo(100, settle);
  assert.equal(clock.now(), 100);
  timer(250, clock.scheduler).subscribe(() => log.push(`a@${clock.now()}`));
  timer(50, clock.scheduler).subscribe(() => log.push(`b@${clock.now()}`));
  const ticks = interval(100, clock.scheduler).subscribe(() => log.push(`tick@${clock.now()}`));
  await clock.advanceTo(340, settle);
  assert.deepEqual(log, ["b@150", "settled@150", "tick@200", "settled@200", "tick@300", "settled@300"]);
  assert.equal(clock.now(), 340, "time stands at the target, not at the last timer");
  assert.equal(clock.nowNs(), 5_340_000_000n);
  ticks.unsubscribe();
  log.length = 0;
  await clock.advanceTo(Number.POSITIVE_INFINITY, settle);
  assert.deepEqual(log, ["a@350", "settled@350"], "the rest runs; time stops at the last timer");
  await clock.advanceTo(200, settle);
  assert.equal(clock.now(), 350, "time never goes back");
});
