import assert from "node:assert/strict";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { test } from "node:test";
import { McapWriter, TempBuffer } from "@mcap/core";
import zstd from "@foxglove/wasm-zstd";
import { compress as lz4Compress } from "lz4js";
import { parse as parseYaml } from "yaml";
import { codecFor, type Image } from "../codec/index.js";
import { packagePath } from "../paths.js";
import { topicDecoders } from "./decoders.js";
import { openBag, type Bag } from "./openBag.js";
import { sqliteBagBytes } from "./sqliteFixture.js";
import { BagError, type BagMessage, type BagTopic } from "./types.js";

// CI clones the repo with ../shared beside it, as /work/main sits beside /work/shared.
const SHARED_BAGS = packagePath("..", "shared", "bags");
const haveSharedBags = existsSync(SHARED_BAGS);
const noBags = haveSharedBags ? false : `shared bags not found at ${SHARED_BAGS} (expected ../shared/bags)`;

function bagFolders(root: string): string[] {
  const out: string[] = [];
  const walk = (dir: string): void => {
    const entries = readdirSync(dir, { withFileTypes: true });
    if (entries.some((e) => e.name === "metadata.yaml")) out.push(dir);
    for (const e of entries) if (e.isDirectory()) walk(join(dir, e.name));
  };
  walk(root);
  return out.sort();
}

/** Counts per topic as the recorder wrote them in metadata.yaml (read independently of the reader). */
function metadataCounts(folder: string): Map<string, number> {
  const doc = parseYaml(readFileSync(join(folder, "metadata.yaml"), "utf8")) as {
    rosbag2_bagfile_information: {
      topics_with_message_count: { message_count: number; topic_metadata: { name: string } }[];
    };
  };
  return new Map(
    doc.rosbag2_bagfile_information.topics_with_message_count.map((t) => [
      t.topic_metadata.name,
      t.message_count,
    ]),
  );
}

async function readAll(bag: Bag): Promise<BagMessage[]> {
  const out: BagMessage[] = [];
  for await (const message of bag.messages()) out.push(message);
  return out;
}

const SERVICE_EVENT = /\/_service_event$/;

test(
  "every message of every shared bag is read, and every decodable one decodes",
  { skip: noBags },
  async () => {
    const folders = bagFolders(SHARED_BAGS);
    assert.ok(folders.length >= 7, `expected the 7 shared bags, found ${folders.length}`);
    for (const folder of folders) {
      const name = relative(SHARED_BAGS, folder);
      const expected = metadataCounts(folder);
      const bag = await openBag(folder);
      try {
        assert.deepEqual(bag.damage, [], name);
        assert.deepEqual(
          new Map(bag.topics.map((t) => [t.name, t.count])),
          expected,
          `${name}: counts in storage`,
        );
        const warnings: string[] = [];
        const { decoders, skipped } = topicDecoders(bag.topics, (m) => warnings.push(m));
        // The only topics without a usable definition in these bags are service events.
        assert.deepEqual(
          skipped.map((s) => s.topic).sort(),
          bag.topics
            .map((t) => t.name)
            .filter((t) => SERVICE_EVENT.test(t))
            .sort(),
          `${name}: skipped topics`,
        );
        const read = new Map<string, number>();
        let previous = -1n;
        for (const message of await readAll(bag)) {
          read.set(message.topic, (read.get(message.topic) ?? 0) + 1);
          assert.ok(message.logTime >= previous, `${name}: messages in time order`);
          previous = message.logTime;
          const decoder = decoders.get(message.topic);
          if (decoder)
            assert.equal(typeof decoder.decode(message.data), "object", `${name} ${message.topic}`);
        }
        for (const [topic, count] of expected)
          assert.equal(read.get(topic) ?? 0, count, `${name} ${topic}: read`);
      } finally {
        await bag.close();
      }
    }
  },
);

test(
  "talker bags (MCAP with zstd chunks, SQLite) hold the talker's strings in order",
  { skip: noBags },
  async () => {
    for (const storage of ["mcap", "sqlite3"]) {
      const bag = await openBag(
        join(SHARED_BAGS, "ros2_rosbag2/rosbag2_py/test/resources", storage, "talker"),
      );
      try {
        const { decoders } = topicDecoders(bag.topics, () => {});
        const strings: string[] = [];
        for await (const m of bag.messages({ topics: ["/topic"] }))
          strings.push((decoders.get("/topic")!.decode(m.data) as { data: string }).data);
        assert.deepEqual(
          strings,
          Array.from({ length: 10 }, (_, i) => `Hello, world! ${i}`),
          storage,
        );
        assert.equal(bag.startTime, 1585866235112411371n, storage);
      } finally {
        await bag.close();
      }
    }
  },
);

