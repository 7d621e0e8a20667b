import assert from "node:assert/strict";
import { test } from "node:test";
import { from, lastValueFrom, toArray } from "rxjs";
import { ApproximateTimeSync, synchronize, type Frame, type SyncedGroup } from "./sync.js";
import { rng } from "./testing/rng.js";

interface Camera {
  hz: number;
  jitterMs: number;
  /** [from, to) in ms during which the camera publishes nothing. */
  gap?: [number, number];
}

/** Frames of several cameras over `durationMs`, in arrival order (stamp + transport delay with jitter). */
function frames(cameras: Camera[], durationMs: number, seed: number, reorderMs = 0): Frame<null>[] {
  const r = rng(seed);
  const out: Frame<null>[] = [];
  cameras.forEach((cam, view) => {
    const offset = r() * (1000 / cam.hz);
    for (let t = offset; t < durationMs; t += 1000 / cam.hz) {
      if (cam.gap && t >= cam.gap[0] && t < cam.gap[1]) continue;
      const stampMs = t + (r() - 0.5) * 2 * cam.jitterMs;
      out.push({ view, stampMs, arrivalMs: stampMs + 2 + r() * reorderMs, message: null });
    }
  });
  return out.sort((a, b) => a.arrivalMs - b.arrivalMs);
}

function run(sync: ApproximateTimeSync<null>, input: Frame<null>[]): SyncedGroup<null>[] {
  const out: SyncedGroup<null>[] = [];
  for (const f of input) {
    const g = sync.push(f);
    if (g) out.push(g);
  }
  return out;
}

function assertWellFormed(groups: SyncedGroup<null>[], slopMs: number): void {
  const last = new Map<number, number>();
  for (const g of groups) {
    const stamps = g.frames.filter((f) => f !== undefined).map((f) => f.stampMs);
    assert.ok(Math.max(...stamps) - Math.min(...stamps) <= slopMs, "spread within slop");
    g.frames.forEach((f, v) => {
      if (!f) return;
      assert.equal(f.view, v);
      assert.ok(f.stampMs > (last.get(v) ?? -Infinity), `view ${v} stamps increase across groups`);
      last.set(v, f.stampMs);
    });
  }
}

test("skewed rates with jitter: groups at the slowest camera's rate, spread within slop", () => {
  // slop must cover half the period of the slower partners (15 Hz: 33 ms) plus jitter
  const sync = new ApproximateTimeSync<null>({ views: 3, slopMs: 40, maxAgeMs: 500, policy: "wait" });
  const groups = run(
    sync,
    frames(
      [
        { hz: 30, jitterMs: 3 },
        { hz: 15, jitterMs: 3 },
        { hz: 10, jitterMs: 3 },
      ],
      10_000,
      1,
    ),
  );
  assertWellFormed(groups, 40);
  // 10 s at 10 Hz for the slowest view
  assert.ok(groups.length >= 90 && groups.length <= 101, `${groups.length} groups`);
  assert.ok(groups.every((g) => g.missing.length === 0));
});

test("out-of-order arrivals are put back in stamp order", () => {
  const input = frames(
    [
      { hz: 30, jitterMs: 2 },
      { hz: 30, jitterMs: 2 },
      { hz: 30, jitterMs: 2 },
    ],
    5_000,
    2,
    60,
  );
  const inOrder = input.every((f, i) => i === 0 || f.stampMs >= input[i - 1].stampMs);
  assert.ok(!inOrder, "the input really is out of order");
  const sync = new ApproximateTimeSync<null>({ views: 3, slopMs: 20, maxAgeMs: 500, policy: "wait" });
  const groups = run(sync, input);
  assertWellFormed(groups, 20);
  assert.ok(groups.length > 100, `${groups.length} groups from 150 frames per view`);
});

test("duplicate and late stamps are counted and never reused", () => {
  const sync = new ApproximateTimeSync<null>({ views: 2, slopMs: 5, maxAgeMs: 1000, policy: "wait" });
  const f = (view: number, stampMs: number): Frame<null> => ({
    view,
    stampMs,
    arrivalMs: stampMs,
    message: null,
  });
  assert.equal(sync.push(f(0, 100)), undefined);
  assert.equal(sync.push(f(0, 100)), undefined);
  assert.equal(sync.counters.duplicate, 1);
  const g = sync.push(f(1, 102));
  assert.ok(g);
  assert.deepEqual(
    g.frames.map((x) => x?.stampMs),
    [100, 102],
  );
  assert.equal(sync.push(f(1, 102)), undefined, "stamp already used");
  assert.equal(sync.counters.duplicate, 2);
  assert.equal(sync.push(f(0, 90)), undefined, "older than the view's last group");
  assert.equal(sync.counters.late, 1);
});

