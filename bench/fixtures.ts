/**
 * Shared settings, fixture databases and engine adapters for the benchmark suite.
 *
 * Every read benchmark runs the same prepared SQL on the same file through three engines:
 * node:sqlite (native SQLite, the baseline), tsqlite, and sql.js (SQLite compiled to WASM,
 * the pure-JavaScript peer). Fixtures are written once per process by node:sqlite (it is
 * the fastest writer), checkpointed so the data sits in the main file, then read by all.
 *
 * @module
 */
import { DatabaseSync } from "node:sqlite";
import initSqlJs from "sql.js";
import { Database, type JournalMode, type Vfs } from "../mod.ts";

/** True when the 1M-row variants should run (`TSQLITE_BENCH_LARGE=1`). */
export const LARGE = Deno.env.get("TSQLITE_BENCH_LARGE") === "1";

/** Where fixtures live; removed when the process unloads unless `TSQLITE_BENCH_DIR` names it. */
export const BENCH_DIR = Deno.env.get("TSQLITE_BENCH_DIR") ??
  Deno.makeTempDirSync({ prefix: "tsqlite_bench_" });
if (!Deno.env.get("TSQLITE_BENCH_DIR")) {
  globalThis.addEventListener("unload", () => {
    try {
      Deno.removeSync(BENCH_DIR, { recursive: true });
    } catch {
      // best effort: a temp dir left behind is harmless
    }
  });
} else {
  Deno.mkdirSync(BENCH_DIR, { recursive: true });
}

/**
 * Whether tsqlite really switches to WAL. Benches run in WAL when it does (the issue's
 * default) and fall back to rollback mode (journal_mode=DELETE) on both sides otherwise.
 */
