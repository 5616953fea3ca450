/**
 * PRAGMA integrity_check and quick_check word for word against SQLite on damaged overflow
 * chains and a damaged index key: one row for the B-tree problems ("*** in database main
 * ***" first), one per table-level problem, the same error budget, and a report (not an
 * error) when a row's payload runs into damage already reported.
 */
import { assertEquals } from "@std/assert";
import { DatabaseSync } from "node:sqlite";
import { Database } from "../../mod.ts";

const PS = 1024;

function build(sql: string): Uint8Array {
  const dir = Deno.makeTempDirSync({ prefix: "tsqlite_icw_" });
  try {
    const db = new DatabaseSync(`${dir}/b.db`);
    db.exec(`PRAGMA page_size = ${PS}; ${sql}`);
    db.close();
    return Deno.readFileSync(`${dir}/b.db`);
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
}

function both(bytes: Uint8Array, q: string): [unknown[], unknown[]] {
  const dir = Deno.makeTempDirSync({ prefix: "tsqlite_icw_" });
  try {
    const p = `${dir}/x.db`;
    Deno.writeFileSync(p, bytes);
    const s = new DatabaseSync(p, { readOnly: true });
    const theirs = s.prepare(q).all().map((r) => Object.values(r)[0]);
    s.close();
    const o = new Database(p, { readOnly: true });
    const ours = o.prepare(q).values().map((r) => r[0]);
    o.close();
    return [ours, theirs];
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
}

const QUERIES = [
  "PRAGMA integrity_check",
  "PRAGMA integrity_check(1)",
  "PRAGMA integrity_check(2)",
  "PRAGMA quick_check",
];

/** Sets the 4-byte next-page pointer at the start of page `pgno`. */
function setNext(b: Uint8Array, pgno: number, next: number): Uint8Array {
  const c = b.slice();
  new DataView(c.buffer).setUint32((pgno - 1) * PS, next);
  return c;
}

/** The overflow pages of `b` in file order: pages that are no B-tree page and not free. */
function chainPages(b: Uint8Array): number[] {
  const out: number[] = [];
  for (let p = 2; p <= b.length / PS; p++) {
    if (![2, 5, 10, 13].includes(b[(p - 1) * PS])) out.push(p);
  }
  return out;
}

Deno.test("integrity_check words on broken overflow chains, as SQLite's", () => {
  const base = build(
    "CREATE TABLE t(x); INSERT INTO t VALUES (zeroblob(5000)); INSERT INTO t VALUES (zeroblob(3000))",
  );
  const ov = chainPages(base);
  const damaged: Record<string, Uint8Array> = {
    "chain cut short": setNext(base, ov[1], 0),
    "chain loops": setNext(base, ov[1], ov[0]),
    "chain too long": setNext(base, ov[ov.length - 1], ov[0]),
    "next page out of range": setNext(base, ov[0], 9999),
  };
  for (const [name, bytes] of Object.entries(damaged)) {
    for (const q of QUERIES) {
      const [ours, theirs] = both(bytes, q);
      assertEquals(ours, theirs, `${name}: ${q}`);
    }
  }
});

Deno.test("integrity_check words on a damaged index key plus a cut chain, as SQLite's", () => {
  const base = build(
    "CREATE TABLE t(a INTEGER PRIMARY KEY, x TEXT NOT NULL, y); CREATE INDEX tx ON t(x);" +
      "INSERT INTO t VALUES (1, 'aaaa', zeroblob(3000)), (2, 'bbbb', 1), (3, 'cccc', 2)",
  );
  const text = new TextDecoder("latin1").decode(base);
  // The index's copy of 'bbbb' comes after the table's (the index root was created last).
  const at = text.lastIndexOf("bbbb");
  const flipped = base.slice();
  flipped[at] = "z".charCodeAt(0);
  const cut = setNext(flipped, chainPages(flipped)[0], 0);
  for (const [name, bytes] of [["index key", flipped], ["index key and chain", cut]] as const) {
    for (const q of QUERIES) {
      const [ours, theirs] = both(bytes, q);
      assertEquals(ours, theirs, `${name}: ${q}`);
    }
  }
});