test("stamps that jump back (a simulator reset) start the sync over instead of stalling it", () => {
  const sync = new ApproximateTimeSync<null>({ views: 2, slopMs: 20, maxAgeMs: 200, policy: "degrade" });
  const before = frames(
    [
      { hz: 30, jitterMs: 1 },
      { hz: 30, jitterMs: 1 },
    ],
    3000,
    7,
  ).map((f) => ({
    ...f,
    stampMs: f.stampMs + 100_000,
  }));
  const after = frames(
    [
      { hz: 30, jitterMs: 1 },
      { hz: 30, jitterMs: 1 },
    ],
    3000,
    8,
  );
  const first = run(sync, before);
  assert.ok(first.length > 80);
  const second = run(sync, after);
  assert.equal(sync.counters.clockJumps, 1);
  assert.ok(second.length > 80, `${second.length} groups after the reset`);
  assertWellFormed(second, 20);
  // a frame just past max age is late, not a reset
  assert.equal(sync.push({ view: 0, stampMs: 2500, arrivalMs: 0, message: null }), undefined);
  assert.equal(sync.counters.clockJumps, 1);
});

test("a camera that stops for 5 s: degraded groups without it, then complete groups again (no stall)", () => {
  const cams: Camera[] = [
    { hz: 30, jitterMs: 2 },
    { hz: 30, jitterMs: 2 },
    { hz: 30, jitterMs: 2, gap: [3_000, 8_000] },
  ];
  const sync = new ApproximateTimeSync<null>({ views: 3, slopMs: 20, maxAgeMs: 200, policy: "degrade" });
  const groups = run(sync, frames(cams, 12_000, 3));
  assertWellFormed(groups, 20);
  const inWindow = (a: number, b: number): SyncedGroup<null>[] =>
    groups.filter((g) => g.stampMs >= a && g.stampMs < b);
  assert.ok(
    inWindow(0, 3_000).every((g) => g.missing.length === 0),
    "ok before the gap",
  );
  const gap = inWindow(3_300, 8_000);
  assert.ok(gap.length > 100, `${gap.length} groups during the 5 s gap`);
  assert.ok(gap.every((g) => g.missing.length === 1 && g.missing[0] === 2 && g.frames[2] === undefined));
  const after = inWindow(8_300, 12_000);
  assert.ok(
    after.length > 80 && after.every((g) => g.missing.length === 0),
    "complete again after it returns",
  );
  // longest pause between groups stays near max age, never the whole gap
  let pause = 0;
  for (let i = 1; i < groups.length; i++) pause = Math.max(pause, groups[i].stampMs - groups[i - 1].stampMs);
  assert.ok(pause < 300, `longest pause ${pause} ms`);
});

test("wait policy holds groups while a camera is missing and resumes when it returns", () => {
  const cams: Camera[] = [
    { hz: 30, jitterMs: 1 },
    { hz: 30, jitterMs: 1, gap: [2_000, 4_000] },
  ];
  const sync = new ApproximateTimeSync<null>({ views: 2, slopMs: 20, maxAgeMs: 200, policy: "wait" });
  const groups = run(sync, frames(cams, 6_000, 4));
  assert.equal(groups.filter((g) => g.stampMs > 2_050 && g.stampMs < 3_950).length, 0);
  assert.ok(groups.filter((g) => g.stampMs > 4_100).length > 40);
  assert.deepEqual(sync.missingViews(), []);
});

test("per-view buffers stay bounded when one camera never matches", () => {
  const sync = new ApproximateTimeSync<null>({
    views: 2,
    slopMs: 1,
    maxAgeMs: 10_000,
    policy: "wait",
    depth: 4,
  });
  for (let i = 0; i < 100; i++) sync.push({ view: 0, stampMs: i * 10, arrivalMs: 0, message: null });
  assert.ok(sync.counters.unmatched >= 96);
});

test("synchronize operator maps a frame stream to groups", async () => {
  const sync = new ApproximateTimeSync<null>({ views: 2, slopMs: 30, maxAgeMs: 500, policy: "wait" });
  const input = frames(
    [
      { hz: 20, jitterMs: 1 },
      { hz: 20, jitterMs: 1 },
    ],
    1_000,
    5,
  );
  const groups = await lastValueFrom(from(input).pipe(synchronize(sync), toArray()));
  assert.equal(groups.length, sync.counters.groups);
  assert.ok(groups.length >= 18);
});

test("synchronize: a refused frame goes to `rejected` and the stream goes on; without it the stream ends", async () => {
  const input: Frame<null>[] = [
    { view: 0, stampMs: 0, arrivalMs: 0, message: null },
    { view: 1, stampMs: Number.NaN, arrivalMs: 0, message: null },
    { view: 1, stampMs: 1, arrivalMs: 0, message: null },
  ];
  const options = { views: 2, slopMs: 5, maxAgeMs: 500, policy: "wait" } as const;
  const rejected: string[] = [];
  const timed: number[] = [];
  const groups = await lastValueFrom(
    from(input).pipe(
      synchronize(new ApproximateTimeSync<null>(options), {
        rejected: (frame, err) => rejected.push(`${frame.view}: ${err.message}`),
        timed: (ms) => timed.push(ms),
      }),
      toArray(),
    ),
  );
  assert.equal(groups.length, 1);
  assert.deepEqual(rejected, ["1: view 1: stamp is not a finite time"]);
  assert.equal(timed.length, 2);
  await assert.rejects(
    lastValueFrom(from(input).pipe(synchronize(new ApproximateTimeSync<null>(options)), toArray())),
    /stamp is not a finite time/,
  );
});