function detectWal(): boolean {
  if (Deno.env.get("TSQLITE_BENCH_JOURNAL") === "delete") return false;
  const dir = Deno.makeTempDirSync({ prefix: "tsqlite_walprobe_" });
  try {
    const db = new Database(`${dir}/probe.db`, { journalMode: "wal" });
    try {
      db.exec("CREATE TABLE t(a)");
      const row = db.prepare("PRAGMA journal_mode").get();
      return row?.journal_mode === "wal";
    } finally {
      db.close();
    }
  } catch {
    return false;
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
}

/** The one journal-mode setting for every benchmark (both engines). */
export const JOURNAL_MODE: JournalMode = detectWal() ? "wal" : "delete";
/** PRAGMA synchronous for every benchmark unless a group says otherwise. */
export const SYNCHRONOUS = "normal";

/** Schema of every fixture: a rowid table with a secondary index, and a TEXT-keyed table. */
export const SCHEMA = `
  CREATE TABLE t(id INTEGER PRIMARY KEY, grp INTEGER NOT NULL, payload TEXT NOT NULL);
  CREATE INDEX t_grp ON t(grp);
  CREATE TABLE kv(key TEXT PRIMARY KEY, val TEXT NOT NULL);
`;

/** Multiplier making `grp` a permutation of 0..n-1 (prime, so coprime with our sizes). */
const GRP_MULT = 7919;
const FILLER = "the quick brown fox jumps over the lazy dog; ".repeat(8);

/** Row `i`'s secondary-index value in an `n`-row fixture: unique, in no relation to rowid. */
export function grpOf(i: number, n: number): number {
  return (i * GRP_MULT) % n;
}

/** Row `i`'s TEXT primary key. */
export function keyOf(i: number): string {
  return `key-${i.toString().padStart(9, "0")}`;
}

/** Row `i`'s payload: `len` characters, distinct per row. */
export function payloadOf(i: number, len = 100): string {
  const head = `row ${i} `;
  return head + FILLER.slice(0, Math.max(0, len - head.length));
}

/** Statements that give both engines the same connection settings. */
export function settingsSql(sync = SYNCHRONOUS): string {
  return `PRAGMA journal_mode=${JOURNAL_MODE}; PRAGMA synchronous=${sync};`;
}

/**
 * Path of an `n`-row fixture (rows of `payloadLen` characters), building it with
 * node:sqlite on first use. Build settings do not matter to readers: the file is
 * checkpointed and its journal mode set to {@link JOURNAL_MODE} before it is returned.
 */
export function fixture(n: number, payloadLen = 100): string {
  const path = `${BENCH_DIR}/fixture_${n}_${payloadLen}.db`;
  try {
    Deno.statSync(path);
    return path;
  } catch {
    // not built yet
  }
  const tmp = `${path}.building`;
  const db = new DatabaseSync(tmp);
  db.exec(
    `PRAGMA journal_mode=${JOURNAL_MODE}; PRAGMA synchronous=OFF; PRAGMA cache_size=-65536;`,
  );
  db.exec(SCHEMA);
  const insT = db.prepare("INSERT INTO t(id, grp, payload) VALUES (?, ?, ?)");
  const insKv = db.prepare("INSERT INTO kv(key, val) VALUES (?, ?)");
  db.exec("BEGIN");
  for (let i = 1; i <= n; i++) {
    insT.run(i, grpOf(i, n), payloadOf(i, payloadLen));
    insKv.run(keyOf(i), `value ${i}`);
  }
  db.exec("COMMIT");
  if (JOURNAL_MODE === "wal") db.exec("PRAGMA wal_checkpoint(TRUNCATE)");
  db.close();
  Deno.renameSync(tmp, path);
  return path;
}

/** A copy of fixture `path` for node:sqlite, made again when the fixture is newer. */
function nodeCopy(path: string): string {
  const copy = path.replace(/\.db$/, ".sqlite-copy.db");
  const src = Deno.statSync(path).mtime?.getTime() ?? 0;
  let have = -1;
  try {
    have = Deno.statSync(copy).mtime?.getTime() ?? -1;
  } catch {
    // not made yet
  }
  if (have < src) {
    Deno.copyFileSync(path, `${copy}.part`);
    Deno.renameSync(`${copy}.part`, copy);
  }
  return copy;
}

/** A deterministic pseudo-random sequence of `count` integers in 1..n (an LCG). */
export function randomIds(n: number, count = 4096, seed = 42): Int32Array {
  const out = new Int32Array(count);
  let x = seed >>> 0;
  for (let i = 0; i < count; i++) {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    out[i] = 1 + (x % n);
  }
  return out;
}

/** A row as the engines return it. */
export type BenchRow = Record<string, unknown>;

/** One engine's prepared statement, reduced to what the benches call. */
export interface BenchStatement {
  /** First row, or undefined. */
  get(...params: (number | string)[]): BenchRow | undefined;
  /** All rows as objects. */
  all(...params: (number | string)[]): BenchRow[];
  /** Runs to completion, discarding rows. */
  run(...params: (number | string)[]): void;
}

/** One engine's connection, reduced to what the benches call. */
export interface BenchDb {
  /** Engine name shown in bench names. */
  readonly engine: string;
  /** Runs SQL, discarding rows. */
  exec(sql: string): void;
  /** Prepares one statement. */
  prepare(sql: string): BenchStatement;
  /** Closes the connection. */
  close(): void;
}

/** Opens `path` with node:sqlite and applies {@link settingsSql}. */
export function openNode(path: string, sync = SYNCHRONOUS): BenchDb {
  const db = new DatabaseSync(path);
  db.exec(settingsSql(sync));
  return {
    engine: "node:sqlite",
    exec: (sql) => db.exec(sql),
    prepare: (sql) => {
      const s = db.prepare(sql);
      return {
        get: (...p) => s.get(...p) as BenchRow | undefined,
        all: (...p) => s.all(...p) as BenchRow[],
        run: (...p) => void s.run(...p),
      };
    },
    close: () => db.close(),
  };
}

/** Opens `path` with tsqlite and the same settings as {@link openNode} (`vfs`: real files). */
export function openOurs(path: string, sync = SYNCHRONOUS, vfs?: Vfs): BenchDb {
  const db = new Database(path, { journalMode: JOURNAL_MODE, vfs });
  db.exec(settingsSql(sync));
  return {
    engine: "tsqlite",
    exec: (sql) => db.exec(sql),
    prepare: (sql) => {
      const s = db.prepare(sql);
      return {
        get: (...p) => s.get(...p),
        all: (...p) => s.all(...p),
        run: (...p) => void s.run(...p),
      };
    },
    close: () => db.close(),
  };
}

type SqlJsStatic = Awaited<ReturnType<typeof initSqlJs>>;
let sqlJs: SqlJsStatic | undefined;

/** Loads sql.js's WASM module (from the npm package, no network). */
export async function loadSqlJs(): Promise<SqlJsStatic> {
  sqlJs ??= await initSqlJs();
  return sqlJs;
}

/**
 * Opens `path` in sql.js. sql.js has no file system: the whole file is read into its
 * in-memory database, so this measures its engine, not its I/O.
 */
export function openSqlJs(SQL: SqlJsStatic, path: string): BenchDb {
  const db = new SQL.Database(Deno.readFileSync(path));
  return {
    engine: "sql.js",
    exec: (sql) => void db.exec(sql),
    prepare: (sql) => {
      const s = db.prepare(sql);
      return {
        get: (...p) => {
          s.bind(p);
          const row = s.step() ? s.getAsObject() : undefined;
          s.reset();
          return row;
        },
        all: (...p) => {
          s.bind(p);
          const rows: BenchRow[] = [];
          while (s.step()) rows.push(s.getAsObject());
          s.reset();
          return rows;
        },
        run: (...p) => {
          s.bind(p);
          while (s.step()) { /* discard */ }
          s.reset();
        },
      };
    },
    close: () => db.close(),
  };
}

/** Opens the read engines on one fixture: node:sqlite, tsqlite and (when loaded) sql.js. */
export function openAll(path: string, SQL?: SqlJsStatic): BenchDb[] {
  // node:sqlite reads its own copy: tsqlite refuses a database SQLite has open in the same
  // process (their locks do not see each other; src/vfs/foreign_locks.ts), which it can tell
  // wherever /proc/locks is readable (`deno bench -A`).
  const copy = nodeCopy(path);
  // Both files in the OS page cache: the groups time the engines, not the disk. A fixture
  // (or its copy) evicted since it was written made one engine's first run read from the
  // disk (node:sqlite's 1M-row lookups measured 220 us instead of 7).
  warmPageCache(path);
  warmPageCache(copy);
  const node = openNode(copy);
  // Both engines must read from the main file, not from a WAL.
  if (JOURNAL_MODE === "wal") node.exec("PRAGMA wal_checkpoint(TRUNCATE)");
  const ours = openOurs(path);
  const out = [node, ours];
  if (SQL) out.push(openSqlJs(SQL, path));
  return out;
}

/** Reads file `path` through once (1 MiB at a time), so its pages are in the OS cache. */
function warmPageCache(path: string): void {
  const f = Deno.openSync(path, { read: true });
  try {
    const buf = new Uint8Array(1 << 20);
    while ((f.readSync(buf) ?? 0) > 0) {
      // reading is the point
    }
  } finally {
    f.close();
  }
}

/** Human row counts: 10000 -> "10k". */
export function human(n: number): string {
  return n >= 1_000_000 ? `${n / 1_000_000}M` : n >= 1000 ? `${n / 1000}k` : `${n}`;
}

/**
 * Throws unless every engine returns the same rows as the first for `params`, so a
 * benchmark never times a wrong answer.
 */
export function assertSameRows(
  stmts: BenchStatement[],
  engines: string[],
  params: (number | string)[],
  mode: "get" | "all",
): void {
  const norm = (v: unknown) => JSON.stringify(v, (_k, x) => typeof x === "bigint" ? `${x}n` : x);
  const want = norm(mode === "get" ? stmts[0].get(...params) : stmts[0].all(...params));
  for (let i = 1; i < stmts.length; i++) {
    const got = norm(mode === "get" ? stmts[i].get(...params) : stmts[i].all(...params));
    if (got !== want) {
      throw new Error(
        `${engines[i]} disagrees with ${engines[0]} for ${JSON.stringify(params)}: ` +
          `${got.slice(0, 200)} vs ${want.slice(0, 200)}`,
      );
    }
  }
}
