/**
 * Valid database images for the hardening tests, made by tsqlite and by node:sqlite, and
 * helpers to damage them and to classify what an operation did.
 * @module
 */

import { DatabaseSync } from "node:sqlite";
import { Database, MemoryVfs, SqliteError } from "../../mod.ts";

/** A database file (and optionally its -wal file) as bytes. */
export interface Image {
  /** Where it came from, for reports. */
  name: string;
  /** The database file. */
  db: Uint8Array;
  /** The -wal file, when the image is in WAL mode with frames not yet checkpointed. */
  wal?: Uint8Array;
  /** Page size. */
  pageSize: number;
}

/** The schema and rows every image holds: rowid table, index, overflow rows, freelist. */
const SETUP = [
  "CREATE TABLE t(a INTEGER PRIMARY KEY, b TEXT, c BLOB)",
  "CREATE INDEX tb ON t(b)",
  "CREATE TABLE u(x, y)",
  "CREATE UNIQUE INDEX ux ON u(x, y)",
];

function fill(exec: (sql: string) => void): void {
  for (const s of SETUP) exec(s);
  exec("BEGIN");
  for (let i = 1; i <= 240; i++) {
    // Every 17th row has a blob longer than a page, so there are overflow chains.
    const c = i % 17 === 0
      ? `zeroblob(${1500 + i * 7})`
      : `x'${(i % 256).toString(16).padStart(2, "0")}beef'`;
    exec(`INSERT INTO t(a, b, c) VALUES (${i}, 'k${(i * 37) % 240}${"-".repeat(i % 23)}', ${c})`);
    exec(`INSERT INTO u VALUES (${i % 50}, 'y${i}')`);
  }
  exec("COMMIT");
  // Deleting makes free pages (the freelist).
  exec("DELETE FROM t WHERE a % 5 = 0");
  exec("DELETE FROM u WHERE rowid % 3 = 0");
}

/** An image made by tsqlite on a MemoryVfs. */
export function ourImage(pageSize: number, wal: boolean): Image {
  const vfs = new MemoryVfs();
  const db = new Database("/img.db", { vfs, pageSize, journalMode: wal ? "wal" : "delete" });
  if (wal) db.exec("PRAGMA wal_autocheckpoint = 0");
  fill((s) => db.exec(s));
  // Copied while open, so a WAL image keeps its frames (as after a process crash).
  const image: Image = {
    name: `tsqlite/${pageSize}${wal ? "/wal" : ""}`,
    db: vfs.readFile("/img.db")!,
    pageSize,
  };
  if (wal) image.wal = vfs.readFile("/img.db-wal") ?? undefined;
  db.close();
  return image;
}

/** An image made by node:sqlite in a temporary directory. */
export function sqliteImage(pageSize: number, wal: boolean): Image {
  const dir = Deno.makeTempDirSync({ prefix: "tsqlite_hard_" });
  const path = `${dir}/img.db`;
  const db = new DatabaseSync(path);
  try {
    db.exec(`PRAGMA page_size = ${pageSize}`);
    if (wal) db.exec("PRAGMA journal_mode = wal; PRAGMA wal_autocheckpoint = 0");
    fill((s) => db.exec(s));
    const image: Image = {
      name: `sqlite/${pageSize}${wal ? "/wal" : ""}`,
      db: Deno.readFileSync(path),
      pageSize,
    };
    if (wal) image.wal = Deno.readFileSync(`${path}-wal`);
    return image;
  } finally {
    db.close();
    Deno.removeSync(dir, { recursive: true });
  }
}

/** Every base image: both makers, several page sizes, rollback and WAL. */
export function allImages(): Image[] {
  return [
    ourImage(512, false),
    ourImage(4096, false),
    ourImage(1024, true),
    sqliteImage(512, false),
    sqliteImage(1024, false),
    sqliteImage(4096, false),
    sqliteImage(1024, true),
  ];
}

/** Outcome kinds: "ok", a SqliteError code, or "BAD: ..." for anything else. */
export function classify(f: () => void): string {
  try {
    f();
    return "ok";
  } catch (e) {
    if (e instanceof SqliteError) return e.code;
    const err = e as Error;
    return `BAD: ${err?.name}: ${err?.message}\n${err?.stack?.split("\n").slice(1, 6).join("\n")}`;
  }
}

/** Tallies outcome kinds. */
export class Tally {
  /** Counts by outcome kind. */
  readonly counts = new Map<string, number>();
  /** Outcomes that are neither ok nor a SqliteError, one per distinct error and place. */
  readonly bad: string[] = [];
  readonly #seen = new Set<string>();

  /** Records one outcome. */
  add(kind: string, context: string): void {
    const key = kind.startsWith("BAD") ? "BAD" : kind;
    this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
    if (key !== "BAD") return;
    const sig = kind.split("\n").slice(0, 2).join("|").replace(/:\d+:\d+\)?$/, "");
    if (this.#seen.has(sig) || this.bad.length >= 30) return;
    this.#seen.add(sig);
    this.bad.push(`${context}: ${kind}`);
  }

  /** The counts as sorted "kind=n" text. */
  summary(): string {
    return [...this.counts].sort((a, b) => b[1] - a[1]).map(([k, n]) => `${k}=${n}`).join(" ");
  }
}
