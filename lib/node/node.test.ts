import assert from "node:assert/strict";
import { test } from "node:test";
import { z } from "zod";
import { LocalBus, LocalTransport } from "../transport/local.js";
import { createLogger } from "./log.js";
import { defineNode, startNode } from "./node.js";

const quiet = createLogger("test", () => {});

const echoNode = defineNode({
  name: "echo",
  description: "test node",
  parameters: z.object({ prefix: z.string().default(">") }),
  start: ({ params, transport, topic }) => {
    const publisher = transport.createPublisher(topic("/out"), "std_msgs/msg/UInt8");
    const subscription = transport
      .subscribe(topic("/in"), "std_msgs/msg/UInt8")
      .subscribe((data) => publisher.publish(data));
    return { stop: () => subscription.unsubscribe(), prefix: params.prefix };
  },
});

test("two nodes in one process share the local bus; remapping and renaming apply", async () => {
  const bus = new LocalBus();
  const transport = new LocalTransport(bus);
  const a = await startNode(echoNode, {
    argv: ["--ros-args", "-r", "__node:=echo_a", "-r", "/out:=/mid", "-p", "prefix:=a"],
    transport,
    logger: quiet,
  });
  const b = await startNode(echoNode, { argv: ["--ros-args", "-r", "/in:=/mid"], transport, logger: quiet });
  assert.equal(a.context.name, "echo_a");
  assert.equal(a.context.params.prefix, "a");
  assert.equal(a.context.params.transport, "local");
  const seen: number[] = [];
  transport.subscribe("/out", "std_msgs/msg/UInt8").subscribe((d) => seen.push(d[4]!));
  transport.createPublisher("/in", "std_msgs/msg/UInt8").publish(Uint8Array.from([0, 1, 0, 0, 7]));
  for (let i = 0; i < 3; i++) await new Promise((r) => setImmediate(r));
  assert.deepEqual(seen, [7]);
  await a.stop();
  await b.stop();
});

test("a bad parameter stops the node before it starts, naming the parameter", async () => {
  await assert.rejects(
    startNode(echoNode, { argv: ["--ros-args", "-p", "prefixx:=1"], logger: quiet }),
    /unknown parameter\(s\): prefixx/,
  );
  await assert.rejects(
    startNode(echoNode, { argv: ["--ros-args", "-p", "transport:=zmq"], logger: quiet }),
    /transport/,
  );
});

test("transport:=ros without ROS 2 fails at start and says how to get it", async () => {
  const saved = process.env.AMENT_PREFIX_PATH;
  delete process.env.AMENT_PREFIX_PATH;
  try {
    await assert.rejects(
      startNode(echoNode, { argv: ["--ros-args", "-p", "transport:=ros"], logger: quiet }),
      /source your ROS 2 setup.*colcon build --packages-select process_reward_msgs/s,
    );
  } finally {
    if (saved !== undefined) process.env.AMENT_PREFIX_PATH = saved;
  }
});
