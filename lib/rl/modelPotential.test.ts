import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { createLogger } from "../node/log.js";
import { writeGrmModel } from "../reward/testing/grmModel.js";
import { startGrmServer } from "../reward/testing/grmServer.js";
import { createModelPotential } from "./modelPotential.js";

test("the experiment's potential of a grm model asks the server at grmEndpoint, not the manifest's endpoint", async () => {
  const dir = await mkdtemp(join(tmpdir(), "grm-potential-"));
  const server = await startGrmServer(() => "<score>+40%</score>");
  try {
    // The folder's own endpoint (127.0.0.1:9) refuses connections: only the override can answer.
    const model = await writeGrmModel(join(dir, "m"), { views: ["front"], goalColours: [[250, 250, 250]] });
    const potential = await createModelPotential({
      model,
      task: "t",
      fusion: "forward",
      threads: 1,
      grmEndpoint: server.url,
      log: createLogger("test", () => {}),
    });
    try {
      const frame = { view: "front", width: 8, height: 8, data: new Uint8Array(8 * 8 * 3).fill(90) };
      const phi = await potential.startEpisode({
        episode: 0,
        step: 0,
        observation: new Float32Array(0),
        frames: [frame],
      });
      assert.ok(Math.abs(phi - 0.4) < 1e-12, `Φ ${phi}`);
      assert.equal(server.calls.length, 1);
      assert.equal(server.calls[0].images.length, 8);
    } finally {
      await potential.release();
    }
  } finally {
    await server.close();
    await rm(dir, { recursive: true, force: true });
  }
});
