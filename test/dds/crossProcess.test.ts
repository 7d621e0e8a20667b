// Cross-process tests of the dds transport: a child node process (test/dds/tsPeer.ts) publishes on the
// loopback-only Cyclone domain and this process subscribes. They need the native addon and skip, saying
// why, only when it cannot be loaded (libddsc absent); CI installs cyclonedds-dev, so there they run.
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { after, before, describe, test } from "node:test";
import type { Subscription } from "rxjs";
import { codecFor } from "../../lib/codec/codec.js";
import { packagePath } from "../../lib/paths.js";
import { sleep, until } from "../../lib/testing/wait.js";
import { openDdsTransport, type DdsTransport } from "../../lib/transport/dds.js";
import { qos } from "../../lib/transport/qos.js";
import { patternImageCdr } from "../../lib/image/patternImage.js";
import { ddsTestSkipReason, uniqueTopic, useLoopbackDds } from "../../lib/transport/ddsLoopback.js";

const skip = ddsTestSkipReason();
const env = useLoopbackDds();
// A peer is a process of its own; it starts, and discovery matches it, in seconds on a loaded machine.
const PEER_TIMEOUT_MS = 30_000;

interface Peer {
  child: ChildProcess;
  events: Record<string, unknown>[];
  /** Resolves with the first event named `name`. */
  next(name: string, timeoutMs?: number): Promise<Record<string, unknown>>;
  exited: Promise<number | null>;
}

function startPeer(args: string[]): Peer {
  const child = spawn(
    process.execPath,
    ["--import", "tsx", packagePath("test", "dds", "tsPeer.ts"), ...args],
    {
      env,
      stdio: ["ignore", "pipe", "inherit"],
    },
  );
  const events: Record<string, unknown>[] = [];
  const waiters: { name: string; resolve: (e: Record<string, unknown>) => void }[] = [];
  createInterface({ input: child.stdout! }).on("line", (line) => {
    const event = JSON.parse(line) as Record<string, unknown>;
    events.push(event);
    for (const w of waiters.filter((w) => w.name === event.event)) {
      waiters.splice(waiters.indexOf(w), 1);
      w.resolve(event);
    }
  });
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  return {
    child,
    events,
    exited,
    next: (name, timeoutMs = PEER_TIMEOUT_MS) => {
      const seen = events.find((e) => e.event === name);
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`peer sent no '${name}' in ${timeoutMs} ms`)),
          timeoutMs,
        );
        waiters.push({
          name,
          resolve: (e) => {
            clearTimeout(timer);
            resolve(e);
          },
        });
      });
    },
  };
}

