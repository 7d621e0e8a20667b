import assert from "node:assert/strict";
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { test } from "node:test";
import { parse as parseYaml } from "yaml";
import { packagePath } from "../lib/paths.js";
import { nodes } from "../nodes/registry.js";
import { createSim } from "../sim/sim.js";
import { TASK_NAMES } from "../sim/tasks/task.js";
import {
  checkLaunchFile,
  cmakeNodeExecutables,
  dumpLaunchFiles,
  type LaunchCheck,
  type LaunchContext,
} from "../scripts/launchCheck.js";

// Static checks of what `ros2 launch process_reward <file>` would start on a robot (ROS 2 is not here).

const LAUNCH_DIR = packagePath("launch");
const files = readdirSync(LAUNCH_DIR)
  .filter((f) => f.endsWith(".launch.py"))
  .sort()
  .map((f) => packagePath("launch", f));
const executables = cmakeNodeExecutables(readFileSync(packagePath("ros", "CMakeLists.txt"), "utf8"));
const context: LaunchContext = {
  packageName: "process_reward",
  // ros/CMakeLists.txt installs these checkout folders to share/process_reward/<folder>.
  shareFolders: { config: packagePath("config"), launch: packagePath("launch") },
  executables,
  registry: nodes,
};
const dumps = dumpLaunchFiles(files);
const checks = new Map<string, LaunchCheck>(files.map((f) => [f, checkLaunchFile(f, dumps[f]!, context)]));
const short = (file: string): string => file.slice(packagePath().length + 1);

test("the three launch files exist and are what the README names", () => {
  assert.deepEqual(files.map(short), [
    "launch/replay.launch.py",
    "launch/robot.launch.py",
    "launch/sim.launch.py",
  ]);
});

test("launch files: executables installed, parameter files present, every parameter known and valid", () => {
  const problems = [...checks.values()].flatMap((c) => c.problems);
  assert.deepEqual(problems, []);
});

test("every node a launch file starts, and every installed executable, is in nodes/registry.ts", () => {
  const missing = new Map<string, Set<string>>();
  for (const [file, check] of checks)
    for (const name of check.unregistered)
      missing.set(name, (missing.get(name) ?? new Set()).add(short(file)));
  for (const name of executables)
    if (!nodes.some((n) => n.name === name))
      missing.set(name, (missing.get(name) ?? new Set()).add("ros/CMakeLists.txt"));
  const report = [...missing].map(([name, where]) => `${name} (named in ${[...where].join(", ")})`);
  assert.equal(
    report.length,
    0,
    `nodes not in nodes/registry.ts, so their parameters could not be checked either: ${report.join("; ")}`,
  );
});

test("robot.launch.py runs the reward node on the ros transport, policy and dashboard only on request", () => {
  const file = packagePath("launch", "robot.launch.py");
  const check = checks.get(file)!;
  assert.equal(check.parameters.get("reward")?.transport, "ros");
  assert.equal(dumps[file]!.nodes.find((n) => n.name === "reward")?.condition, null);
  for (const optional of ["policy", "dashboard"]) {
    const node = dumps[file]!.nodes.find((n) => n.name === optional);
    assert.equal(node?.condition, `IfCondition(LaunchConfiguration('${optional}'))`);
    assert.equal(dumps[file]!.arguments[optional], "false");
  }
});

test("the dashboard shows the reward node's cameras wherever both run", () => {
  const both = [...checks].filter(([, c]) => c.parameters.has("reward") && c.parameters.has("dashboard"));
  assert.ok(both.length > 0, "no launch file runs both the reward node and the dashboard");
  for (const [file, check] of both) {
    const reward = check.parameters.get("reward")!;
    const dashboard = check.parameters.get("dashboard")!;
    assert.deepEqual(dashboard.camera_topics, reward.camera_topics, short(file));
  }
});

test("replay.launch.py runs the reward node on the bag's clock", () => {
  const check = checks.get(packagePath("launch", "replay.launch.py"))!;
  assert.equal(check.parameters.get("reward")?.use_sim_time, true);
  assert.equal(check.parameters.get("reward")?.transport, "ros");
});

test("reward and policy use the same gamma in every parameters file (shaping needs the learner's γ)", () => {
  const both = readdirSync(packagePath("config"))
    .filter((f) => f.endsWith(".yaml"))
    .flatMap((name) => {
      const doc = parseYaml(readFileSync(packagePath("config", name), "utf8")) as Record<
        string,
        { ros__parameters: Record<string, unknown> }
      >;
      if (!doc.reward || !doc.policy) return [];
      const reward = doc.reward.ros__parameters.gamma ?? doc["/**"]?.ros__parameters.gamma;
      const policy = doc.policy.ros__parameters.gamma ?? doc["/**"]?.ros__parameters.gamma;
      return [{ name, reward, policy }];
    });
  assert.ok(both.length > 0, "no parameters file configures both the reward and the policy node");
  for (const { name, reward, policy } of both) {
    assert.equal(typeof reward, "number", `${name}: reward gamma`);
    assert.equal(reward, policy, `${name}: reward.gamma vs policy.gamma`);
  }
});

test("sim.launch.py with each task:= starts that task, its model and a policy sized to its observation", async () => {
  const file = packagePath("launch", "sim.launch.py");
  assert.equal(dumps[file]!.arguments.task, "pick_place");
  for (const task of TASK_NAMES) {
    const check = checkLaunchFile(file, dumps[file]!, context, { task });
    assert.deepEqual(check.problems, [], task);
    assert.equal(check.parameters.get("simulator")?.task, task);
    assert.equal(check.parameters.get("reward")?.model, `models/hop_${task}`);
    assert.ok(existsSync(packagePath("models", `hop_${task}`)), `models/hop_${task}`);
    const sim = await createSim({ task, seed: 0, views: [] });
    try {
      assert.equal(
        check.parameters.get("policy")?.observation_dim,
        sim.reset().observation.values.length,
        task,
      );
    } finally {
      sim.close();
    }
  }
});

test("sim.launch.py with a task that has no config/tasks file is reported, not launched", () => {
  const file = packagePath("launch", "sim.launch.py");
  const { problems } = checkLaunchFile(file, dumps[file]!, context, { task: "sweep" });
  assert.ok(
    problems.some((p) => p.includes("config/tasks/sweep.yaml does not exist")),
    problems.join("\n"),
  );
});

test("ros/ is an ament_cmake package named process_reward that installs launch/ and config/", () => {
  const xml = readFileSync(packagePath("ros", "package.xml"), "utf8");
  assert.match(xml, /<package format="3">/);
  assert.match(xml, /<name>process_reward<\/name>/);
  assert.match(xml, /<build_type>ament_cmake<\/build_type>/);
  assert.match(xml, /<buildtool_depend>ament_cmake<\/buildtool_depend>/);
  assert.match(xml, /<exec_depend>process_reward_msgs<\/exec_depend>/);
  const cmake = readFileSync(packagePath("ros", "CMakeLists.txt"), "utf8");
  assert.match(cmake, /project\(process_reward\)/);
  assert.match(
    cmake,
    /install\(PROGRAMS "\$\{CMAKE_CURRENT_BINARY_DIR\}\/node_wrappers\/\$\{NODE\}" DESTINATION lib\/\$\{PROJECT_NAME\}\)/,
  );
  for (const folder of Object.keys(context.shareFolders))
    assert.match(cmake, new RegExp(`DESTINATION share/\\$\\{PROJECT_NAME\\}/${folder}`));
  assert.match(cmake, /ament_package\(\)/);
});
