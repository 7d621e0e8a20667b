import assert from "node:assert/strict";
import { test } from "node:test";
import { ESLint } from "eslint";
import { packageRoot } from "../lib/paths.js";

// The layering rule is only worth having if it fires: lint probe sources placed (virtually) inside each
// layer, with the repository's own eslint.config.js, and check which imports it refuses.
const eslint = new ESLint({ cwd: packageRoot() });

async function layerErrors(file: string, source: string): Promise<string[]> {
  const [result] = await eslint.lintText(source, { filePath: file });
  return result.messages
    .filter((m) => m.ruleId === "import-x/no-restricted-paths" || m.ruleId === "import-x/no-cycle")
    .map((m) => `${m.ruleId}: ${m.message}`);
}

test("lint refuses a lib → nodes import", async () => {
  const errors = await layerErrors(
    "lib/reward/layersProbe.ts",
    'import { rewardParameters } from "../../nodes/reward/parameters.js";\nexport const p = rewardParameters;\n',
  );
  assert.equal(errors.length, 1, errors.join("\n"));
  assert.match(errors[0], /lib\/ is below/);
});

test("lint refuses a lib test importing test/ and sim/, and production code importing test/", async () => {
  const libTest = await layerErrors(
    "lib/transport/layersProbe.test.ts",
    'import { uniqueTopic } from "../../test/dds/tsPeer.js";\nimport { createPolicyEnv } from "../../sim/policyEnv.js";\nexport const x = [uniqueTopic, createPolicyEnv];\n',
  );
  assert.equal(libTest.length, 2, libTest.join("\n"));
  const bench = await layerErrors(
    "bench/layersProbe.ts",
    'import { uniqueTopic } from "../test/dds/tsPeer.js";\nexport const x = uniqueTopic;\n',
  );
  assert.equal(bench.length, 1, bench.join("\n"));
});

test("lint allows imports that go down the layers", async () => {
  const errors = await layerErrors(
    "cli/commands/layersProbe.ts",
    'import { rewardParameters } from "../../nodes/reward/parameters.js";\nimport { spearman } from "../../lib/math/spearman.js";\nexport const x = [rewardParameters, spearman];\n',
  );
  assert.deepEqual(errors, []);
});

test("lint refuses an import it cannot resolve, so no import slips past the layer check", async () => {
  const [result] = await eslint.lintText(
    'import { x } from "../../nodes/nowhere.js";\nexport const y = x;\n',
    {
      filePath: "lib/reward/layersProbe.ts",
    },
  );
  assert.ok(
    result.messages.some((m) => m.ruleId === "import-x/no-unresolved"),
    JSON.stringify(result.messages),
  );
});
