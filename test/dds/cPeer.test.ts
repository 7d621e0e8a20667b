// The dds transport against an independent peer: C code on Cyclone's typed API with idlc-generated types
// (test/dds-peer). Samples it serializes must equal our codec's bytes exactly, and samples we send must
// read back field for field, which is what a ROS 2 node on rmw_cyclonedds would see.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { after, before, describe, test } from "node:test";
import { codecFor } from "../../lib/codec/codec.js";
import { MsgType, type DenseReward, type Image } from "../../lib/codec/messages.js";
import { openDdsTransport, type DdsTransport } from "../../lib/transport/dds.js";
import { ddsTopicName } from "../../lib/transport/ddsNames.js";
import { qos } from "../../lib/transport/qos.js";
import { until } from "../../lib/testing/wait.js";
import { buildCPeer } from "../dds-peer/build.js";
import { patternImage } from "../../lib/image/patternImage.js";
import { ddsTestSkipReason, uniqueTopic, useLoopbackDds } from "../../lib/transport/ddsLoopback.js";
import { cPeerImage, cPeerReward, imageLine, rewardLine } from "./support.js";

const skip = ddsTestSkipReason();
const env = useLoopbackDds();
// A peer is a process of its own; it starts, and discovery matches it, in seconds on a loaded machine.
const PEER_TIMEOUT_MS = 30_000;

interface CPeer {
  lines: string[];
  /** Resolves once the peer printed `line`. */
  printed(line: string): Promise<void>;
  exited: Promise<number | null>;
}

function startCPeer(binary: string, args: string[]): CPeer {
  const child = spawn(binary, args, { env, stdio: ["ignore", "pipe", "pipe"] });
  const lines: string[] = [];
  let stderr = "";
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  createInterface({ input: child.stdout }).on("line", (line) => lines.push(line));
  const exited = new Promise<number | null>((resolve) =>
    child.on("exit", (code) => {
      if (code !== 0) process.stderr.write(`C peer ${args.join(" ")} exited with ${code}: ${stderr}\n`);
      resolve(code);
    }),
  );
  return {
    lines,
    exited,
    printed: (line) =>
      until(() => lines.includes(line), {
        what: () => `the C peer to print '${line}' (stderr: ${stderr})`,
        timeoutMs: PEER_TIMEOUT_MS,
      }),
  };
}

describe(
  "dds transport with an independent C peer (Cyclone typed API, idlc types)",
  { skip, timeout: 120_000 },
  () => {
    let peer: string;
    let transport: DdsTransport;
    before(() => {
      peer = buildCPeer();
      transport = openDdsTransport({ nodeName: "c_peer_test" });
    });
    after(async () => {
      await transport.close();
    });

    /** Receives `count` samples that the C peer publishes; each must be exactly our encoding of `expected(k)`. */
    async function fromC<T>(
      type: string,
      args: (topic: string) => string[],
      count: number,
      expected: (k: number) => T,
    ) {
      const topic = uniqueTopic("from_c");
      const received: Uint8Array[] = [];
      const sub = transport.subscribe(topic, type, qos({ depth: count })).subscribe((d) => received.push(d));
      try {
        const c = startCPeer(peer, args(ddsTopicName(topic)));
        await until(() => received.length >= count, {
          what: `${count} samples from the C peer`,
          timeoutMs: PEER_TIMEOUT_MS,
        });
        assert.equal(await c.exited, 0);
        const codec = codecFor<T>(type);
        for (let k = 0; k < count; k++) {
          const ours = codec.encode(expected(k));
          assert.ok(Buffer.from(ours).equals(received[k]!), `sample ${k}: Cyclone's CDR differs from ours`);
          assert.deepEqual(codec.decode(received[k]!), codec.decode(ours));
        }
      } finally {
        sub.unsubscribe();
      }
    }

    /** Publishes `messages` to the C peer's echo mode; it must print exactly `lines`. */
    async function toC<T>(type: string, mode: string, messages: T[], line: (m: T) => string) {
      const topic = uniqueTopic("to_c");
      const c = startCPeer(peer, [mode, ddsTopicName(topic), String(messages.length)]);
      await c.printed("ready");
      const publisher = transport.createPublisher(topic, type, qos({ depth: messages.length }));
      try {
        await until(() => publisher.matchedSubscribers() > 0, {
          what: "the C peer's reader to match",
          timeoutMs: PEER_TIMEOUT_MS,
        });
        const codec = codecFor<T>(type);
        for (const m of messages) publisher.publish(codec.encode(m));
        assert.equal(await c.exited, 0);
        assert.deepEqual(
          c.lines.filter((l) => l !== "ready"),
          messages.map(line),
        );
      } finally {
        publisher.close();
      }
    }

    test("Image from C arrives as the exact bytes our codec writes", async () => {
      await fromC<Image>(
        MsgType.Image,
        (t) => ["pub-image", t, "640", "480", "3"],
        3,
        (k) => cPeerImage(640, 480, k),
      );
    });

    test("DenseReward from C arrives as the exact bytes our codec writes", async () => {
      await fromC<DenseReward>(MsgType.DenseReward, (t) => ["pub-reward", t, "3"], 3, cPeerReward);
    });

    test("Image to C is read field for field by Cyclone's deserializer", async () => {
      await toC<Image>(
        MsgType.Image,
        "echo-image",
        [0, 1, 2].map((k) => patternImage(640, 480, k)),
        imageLine,
      );
    });

    test("DenseReward to C is read field for field by Cyclone's deserializer", async () => {
      await toC<DenseReward>(MsgType.DenseReward, "echo-reward", [0, 1, 2].map(cPeerReward), rewardLine);
    });
  },
);
