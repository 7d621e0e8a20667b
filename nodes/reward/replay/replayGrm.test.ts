import assert from "node:assert/strict";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { FIXTURE_VIEWS, writeFixtureBag } from "../../../lib/bag/fixtureBag.js";
import { createLogger } from "../../../lib/node/log.js";
import { writeGrmModel } from "../../../lib/reward/testing/grmModel.js";
import { startGrmServer } from "../../../lib/reward/testing/grmServer.js";
import { replayParameters } from "./parameters.js";
import { replayBag } from "./replay.js";

// Issue 18's end-to-end check: a recorded bag replayed through a served VLM (kind grm) scores every synced
// group, each request carrying the 8 images of the anchor's prompt.
test("replay through a grm model: one reward per synced group, 8 images per request", async () => {
  const dir = await mkdtemp(join(tmpdir(), "replay-grm-"));
  const server = await startGrmServer(() => "<score>+10%</score>");
  try {
    const bag = join(dir, "bag", "fixture.mcap");
    await mkdir(join(dir, "bag"));
    await writeFixtureBag(bag);
    const model = await writeGrmModel(join(dir, "model"), {
      views: [...FIXTURE_VIEWS],
      goalColours: [
        [200, 0, 0],
        [0, 200, 0],
        [0, 0, 200],
      ],
    });
    const { params } = replayParameters(undefined, { model, grm_endpoint: server.url, fusion: "fused" });
    const summary = await replayBag({
      bag,
      out: join(dir, "out", "rewards.mcap"),
      params,
      log: createLogger("replay", () => undefined),
    });
    assert.ok(summary.groups > 20, `${summary.groups} groups`);
    assert.equal(summary.errors, 0, "no step failed");
    // Every synced group in an episode is one reward; the TERMINAL with stopped cameras adds one stale close.
    assert.equal(summary.rewards, summary.groups - summary.groupsOutsideEpisode + 1);
    assert.ok(server.calls.length >= summary.groups, `${server.calls.length} requests`);
    assert.ok(
      server.calls.every((c) => c.images.length === 8),
      `images per request: ${[...new Set(server.calls.map((c) => c.images.length))].join(", ")}`,
    );
    assert.ok(
      server.calls.every((c) => c.text.includes("stack the red cube")),
      "the task instruction is sent",
    );
  } finally {
    await server.close();
    await rm(dir, { recursive: true, force: true });
  }
});
