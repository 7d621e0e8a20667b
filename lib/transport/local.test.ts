import assert from "node:assert/strict";
import { test } from "node:test";
import { firstValueFrom, take, toArray } from "rxjs";
import { MsgType, type ResetRequest } from "../codec/messages.js";
import { LocalBus, LocalTransport } from "./local.js";
import { QOS_DEFAULT, QOS_LATCHED, QOS_SENSOR_DATA, qos } from "./qos.js";
import { createPublisher, subscribe } from "./typed.js";

const TYPE = "std_msgs/msg/UInt8";
const bytes = (n: number): Uint8Array => Uint8Array.from([0, 1, 0, 0, n]);
const nextTick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

function collect(transport: LocalTransport, topic: string, q = QOS_DEFAULT): number[] {
  const seen: number[] = [];
  transport.subscribe(topic, TYPE, q).subscribe((data) => seen.push(data[4]!));
  return seen;
}

test("keep-last depth: a burst larger than the reader's depth keeps only the newest samples", async () => {
  const transport = new LocalTransport(new LocalBus());
  const seen = collect(transport, "/burst", qos({ depth: 3 }));
  const publisher = transport.createPublisher("/burst", TYPE);
  for (let i = 0; i < 10; i++) publisher.publish(bytes(i));
  await nextTick();
  assert.deepEqual(seen, [7, 8, 9]);
  assert.equal(transport.bus.stats().find((s) => s.topic === "/burst")?.dropped, 7);
});

test("messages spread over turns of the event loop are all delivered, in order", async () => {
  const transport = new LocalTransport(new LocalBus());
  const seen = collect(transport, "/paced", qos({ depth: 1 }));
  const publisher = transport.createPublisher("/paced", TYPE);
  for (let i = 0; i < 5; i++) {
    publisher.publish(bytes(i));
    await nextTick();
  }
  assert.deepEqual(seen, [0, 1, 2, 3, 4]);
});

test("a reliable reader does not match a best-effort writer; the reverse matches", async () => {
  const bus = new LocalBus();
  const warnings: string[] = [];
  bus.warnings$.subscribe((w) => warnings.push(w));
  const transport = new LocalTransport(bus);
  const reliableReader = collect(transport, "/cam", QOS_DEFAULT);
  const bestEffortReader = collect(transport, "/cam", QOS_SENSOR_DATA);
  transport.createPublisher("/cam", TYPE, QOS_SENSOR_DATA).publish(bytes(1));
  transport.createPublisher("/cam", TYPE, QOS_DEFAULT).publish(bytes(2));
  await nextTick();
  assert.deepEqual(reliableReader, [2]);
  assert.deepEqual(bestEffortReader, [1, 2]);
  assert.equal(warnings.length, 1);
  assert.match(warnings[0]!, /incompatible QoS on \/cam: the reader asks for reliable delivery/);
});

test("transient-local: a late joiner gets the writer's last samples, a volatile one does not", async () => {
  const transport = new LocalTransport(new LocalBus());
  const publisher = transport.createPublisher("/latched", TYPE, QOS_LATCHED);
  publisher.publish(bytes(1));
  publisher.publish(bytes(2));
  const late = collect(transport, "/latched", QOS_LATCHED);
  const volatile = collect(transport, "/latched", QOS_DEFAULT);
  await nextTick();
  assert.deepEqual(late, [2]);
  assert.deepEqual(volatile, []);
});

test("many subscribers each get every message", async () => {
  const transport = new LocalTransport(new LocalBus());
  const readers = Array.from({ length: 20 }, () => collect(transport, "/fanout"));
  const publisher = transport.createPublisher("/fanout", TYPE);
  for (let i = 0; i < 5; i++) publisher.publish(bytes(i));
  await nextTick();
  for (const seen of readers) assert.deepEqual(seen, [0, 1, 2, 3, 4]);
});

test("unsubscribing stops delivery, including samples already queued", async () => {
  const transport = new LocalTransport(new LocalBus());
  const seen: number[] = [];
  const subscription = transport.subscribe("/u", TYPE).subscribe((d) => seen.push(d[4]!));
  const publisher = transport.createPublisher("/u", TYPE);
  publisher.publish(bytes(1));
  await nextTick();
  publisher.publish(bytes(2));
  subscription.unsubscribe();
  await nextTick();
  publisher.publish(bytes(3));
  await nextTick();
  assert.deepEqual(seen, [1]);
  assert.equal(transport.bus.stats().find((s) => s.topic === "/u")?.subscribers, 0);
});

test("closing a transport removes only its own endpoints and completes its subscriptions", async () => {
  const bus = new LocalBus();
  const a = new LocalTransport(bus);
  const b = new LocalTransport(bus);
  let completed = false;
  a.subscribe("/x", TYPE).subscribe({ complete: () => (completed = true) });
  const seenByB = collect(b, "/x");
  const publisher = b.createPublisher("/x", TYPE);
  await a.close();
  publisher.publish(bytes(5));
  await nextTick();
  assert.ok(completed);
  assert.deepEqual(seenByB, [5]);
  assert.deepEqual(bus.topics(), [{ topic: "/x", types: ["std_msgs/msg/UInt8"] }]);
});

test("a topic keeps one type; a second type is refused with both names", () => {
  const transport = new LocalTransport(new LocalBus());
  transport.createPublisher("/typed", "std_msgs/msg/String");
  assert.throws(() => transport.createPublisher("/typed", TYPE), /already carries std_msgs\/msg\/String/);
  assert.throws(() => transport.createPublisher("bad topic", TYPE), /not a valid ROS topic name/);
});

test("typed layer: malformed messages are reported and skipped, the stream goes on", async () => {
  const transport = new LocalTransport(new LocalBus());
  const errors: string[] = [];
  const received = firstValueFrom(
    subscribe(transport, "/reset", MsgType.ResetRequest, {
      onDecodeError: (e) => errors.push(e.message),
    }).pipe(take(2), toArray()),
  );
  const typed = createPublisher(transport, "/reset", MsgType.ResetRequest);
  const raw = transport.createPublisher("/reset", MsgType.ResetRequest);
  const message: ResetRequest = {
    header: { stamp: { sec: 1, nanosec: 0 }, frame_id: "" },
    task: "push",
    seed: 3n,
  };
  typed.publish(message);
  raw.publish(Uint8Array.from([0, 1, 0, 0, 9]));
  typed.publish({ ...message, seed: 4n });
  const messages = await received;
  assert.deepEqual(
    messages.map((m) => m.seed),
    [3n, 4n],
  );
  assert.equal(errors.length, 1);
  assert.match(
    errors[0]!,
    /dropped a message on \/reset: malformed CDR for process_reward_msgs\/ResetRequest/,
  );
});
