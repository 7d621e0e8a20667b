// A second process on the DDS domain for the cross-process tests: publishes deterministic images (or
// sequence-numbered strings) through the dds transport. Prints one JSON line per event on stdout.
// Usage: node --import tsx test/dds/tsPeer.ts <topic> <images|strings> <count> <reliable|best_effort>
//          <depth> [--width W --height H] [--interval-ms N] [--done-file PATH] [--forever]
import { writeFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { openDdsTransport } from "../../lib/transport/dds.js";
import { qos } from "../../lib/transport/qos.js";
import { patternImageCdr } from "../../lib/image/patternImage.js";
import { codecFor } from "../../lib/codec/codec.js";
import { sleep } from "../../lib/testing/wait.js";

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: {
    width: { type: "string", default: "640" },
    height: { type: "string", default: "480" },
    "interval-ms": { type: "string", default: "0" },
    "done-file": { type: "string" },
    forever: { type: "boolean", default: false },
  },
});
const [topic, kind, countText, reliability, depthText] = positionals;
if (!topic || (kind !== "images" && kind !== "strings") || !countText || !reliability || !depthText) {
  throw new Error(
    "usage: tsPeer.ts <topic> <images|strings> <count> <reliable|best_effort> <depth> [options]",
  );
}
const count = Number(countText);
const width = Number(values.width);
const height = Number(values.height);
const interval = Number(values["interval-ms"]);
const say = (event: Record<string, unknown>): void => void process.stdout.write(`${JSON.stringify(event)}\n`);

const transport = openDdsTransport({ nodeName: "ts_test_peer" });
const type = kind === "images" ? "sensor_msgs/msg/Image" : "std_msgs/msg/String";
const publisher = transport.createPublisher(
  topic,
  type,
  qos({ reliability: reliability as "reliable" | "best_effort", depth: Number(depthText) }),
);
const strings = codecFor<{ data: string }>("std_msgs/msg/String");
const message = (seq: number): Uint8Array =>
  kind === "images" ? patternImageCdr(width, height, seq) : strings.encode({ data: `message ${seq}` });

// Publish only once a reader has matched, else the first samples go nowhere (volatile durability).
// Best-effort runs against a reliable-only reader never match; they publish anyway after a while.
for (let waited = 0; publisher.matchedSubscribers() === 0 && waited < 3000; waited += 20) await sleep(20);
say({ event: "matched", subscribers: publisher.matchedSubscribers() });
for (let seq = 0; values.forever || seq < count; seq++) {
  publisher.publish(message(seq));
  say({ event: "published", seq });
  if (interval > 0) await sleep(interval);
}
// Give reliable readers time to acknowledge (the writer would otherwise vanish with data in flight).
await sleep(500);
say({ event: "done", subscribers: publisher.matchedSubscribers() });
if (values["done-file"]) writeFileSync(values["done-file"], "done\n");
await transport.close();
