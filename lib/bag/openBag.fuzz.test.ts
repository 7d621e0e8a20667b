import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { McapWriter, TempBuffer } from "@mcap/core";
import fc from "fast-check";
import { compress as lz4Compress } from "lz4js";
import { codecFor } from "../codec/codec.js";
import { openBag } from "./openBag.js";
import { SQLITE_TOPICS, sqliteBagBytes } from "./sqliteFixture.js";
import { BagError } from "./types.js";

// Property-based checks of the bag readers: a random, mutated or truncated MCAP or SQLite file either reads
// (every message it yields has a topic and bytes) or fails with a BagError naming the file, within a time
// bound per case; never another exception, a crash or a hang. Whole-file checks of real bags and of the
// specific damage cases are in openBag.test.ts.

const dir = mkdtempSync(join(tmpdir(), "bag-fuzz-"));
after(() => rmSync(dir, { recursive: true, force: true }));
const CASE_MS = 5000;
const codec = codecFor<{ data: string }>("std_msgs/msg/String");

async function mcap(chunks: "none" | "lz4"): Promise<Uint8Array> {
  const buffer = new TempBuffer();
  const writer = new McapWriter({
    writable: buffer,
    chunkSize: 256, // several chunks, so damage can land in one chunk, an index or the summary
    ...(chunks === "lz4"
      ? { compressChunk: (data: Uint8Array) => ({ compression: "lz4", compressedData: lz4Compress(data) }) }
      : {}),
  });
  await writer.start({ profile: "ros2", library: "fuzz" });
  const schemaId = await writer.registerSchema({
    name: "std_msgs/msg/String",
    encoding: "ros2msg",
    data: new TextEncoder().encode("string data\n"),
  });
  const channels = await Promise.all(
    ["/a", "/b"].map((topic) =>
      writer.registerChannel({ topic, schemaId, messageEncoding: "cdr", metadata: new Map() }),
    ),
  );
  for (let i = 0; i < 24; i++) {
    await writer.addMessage({
      channelId: channels[i % 2]!,
      sequence: i,
      logTime: BigInt(i) * 1_000_000n,
      publishTime: BigInt(i) * 1_000_000n,
      data: codec.encode({ data: `message ${i}` }),
    });
  }
  await writer.end();
  return buffer.get();
}

const valid = {
  mcap: await mcap("none"),
  "lz4.mcap": await mcap("lz4"),
  db3: await sqliteBagBytes(
    Array.from({ length: 60 }, (_, i) => ({
      topic: SQLITE_TOPICS[i % 2]!,
      timestamp: i * 1_000_000,
      data: codec.encode({ data: `message ${i} `.repeat(8) }),
    })),
  ),
};
let cases = 0;
/** How the cases ended, so a run where every case failed at the same first check is noticed. */
const outcomes = { read: 0, bagError: 0 };

/** Writes `bytes` as a bag file and reads it whole; a case that takes longer than CASE_MS fails as a hang. */
async function readOrBagError(extension: string, bytes: Uint8Array): Promise<void> {
  const file = join(dir, `case${cases++}.${extension.endsWith("db3") ? "db3" : "mcap"}`);
  writeFileSync(file, bytes);
  const work = (async () => {
    const bag = await openBag(file);
    try {
      let n = 0;
      for await (const m of bag.messages()) {
        assert.ok(typeof m.topic === "string" && m.data instanceof Uint8Array);
        n++;
      }
      return n;
    } finally {
      await bag.close();
    }
  })().then(
    (n) => ({ n }),
    (err: unknown) => ({ err }),
  );
  let timer: NodeJS.Timeout | undefined;
  const hang = new Promise<"hang">((resolve) => (timer = setTimeout(() => resolve("hang"), CASE_MS)));
  const outcome = await Promise.race([work, hang]);
  clearTimeout(timer);
  rmSync(file, { force: true });
  assert.notEqual(outcome, "hang", `reading took over ${CASE_MS} ms`);
  if (outcome !== "hang" && "n" in outcome) outcomes.read++;
  if (outcome !== "hang" && "err" in outcome) {
    outcomes.bagError++;
    const err = outcome.err;
    if (err instanceof assert.AssertionError) throw err;
    assert.ok(err instanceof BagError, `expected BagError, got ${(err as Error).stack}`);
    assert.equal(err.file, file);
    assert.ok(err.message.startsWith(file), err.message);
  }
}

test("the unmutated fixtures read whole", async () => {
  for (const [extension, bytes] of Object.entries(valid)) {
    const file = join(dir, `whole.${extension.endsWith("db3") ? "db3" : "mcap"}`);
    writeFileSync(file, bytes);
    const bag = await openBag(file);
    assert.equal(bag.messageCount, extension === "db3" ? 60 : 24, extension);
    await bag.close();
  }
});

test("random bytes as .mcap and .db3: a BagError naming the file", async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.constantFrom("mcap", "db3"),
      fc.oneof(
        fc.uint8Array({ maxLength: 4096 }),
        // the right magic, then garbage
        fc.uint8Array({ maxLength: 4096 }).map((b) => Uint8Array.from([...valid.mcap.subarray(0, 8), ...b])),
        fc.uint8Array({ maxLength: 4096 }).map((b) => Uint8Array.from([...valid.db3.subarray(0, 100), ...b])),
      ),
      readOrBagError,
    ),
    { numRuns: 60 },
  );
});

test("mutated and truncated MCAP (plain and lz4 chunks) and SQLite: all messages or a BagError", async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.constantFrom(...(Object.entries(valid) as [string, Uint8Array][])),
      fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 6 }),
      fc.option(fc.nat(), { nil: undefined }),
      async ([extension, bytes], flips, cut) => {
        const mutated = bytes.slice();
        for (const [at, value] of flips) mutated[at % mutated.length] = value;
        const data = cut === undefined ? mutated : mutated.subarray(0, cut % (mutated.length + 1));
        await readOrBagError(extension, data);
      },
    ),
    { numRuns: 1000 },
  );
  assert.ok(outcomes.read > 0 && outcomes.bagError > 0, JSON.stringify(outcomes));
});
