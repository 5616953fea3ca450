import { assertEquals } from "@std/assert";
import { lockBytePage } from "../../src/pager/pager.ts";
import {
  journalChecksum,
  parseJournalHeader,
  playbackJournal,
  writeJournal,
} from "../../src/pager/rollback_journal.ts";
import { MemoryVfs } from "../../src/vfs/memory_vfs.ts";

const PS = 1024;
const rw = { create: true, readOnly: false };

function page(v: number): Uint8Array {
  return new Uint8Array(PS).fill(v);
}

/** A db of 6 pages filled with 50+k, and a journal restoring pages 2, 4, 5 to k. */
function setup(sync: "full" | "off" = "full") {
  const vfs = new MemoryVfs();
  const db = vfs.open("/db", rw);
  for (let k = 1; k <= 6; k++) db.write(page(50 + k), (k - 1) * PS);
  const j = vfs.open("/db-journal", rw);
  writeJournal(j, PS, 5, [[2, page(2)], [4, page(4)], [5, page(5)]], sync, 1234);
  return { vfs, db, j };
}

function pagesOf(vfs: MemoryVfs): number[] {
  const f = vfs.readFile("/db")!;
  const out: number[] = [];
  for (let o = 0; o < f.length; o += PS) out.push(f[o + 7]);
  return out;
}

Deno.test("journal: checksum is nonce plus every 200th byte from the end", () => {
  const p = new Uint8Array(PS);
  for (let i = 0; i < PS; i++) p[i] = i & 0xff;
  let expect = 7;
  for (let i = PS - 200; i > 0; i -= 200) expect += i & 0xff;
  assertEquals(journalChecksum(7, p, PS), expect);
  assertEquals(journalChecksum(0xffffffff, new Uint8Array(PS).fill(1), PS), 4);
});

Deno.test("journal: header layout", () => {
  const { vfs } = setup();
  const j = vfs.readFile("/db-journal")!;
  assertEquals(j.length, 512 + 3 * (PS + 8));
  const h = parseJournalHeader(j)!;
  assertEquals(h, { recordCount: 3, nonce: 1234, initialPages: 5, sectorSize: 512, pageSize: PS });
  assertEquals(j.subarray(28, 512).every((b) => b === 0), true, "padded with zeros");
  assertEquals(
    parseJournalHeader(setup("off").vfs.readFile("/db-journal")!)!.recordCount,
    0xffffffff,
  );
});

Deno.test("journal: playback restores pages and the initial size", () => {
  for (const sync of ["full", "off"] as const) {
    const { vfs, db, j } = setup(sync);
    const r = playbackJournal(j, db, lockBytePage)!;
    assertEquals(r, { pageSize: PS, initialPages: 5, restored: 3 });
    assertEquals(pagesOf(vfs), [51, 2, 53, 4, 5]);
  }
});

Deno.test("journal: playback stops at a bad checksum or page number 0", () => {
  const { vfs, db, j } = setup();
  const rec2 = 512 + (PS + 8); // second record
  j.write(Uint8Array.of(9), rec2 + 4 + PS - 200); // a sampled byte
  assertEquals(playbackJournal(j, db, lockBytePage)!.restored, 1);
  assertEquals(pagesOf(vfs), [51, 2, 53, 54, 55]);

  const s = setup();
  s.j.write(new Uint8Array(4), 512 + (PS + 8)); // page number 0
  assertEquals(playbackJournal(s.j, s.db, lockBytePage)!.restored, 1);

  const t = setup();
  t.j.truncate(512 + 2 * (PS + 8) + 100); // third record incomplete
  assertEquals(playbackJournal(t.j, t.db, lockBytePage)!.restored, 2);
});

Deno.test("journal: invalid header plays nothing; later segments are followed", () => {
  const { vfs, db, j } = setup();
  j.write(new Uint8Array(8), 0);
  assertEquals(playbackJournal(j, db, lockBytePage), null);
  assertEquals(pagesOf(vfs), [51, 52, 53, 54, 55, 56]);

  // Two segments: the second header sits on the next sector boundary.
  const s = setup();
  const end = 512 + 3 * (PS + 8);
  const seg2 = Math.ceil(end / 512) * 512;
  const tmp = new MemoryVfs();
  const t = tmp.open("/t", rw);
  writeJournal(t, PS, 5, [[3, page(3)]], "full", 99);
  s.j.write(tmp.readFile("/t")!, seg2);
  assertEquals(playbackJournal(s.j, s.db, lockBytePage)!.restored, 4);
  assertEquals(pagesOf(s.vfs), [51, 2, 3, 4, 5]);
});
