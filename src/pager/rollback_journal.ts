/**
 * SQLite's rollback journal, byte for byte (fileformat2.html section 3, atomiccommit.html).
 *
 * Layout: a header padded to the sector size -
 *   0  magic d9 d5 05 f9 20 a1 63 d7
 *   8  record count of this segment (0xffffffff = up to the end of the file)
 *  12  checksum nonce
 *  16  database size in pages before the transaction
 *  20  sector size
 *  24  page size
 * - then records: 4-byte page number, the page's original content, 4-byte checksum
 * (nonce plus the page bytes at offsets N-200, N-400, ... above 0). A journal may hold
 * several header+records segments, each header starting on a sector boundary.
 *
 * Like SQLite, the header is first written with a zeroed magic and record count (so a
 * half-written journal is not hot) unless synchronous=off; once the records are durable
 * the real magic and count are written over it.
 * @module
 */

import { SqliteError } from "../errors.ts";
import type { Vfs, VfsFile } from "../vfs/vfs.ts";
import { get4, isValidPageSize, put4 } from "./header.ts";
import type { JournalMode, SynchronousLevel } from "./types.ts";

/** The 8-byte journal magic. */
export const JOURNAL_MAGIC: Uint8Array = Uint8Array.of(
  0xd9,
  0xd5,
  0x05,
  0xf9,
  0x20,
  0xa1,
  0x63,
  0xd7,
);

/**
 * The sector size we write. SQLite's unix VFS reports 4096 but, with powersafe overwrite
 * (its default), the pager uses 512, so journals written by SQLite on Linux have
 * 512-byte headers; we match that.
 */
export const JOURNAL_SECTOR_SIZE = 512;

/** The journal path of database `path`. */
export function journalPath(path: string): string {
  return path + "-journal";
}

/** SQLite's journal record checksum: nonce + page bytes at N-200, N-400, ... (> 0). */
export function journalChecksum(nonce: number, page: Uint8Array, pageSize: number): number {
  let sum = nonce >>> 0;
  for (let i = pageSize - 200; i > 0; i -= 200) sum += page[i];
  return sum >>> 0;
}

/** A decoded journal header. */
export interface JournalHeader {
  /** Records in the segment; 0xffffffff = to the end of the file. */
  recordCount: number;
  /** Checksum nonce. */
  nonce: number;
  /** Database size in pages before the transaction. */
  initialPages: number;
  /** Sector size (the header's padded size). */
  sectorSize: number;
  /** Page size. */
  pageSize: number;
}

/** Decodes a header (28+ bytes); null when the magic or sizes are invalid. */
export function parseJournalHeader(b: Uint8Array): JournalHeader | null {
  if (b.length < 28) return null;
  for (let i = 0; i < 8; i++) if (b[i] !== JOURNAL_MAGIC[i]) return null;
  const sectorSize = get4(b, 20);
  const pageSize = get4(b, 24);
  if (!isValidPageSize(pageSize)) return null;
  if (sectorSize < 32 || sectorSize > 65536 || (sectorSize & (sectorSize - 1)) !== 0) return null;
  return {
    recordCount: get4(b, 8),
    nonce: get4(b, 12),
    initialPages: get4(b, 16),
    sectorSize,
    pageSize,
  };
}

/** Encodes a header padded to its sector size; `final` false zeroes magic and count. */
export function encodeJournalHeader(h: JournalHeader, final: boolean): Uint8Array {
  const b = new Uint8Array(h.sectorSize);
  if (final) {
    b.set(JOURNAL_MAGIC, 0);
    put4(b, 8, h.recordCount);
  }
  put4(b, 12, h.nonce);
  put4(b, 16, h.initialPages);
  put4(b, 20, h.sectorSize);
  put4(b, 24, h.pageSize);
  return b;
}

/** A fresh random checksum nonce. */
export function randomNonce(): number {
  const a = new Uint32Array(1);
  crypto.getRandomValues(a);
  return a[0];
}

/**
 * Writes a complete journal segment at the start of `file` and makes it durable per
 * `sync` (see {@link JournalWriter.add}).
 */
export function writeJournal(
  file: VfsFile,
  pageSize: number,
  initialPages: number,
  pages: Iterable<[number, Uint8Array]>,
  sync: SynchronousLevel,
  nonce: number = randomNonce(),
): void {
  new JournalWriter(file, pageSize, initialPages, sync, nonce).add(pages);
}

