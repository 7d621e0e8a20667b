import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import {
  AnnotationError,
  parseStageAnnotations,
  readStageAnnotations,
  stageIndex,
  stageNames,
  stageProgress,
  writeStageAnnotations,
} from "./stageAnnotations.js";

const S = 1_000_000_000n;
const T0 = 1_700_000_000n * S;
const range = { startNs: T0, endNs: T0 + 10n * S };
const at = (s: number): bigint => T0 + BigInt(Math.round(s * 1e9));
const FILE = "/bags/demo/annotations.yaml";

const two = `
task: clean the table
episodes:
  - stages:
      - {name: reach, start_s: 1, end_s: 3}
      - {name: wipe, start_s: 5, end_s: 9}
`;

test("labels: equal share per stage, linear in time inside, 0 before, held between, 1 after", () => {
  const a = parseStageAnnotations(two, FILE, range);
  assert.equal(a.task, "clean the table");
  const ep = a.episodes[0]!;
  assert.deepEqual(stageNames(ep), ["reach", "wipe"]);
  assert.equal(ep.startNs, range.startNs);
  assert.equal(ep.endNs, range.endNs);
  const phi = (s: number): number => stageProgress(ep, at(s));
  assert.equal(phi(0), 0);
  assert.equal(phi(1), 0);
  assert.equal(phi(2), 0.25);
  assert.equal(phi(3), 0.5);
  assert.equal(phi(4), 0.5, "between stages: the end of the earlier one");
  assert.equal(phi(7), 0.75);
  assert.equal(phi(9), 1);
  assert.equal(phi(10), 1);
  assert.equal(stageIndex(ep, at(0.5)), 0);
  assert.equal(stageIndex(ep, at(6)), 1);
});

test("no annotations: one stage over the whole recording, uniform in time", async () => {
  const dir = await mkdtemp(join(tmpdir(), "ann-"));
  try {
    const a = await readStageAnnotations(dir, range);
    assert.equal(a.file, "");
    const ep = a.episodes[0]!;
    assert.deepEqual(stageNames(ep), ["task"]);
    assert.equal(stageProgress(ep, at(0)), 0);
    assert.equal(stageProgress(ep, at(2.5)), 0.25);
    assert.equal(stageProgress(ep, at(10)), 1);
    // Written then read back: the same stages, to the ns.
    const parsed = parseStageAnnotations(two, FILE, range);
    await writeStageAnnotations(dir, range, parsed, "made by a test");
    const back = await readStageAnnotations(dir, range);
    assert.equal(back.file, join(dir, "annotations.yaml"));
    assert.deepEqual(back.episodes, parsed.episodes);
    assert.equal(back.task, "clean the table");
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test("times in absolute ns and several episodes", () => {
  const text = `episodes:
  - {start_ns: ${T0}, end_ns: ${T0 + 4n * S}, stages: [{name: a, start_ns: ${T0 + S}, end_ns: ${T0 + 3n * S}}]}
  - {start_s: 5, end_s: 10}
`;
  const a = parseStageAnnotations(text, FILE, range);
  assert.equal(a.episodes.length, 2);
  assert.equal(a.episodes[0]!.stages[0]!.startNs, T0 + S);
  assert.equal(stageProgress(a.episodes[1]!, at(7.5)), 0.5);
});

test("malformed annotations: errors name the file and what is wrong", () => {
  const bad = (text: string, re: RegExp): void => {
    assert.throws(
      () => parseStageAnnotations(text, FILE, range),
      (err: unknown) =>
        err instanceof AnnotationError && err.message.startsWith(`${FILE}: `) && re.test(err.message),
    );
  };
  bad("episodes: [", /not valid YAML/);
  bad("- 1", /expected a mapping with `episodes:`/);
  bad("episodes: []", /episodes must be a non-empty list/);
  bad("episodes: [{stages: [{name: a, start_s: 1}]}]", /episodes\[0\]\.stages\[0\] needs start_s and end_s/);
  bad("episodes: [{stages: [{name: a, start_s: one, end_s: 2}]}]", /start_s must be a number/);
  bad("episodes: [{stages: [{name: 3, start_s: 1, end_s: 2}]}]", /name must be a non-empty string/);
  bad(
    "episodes: [{stages: [{name: a, start_s: 2, end_s: 1}]}]",
    /'a' ends \(1\.000 s\) before it starts \(2\.000 s\)/,
  );
  bad(
    "episodes: [{stages: [{name: a, start_s: 1, end_s: 12}]}]",
    /'a' \(1\.000 s – 12\.000 s\) is outside the recording \(0\.000 s – 10\.000 s\)/,
  );
  bad("episodes: [{stages: [{name: a, start_s: -1, end_s: 2}]}]", /outside the recording/);
  bad(
    "episodes: [{stages: [{name: a, start_s: 1, end_s: 4}, {name: b, start_s: 3, end_s: 5}]}]",
    /stages\[1\] 'b' starts at 3\.000 s, before the stage before it \('a'\) ends at 4\.000 s: stages must be in time order and not overlap/,
  );
  bad(
    "episodes: [{stages: [{name: b, start_s: 5, end_s: 6}, {name: a, start_s: 1, end_s: 2}]}]",
    /stages must be in time order/,
  );
  bad("episodes: [{start_s: 0, end_s: 4, stages: [{name: a, start_s: 3, end_s: 5}]}]", /outside the episode/);
  bad(
    "episodes: [{start_s: 0, end_s: 5}, {start_s: 4, end_s: 6}]",
    /episodes\[1\] starts before episodes\[0\] ends/,
  );
  bad(
    "episodes: [{stages: [{name: a, start_s: 1, start_ns: 2, end_s: 3}]}]",
    /give start_ns or start_s, not both/,
  );
  bad("version: 2\nepisodes: [{}]", /version 2 is not supported/);
});