test(
  "SQLite talker: a recorded definition that does not fit its data falls back to the built-in one",
  { skip: noBags },
  async () => {
    // This bag records `uint8 level` as the whole definition of rcl_interfaces/msg/Log.
    const bag = await openBag(join(SHARED_BAGS, "ros2_rosbag2/rosbag2_py/test/resources/sqlite3/talker"));
    try {
      const warnings: string[] = [];
      const { decoders } = topicDecoders(bag.topics, (m) => warnings.push(m));
      const logs: { level: number; msg: string }[] = [];
      for await (const m of bag.messages({ topics: ["/rosout"] }))
        logs.push(decoders.get("/rosout")!.decode(m.data) as { level: number; msg: string });
      assert.equal(logs.length, 10);
      assert.ok(logs.every((l) => l.level === 20));
      assert.equal(logs[3]!.msg, "Publishing: 'Hello, world! 3'");
      assert.equal(decoders.get("/rosout")!.source, "built-in");
      assert.ok(
        warnings.some((w) => w.includes("/rosout") && w.includes("does not fit")),
        warnings.join("\n"),
      );
    } finally {
      await bag.close();
    }
  },
);

test(
  "cdr_test: nested types named without a package decode from the recorded definition",
  { skip: noBags },
  async () => {
    for (const storage of ["mcap", "sqlite3"]) {
      const bag = await openBag(
        join(SHARED_BAGS, "ros2_rosbag2/rosbag2_tests/resources", storage, "cdr_test"),
      );
      try {
        const { decoders } = topicDecoders(bag.topics, () => {});
        const arrays: { bool_values: boolean[]; basic_types_values: { int32_value: number }[] }[] = [];
        for await (const m of bag.messages({ topics: ["/array_topic"] }))
          arrays.push(decoders.get("/array_topic")!.decode(m.data) as (typeof arrays)[number]);
        assert.equal(arrays.length, 4);
        assert.deepEqual(arrays[0]!.bool_values, [true, false, true]);
        assert.equal(arrays[0]!.basic_types_values.length, 3);
        assert.equal(decoders.get("/array_topic")!.source, "bag");
      } finally {
        await bag.close();
      }
    }
  },
);

test(
  "old SQLite layout without definitions: the 2x2 mono8 images decode from the built-in type",
  { skip: noBags },
  async () => {
    const bag = await openBag(join(SHARED_BAGS, "ros2bag_tools_images.bag"));
    try {
      assert.equal(bag.storage, "sqlite3");
      assert.equal(bag.topics[0]!.definition, undefined);
      const { decoders } = topicDecoders(bag.topics, () => {});
      const images: Image[] = [];
      for await (const m of bag.messages()) images.push(decoders.get("/image")!.decode(m.data) as Image);
      assert.deepEqual(
        images.map((i) => [i.width, i.height, i.encoding, i.step, [...i.data]]),
        Array.from({ length: 3 }, () => [2, 2, "mono8", 2, [0, 128, 128, 255]]),
      );
      assert.deepEqual(
        images.map((i) => i.header.stamp.nanosec + i.header.stamp.sec * 1e9),
        [0, 1e9, 2e9],
      );
    } finally {
      await bag.close();
    }
  },
);

test(
  "service-event topics are skipped with a warning naming topic and reason",
  { skip: noBags },
  async () => {
    for (const storage of ["mcap", "sqlite3"]) {
      const bag = await openBag(
        join(
          SHARED_BAGS,
          "ros2_rosbag2/rosbag2_tests/resources",
          storage,
          "bag_with_topics_and_service_events",
        ),
      );
      try {
        const warnings: string[] = [];
        const { decoders, skipped } = topicDecoders(bag.topics, (m) => warnings.push(m));
        assert.deepEqual(skipped.map((s) => s.topic).sort(), [
          "/test_service1/_service_event",
          "/test_service2/_service_event",
        ]);
        for (const s of skipped) {
          assert.ok(
            warnings.some((w) => w.includes(s.topic) && w.includes(s.reason)),
            `${storage}: warning for ${s.topic}`,
          );
        }
        // MCAP records the .srv text under the event type; SQLite records it under the service type only.
        const reason = skipped[0]!.reason;
        assert.match(reason, storage === "mcap" ? /service or action/ : /records no definition/);
        assert.ok(decoders.has("/test_topic1") && decoders.has("/test_topic2"));
      } finally {
        await bag.close();
      }
    }
  },
);

