/** Shared helpers for the API-level tests. */
import { DatabaseSync } from "node:sqlite";

/** A fresh temporary directory's file path. */
export function tempPath(name = "t.db"): string {
  return Deno.makeTempDirSync({ prefix: "tsqlite_test_" }) + "/" + name;
}

/** Runs SQLite's own integrity check on a file; returns its rows. */
export function sqliteIntegrity(path: string): string[] {
  const db = new DatabaseSync(path, { readOnly: true });
  try {
    return db.prepare("PRAGMA integrity_check").all().map((r) => String(r.integrity_check));
  } finally {
    db.close();
  }
}

/** All rows of a query through node:sqlite, as plain objects with bigints for big integers. */
export function sqliteRows(path: string, sql: string): Record<string, unknown>[] {
  const db = new DatabaseSync(path, { readOnly: true });
  try {
    const st = db.prepare(sql);
    st.setReadBigInts(true);
    return st.all().map((r) => normalize({ ...r }));
  } finally {
    db.close();
  }
}

/** bigint -> number where safe, so rows compare with ours. */
export function normalize(row: Record<string, unknown>): Record<string, unknown> {
  for (const k of Object.keys(row)) {
    const v = row[k];
    if (typeof v === "bigint" && v >= -9007199254740991n && v <= 9007199254740991n) {
      row[k] = Number(v);
    }
  }
  return row;
}
