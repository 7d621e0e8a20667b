// The far end of bench/dds.ts, in its own process:
//   publish <topic> <width> <height> <seconds>   publishes one pre-encoded rgb8 image as fast as the writer
//                                                takes it (only the stamp changes), reliable keep-last 10
//   pong <ping-topic> <pong-topic>                returns every sample received on ping-topic unchanged
import { openDdsTransport } from "../lib/transport/dds.js";
import { qos } from "../lib/transport/qos.js";
import { patternImageCdr } from "../lib/image/patternImage.js";

const [mode, topic, ...rest] = process.argv.slice(2);
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const transport = openDdsTransport({ nodeName: "dds_bench_peer" });
const profile = qos({ reliability: "reliable", depth: 10 });

if (mode === "publish" && topic && rest.length === 3) {
  const [width, height, seconds] = rest.map(Number) as [number, number, number];
  const publisher = transport.createPublisher(topic, "sensor_msgs/msg/Image", profile);
  const cdr = patternImageCdr(width, height, 0);
  const stamp = new DataView(cdr.buffer, cdr.byteOffset + 4, 4); // header.stamp.sec follows the 4-byte encapsulation
  while (publisher.matchedSubscribers() === 0) await sleep(10);
  process.stdout.write("publishing\n");
  const end = performance.now() + seconds * 1000;
  for (let seq = 0; performance.now() < end; seq++) {
    stamp.setInt32(0, seq, true);
    publisher.publish(cdr);
    // Let the event loop run between writes, as a node publishing from a callback would.
    await new Promise((resolve) => setImmediate(resolve));
  }
  await sleep(300);
} else if (mode === "pong" && topic && rest.length === 1) {
  const publisher = transport.createPublisher(rest[0]!, "sensor_msgs/msg/Image", qos({ depth: 1 }));
  transport
    .subscribe(topic, "sensor_msgs/msg/Image", qos({ depth: 1 }))
    .subscribe((data) => publisher.publish(data));
  process.stdout.write("ready\n");
  await new Promise((resolve) => process.once("SIGTERM", resolve));
} else {
  throw new Error(
    "usage: ddsPeer.ts publish <topic> <width> <height> <seconds> | pong <ping-topic> <pong-topic>",
  );
}
await transport.close();
