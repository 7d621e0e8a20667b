import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import initSqlJs, { type Database, type SqlJsStatic, type SqlValue } from "sql.js";
import { BagError, type BagMessage, type BagTopic, type MessageFilter, type StorageFile } from "./types.js";

// sql.js is SQLite compiled to WebAssembly: no native build, at the price of holding the whole file in
// memory (fine for test and replay bags; a multi-GB recording wants MCAP, which is streamed).
let sqlite: Promise<SqlJsStatic> | undefined;
function loadSqlite(): Promise<SqlJsStatic> {
  const wasm = createRequire(import.meta.url).resolve("sql.js/dist/sql-wasm.wasm");
  sqlite ??= readFile(wasm).then((bytes) =>
    initSqlJs({ wasmBinary: bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) }),
  );
  return sqlite;
}

function tableNames(db: Database): Set<string> {
  const rows = db.exec("SELECT name FROM sqlite_master WHERE type = 'table'");
  return new Set((rows[0]?.values ?? []).map((row) => String(row[0])));
}

function rows(db: Database, sql: string, params: SqlValue[] = []): Record<string, SqlValue>[] {
  const statement = db.prepare(sql);
  try {
    statement.bind(params);
    const out: Record<string, SqlValue>[] = [];
    while (statement.step()) out.push(statement.getAsObject());
    return out;
  } finally {
    statement.free();
  }
}

// rosbag2 stores receive times as INTEGER nanoseconds; a damaged record can turn one into a REAL, text, a
// blob or NULL, which BigInt() would reject with a bare SyntaxError (found by openBag.fuzz.test.ts).
const NANOSECONDS = /^-?\d+$/;

function nanoseconds(value: SqlValue, what: string): bigint {
  const text = String(value);
  if (!NANOSECONDS.test(text)) throw new Error(`${what}: timestamp ${text} is not an integer of nanoseconds`);
  return BigInt(text);
}

interface Contents {
  counts: Map<number, number>;
  start?: bigint;
  end?: bigint;
}

/** Counts and time span from SQLite's aggregates (fast, via the timestamp index). */
function summarize(db: Database): Contents {
  const counts = new Map<number, number>();
  for (const row of rows(db, "SELECT topic_id, COUNT(*) AS n FROM messages GROUP BY topic_id"))
    counts.set(Number(row.topic_id), Number(row.n));
  const span = rows(
    db,
    // Over the well-formed rows only: one damaged timestamp is reported when reading reaches it, so the
    // messages before it stay readable.
    "SELECT CAST(MIN(timestamp) AS TEXT) AS lo, CAST(MAX(timestamp) AS TEXT) AS hi FROM messages " +
      "WHERE typeof(timestamp) = 'integer'",
  )[0];
  return {
    counts,
    ...(span?.lo != null ? { start: nanoseconds(span.lo, "the earliest message") } : {}),
    ...(span?.hi != null ? { end: nanoseconds(span.hi, "the latest message") } : {}),
  };
}

/**
 * For a damaged file: the rows readable in insertion order (the order rosbag2 wrote them) before the first
 * missing or corrupt page. Messages are then read in that order too, up to the same point.
 */
function summarizeReadable(db: Database): Contents {
  const out: Contents = { counts: new Map() };
  const statement = db.prepare("SELECT topic_id, CAST(timestamp AS TEXT) FROM messages ORDER BY id");
  try {
    while (statement.step()) {
      const [id, t] = statement.get();
      const time = nanoseconds(t ?? null, "a message");
      out.counts.set(Number(id), (out.counts.get(Number(id)) ?? 0) + 1);
      if (out.start === undefined || time < out.start) out.start = time;
      if (out.end === undefined || time > out.end) out.end = time;
    }
  } catch {
    // The damage itself is reported by the caller; this scan only counts what lies before it.
  } finally {
    statement.free();
  }
  return out;
}

interface TopicRow {
  id: number;
  topic: BagTopic;
}

/**
 * Topics, with the definitions the newer layout records (`message_definitions`, keyed by type). The old
 * layout (rosbag2 before Iron) has only `topics` and `messages`; its types come from the built-in registry.
 */
function readTopics(db: Database, tables: Set<string>, counts: Map<number, number>): TopicRow[] {
  const definitions = new Map<string, { encoding: string; text: string }>();
  if (tables.has("message_definitions")) {
    for (const row of rows(
      db,
      "SELECT topic_type, encoding, encoded_message_definition FROM message_definitions",
    )) {
      const text = String(row.encoded_message_definition ?? "");
      if (text) definitions.set(String(row.topic_type), { encoding: String(row.encoding), text });
    }
  }
  return rows(db, "SELECT id, name, type, serialization_format FROM topics ORDER BY id").map((row) => {
    const type = String(row.type);
    const definition = definitions.get(type);
    return {
      id: Number(row.id),
      topic: {
        name: String(row.name),
        type,
        serializationFormat: String(row.serialization_format),
        count: counts.get(Number(row.id)) ?? 0,
        ...(definition ? { definition } : {}),
      },
    };
  });
}

