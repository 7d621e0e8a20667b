import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { packagePath } from "../../lib/paths.js";

const SHARED_BAGS = packagePath("..", "shared", "bags");
const noBags = existsSync(SHARED_BAGS)
  ? false
  : `shared bags not found at ${SHARED_BAGS} (expected ../shared/bags)`;

function bagInfo(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(
    process.execPath,
    ["--import", "tsx", packagePath("cli", "main.ts"), "bag", "info", ...args],
    {
      encoding: "utf8",
    },
  );
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

test("bag info lists topics, counts, duration and the topics it cannot decode", { skip: noBags }, () => {
  const bag = join(
    SHARED_BAGS,
    "ros2_rosbag2/rosbag2_tests/resources/sqlite3/bag_with_topics_and_service_events",
  );
  const { status, stdout } = bagInfo(bag, "--check");
  assert.equal(status, 0, stdout);
  assert.match(stdout, /storage: +sqlite3 \(1 file\)/);
  assert.match(stdout, /messages: +10/);
  assert.match(stdout, /duration: +0\.070633730 s/);
  assert.match(stdout, /\/test_topic1 +test_msgs\/msg\/Strings +1 +bag/);
  assert.match(
    stdout,
    /cannot decode:\n {2}\/test_service2\/_service_event \(test_msgs\/srv\/BasicTypes_Event\): the bag records no definition/,
  );
});

test("bag info --json, and exit status 1 with the damage for a truncated bag", { skip: noBags }, () => {
  const dir = mkdtempSync(join(tmpdir(), "bag-info-"));
  const whole = readFileSync(
    join(SHARED_BAGS, "ros2_rosbag2/rosbag2_tests/resources/mcap/cdr_test/cdr_test_0.mcap"),
  );
  const file = join(dir, "cut.mcap");
  writeFileSync(file, whole.subarray(0, whole.byteLength - 200));
  const { status, stdout } = bagInfo(file, "--json");
  assert.equal(status, 1, stdout);
  const summary = JSON.parse(stdout) as { damage: string[]; topics: { name: string }[] };
  assert.equal(summary.damage.length, 1);
  assert.ok(summary.damage[0]!.startsWith(`${file}: truncated MCAP`), summary.damage[0]);
  const missing = bagInfo(join(dir, "absent.mcap"));
  assert.equal(missing.status, 1);
  assert.match(missing.stderr, /absent\.mcap: cannot open/);
});