test("topics skipped for each reason: non-CDR, unknown type, unparsable definition", () => {
  const topics: BagTopic[] = [
    { name: "/json", type: "std_msgs/msg/String", serializationFormat: "json", count: 1 },
    { name: "/mystery", type: "acme_msgs/msg/Gizmo", serializationFormat: "cdr", count: 1 },
    {
      name: "/broken",
      type: "acme_msgs/msg/Broken",
      serializationFormat: "cdr",
      count: 1,
      definition: { encoding: "ros2msg", text: "Undefined thing\n" },
    },
    { name: "/ok", type: "std_msgs/String", serializationFormat: "cdr", count: 1 },
  ];
  const warnings: string[] = [];
  const { decoders, skipped } = topicDecoders(topics, (m) => warnings.push(m));
  assert.deepEqual([...decoders.keys()], ["/ok"]);
  assert.deepEqual(
    skipped.map((s) => s.topic),
    ["/json", "/mystery", "/broken"],
  );
  assert.match(skipped[0]!.reason, /not CDR/);
  assert.match(skipped[1]!.reason, /no definition.*not a built-in type/);
  assert.match(skipped[2]!.reason, /does not parse/);
  assert.equal(warnings.length, 3);
  assert.ok(warnings.every((w, i) => w.includes(skipped[i]!.topic)));
});

const STRING = "std_msgs/msg/String";

/** A rosbag2-style MCAP of `count` std_msgs/String messages, written with @mcap/core. */
async function writeMcap(
  count: number,
  options: {
    chunkSize?: number;
    perMessageZstd?: boolean;
    chunks?: "lz4" | "zstd";
    schemaName?: string;
    schemaText?: string;
    first?: number;
  } = {},
): Promise<Uint8Array> {
  await zstd.isLoaded;
  const codec = codecFor<{ data: string }>(STRING);
  const buffer = new TempBuffer();
  const compressChunk =
    options.chunks === "lz4"
      ? (data: Uint8Array) => ({ compression: "lz4", compressedData: lz4Compress(data) })
      : options.chunks === "zstd"
        ? (data: Uint8Array) => ({ compression: "zstd", compressedData: zstd.compress(data) })
        : undefined;
  const writer = new McapWriter({
    writable: buffer,
    chunkSize: options.chunkSize ?? 1024 * 1024,
    ...(compressChunk ? { compressChunk } : {}),
  });
  await writer.start({ profile: "ros2", library: "process-reward test" });
  const schemaId = await writer.registerSchema({
    name: options.schemaName ?? STRING,
    encoding: "ros2msg",
    data: new TextEncoder().encode(options.schemaText ?? "string data\n"),
  });
  const channelId = await writer.registerChannel({
    topic: "/chatter",
    schemaId,
    messageEncoding: "cdr",
    metadata: new Map(),
  });
  for (let i = options.first ?? 0; i < (options.first ?? 0) + count; i++) {
    const cdr = codec.encode({ data: `message ${i}` });
    await writer.addMessage({
      channelId,
      sequence: i,
      logTime: BigInt(i) * 1_000_000n,
      publishTime: BigInt(i) * 1_000_000n,
      data: options.perMessageZstd ? zstd.compress(cdr) : cdr,
    });
  }
  await writer.end();
  return buffer.get();
}

function metadataYaml(file: string | string[], count: number, mode: string): string {
  return `rosbag2_bagfile_information:
  version: 5
  storage_identifier: mcap
  relative_file_paths: [${([] as string[]).concat(file).join(", ")}]
  compression_format: ${mode ? "zstd" : '""'}
  compression_mode: ${mode || '""'}
  message_count: ${count}
  topics_with_message_count:
    - message_count: ${count}
      topic_metadata: {name: /chatter, type: ${STRING}, serialization_format: cdr, offered_qos_profiles: ""}
`;
}

async function strings(bag: Bag): Promise<string[]> {
  const codec = codecFor<{ data: string }>(STRING);
  return (await readAll(bag)).map((m) => codec.decode(m.data).data);
}