describe("dds transport across processes", { skip, timeout: 120_000 }, () => {
  let transport: DdsTransport;
  before(() => {
    transport = openDdsTransport({ nodeName: "cross_process_test" });
  });
  after(async () => {
    await transport.close();
  });

  async function receiveImages(width: number, height: number, count: number): Promise<void> {
    const topic = uniqueTopic("image_raw");
    const received: Uint8Array[] = [];
    const sub = transport
      .subscribe(topic, "sensor_msgs/msg/Image", qos({ depth: count }))
      .subscribe((data) => received.push(data));
    try {
      const peer = startPeer([
        topic,
        "images",
        String(count),
        "reliable",
        String(count),
        "--width",
        String(width),
        "--height",
        String(height),
      ]);
      assert.equal((await peer.next("matched")).subscribers, 1);
      await until(() => received.length >= count, {
        what: `${count} images of ${width}x${height}`,
        timeoutMs: PEER_TIMEOUT_MS,
      });
      assert.equal(await peer.exited, 0);
      assert.equal(received.length, count);
      for (let seq = 0; seq < count; seq++) {
        const expected = patternImageCdr(width, height, seq);
        assert.equal(received[seq]!.byteLength, expected.byteLength);
        assert.ok(Buffer.from(expected).equals(received[seq]!), `image ${seq} differs from what was sent`);
      }
    } finally {
      sub.unsubscribe();
    }
  }

  test("640x480 rgb8 images arrive byte-identical", async () => {
    await receiveImages(640, 480, 3);
  });

  test("a 12 MP (4000x3000 rgb8, 36 MB) image arrives byte-identical", async () => {
    await receiveImages(4000, 3000, 1);
  });

  test("a best-effort writer does not match a reliable reader, but does match a best-effort one", async () => {
    const topic = uniqueTopic("chatter");
    const reliable: Uint8Array[] = [];
    const bestEffort: Uint8Array[] = [];
    const subs: Subscription[] = [
      transport
        .subscribe(topic, "std_msgs/msg/String", qos({ reliability: "reliable" }))
        .subscribe((d) => reliable.push(d)),
      transport
        .subscribe(topic, "std_msgs/msg/String", qos({ reliability: "best_effort" }))
        .subscribe((d) => bestEffort.push(d)),
    ];
    try {
      const peer = startPeer([topic, "strings", "20", "best_effort", "10", "--interval-ms", "20"]);
      assert.equal((await peer.next("matched")).subscribers, 1, "only the best-effort reader matches");
      assert.equal((await peer.next("done")).subscribers, 1);
      assert.equal(await peer.exited, 0);
      await until(() => bestEffort.length > 0, {
        what: "the best-effort reader to receive",
        timeoutMs: PEER_TIMEOUT_MS,
      });
      assert.equal(reliable.length, 0, "the reliable reader must receive nothing from a best-effort writer");
    } finally {
      for (const s of subs) s.unsubscribe();
    }
  });

  test("a reader's keep-last depth holds when it falls behind", async () => {
    const topic = uniqueTopic("burst");
    const depth = 3;
    const count = 10;
    const strings = codecFor<{ data: string }>("std_msgs/msg/String");
    const received: string[] = [];
    const sub = transport
      .subscribe(topic, "std_msgs/msg/String", qos({ depth }))
      .subscribe((d) => received.push(strings.decode(d).data));
    const dir = mkdtempSync(join(tmpdir(), "dds-depth-"));
    const doneFile = join(dir, "done");
    try {
      const peer = startPeer([
        topic,
        "strings",
        String(count),
        "reliable",
        String(count),
        "--done-file",
        doneFile,
      ]);
      await peer.next("matched");
      // Block this thread (as a slow callback would) until the peer has published everything and it has
      // been acknowledged: the samples can only wait in the reader's history, which keeps the last `depth`.
      const lock = new Int32Array(new SharedArrayBuffer(4));
      for (let waited = 0; !existsSync(doneFile); waited += 10) {
        if (waited > 30_000) throw new Error("the peer did not finish publishing");
        Atomics.wait(lock, 0, 0, 10);
      }
      await until(() => received.length >= depth, { what: `${depth} samples`, timeoutMs: PEER_TIMEOUT_MS });
      assert.equal(await peer.exited, 0);
      await sleep(200);
      assert.deepEqual(received, ["message 7", "message 8", "message 9"]);
    } finally {
      sub.unsubscribe();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("a killed peer does not crash the survivor, which goes on receiving from a new one", async () => {
    const topic = uniqueTopic("heartbeat");
    const received: Uint8Array[] = [];
    const sub = transport.subscribe(topic, "std_msgs/msg/String").subscribe((d) => received.push(d));
    let victim: Peer | undefined;
    try {
      victim = startPeer([topic, "strings", "0", "reliable", "10", "--forever", "--interval-ms", "5"]);
      await until(() => received.length >= 5, {
        what: "messages from the first peer",
        timeoutMs: PEER_TIMEOUT_MS,
      });
      victim.child.kill("SIGKILL");
      assert.equal(await victim.exited, null);
      // The loopback configuration's lease is 2 s: wait until discovery has dropped the dead writer.
      await until(() => transport.endpointsOn(topic).publications === 0, {
        what: "discovery to notice that the killed peer is gone",
        timeoutMs: PEER_TIMEOUT_MS,
      });
      const before = received.length;
      const successor = startPeer([topic, "strings", "5", "reliable", "10"]);
      assert.equal(await successor.exited, 0);
      await until(() => received.length >= before + 5, {
        what: "messages from the second peer",
        timeoutMs: PEER_TIMEOUT_MS,
      });
    } finally {
      victim?.child.kill("SIGKILL"); // in case the test failed before killing it
      sub.unsubscribe();
    }
  });

  for (const mode of ["exit", "drain"]) {
    test(`a process that ends with DDS entities open (${mode}) exits cleanly`, async () => {
      const child = spawn(
        process.execPath,
        ["--import", "tsx", packagePath("test", "dds", "exitPeer.ts"), mode],
        {
          env,
          stdio: ["ignore", "pipe", "pipe"],
        },
      );
      let output = "";
      child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
      child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
      const timer = setTimeout(() => child.kill("SIGKILL"), 30_000);
      const [code, signal] = await new Promise<[number | null, string | null]>((resolve) =>
        child.on("exit", (c, s) => resolve([c, s])),
      );
      clearTimeout(timer);
      assert.equal(signal, null, `the process hung or crashed: ${output}`);
      assert.equal(code, 0, output);
      assert.match(output, /^received 12$/m);
    });
  }
});
