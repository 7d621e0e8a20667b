import assert from "node:assert/strict";
import { test } from "node:test";
import { lastValueFrom, Subject, toArray } from "rxjs";
import { latestWins } from "./latestWins.js";

test("latest-wins: while busy only the newest value waits; the others are dropped and reported", async () => {
  const source = new Subject<number>();
  const release: (() => void)[] = [];
  const dropped: number[] = [];
  const started: number[] = [];
  const work = (x: number): Promise<number> =>
    new Promise((resolve) => {
      started.push(x);
      release.push(() => resolve(x * 10));
    });
  const out = lastValueFrom(
    source.pipe(
      latestWins(work, (x) => dropped.push(x)),
      toArray(),
    ),
  );
  source.next(1); // runs
  for (let i = 2; i <= 6; i++) source.next(i); // 2..5 replaced, 6 waits
  assert.deepEqual(started, [1]);
  assert.deepEqual(dropped, [2, 3, 4, 5]);
  release.shift()!();
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(started, [1, 6], "the newest value runs next");
  source.next(7);
  source.complete();
  release.shift()!();
  await new Promise((r) => setImmediate(r));
  release.shift()!();
  assert.deepEqual(await out, [10, 60, 70]);
});