test("rosbag2 per-message compression (compression_mode: MESSAGE): each message is unzstd'ed", async () => {
  const dir = mkdtempSync(join(tmpdir(), "bag-message-zstd-"));
  writeFileSync(join(dir, "b_0.mcap"), await writeMcap(5, { perMessageZstd: true }));
  writeFileSync(join(dir, "metadata.yaml"), metadataYaml("b_0.mcap", 5, "MESSAGE"));
  const bag = await openBag(dir);
  try {
    assert.equal(bag.metadata?.compressionMode, "message");
    assert.deepEqual(await strings(bag), ["message 0", "message 1", "message 2", "message 3", "message 4"]);
  } finally {
    await bag.close();
  }
  // Without the metadata saying so, the bytes are zstd frames, not CDR: the mode really is what is read.
  writeFileSync(join(dir, "metadata.yaml"), metadataYaml("b_0.mcap", 5, ""));
  const raw = await openBag(dir);
  try {
    const first = (await readAll(raw))[0]!;
    assert.deepEqual([...first.data.subarray(0, 4)], [0x28, 0xb5, 0x2f, 0xfd], "zstd magic");
  } finally {
    await raw.close();
  }
});

test("a truncated MCAP opens, yields the messages before the damage, then a BagError naming the file", async () => {
  const whole = await writeMcap(200, { chunkSize: 512 });
  const dir = mkdtempSync(join(tmpdir(), "bag-truncated-"));
  const file = join(dir, "cut.mcap");
  writeFileSync(file, whole.subarray(0, Math.floor(whole.byteLength * 0.6)));
  const bag = await openBag(file);
  const got: string[] = [];
  const codec = codecFor<{ data: string }>(STRING);
  let error: unknown;
  try {
    assert.equal(bag.damage.length, 1);
    assert.match(bag.damage[0]!, /truncated/);
    assert.ok(bag.damage[0]!.includes(file));
    for await (const m of bag.messages()) got.push(codec.decode(m.data).data);
  } catch (err) {
    error = err;
  } finally {
    await bag.close();
  }
  assert.ok(error instanceof BagError, `expected a BagError, got ${String(error)}`);
  assert.equal(error.file, file);
  assert.match(error.message, new RegExp(`truncated MCAP: the file ends after ${got.length} messages`));
  assert.ok(got.length > 50 && got.length < 200, `read ${got.length} messages before the cut`);
  assert.deepEqual(
    got,
    Array.from({ length: got.length }, (_, i) => `message ${i}`),
  );
  assert.equal(bag.topics[0]!.count, got.length, "counts what is readable");
});

test(
  "files that are not bags, or cut to pieces, give a BagError naming the file",
  { skip: noBags },
  async () => {
    const dir = mkdtempSync(join(tmpdir(), "bag-bad-"));
    const notMcap = join(dir, "x.mcap");
    writeFileSync(notMcap, "this is not an MCAP file at all");
    await assert.rejects(openBag(notMcap), (err: unknown) => err instanceof BagError && err.file === notMcap);
    const db = readFileSync(
      join(SHARED_BAGS, "ros2_rosbag2/rosbag2_py/test/resources/sqlite3/talker/talker.db3"),
    );
    const cutDb = join(dir, "cut.db3");
    writeFileSync(cutDb, db.subarray(0, 8192));
    await assert.rejects(
      openBag(cutDb),
      (err: unknown) =>
        err instanceof BagError && err.file === cutDb && /truncated or corrupt/.test(err.message),
    );
    await assert.rejects(
      openBag(join(dir, "missing")),
      (err: unknown) => err instanceof BagError && /cannot open/.test(err.message),
    );
    const badMetadata = join(dir, "bad-metadata");
    mkdirSync(badMetadata);
    writeFileSync(join(badMetadata, "metadata.yaml"), "rosbag2_bagfile_information:\n  version: five\n");
    await assert.rejects(
      openBag(badMetadata),
      (err: unknown) =>
        err instanceof BagError &&
        err.file === join(badMetadata, "metadata.yaml") &&
        /rosbag2_bagfile_information\.version/.test(err.message),
    );
  },
);

