import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { packagePath } from "../lib/paths.js";
import { nodes } from "../nodes/registry.js";
import { checkLaunchFile, cmakeNodeExecutables, dumpLaunchFiles, type LaunchContext } from "./launchCheck.js";

// The checker is tested here on synthetic launch files around `relay`, a node that is always registered;
// launch/launch.test.ts applies it to the real launch files.

function workspace(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), "launch-check-"));
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(join(dir, name, ".."), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  return dir;
}

function context(dir: string): LaunchContext {
  return {
    packageName: "process_reward",
    shareFolders: { config: join(dir, "config"), launch: join(dir, "launch") },
    executables: ["relay"],
    registry: nodes,
  };
}

const HEADER = `from launch import LaunchDescription
from launch.actions import DeclareLaunchArgument
from launch.substitutions import LaunchConfiguration, PathJoinSubstitution
from launch_ros.actions import Node
from launch_ros.substitutions import FindPackageShare
`;

function launchFile(nodeArgs: string): string {
  return `${HEADER}
def generate_launch_description():
    params = LaunchConfiguration("params")
    return LaunchDescription([
        DeclareLaunchArgument("params", default_value=PathJoinSubstitution([FindPackageShare("process_reward"), "config", "relay.yaml"])),
        Node(${nodeArgs}),
    ])
`;
}

const RELAY_YAML = `/**:
  ros__parameters:
    transport: ros
cam_relay:
  ros__parameters:
    input_topic: /camera/raw
    output_topic: /camera/front/image_raw
    type: sensor_msgs/msg/Image
    max_rate_hz: 30.0
`;

test("a launch file that starts relay with a package params file and an inline dict passes", () => {
  const dir = workspace({
    "launch/good.launch.py": launchFile(
      `package="process_reward", executable="relay", name="cam_relay", parameters=[params, {"max_rate_hz": 5.0}]`,
    ),
    "config/relay.yaml": RELAY_YAML,
  });
  const file = join(dir, "launch/good.launch.py");
  const check = checkLaunchFile(file, dumpLaunchFiles([file])[file]!, context(dir));
  assert.deepEqual(check.problems, []);
  assert.deepEqual(check.unregistered, []);
  // rcl order: later entries win, and the node's own section is merged over the wildcard one.
  assert.deepEqual(check.parameters.get("cam_relay"), {
    transport: "ros",
    input_topic: "/camera/raw",
    output_topic: "/camera/front/image_raw",
    type: "sensor_msgs/msg/Image",
    max_rate_hz: 5,
  });
});

test("unknown and ill-typed parameters, missing files, foreign executables are each reported", () => {
  const dir = workspace({
    "launch/bad.launch.py": `${HEADER}
def generate_launch_description():
    return LaunchDescription([
        Node(package="process_reward", executable="relay", name="cam_relay",
             parameters=[PathJoinSubstitution([FindPackageShare("process_reward"), "config", "relay.yaml"]),
                         {"max_rate": 5.0, "sensor_qos": "yes"}]),
        Node(package="process_reward", executable="relay", name="other",
             parameters=[PathJoinSubstitution([FindPackageShare("process_reward"), "config", "absent.yaml"])]),
        Node(package="process_reward", executable="teleport", name="teleport"),
        Node(package="other_pkg", executable="thing"),
        Node(package="process_reward", executable="relay", parameters=[make_params()]),
    ])
`,
    "config/relay.yaml": RELAY_YAML,
  });
  const file = join(dir, "launch/bad.launch.py");
  const check = checkLaunchFile(file, dumpLaunchFiles([file])[file]!, context(dir));
  const text = check.problems.join("\n");
  assert.match(text, /node 'cam_relay' \(relay\): unknown parameter\(s\) max_rate/);
  assert.match(text, /node 'cam_relay' \(relay\): sensor_qos: /);
  assert.match(text, /parameters file config\/absent\.yaml does not exist/);
  assert.match(text, /executable 'teleport' is not installed by ros\/CMakeLists\.txt/);
  assert.match(text, /package "other_pkg" is not process_reward/);
  assert.match(text, /cannot evaluate statically: make_params\(\)/);
  // `other` gets no required topics from anywhere: the schema says which are missing.
  assert.match(text, /node 'other' \(relay\): /);
  assert.deepEqual(check.unregistered, ["teleport"]);
});

test("a launch file with a syntax error is reported, not skipped", () => {
  const dir = workspace({ "launch/broken.launch.py": "def generate_launch_description(:\n" });
  const file = join(dir, "launch/broken.launch.py");
  const check = checkLaunchFile(file, dumpLaunchFiles([file])[file]!, context(dir));
  assert.match(check.problems.join("\n"), /syntax error at line 1/);
});

test("ros/CMakeLists.txt node list is read", () => {
  assert.deepEqual(cmakeNodeExecutables("set(PROCESS_REWARD_NODES reward\n  policy sim)\n"), [
    "reward",
    "policy",
    "sim",
  ]);
  assert.throws(() => cmakeNodeExecutables("project(x)"), /PROCESS_REWARD_NODES/);
});

/** ros/node_wrapper.in as CMake's configure_file(@ONLY) renders it. */
function renderWrapper(node: string, root: string): string {
  return readFileSync(packagePath("ros", "node_wrapper.in"), "utf8")
    .replaceAll("@NODE@", node)
    .replaceAll("@PROCESS_REWARD_ROOT@", root);
}

test("the node wrapper runs dist/cli/main.js <node> with launch_ros's arguments unchanged", () => {
  const root = workspace({
    "dist/cli/main.js": "process.stdout.write(JSON.stringify(process.argv.slice(2)));\n",
  });
  const wrapper = join(root, "relay");
  writeFileSync(wrapper, renderWrapper("relay", root));
  chmodSync(wrapper, 0o755);
  const args = ["--ros-args", "-r", "__node:=cam relay", "--params-file", "/tmp/a b.yaml", "-p", "x:=[1, 2]"];
  const run = spawnSync(wrapper, args, {
    encoding: "utf8",
    env: { ...process.env, PROCESS_REWARD_NODE_BIN: process.execPath },
  });
  assert.equal(run.status, 0, run.stderr);
  assert.deepEqual(JSON.parse(run.stdout), ["relay", ...args]);

  const empty = workspace({});
  const missing = join(empty, "relay");
  writeFileSync(missing, renderWrapper("relay", empty));
  chmodSync(missing, 0o755);
  const failed = spawnSync(missing, [], { encoding: "utf8" });
  assert.equal(failed.status, 1);
  assert.match(failed.stderr, /dist\/cli\/main\.js is missing; run 'npm ci && npm run build'/);
});
