import assert from "node:assert/strict";
import { mkdtemp, readdir, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import {
  CorruptCheckpointError,
  decodeCheckpoint,
  encodeCheckpoint,
  readCheckpoint,
  writeCheckpoint,
} from "./checkpoint.js";

const contents = {
  meta: { kind: "x", n: 3 },
  arrays: { a: Float32Array.of(1, 2, 3), "b/0": Float32Array.of(-0.5) },
};

test("a checkpoint round-trips through the file, written atomically with no temporary left", async () => {
  const dir = await mkdtemp(join(tmpdir(), "ckpt-"));
  const path = join(dir, "policy.ckpt");
  assert.equal(await readCheckpoint(path), undefined, "no file yet is not an error");
  await writeCheckpoint(path, contents);
  await writeCheckpoint(path, { ...contents, meta: { kind: "x", n: 4 } });
  const back = await readCheckpoint(path);
  assert.deepEqual(back?.meta, { kind: "x", n: 4 });
  assert.deepEqual(back?.arrays, contents.arrays);
  assert.deepEqual(await readdir(dir), ["policy.ckpt"]);
});

test("truncated, bit-flipped or foreign files are corrupt, with the reason", async () => {
  const data = encodeCheckpoint(contents);
  assert.throws(() => decodeCheckpoint(data.subarray(0, data.length - 2)), /payload has \d+ bytes/);
  const flipped = Buffer.from(data);
  flipped[flipped.length - 1]! ^= 0x40;
  assert.throws(() => decodeCheckpoint(flipped), /sha256 does not match/);
  assert.throws(() => decodeCheckpoint(Buffer.from("hello world, not a checkpoint")), CorruptCheckpointError);
  const dir = await mkdtemp(join(tmpdir(), "ckpt-"));
  const path = join(dir, "bad.ckpt");
  await writeFile(path, (await readFile(path).catch(() => data)).subarray(0, 20));
  await assert.rejects(
    readCheckpoint(path),
    (err: Error) => err instanceof CorruptCheckpointError && err.message.includes(path),
  );
});
