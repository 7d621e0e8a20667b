// rosbag2 SQLite files for the reader's tests, built with sql.js: the Iron layout's tables that the reader
// needs, two std_msgs/String topics, and whatever timestamp values a test wants stored (also damaged ones).
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import initSqlJs, { type SqlValue } from "sql.js";

export const SQLITE_TOPICS = ["/a", "/b"] as const;

export interface SqliteRow {
  readonly topic: (typeof SQLITE_TOPICS)[number];
  /** Stored as bound: an integer as INTEGER, a fraction as REAL, text as TEXT (the column cannot convert it). */
  readonly timestamp: SqlValue;
  readonly data: Uint8Array;
}

export async function sqliteBagBytes(rows: readonly SqliteRow[]): Promise<Uint8Array> {
  const wasm = readFileSync(createRequire(import.meta.url).resolve("sql.js/dist/sql-wasm.wasm"));
  const SQL = await initSqlJs({
    wasmBinary: wasm.buffer.slice(wasm.byteOffset, wasm.byteOffset + wasm.length),
  });
  const db = new SQL.Database();
  db.run(`CREATE TABLE topics (id INTEGER PRIMARY KEY, name TEXT NOT NULL, type TEXT NOT NULL,
            serialization_format TEXT NOT NULL, offered_qos_profiles TEXT NOT NULL);
          CREATE TABLE messages (id INTEGER PRIMARY KEY, topic_id INTEGER NOT NULL,
            timestamp INTEGER NOT NULL, data BLOB NOT NULL);
          CREATE INDEX timestamp_idx ON messages (timestamp ASC);`);
  SQLITE_TOPICS.forEach((name, i) =>
    db.run("INSERT INTO topics VALUES (?, ?, 'std_msgs/msg/String', 'cdr', '')", [i + 1, name]),
  );
  for (const row of rows)
    db.run("INSERT INTO messages (topic_id, timestamp, data) VALUES (?, ?, ?)", [
      SQLITE_TOPICS.indexOf(row.topic) + 1,
      row.timestamp,
      row.data,
    ]);
  const bytes = db.export();
  db.close();
  return bytes;
}
