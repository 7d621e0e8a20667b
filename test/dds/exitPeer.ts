// Leaves DDS entities open and ends the process in one of two ways, for the cleanup test:
//   exit   process.exit() with a live participant, reader and writer (the addon's cleanup hook deletes them)
//   drain  unsubscribes and closes nothing else: the event loop must empty and the process end by itself
import { openDdsTransport } from "../../lib/transport/dds.js";
import { uniqueTopic } from "../../lib/transport/ddsLoopback.js";

const mode = process.argv[2];
const transport = openDdsTransport({ nodeName: "exit_peer" });
const topic = uniqueTopic("exit");
const publisher = transport.createPublisher(topic, "std_msgs/msg/String");
const sub = transport.subscribe(topic, "std_msgs/msg/String").subscribe((data) => {
  process.stdout.write(`received ${data.byteLength}\n`);
  if (mode === "exit") process.exit(0);
  sub.unsubscribe();
});
setTimeout(() => publisher.publish(new Uint8Array([0, 1, 0, 0, 2, 0, 0, 0, 105, 0, 0, 0])), 100);
