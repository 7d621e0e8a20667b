// `process-reward topic list|echo|hz` on the dds transport, against a publisher in another process.
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { after, before, describe, test } from "node:test";
import { packagePath } from "../../lib/paths.js";
import { ddsTestSkipReason, uniqueTopic, useLoopbackDds } from "../../lib/transport/ddsLoopback.js";

const skip = ddsTestSkipReason();
const env = useLoopbackDds();

function cli(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(
    process.execPath,
    ["--import", "tsx", packagePath("cli", "main.ts"), "topic", ...args],
    {
      env,
      encoding: "utf8",
      timeout: 60_000,
    },
  );
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe("process-reward topic on dds", { skip, timeout: 120_000 }, () => {
  const topic = uniqueTopic("camera/image_raw");
  let stop: () => void;
  before(() => {
    // A camera in another process, publishing 320x240 images every 20 ms until the tests end.
    const camera = spawn(
      process.execPath,
      [
        "--import",
        "tsx",
        packagePath("test", "dds", "tsPeer.ts"),
        topic,
        "images",
        "0",
        "best_effort",
        "5",
        "--forever",
        "--interval-ms",
        "20",
        "--width",
        "320",
        "--height",
        "240",
      ],
      { env, stdio: "ignore" },
    );
    stop = () => camera.kill("SIGKILL");
  });
  after(() => stop());

  test("list shows the topic with its ROS type", () => {
    const { status, stdout } = cli(["list", "--wait", "2000"]);
    assert.equal(status, 0);
    assert.match(stdout, new RegExp(`^${topic} +\\[sensor_msgs/msg/Image\\]$`, "m"));
  });

  test("echo prints decoded images summarized, then stops after --count", () => {
    const { status, stdout, stderr } = cli(["echo", topic, "--count", "2"]);
    assert.equal(status, 0, stderr);
    assert.equal(stdout.match(/^---$/gm)?.length, 2);
    assert.match(stdout, /data: "<230400 bytes: 320 × 240 × rgb8>"/);
    assert.match(stdout, /frame_id: test_camera/);
  });

  test("hz prints a rate", () => {
    const { status, stdout } = cli(["hz", topic, "--duration", "2.5"]);
    assert.equal(status, 0);
    assert.match(stdout, /^average rate: \d+\.\d{3}$/m);
  });

  test("echo of an unknown topic fails with one clear line", () => {
    const { status, stderr } = cli(["echo", uniqueTopic("nothing"), "--wait", "300"]);
    assert.equal(status, 1);
    assert.match(stderr, /^process-reward topic: \/test_.* was not found on the dds graph within 300 ms/);
  });
});