/**
 * A journal written in one or more steps: a transaction larger than the page cache
 * journals the originals of the pages it is about to write into the database before each
 * such write (its spills), the rest at commit. The first step completes the segment at the
 * start of the file; each later one adds a segment of its own at the next sector boundary,
 * as SQLite does, and never writes over a header that is already durable: a crash while a
 * header is rewritten could leave that sector garbage, and an earlier segment must stay
 * readable because the database file already holds pages its records put back.
 */
export class JournalWriter {
  readonly #file: VfsFile;
  readonly #pageSize: number;
  readonly #sync: SynchronousLevel;
  readonly #header: JournalHeader;
  readonly #rec: Uint8Array;
  /** Where the current segment's header is, and how many records follow it. */
  #segStart = 0;
  #segCount = 0;
  /** The current segment's magic and count are written and synced. */
  #segFinal = false;
  #off = JOURNAL_SECTOR_SIZE;

  /**
   * Starts the first segment: the header, with a zeroed magic and count (so a half-written
   * journal is not hot) unless `sync` is off, when it carries the magic and 0xffffffff
   * (records up to the end of the file) from the start and stays the only segment.
   */
  constructor(
    file: VfsFile,
    pageSize: number,
    initialPages: number,
    sync: SynchronousLevel,
    nonce: number = randomNonce(),
  ) {
    this.#file = file;
    this.#pageSize = pageSize;
    this.#sync = sync;
    this.#header = {
      recordCount: 0xffffffff,
      nonce,
      initialPages,
      sectorSize: JOURNAL_SECTOR_SIZE,
      pageSize,
    };
    this.#rec = new Uint8Array(pageSize + 8);
    file.write(encodeJournalHeader(this.#header, sync === "off"), 0);
  }

  /**
   * Appends the records of `pages` (page number, original image) and makes them durable
   * per `sync` (the level in force now: PRAGMA synchronous may change mid-transaction):
   * - full/extra: records, sync, then the segment's magic + record count, sync (SQLite's
   *   fullSync order, so the count never becomes durable before the records it counts);
   * - normal: records, magic + count, one sync;
   * - off: no sync. A first segment begun under off says "to the end of the file" and
   *   takes every later record; any other segment gets its count, unsynced.
   * Before a count is written, a journal header left at the next header offset (a
   * persisted journal of an earlier transaction) loses its magic, as in SQLite's
   * syncJournal: else recovery would read on into that stale segment.
   * Only the first call writes a segment when `pages` is empty.
   */
  add(pages: Iterable<[number, Uint8Array]>, sync: SynchronousLevel = this.#sync): void {
    const ps = this.#pageSize;
    const rec = this.#rec;
    const nonce = this.#header.nonce;
    const file = this.#file;
    let started = false;
    for (const [pgno, data] of pages) {
      if (!started) {
        started = true;
        if (this.#segFinal) {
          const at = Math.ceil(this.#off / JOURNAL_SECTOR_SIZE) * JOURNAL_SECTOR_SIZE;
          file.write(encodeJournalHeader(this.#header, false), at);
          this.#segStart = at;
          this.#segCount = 0;
          this.#segFinal = false;
          this.#off = at + JOURNAL_SECTOR_SIZE;
        }
      }
      put4(rec, 0, pgno);
      rec.set(data, 4);
      put4(rec, ps + 4, journalChecksum(nonce, data, ps));
      file.write(rec, this.#off);
      this.#off += rec.length;
      this.#segCount++;
    }
    if (this.#segFinal) return;
    if (sync === "off" && this.#segStart === 0 && this.#sync === "off") return;
    let syncFirst = sync === "full" || sync === "extra";
    const next = Math.ceil(this.#off / JOURNAL_SECTOR_SIZE) * JOURNAL_SECTOR_SIZE;
    const magic = new Uint8Array(8);
    if (file.read(magic, next) === 8 && magic.every((b, i) => b === JOURNAL_MAGIC[i])) {
      file.write(new Uint8Array(1), next);
      // Under normal too (SQLite does not): the count must not be durable before this byte.
      if (sync !== "off") syncFirst = true;
    }
    if (syncFirst) file.sync();
    const head = new Uint8Array(12);
    head.set(JOURNAL_MAGIC, 0);
    put4(head, 8, this.#segCount);
    file.write(head, this.#segStart);
    if (sync !== "off") file.sync();
    this.#segFinal = true;
  }
}

/** What a playback did. */
export interface PlaybackResult {
  /** The journal's page size (the database's page size when the transaction began). */
  pageSize: number;
  /** Database size the file was truncated back to, in pages. */
  initialPages: number;
  /** Page records written back. */
  restored: number;
}

/**
 * Plays a hot journal back into `db`: truncates the database to the size recorded in the
 * first header, then writes every valid record's page back, stopping at the first
 * record that is incomplete or fails its checksum, or at a header that is invalid.
 * Returns null (and changes nothing) when the first header is invalid. Does not sync.
 *
 * `lockBytePage(pageSize)` names the page holding the lock bytes, which a record may
 * never target (SQLite stops there too).
 */
export function playbackJournal(
  journal: VfsFile,
  db: VfsFile,
  lockBytePage: (pageSize: number) => number,
): PlaybackResult | null {
  const size = journal.size();
  const hb = new Uint8Array(28);
  if (journal.read(hb, 0) < 28) return null;
  const first = parseJournalHeader(hb);
  if (first === null) return null;
  const { pageSize, sectorSize, initialPages } = first;
  const lockPage = lockBytePage(pageSize);
  const recSize = pageSize + 8;
  db.truncate(initialPages * pageSize);
  const rec = new Uint8Array(recSize);
  const page = rec.subarray(4, 4 + pageSize);
  const done = new Set<number>();
  let restored = 0;
  let hdrOff = 0;
  let h: JournalHeader | null = first;
  while (h !== null) {
    let off = hdrOff + sectorSize;
    let n = h.recordCount;
    const toEnd = n === 0xffffffff;
    if (toEnd) n = Math.floor((size - off) / recSize);
    for (let i = 0; i < n; i++) {
      if (off + recSize > size || journal.read(rec, off) < recSize) return finish();
      const pgno = get4(rec, 0);
      if (pgno === 0 || pgno === lockPage) return finish();
      if (get4(rec, pageSize + 4) !== journalChecksum(h.nonce, page, pageSize)) return finish();
      // Only the first image of a page is its original; pages past the initial size
      // were cut off by the truncation above.
      if (pgno <= initialPages && !done.has(pgno)) {
        done.add(pgno);
        db.write(page, (pgno - 1) * pageSize);
        restored++;
      }
      off += recSize;
    }
    if (toEnd) break;
    hdrOff = Math.ceil(off / sectorSize) * sectorSize;
    if (hdrOff + 28 > size || journal.read(hb, hdrOff) < 28) break;
    h = parseJournalHeader(hb);
  }
  return finish();

  function finish(): PlaybackResult {
    return { pageSize, initialPages, restored };
  }
}

/**
 * Ends a transaction's journal the way `mode` commits (the commit point):
 * delete - unlink, and fsync the directory under synchronous=full/extra. SQLite syncs the
 *   directory only under extra, so after a power loss its journal can reappear and undo a
 *   commit that had returned; we promise that a commit acknowledged under full survives;
 * truncate - truncate to 0 (and sync under full/extra, so the journal cannot resurrect);
 * persist - overwrite the first 28 header bytes with zeros (and sync unless off).
 * Modes without a journal file (memory, off, wal) delete a leftover one.
 * `file` is the open journal, closed here in every case.
 */
export function finalizeJournal(
  vfs: Vfs,
  path: string,
  file: VfsFile | null,
  mode: JournalMode,
  sync: SynchronousLevel,
): void {
  try {
    if (mode === "truncate" && file !== null) {
      file.truncate(0);
      if (sync === "full" || sync === "extra") file.sync();
      return;
    }
    if (mode === "persist" && file !== null) {
      file.write(new Uint8Array(28), 0);
      if (sync !== "off") file.sync();
      return;
    }
  } finally {
    file?.close();
  }
  vfs.delete(path, sync === "full" || sync === "extra");
}

/** Opens the journal of a write transaction, creating it (SQLITE_CANTOPEN on failure). */
export function openJournal(vfs: Vfs, path: string): VfsFile {
  try {
    return vfs.open(path, { create: true, readOnly: false });
  } catch (e) {
    if (e instanceof SqliteError) throw e;
    throw new SqliteError("SQLITE_CANTOPEN", "unable to open database file", { cause: e });
  }
}