test("a SQLite message whose timestamp is not integer nanoseconds: the ones before it, then a BagError", async () => {
  const dir = mkdtempSync(join(tmpdir(), "bag-timestamp-"));
  const string = codecFor<{ data: string }>("std_msgs/msg/String");
  try {
    // Both sort after 1 s and 2 s (SQLite orders numbers by value and text after them), so reading by time
    // reaches them after messages 0 and 1.
    for (const damaged of [2_500_000_000.5, "12:00"]) {
      const file = join(dir, `damaged-${typeof damaged}.db3`);
      writeFileSync(
        file,
        await sqliteBagBytes(
          [1e9, 2e9, damaged, 3e9].map((timestamp, i) => ({
            topic: "/a",
            timestamp,
            data: string.encode({ data: `message ${i}` }),
          })),
        ),
      );
      const bag = await openBag(file);
      assert.equal(bag.startTime, 1_000_000_000n);
      const got: string[] = [];
      await assert.rejects(
        (async () => {
          for await (const m of bag.messages()) got.push(string.decode(m.data).data);
        })(),
        (err: unknown) =>
          err instanceof BagError &&
          err.file === file &&
          new RegExp(`on /a: timestamp ${String(damaged).replace(".", "\\.")} is not an integer`).test(
            err.message,
          ),
      );
      assert.ok(
        got.includes("message 0") && got.includes("message 1"),
        `${typeof damaged}: ${got.join(", ")}`,
      );
      await bag.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("lz4-compressed chunks and a schema named without /msg/ and recorded without text", async () => {
  const dir = mkdtempSync(join(tmpdir(), "bag-lz4-"));
  const file = join(dir, "lz4.mcap");
  writeFileSync(
    file,
    await writeMcap(40, { chunks: "lz4", chunkSize: 256, schemaName: "std_msgs/String", schemaText: "" }),
  );
  const bag = await openBag(file);
  try {
    assert.deepEqual(
      bag.topics.map((t) => [t.name, t.type, t.count, t.definition]),
      [["/chatter", "std_msgs/String", 40, undefined]],
    );
    const { decoders } = topicDecoders(bag.topics, () => {});
    assert.equal(decoders.get("/chatter")!.source, "built-in");
    const got = [];
    for await (const m of bag.messages())
      got.push((decoders.get("/chatter")!.decode(m.data) as { data: string }).data);
    assert.deepEqual(
      got,
      Array.from({ length: 40 }, (_, i) => `message ${i}`),
    );
  } finally {
    await bag.close();
  }
});

test("rosbag2 file compression (compression_mode: FILE): a .mcap.zstd is read whole", async () => {
  await zstd.isLoaded;
  const dir = mkdtempSync(join(tmpdir(), "bag-file-zstd-"));
  writeFileSync(join(dir, "b_0.mcap.zstd"), zstd.compress(await writeMcap(3)));
  writeFileSync(join(dir, "metadata.yaml"), metadataYaml("b_0.mcap.zstd", 3, "FILE"));
  const bag = await openBag(dir);
  try {
    assert.equal(bag.metadata?.compressionMode, "file");
    assert.deepEqual(await strings(bag), ["message 0", "message 1", "message 2"]);
  } finally {
    await bag.close();
  }
});

test("a bag split into several files reads them in recording order with summed counts", async () => {
  const dir = mkdtempSync(join(tmpdir(), "bag-split-"));
  // Named so that text order (b_10 < b_2) differs from recording order; metadata.yaml gives the order.
  writeFileSync(join(dir, "b_2.mcap"), await writeMcap(3, { chunks: "zstd" }));
  writeFileSync(join(dir, "b_10.mcap"), await writeMcap(2, { first: 3 }));
  writeFileSync(join(dir, "metadata.yaml"), metadataYaml(["b_2.mcap", "b_10.mcap"], 5, ""));
  for (const withMetadata of [true, false]) {
    if (!withMetadata) rmSync(join(dir, "metadata.yaml"));
    const bag = await openBag(dir);
    try {
      assert.deepEqual(
        bag.files.map((f) => f.slice(dir.length + 1)),
        ["b_2.mcap", "b_10.mcap"],
      );
      assert.equal(bag.topics[0]!.count, 5);
      assert.deepEqual(await strings(bag), ["message 0", "message 1", "message 2", "message 3", "message 4"]);
    } finally {
      await bag.close();
    }
  }
});

test("a corrupt chunk inside an otherwise whole MCAP stops reading there with a BagError", async () => {
  const data = await writeMcap(200, { chunkSize: 512 });
  // A byte in the middle of the data section: the file still has its summary, so it opens indexed, and the
  // chunk's CRC catches the damage when it is read.
  data[Math.floor(data.byteLength * 0.4)]! ^= 0xff;
  const dir = mkdtempSync(join(tmpdir(), "bag-corrupt-"));
  const file = join(dir, "corrupt.mcap");
  writeFileSync(file, data);
  const bag = await openBag(file);
  const codec = codecFor<{ data: string }>(STRING);
  const got: string[] = [];
  await assert.rejects(
    async () => {
      for await (const m of bag.messages()) got.push(codec.decode(m.data).data);
    },
    (err: unknown) =>
      err instanceof BagError &&
      err.file === file &&
      err.message.includes(`damaged MCAP after ${got.length} messages`),
  );
  await bag.close();
  assert.ok(got.length > 20 && got.length < 200, `read ${got.length} before the damage`);
  assert.deepEqual(
    got,
    Array.from({ length: got.length }, (_, i) => `message ${i}`),
  );
});
