/**
 * Fuzzing with damaged files: valid databases (ours and SQLite's; several page sizes,
 * indexes, overflow chains, a freelist, a WAL file) get random bytes damaged, often in page
 * headers, cell pointers and the file header, and are then opened, scanned, searched,
 * written and integrity-checked through mod.ts. The only allowed outcomes are a normal
 * result or a SqliteError; anything else (TypeError, RangeError, stack overflow) fails.
 *
 * Cases: TSQLITE_FUZZ_CASES (default 2000, ~12 s); seed: TSQLITE_FUZZ_SEED (default 7).
 * @module
 */

import { assert, assertEquals } from "@std/assert";
import { Database, MemoryVfs } from "../../mod.ts";
import { mulberry32 } from "../../src/vfs/prng.ts";
import { allImages, classify, type Image, Tally } from "./images.ts";

const CASES = Number(Deno.env.get("TSQLITE_FUZZ_CASES") ?? 2000);
const SEED = Number(Deno.env.get("TSQLITE_FUZZ_SEED") ?? 7);

/** The operations run on each damaged image, each on its own. */
const OPS: [string, (db: Database) => void][] = [
  ["count", (db) => db.prepare("SELECT count(*) FROM t").get()],
  ["scan", (db) => db.prepare("SELECT a, b, length(c) FROM t").all()],
  ["scanu", (db) => db.prepare("SELECT * FROM u ORDER BY x, y").all()],
  ["index", (db) => db.prepare("SELECT a FROM t WHERE b >= 'k1' AND b < 'k3'").all()],
  ["rowid", (db) => db.prepare("SELECT b, c FROM t WHERE a = 34").get()],
  ["insert", (db) => db.exec("INSERT INTO t(b, c) VALUES ('new', zeroblob(3000))")],
  ["update", (db) => db.exec("UPDATE t SET b = b || 'x' WHERE a % 7 = 0")],
  ["delete", (db) => db.exec("DELETE FROM t WHERE a % 11 = 0; DELETE FROM u WHERE x = 3")],
  ["integrity", (db) => db.prepare("PRAGMA integrity_check(20)").all()],
];

/** Damages 1..6 bytes of `img`, favouring headers and pointers. Returns a new copy. */
export function damage(src: Image, rng: () => number): { db: Uint8Array; wal?: Uint8Array } {
  const db = src.db.slice();
  const wal = src.wal?.slice();
  const ps = src.pageSize;
  const pages = Math.floor(db.length / ps);
  const n = 1 + Math.floor(rng() * rng() * 6);
  for (let k = 0; k < n; k++) {
    let buf = db;
    let at: number;
    const where = rng();
    if (wal && wal.length > 32 && where < 0.25) {
      buf = wal;
      const frames = Math.floor((wal.length - 32) / (24 + ps));
      const f = Math.floor(rng() * frames);
      const frameStart = 32 + f * (24 + ps);
      // A frame header, the first bytes of its page, or anywhere.
      const r = rng();
      if (r < 0.2) at = Math.floor(rng() * 32);
      else if (r < 0.5) at = frameStart + Math.floor(rng() * 24);
      else if (r < 0.8) at = frameStart + 24 + Math.floor(rng() * 40);
      else at = Math.floor(rng() * wal.length);
    } else if (where < 0.4) {
      at = Math.floor(rng() * 100); // the file header
    } else if (where < 0.65) {
      // A page header or cell pointer array (or a child pointer, which follows at +8).
      const p = 1 + Math.floor(rng() * pages);
      const hdr = (p - 1) * ps + (p === 1 ? 100 : 0);
      at = hdr + Math.floor(rng() * 24);
    } else if (where < 0.85) {
      // Inside a cell: its child pointer, size and rowid varints, record header, or the
      // overflow page number a spilled payload ends with.
      const p = 1 + Math.floor(rng() * pages);
      const start = (p - 1) * ps;
      const hdr = start + (p === 1 ? 100 : 0);
      const type = db[hdr];
      const n = (db[hdr + 3] << 8) | db[hdr + 4];
      if (n === 0 || ![2, 5, 10, 13].includes(type)) continue;
      const ptrs = hdr + (type === 2 || type === 5 ? 12 : 8);
      const i = Math.floor(rng() * n);
      const cell = start + ((db[ptrs + 2 * i] << 8) | db[ptrs + 2 * i + 1]);
      const next = i + 1 < n ? start + ((db[ptrs + 2 * i + 2] << 8) | db[ptrs + 2 * i + 3]) : 0;
      at = rng() < 0.7 || next <= cell
        ? cell + Math.floor(rng() * 14)
        : next - 1 - Math.floor(rng() * 4);
    } else {
      at = Math.floor(rng() * db.length);
    }
    if (at >= buf.length) continue;
    const how = rng();
    if (how < 0.3) buf[at] = Math.floor(rng() * 256);
    else if (how < 0.5) buf[at] ^= 1 << Math.floor(rng() * 8);
    else if (how < 0.65) buf[at] = 0;
    else if (how < 0.8) buf[at] = 0xff;
    else buf[at] = (buf[at] + (rng() < 0.5 ? 1 : -1)) & 0xff;
  }
  return { db, wal };
}

/** Runs the fuzz loop; returns the tally of outcomes by kind. */
export function fuzz(cases: number, seed: number): { tally: Tally; maxRss: number } {
  const images = allImages();
  const rng = mulberry32(seed);
  const tally = new Tally();
  let maxRss = 0;
  for (let i = 0; i < cases; i++) {
    const src = images[i % images.length];
    const { db: bytes, wal } = damage(src, rng);
    const vfs = new MemoryVfs({ track: false });
    vfs.writeFile("/f.db", bytes);
    if (wal) vfs.writeFile("/f.db-wal", wal);
    const ctx = `case ${i} (${src.name})`;
    let db: Database | undefined;
    const opened = classify(() => {
      db = new Database("/f.db", { vfs });
    });
    tally.add(`open:${opened}`, ctx);
    if (db === undefined) continue;
    for (const [name, op] of OPS) {
      // Buffers outside the JS heap show up here until the next GC: a big jump means an
      // allocation sized by a damaged length field.
      const before = Deno.memoryUsage().external;
      const kind = classify(() => op(db!));
      const grew = Deno.memoryUsage().external - before;
      tally.add(
        grew > 2 ** 28 ? `BAD: allocated ${grew >> 20} MiB (${kind})` : kind,
        `${ctx} ${name}`,
      );
    }
    tally.add(`close:${classify(() => db!.close())}`, ctx);
    if (i % 50 === 0) maxRss = Math.max(maxRss, Deno.memoryUsage().rss);
  }
  return { tally, maxRss };
}

Deno.test("damaged databases give a result or a SqliteError, never anything else", () => {
  const { tally, maxRss } = fuzz(CASES, SEED);
  console.log(`fuzz ${CASES} cases (seed ${SEED}): ${tally.summary()}`);
  console.log(`max rss ${(maxRss / 2 ** 20).toFixed(0)} MiB`);
  assertEquals(tally.bad, []);
  // The damage must actually be noticed some of the time, or the test proves nothing.
  assert((tally.counts.get("SQLITE_CORRUPT") ?? 0) > 0, "no corruption detected");
  // Bounded memory: no allocation sized by a damaged length field.
  assert(maxRss < 2 ** 31, `rss ${maxRss}`);
});
