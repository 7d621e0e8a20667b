import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { z } from "zod";
import { parametersFromYaml } from "./paramsFile.js";
import { ParameterError, resolveParameters } from "./resolve.js";
import { parseRosArgs } from "./rosArgs.js";

test("--ros-args: -p values are YAML scalars, files and remaps are collected, the rest is left", () => {
  const args = parseRosArgs([
    "replay",
    "--ros-args",
    "-p",
    "gamma:=0.99",
    "-p",
    "camera_topics:=[/a, /b]",
    "-p",
    "use_sim_time:=true",
    "-p",
    "model:=models/x",
    "--params-file",
    "a.yaml",
    "-r",
    "__node:=reward_left",
    "-r",
    "/image:=/camera/front/image_raw",
    "--",
    "tail",
  ]);
  assert.deepEqual(args.overrides, {
    gamma: 0.99,
    camera_topics: ["/a", "/b"],
    use_sim_time: true,
    model: "models/x",
  });
  assert.deepEqual(args.paramsFiles, ["a.yaml"]);
  assert.equal(args.nodeName, "reward_left");
  assert.deepEqual(args.remappings, { "/image": "/camera/front/image_raw" });
  assert.deepEqual(args.rest, ["replay", "tail"]);
});

test("--ros-args: a -p without := is an error that shows the argument", () => {
  assert.throws(
    () => parseRosArgs(["--ros-args", "-p", "gamma=0.9"]),
    /-p expects name:=value, got 'gamma=0.9'/,
  );
});

const yaml = `
/**:
  ros__parameters:
    use_sim_time: true
    gamma: 0.9
reward:
  ros__parameters:
    gamma: 0.99
    sync:
      slop_ms: 20
policy:
  ros__parameters:
    gamma: 0.5
`;

test("params YAML: wildcard first, then the node's own section; nested maps become dotted names", () => {
  assert.deepEqual(parametersFromYaml(yaml, "p.yaml", "reward"), {
    use_sim_time: true,
    gamma: 0.99,
    "sync.slop_ms": 20,
  });
  assert.deepEqual(parametersFromYaml(yaml, "p.yaml", "other"), { use_sim_time: true, gamma: 0.9 });
});

test("params YAML: a namespaced section applies to that node in that namespace", () => {
  const text = "/robot1/reward:\n  ros__parameters:\n    gamma: 0.7\n";
  assert.deepEqual(parametersFromYaml(text, "p.yaml", "reward", "/robot1"), { gamma: 0.7 });
  assert.deepEqual(parametersFromYaml(text, "p.yaml", "reward", "/robot2"), {});
});

test("params YAML: a section without ros__parameters is an error naming file and section", () => {
  assert.throws(
    () => parametersFromYaml("reward:\n  gamma: 1\n", "bad.yaml", "reward"),
    /bad.yaml: section 'reward'/,
  );
  assert.throws(
    () => parametersFromYaml("reward: [\n", "broken.yaml", "reward"),
    /broken.yaml: not valid YAML/,
  );
});

const schema = z.object({
  gamma: z.number().gt(0).lte(1).default(0.99),
  use_sim_time: z.boolean().default(false),
  camera_topics: z.array(z.string()).default([]),
});

test("resolve: defaults < files (in order) < -p overrides", () => {
  const dir = mkdtempSync(join(tmpdir(), "params-"));
  const first = join(dir, "first.yaml");
  const second = join(dir, "second.yaml");
  writeFileSync(first, "reward:\n  ros__parameters:\n    gamma: 0.5\n    camera_topics: [/a]\n");
  writeFileSync(second, "reward:\n  ros__parameters:\n    gamma: 0.6\n");
  const fromFiles = resolveParameters("reward", schema, { overrides: {}, paramsFiles: [first, second] });
  assert.deepEqual(fromFiles, { gamma: 0.6, use_sim_time: false, camera_topics: ["/a"] });
  const overridden = resolveParameters("reward", schema, { overrides: { gamma: 0.7 }, paramsFiles: [first] });
  assert.equal(overridden.gamma, 0.7);
});

test("resolve: unknown and ill-typed parameters are named in one clear error", () => {
  assert.throws(
    () => resolveParameters("reward", schema, { overrides: { gama: 0.9, gamma: "high" }, paramsFiles: [] }),
    (err: Error) =>
      err instanceof ParameterError &&
      /node 'reward'/.test(err.message) &&
      /unknown parameter\(s\): gama/.test(err.message) &&
      /gamma: .*"high"/.test(err.message),
  );
  assert.throws(
    () => resolveParameters("reward", schema, { overrides: {}, paramsFiles: ["/nonexistent/p.yaml"] }),
    /cannot read parameters file \/nonexistent\/p.yaml/,
  );
});
