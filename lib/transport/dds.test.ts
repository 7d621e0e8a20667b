import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { firstValueFrom, take, toArray } from "rxjs";
import { codecFor } from "../codec/codec.js";
import { MsgType, type Image } from "../codec/messages.js";
import { patternImage } from "../image/patternImage.js";
import { openDdsTransport, resolveDomainId } from "./dds.js";
import { ddsTestSkipReason, uniqueTopic, useLoopbackDds } from "./ddsLoopback.js";
import { loadDdsAddon } from "./ddsNative.js";
import { qos, QOS_LATCHED } from "./qos.js";
import { createPublisher, subscribe } from "./typed.js";
import { createTransport } from "./index.js";
import { sleep } from "../testing/wait.js";

const skip = ddsTestSkipReason();
useLoopbackDds();

test("ROS_DOMAIN_ID selects the domain, and a bad one is refused by name", () => {
  assert.equal(resolveDomainId(undefined, {}), 0);
  assert.equal(resolveDomainId(undefined, { ROS_DOMAIN_ID: "42" }), 42);
  assert.equal(resolveDomainId(7, { ROS_DOMAIN_ID: "42" }), 7);
  assert.throws(() => resolveDomainId(undefined, { ROS_DOMAIN_ID: "robot" }), /ROS_DOMAIN_ID='robot'/);
  assert.throws(() => resolveDomainId(300, {}), /domainId 300/);
});

test("without the addon, loading it names the Debian package to install", () => {
  assert.throws(() => loadDdsAddon("/nonexistent/process_reward_dds.node"), /cyclonedds-dev/);
});

describe("dds transport in one process", { skip, timeout: 120_000 }, () => {
  test("typed messages go through DDS and topics() shows ROS names and types", async () => {
    const transport = await createTransport("dds", { nodeName: "dds_unit_test" });
    try {
      const topic = uniqueTopic("image_raw");
      const received = firstValueFrom(subscribe(transport, topic, MsgType.Image).pipe(take(2), toArray()));
      const publisher = createPublisher(transport, topic, MsgType.Image);
      await sleep(100);
      publisher.publish(patternImage(64, 48, 0));
      publisher.publish(patternImage(64, 48, 1));
      const images: Image[] = await received;
      assert.deepEqual(
        images.map((m) => m.header.stamp.sec),
        [0, 1],
      );
      assert.deepEqual(images[1]!.data, patternImage(64, 48, 1).data);
      const listed = (await transport.topics()).find((t) => t.topic === topic);
      assert.deepEqual(listed, { topic, types: ["sensor_msgs/msg/Image"] });
    } finally {
      await transport.close();
    }
  });

  test("publishing bytes that are not XCDR1 CDR is refused with the topic named", async () => {
    const transport = openDdsTransport({ nodeName: "dds_unit_test" });
    try {
      const topic = uniqueTopic("chatter");
      const publisher = transport.createPublisher(topic, "std_msgs/msg/String");
      assert.throws(
        () => publisher.publish(new Uint8Array([0, 7, 0, 0, 1, 0, 0, 0])),
        new RegExp(`publish on ${topic}`),
      );
      assert.throws(() => publisher.publish(new Uint8Array([0, 1])), /encapsulation header/);
    } finally {
      await transport.close();
    }
  });

  test("a transient-local writer hands its last samples to a late transient-local reader, not a volatile one", async () => {
    const writerSide = openDdsTransport({ nodeName: "latched_writer" });
    const readerSide = openDdsTransport({ nodeName: "latched_reader" });
    try {
      const topic = uniqueTopic("latched");
      const strings = codecFor<{ data: string }>("std_msgs/msg/String");
      const publisher = writerSide.createPublisher(topic, "std_msgs/msg/String", QOS_LATCHED);
      for (const data of ["first", "last"]) publisher.publish(strings.encode({ data }));
      const volatile: string[] = [];
      const sub = readerSide
        .subscribe(topic, "std_msgs/msg/String", qos({ depth: 5 }))
        .subscribe((d) => volatile.push(strings.decode(d).data));
      const late = await firstValueFrom(readerSide.subscribe(topic, "std_msgs/msg/String", QOS_LATCHED));
      assert.equal(strings.decode(late).data, "last", "depth 1 keeps only the last sample");
      await sleep(200);
      sub.unsubscribe();
      assert.deepEqual(volatile, [], "a volatile reader gets no history");
    } finally {
      await readerSide.close();
      await writerSide.close();
    }
  });

  test("repeated create/close leaves no endpoints behind and keeps working", async () => {
    const observer = openDdsTransport({ nodeName: "dds_observer" });
    const topic = uniqueTopic("churn");
    try {
      for (let i = 0; i < 20; i++) {
        const transport = openDdsTransport({ nodeName: `churn_${i}` });
        const got = firstValueFrom(transport.subscribe(topic, "std_msgs/msg/String", qos({ depth: 1 })));
        const publisher = transport.createPublisher(topic, "std_msgs/msg/String");
        publisher.publish(new Uint8Array([0, 1, 0, 0, 2, 0, 0, 0, 105, 0, 0, 0]));
        assert.equal((await got).byteLength, 12);
        if (i % 2 === 0) publisher.close();
        await transport.close();
        await transport.close(); // closing twice is harmless
        assert.throws(() => transport.createPublisher(topic, "std_msgs/msg/String"), /closed/);
      }
      assert.deepEqual(observer.endpointsOn(topic), { publications: 0, subscriptions: 0 });
    } finally {
      await observer.close();
    }
  });

  test("100 more create/publish/receive/close cycles with 2 MB samples do not grow memory", async () => {
    setFlagsFromString("--expose-gc");
    const gc = runInNewContext("gc") as () => void;
    const topic = uniqueTopic("leak");
    const sample = new Uint8Array(2_000_000);
    sample[1] = 1; // CDR little-endian encapsulation
    const cycle = async (i: number): Promise<void> => {
      const transport = openDdsTransport({ nodeName: `leak_${i}` });
      const got = firstValueFrom(transport.subscribe(topic, "sensor_msgs/msg/Image", qos({ depth: 1 })));
      transport.createPublisher(topic, "sensor_msgs/msg/Image").publish(sample);
      await got;
      await transport.close();
    };
    const settledRss = (): number => {
      gc();
      return process.memoryUsage().rss;
    };
    for (let i = 0; i < 50; i++) await cycle(i); // warm-up: allocator pools, the sample pool, JIT
    const before = settledRss();
    for (let i = 50; i < 150; i++) await cycle(i);
    const grown = (settledRss() - before) / 1e6;
    // A leaked sample alone would be 200 MB over these cycles.
    assert.ok(grown < 40, `RSS grew by ${grown.toFixed(1)} MB over 100 cycles`);
  });
});
