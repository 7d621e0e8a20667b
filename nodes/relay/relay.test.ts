import assert from "node:assert/strict";
import { test } from "node:test";
import { createLogger } from "../../lib/node/log.js";
import { startNode } from "../../lib/node/node.js";
import { LocalBus, LocalTransport } from "../../lib/transport/local.js";
import { RateLimiter } from "../../lib/time/rateLimiter.js";
import { relayNode } from "./relay.js";

test("rate limiter admits at most one event per period", () => {
  const limiter = new RateLimiter(10);
  const admitted = [0, 50, 99, 100, 150, 250].filter((t) => limiter.admit(t));
  assert.deepEqual(admitted, [0, 100, 250]);
  assert.ok([1, 2, 3].every((t) => new RateLimiter(0).admit(t)));
});

test("rate limiter starts over when time goes back (a simulator reset)", () => {
  const limiter = new RateLimiter(10);
  const admitted = [5000, 5050, 0, 50, 100].filter((t) => limiter.admit(t));
  assert.deepEqual(admitted, [5000, 0, 100]);
});

test("relay forwards raw CDR unchanged from its input to its output topic", async () => {
  const transport = new LocalTransport(new LocalBus());
  const node = await startNode(relayNode, {
    argv: ["--ros-args", "-p", "input_topic:=/a", "-p", "output_topic:=/b", "-p", "type:=std_msgs/msg/UInt8"],
    transport,
    logger: createLogger("relay", () => {}),
  });
  const seen: Uint8Array[] = [];
  transport.subscribe("/b", "std_msgs/msg/UInt8").subscribe((d) => seen.push(d));
  const message = Uint8Array.from([0, 1, 0, 0, 42]);
  transport.createPublisher("/a", "std_msgs/msg/UInt8").publish(message);
  for (let i = 0; i < 3; i++) await new Promise((r) => setImmediate(r));
  assert.deepEqual(seen, [message]);
  await node.stop();
});