class SqliteFile implements StorageFile {
  readonly storage = "sqlite3";
  readonly topics: readonly BagTopic[];
  private readonly byId: Map<number, BagTopic>;

  constructor(
    readonly path: string,
    private readonly db: Database,
    topicRows: TopicRow[],
    readonly startTime: bigint | undefined,
    readonly endTime: bigint | undefined,
    readonly embeddedMetadata: string | undefined,
    readonly damage: string | undefined,
  ) {
    this.topics = topicRows.map((r) => r.topic);
    this.byId = new Map(topicRows.map((r) => [r.id, r.topic]));
  }

  async *messages(filter?: MessageFilter): AsyncIterable<BagMessage> {
    const where: string[] = [];
    const params: SqlValue[] = [];
    if (filter?.topics) {
      const ids = [...this.byId].filter(([, t]) => filter.topics!.includes(t.name)).map(([id]) => id);
      where.push(`topic_id IN (${ids.map(() => "?").join(",") || "NULL"})`);
      params.push(...ids);
    }
    // Timestamps are int64 nanoseconds, beyond a double's exact range: compare and read them as text.
    if (filter?.start !== undefined) {
      where.push("timestamp >= CAST(? AS INTEGER)");
      params.push(filter.start.toString());
    }
    if (filter?.end !== undefined) {
      where.push("timestamp <= CAST(? AS INTEGER)");
      params.push(filter.end.toString());
    }
    let statement: ReturnType<Database["prepare"]>;
    try {
      statement = this.db.prepare(
        "SELECT topic_id, CAST(timestamp AS TEXT) AS t, data FROM messages" +
          (where.length ? ` WHERE ${where.join(" AND ")}` : "") +
          // A damaged file is read in insertion order, so every row before the damage comes out first.
          (this.damage ? " ORDER BY id" : " ORDER BY timestamp, id"),
      );
    } catch (err) {
      // e.g. a damaged schema without the data column (found by openBag.fuzz.test.ts)
      throw new BagError(this.path, `cannot read the messages table: ${(err as Error).message}`, {
        cause: err,
      });
    }
    let delivered = 0;
    try {
      statement.bind(params);
      for (;;) {
        let row: SqlValue[];
        try {
          if (!statement.step()) break;
          row = statement.get();
        } catch (err) {
          throw new BagError(
            this.path,
            `damaged SQLite bag after ${delivered} messages: ${(err as Error).message}`,
            {
              cause: err,
            },
          );
        }
        const topic = this.byId.get(Number(row[0]));
        if (!topic)
          throw new BagError(this.path, `message ${delivered + 1} names unknown topic id ${String(row[0])}`);
        if (!(row[2] instanceof Uint8Array))
          throw new BagError(this.path, `message on ${topic.name} has no data blob`);
        let logTime: bigint;
        try {
          logTime = nanoseconds(row[1] ?? null, `message ${delivered + 1} on ${topic.name}`);
        } catch (err) {
          throw new BagError(this.path, (err as Error).message, { cause: err });
        }
        delivered++;
        yield { topic: topic.name, type: topic.type, logTime, data: row[2] };
      }
    } finally {
      statement.free();
    }
  }

  async close(): Promise<void> {
    this.db.close();
  }
}

/** Opens one rosbag2 SQLite file (`.db3`), old or new layout. `data` as for `openMcapFile`. */
export async function openSqliteFile(path: string, data?: Uint8Array): Promise<StorageFile> {
  const SQL = await loadSqlite();
  let bytes: Uint8Array;
  try {
    bytes = data ?? (await readFile(path));
  } catch (err) {
    throw new BagError(path, `cannot open: ${(err as Error).message}`, { cause: err });
  }
  let db: Database | undefined;
  try {
    db = new SQL.Database(bytes);
    const tables = tableNames(db);
    for (const required of ["topics", "messages"])
      if (!tables.has(required)) throw new Error(`no '${required}' table: not a rosbag2 SQLite file`);
    let contents: Contents;
    let damage: string | undefined;
    try {
      contents = summarize(db);
    } catch (err) {
      damage = `damaged SQLite bag: ${(err as Error).message}`;
      contents = summarizeReadable(db);
    }
    const topics = readTopics(db, tables, contents.counts);
    let metadata: SqlValue | undefined;
    try {
      if (tables.has("metadata"))
        metadata = rows(db, "SELECT metadata FROM metadata ORDER BY id DESC LIMIT 1")[0]?.metadata;
    } catch {
      // Embedded metadata is optional; a damaged metadata table must not hide readable messages.
    }
    return new SqliteFile(
      path,
      db,
      topics,
      contents.start,
      contents.end,
      typeof metadata === "string" ? metadata : undefined,
      damage,
    );
  } catch (err) {
    db?.close();
    if (err instanceof BagError) throw err;
    throw new BagError(path, `cannot read SQLite bag (truncated or corrupt?): ${(err as Error).message}`, {
      cause: err,
    });
  }
}
