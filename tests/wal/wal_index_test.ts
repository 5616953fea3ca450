/**
 * The cross-process wal-index protocol (src/pager/wal_index.ts) in one process: two
 * WalIndexFile objects on one database have descriptors of their own, so their flocks
 * conflict exactly as two processes' do.
 */
import { assert, assertEquals, assertThrows } from "@std/assert";
import { SqliteError } from "../../src/errors.ts";
import {
  IndexSnapshot,
  NREADER,
  READMARK_NOT_USED,
  WalIndexFile,
} from "../../src/pager/wal_index.ts";
import { attached, header, withIndexes } from "./wal_index_helpers.ts";

Deno.test(
  "wal index: the first process recovers, the others trust H; H and B round-trip",
  withIndexes((key) => {
    const a = WalIndexFile.open(key)!;
    const b = WalIndexFile.open(key)!;
    try {
      let recovered = 0;
      a.attach(() => (recovered++, header(4)));
      b.attach(() => (recovered++, header(99)));
      assertEquals(recovered, 1, "only the first attacher scans the WAL");
      const s = new IndexSnapshot();
      b.read(s);
      assertEquals([s.salt1, s.salt2, s.mxFrame, s.dbSize, s.ck0, s.ck1], [7, 9, 4, 5, 11, 13]);
      assertEquals(s.backfill, 0);
      assertEquals(s.marks[1], 0);
      for (let i = 2; i < NREADER; i++) assertEquals(s.marks[i], READMARK_NOT_USED);
      a.writeBackfill(7, 9, 3);
      b.read(s);
      assertEquals(s.backfill, 3);
      // B of another generation counts as nothing backfilled.
      a.writeHeader(header(2, 8, 1));
      b.read(s);
      assertEquals([s.mxFrame, s.backfill], [2, 0]);
    } finally {
      a.close();
      b.close();
    }
    // Everyone gone: the next one recovers again.
    const c = WalIndexFile.open(key)!;
    let again = 0;
    c.attach(() => (again++, header(0)));
    c.close();
    assertEquals(again, 1);
  }),
);

Deno.test(
  "wal index: read pins protect frames from checkpoints and restarts in other processes",
  withIndexes(async (key) => {
    const [a, b] = attached(key, 2, 10);
    try {
      const s = new IndexSnapshot();
      // WAL frames not yet backfilled: a WAL slot with mark = mxFrame.
      const slot = a.beginRead(s);
      assert(slot >= 1);
      assertEquals(s.marks[slot], 10);
      assert(!b.tryExclusive(slot), "a checkpoint elsewhere cannot reset the pinned mark");
      assert(!b.tryExclusiveMarks(), "nor restart the log");
      // A second reader of the same snapshot shares the slot.
      const t = new IndexSnapshot();
      assertEquals(b.beginRead(t), slot);
      b.unpin(slot);
      a.unpin(slot);
      // The pin lingers until this synchronous run ends, then is gone.
      assert(!b.tryExclusive(slot));
      await Promise.resolve();
      assert(b.tryExclusive(slot), "a finished reader blocks nothing");
      b.writeMark(slot, READMARK_NOT_USED);
      b.releaseExclusive(slot);
      // Everything backfilled: read0, which blocks copying but not a restart.
      a.writeBackfill(7, 9, 10);
      assertEquals(a.beginRead(s), 0);
      assert(!b.tryExclusive(0), "no checkpoint copies under a read0 reader");
      assert(b.tryExclusiveMarks(), "a read0 reader does not keep the log from restarting");
      b.releaseExclusiveMarks();
      a.unpin(0);
      await Promise.resolve();
      assert(b.tryExclusive(0));
      b.releaseExclusive(0);
      // A new commit: the next read claims a slot for the new mark.
      a.writeHeader(header(12));
      const n = a.beginRead(s);
      assert(n >= 1);
      assertEquals([s.mxFrame, s.marks[n]], [12, 12]);
      a.unpin(n);
      // Only one checkpoint at a time.
      assert(a.tryCkpt());
      assert(!b.tryCkpt());
      a.releaseCkpt();
      assert(b.tryCkpt());
      b.releaseCkpt();
    } finally {
      a.close();
      b.close();
    }
  }),
);

Deno.test(
  "wal index: a torn record is never believed",
  withIndexes((key) => {
    const a = WalIndexFile.open(key)!;
    try {
      a.attach(() => header(6));
      const f = Deno.openSync(`${key}-tsqlite-locks/wal-index`, { read: true, write: true });
      const good = new Uint8Array(112);
      f.readSync(good);
      const torn = good.slice();
      torn[16] ^= 0xff; // H's mxFrame changed, its checksum not: a write seen half-way
      f.seekSync(0, Deno.SeekMode.Start);
      f.writeSync(torn);
      const s = new IndexSnapshot();
      // The reader retries (for about a second), then gives up as SQLite does.
      const e = assertThrows(() => a.read(s), SqliteError);
      assertEquals(e.code, "SQLITE_PROTOCOL");
      f.seekSync(0, Deno.SeekMode.Start);
      f.writeSync(good);
      a.read(s);
      assertEquals(s.mxFrame, 6);
      f.close();
    } finally {
      a.close();
    }
  }),
);

Deno.test(
  "wal index: a committing writer moves its own mark up and keeps the slot, without stranding readers elsewhere",
  withIndexes(async (key) => {
    const [a, b] = attached(key, 2, 10);
    try {
      const s = new IndexSnapshot();
      const t = new IndexSnapshot();
      const slot = a.beginRead(s);
      assert(slot >= 1);
      // A commits frames 11..12 while it alone pins the slot: H and the mark in one go.
      assertEquals(a.publish(header(12), slot), slot);
      b.read(t);
      assertEquals([t.mxFrame, t.marks[slot]], [12, 12]);
      assert(!b.tryExclusive(slot), "the slot stays pinned (exclusively) for A's snapshot");
      assert(!b.tryExclusiveMarks(), "so the log cannot restart under A");
      // A reader elsewhere cannot share the slot now; it claims another for the same mark.
      const other = b.beginRead(t);
      assert(other >= 1 && other !== slot);
      assertEquals([t.mxFrame, t.marks[other]], [12, 12]);
      // A's next transaction finds its mark exact.
      a.unpin(slot);
      assertEquals(a.beginRead(s), slot);
      assertEquals(s.marks[slot], 12);
      // With a reader elsewhere on the same slot, the mark cannot move: A keeps the slot
      // shared, its old mark (at most its snapshot) still protecting it.
      b.unpin(other);
      a.unpin(slot);
      await Promise.resolve();
      assert(b.tryExclusive(other));
      b.writeMark(other, READMARK_NOT_USED);
      b.releaseExclusive(other);
      assertEquals(a.beginRead(s), slot);
      assertEquals(b.beginRead(t), slot, "B shares the exact slot");
      assertEquals(a.publish(header(15), slot), slot);
      b.read(t);
      assertEquals([t.mxFrame, t.marks[slot]], [15, 12]);
      assert(!b.tryExclusiveMarks(), "A still pins the slot");
      b.unpin(slot);
      await Promise.resolve();
      assert(!b.tryExclusive(slot), "A's shared pin survived the refused conversion");
      a.unpin(slot);
      await Promise.resolve();
      assert(b.tryExclusive(slot), "and went with A's transaction");
      b.releaseExclusive(slot);
    } finally {
      a.close();
      b.close();
    }
  }),
);
