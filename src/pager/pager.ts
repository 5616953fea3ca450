/**
 * The pager: page cache, locking, transactions, savepoints and the rollback journal.
 *
 * Design notes:
 * - The database file is written only by commit (and hot-journal recovery). A write
 *   transaction keeps its dirty pages in memory, and the original image of every page
 *   that existed when it began; commit journals those originals, then writes the pages.
 *   Rollback therefore never touches the disk.
 * - Journal-backend seam (for wal.ts): every page read from disk goes through `#load`
 *   and every commit through `#commitToDisk`; a WAL backend will consult its frames in
 *   `#load` first and append frames in `#commitToDisk` instead of journaling.
 * - The lock-byte page (the page holding byte offset 2^30) is never handed out by
 *   {@link PagerImpl.appendPage}; it is skipped, as SQLite's B-tree does.
 * - WAL mode (wal.ts) plugs into those two seams. The database file is in WAL mode when
 *   header bytes 18/19 are 2 (or, as SQLite decides, when a `-wal` file is present); every
 *   connection then uses the WAL. A connection in WAL mode holds a SHARED lock on the
 *   database file for as long as it is open, as SQLite does, so EXCLUSIVE means "no other
 *   connection": the last one to close checkpoints and deletes the WAL, and leaving WAL
 *   mode needs it. Writers take RESERVED (one writer at a time) and never EXCLUSIVE.
 * @module
 */

import { corrupt, SqliteError } from "../errors.ts";
import { LockLevel, type Vfs, type VfsFile } from "../vfs/vfs.ts";
import { retryUntil } from "../vfs/os_lock.ts";
import {
  DEFAULT_PAGE_SIZE,
  hasMagic,
  HEADER_SIZE,
  headerSizeValid,
  isValidPageSize,
  newHeader,
  parseHeader,
  rawPageSize,
  stampCommit,
  writeHeader,
} from "./header.ts";
import { cachePagesFor, DEFAULT_CACHE_SIZE, PageCache } from "./page_cache.ts";
import {
  finalizeJournal,
  journalPath,
  JournalWriter,
  openJournal,
  playbackJournal,
  writeJournal,
} from "./rollback_journal.ts";
import { type ImageRef, StatementJournal } from "./statement_journal.ts";
import type { JournalMode, Pager, SynchronousLevel } from "./types.ts";
import { type CheckpointMode, type CheckpointResult, Wal, walPath } from "./wal.ts";

/**
 * Bytes per slab of page buffers (see PagerImpl#newPage): 8 pages of 4 KiB. Larger slabs
 * allocate less often but let one long-held page buffer keep more memory alive.
 */
const SLAB_BYTES = 32 * 1024;

/** Original page images kept for reuse between write transactions (see #original). */
const SPARE_ORIGINALS = 16;

/** Byte offset of SQLite's lock bytes (PENDING_BYTE); the page holding it is never used. */
export const PENDING_BYTE = 0x40000000;

/** The page number holding the lock bytes for `pageSize`. */
export function lockBytePage(pageSize: number): number {
  return Math.floor(PENDING_BYTE / pageSize) + 1;
}

/** Options of {@link PagerImpl.open}. */
export interface PagerOptions {
  /** Page size for a new, empty database (default 4096); an existing file's header wins. */
  pageSize?: number;
  /** PRAGMA cache_size: pages when positive, KiB when negative (default -2000). */
  cacheSize?: number;
  /**
   * Journal mode (default "delete"). "wal" switches the database to WAL mode when it opens,
   * like `PRAGMA journal_mode=WAL` (a new database gets its page 1 written at once).
   */
  journalMode?: JournalMode;
  /** PRAGMA wal_autocheckpoint: checkpoint after a commit leaves this many frames (default 1000; 0 = never). */
  walAutocheckpoint?: number;
  /** Synchronous level (default "full"). */
  synchronous?: SynchronousLevel;
  /** Open read-only (default false). */
  readOnly?: boolean;
  /** Create the file when missing (default true unless read-only). */
  create?: boolean;
  /**
   * Milliseconds to keep retrying a lock another connection (or process) holds before
   * failing with SQLITE_BUSY (default 0: fail at once), like sqlite3_busy_timeout.
   */
  timeout?: number;
}

interface Savepoint {
  /** Page count when the savepoint opened. */
  pageCount: number;
  /** Images, at savepoint start, of pages first changed while it was the innermost. */
  images: Map<number, ImageRef>;
}

/** SQLite's default wal_autocheckpoint. */
export const DEFAULT_WAL_AUTOCHECKPOINT = 1000;

function busy(): SqliteError {
  return new SqliteError("SQLITE_BUSY", "database is locked");
}

function misuse(what: string): SqliteError {
  return new SqliteError("SQLITE_MISUSE", `bad parameter or other API misuse (${what})`);
}

/** The Pager over a {@link Vfs} file with a rollback journal. */
export class PagerImpl implements Pager {
  readonly #vfs: Vfs;
  readonly #path: string;
  readonly #journalPath: string;
  readonly #db: VfsFile;
  readonly #readOnly: boolean;
  readonly #cache: PageCache;
  #pageSize: number;
  #reserved = 0;
  #cacheSize: number;
  #journalMode: JournalMode;
  #sync: SynchronousLevel;
  /** Busy timeout in milliseconds (PagerOptions.timeout). */
  #timeout: number;

  #reading = false;
  #writing = false;
  #closed = false;
  /** Pages in the committed database (as of the last refresh or commit). */
  #dbPages = 0;
  /** Pages as of the current transaction. */
  #pageCount = 0;
  /** Header bytes 24..39 as last seen; null = unknown (forces a cache drop). */
  #fileVers: Uint8Array | null = null;
  /**
   * #dbPages is the file's page count as of header bytes #fileVers (rollback mode), so a
   * refresh that finds those bytes unchanged needs no fstat. False whenever unsure.
   */
  #dbPagesKnown = false;
  /** The database file is in WAL mode (header bytes 18/19 = 2). */
  #walFile = false;
  /** Page count when the write transaction began. */
  #origSize = 0;
  /** Original images of pages (<= #origSize) changed or truncated in the write transaction. */
  readonly #originals = new Map<number, Uint8Array>();
  /** Buffers of original images from finished transactions, for reuse (see #original). */
  readonly #spareOriginals: Uint8Array[] = [];
  #savepoints: Savepoint[] = [];
  /** Where the savepoints' page images are kept (memory up to the cache size, then a file). */
  readonly #stmt: StatementJournal;
  /** PRAGMA cache_spill: on (the default), and its size setting (1 = the cache size). */
  #spillOn = true;
  #spillSize = 1;
  /**
   * Rollback-journal modes: the journal a spill began (open until the transaction ends),
   * and which originals it holds.
   */
  #spillJournal: { file: VfsFile; writer: JournalWriter; journaled: Set<number> } | null = null;
  /** A spill wrote into the database file; the highest page it wrote there. */
  #dbSpilled = false;
  #spillHigh = 0;
  /** Dirty pages at which a spill refused for want of EXCLUSIVE is tried again. */
  #spillRetry = 0;
  readonly #hdrBuf = new Uint8Array(HEADER_SIZE);
  /** The slab {@link #newPage} carves page buffers from, and the next free byte in it. */
  #slab: ArrayBuffer | null = null;
  /**
   * The scratch buffer {@link getPageAhead} reads pages into at once ([0], allocated on first
   * use) and a view of each page of it ([1..]).
   */
  #runViews: Uint8Array[] = [];
  /**
   * The page buffers one {@link getPageAhead} read fills (reused; entries past the current
   * read are stale and unused, and owned by the cache).
   */
  readonly #runBufs: Uint8Array[] = [];
  #slabOff = 0;
  /** The WAL, while the database is in WAL mode. */
  #wal: Wal | null = null;
  #autoCheckpoint: number;
  /** A commit reached the autocheckpoint threshold; endRead checkpoints (#autoCheckpointNow). */
  #checkpointDue = false;
  /** The database file was seen non-empty since the WAL was attached (see #commitWal). */
  #dbFileNonEmpty = false;
  /** The WAL-mode header fields and size are up to date as of the snapshot (#refreshWal). */
  #walHeaderKnown = false;

  private constructor(vfs: Vfs, path: string, db: VfsFile, options: PagerOptions) {
    this.#vfs = vfs;
    this.#path = path;
    this.#journalPath = journalPath(path);
    this.#db = db;
    this.#readOnly = options.readOnly ?? false;
    this.#pageSize = options.pageSize !== undefined && isValidPageSize(options.pageSize)
      ? options.pageSize
      : DEFAULT_PAGE_SIZE;
    this.#cacheSize = options.cacheSize ?? DEFAULT_CACHE_SIZE;
    this.#cache = new PageCache(cachePagesFor(this.#cacheSize, this.#pageSize));
    this.#stmt = new StatementJournal(vfs, path, () => this.#cache.capacity * this.#pageSize);
    const mode = options.journalMode ?? "delete";
    this.#journalMode = mode === "wal" ? "delete" : mode;
    this.#sync = options.synchronous ?? "full";
    this.#autoCheckpoint = options.walAutocheckpoint ?? DEFAULT_WAL_AUTOCHECKPOINT;
    this.#timeout = options.timeout ?? 0;
  }

  /** Takes `level`, retrying until the busy timeout runs out; false when still busy. */
  #lockWait(level: LockLevel): boolean {
    if (this.#db.lock(level)) return true;
    return retryUntil(() => this.#db.lock(level), this.#timeout);
  }

  /**
   * Opens the database at `path` on `vfs`. Rolls back a hot journal and validates the
   * header right away when the file is not locked by another connection (otherwise that
   * happens at the first {@link beginRead}).
   */
  static open(vfs: Vfs, path: string, options: PagerOptions = {}): PagerImpl {
    const readOnly = options.readOnly ?? false;
    const db = vfs.open(path, { create: options.create ?? !readOnly, readOnly });
    const pager = new PagerImpl(vfs, path, db, options);
    try {
      pager.beginRead();
      pager.endRead();
      if (options.journalMode === "wal" && !readOnly) pager.setJournalMode("wal");
    } catch (e) {
      if (!(e instanceof SqliteError && e.code === "SQLITE_BUSY")) {
        pager.close();
        throw e;
      }
    }
    return pager;
  }

  /** Page size in bytes. */
  get pageSize(): number {
    return this.#pageSize;
  }

  /** Page size minus the reserved bytes at the end of each page. */
  get usableSize(): number {
    return this.#pageSize - this.#reserved;
  }

  /** The database file's path. */
  get path(): string {
    return this.#path;
  }

  /** True when opened read-only. */
  get readOnly(): boolean {
    return this.#readOnly;
  }

  /** The journal mode. */
  get journalMode(): JournalMode {
    return this.#journalMode;
  }

  /** The synchronous level. */
  get synchronous(): SynchronousLevel {
    return this.#sync;
  }

  /** The cache_size setting (pages if positive, KiB if negative). */
  get cacheSize(): number {
    return this.#cacheSize;
  }

  /** True while a read (or write) transaction is open. */
  inReadTransaction(): boolean {
    return this.#reading;
  }

  /** True while a write transaction is open. */
  inWriteTransaction(): boolean {
    return this.#writing;
  }

  /** Pages in the database as of the current transaction. */
  pageCount(): number {
    return this.#pageCount;
  }

  /**
   * PRAGMA cache_spill: 0 when off, else the changed pages a write transaction may hold
   * before it spills (the larger of the cache size and the setting), as SQLite reports it.
   */
  get cacheSpill(): number {
    return this.#spillOn ? this.#spillThreshold() : 0;
  }

  /**
   * Sets PRAGMA cache_spill: a boolean turns spilling on or off; a number (pages, or KiB
   * when negative) also sets the threshold, and 0 turns it off (SQLite's rules).
   */
  setCacheSpill(on: boolean, size?: number): void {
    if (size !== undefined) this.#spillSize = Math.trunc(size);
    this.#spillOn = on;
  }

  #spillThreshold(): number {
    const n = this.#spillSize;
    const pages = n >= 0 ? n : Math.floor((-1024 * n) / this.#pageSize);
    return Math.max(this.#cache.capacity, pages);
  }

  /** Sets PRAGMA cache_size (positive pages, negative KiB). */
  setCacheSize(n: number): void {
    this.#cacheSize = Math.trunc(n);
    this.#cache.setCapacity(cachePagesFor(this.#cacheSize, this.#pageSize));
  }

  /** PRAGMA wal_autocheckpoint (frames; 0 or less = off). */
  get walAutocheckpoint(): number {
    return this.#autoCheckpoint;
  }

  /** Sets PRAGMA wal_autocheckpoint. */
  setWalAutocheckpoint(n: number): void {
    this.#autoCheckpoint = Math.trunc(n);
  }

  /** PRAGMA busy_timeout: milliseconds a busy lock is retried (the `timeout` option). */
  get busyTimeout(): number {
    return this.#timeout;
  }

  /** Sets PRAGMA busy_timeout (negative means 0, as in sqlite3_busy_timeout). */
  setBusyTimeout(ms: number): void {
    this.#timeout = Math.max(0, Math.trunc(ms));
  }

  /** Sets PRAGMA synchronous. */
  setSynchronous(level: SynchronousLevel): void {
    this.#sync = level;
  }

  /**
   * Sets the journal mode; returns the mode in effect afterwards. Like SQLite, a change
   * that cannot be made (inside a write transaction; WAL on a read-only connection) leaves
   * the mode as it was. Leaving persist/truncate for delete removes the leftover journal.
   *
   * Entering WAL mode commits header bytes 18/19 = 2 through the rollback journal (on a new
   * database, a whole empty page 1), so the header is durable before the first WAL commit.
   * Leaving it needs every other connection closed (SQLITE_BUSY otherwise): a complete
   * checkpoint, the WAL deleted, then bytes 18/19 = 1 committed through the new journal.
   */
  setJournalMode(mode: JournalMode): JournalMode {
    if (this.#writing || mode === this.#journalMode) return this.#journalMode;
    if (mode === "wal") {
      if (this.#readOnly || this.#journalMode === "memory") return this.#journalMode;
      this.#enterWal();
      return this.#journalMode;
    }
    if (this.#journalMode === "wal") {
      this.#leaveWal(mode);
      return this.#journalMode;
    }
    const old = this.#journalMode;
    this.#journalMode = mode;
    if ((old === "persist" || old === "truncate") && mode === "delete" && !this.#readOnly) {
      this.#deleteIdleJournal();
    }
    return mode;
  }

  /**
   * Changes the page size of a database that has no pages yet (PRAGMA page_size before
   * the first write). Returns false, changing nothing, when the size is invalid or the
   * database is not empty.
   */
  setPageSize(size: number): boolean {
    if (!isValidPageSize(size) || this.#dbPages !== 0 || this.#pageCount !== 0) return false;
    if (size !== this.#pageSize) {
      this.#pageSize = size;
      this.#cache.clear();
      this.#cache.setCapacity(cachePagesFor(this.#cacheSize, size));
    }
    return true;
  }

  // ---- reading ----

  getPage(pgno: number): Uint8Array {
    const hit = this.#cached(pgno);
    if (hit !== undefined) return hit;
    const buf = this.#load(pgno);
    this.#cache.putClean(pgno, buf);
    return buf;
  }

  /** Checks a page request; the cached buffer (a use), or undefined on a miss. */
  #cached(pgno: number): Uint8Array | undefined {
    if (!this.#reading) throw misuse("no read transaction");
    if (!(pgno >= 1 && pgno <= this.#pageCount) || !Number.isInteger(pgno)) {
      throw corrupt(`page ${pgno} out of range 1..${this.#pageCount}`);
    }
    return this.#cache.get(pgno);
  }

  /**
   * {@link getPage}, told that pages `pgno + 1` .. `pgno + more` may be read with it (a
   * B-tree scan whose next leaves lie among them: the cursor decides, see siblingSpan).
   * Those that follow `pgno` up to the first one cached or with a frame in the WAL snapshot
   * are read with it in one call and cached: a read call costs ~1 us in Deno
   * (SQLite's pread ~0.3 us), copying a page ~0.1 us, so a scan of 4 KB pages one read each
   * spent most of its I/O time on calls. At most a quarter of the cache is read ahead, so the
   * pages come out of the cache only after the scan used them.
   */
  getPageAhead(pgno: number, more = 1): Uint8Array {
    const hit = this.#cached(pgno);
    if (hit !== undefined) return hit;
    const wal = this.#wal;
    const last = Math.min(
      pgno + Math.min(more, this.#cache.capacity >> 2),
      this.#dbPages,
      this.#pageCount,
    );
    let end = pgno;
    if (wal === null || wal.frameFor(pgno) === 0) {
      while (
        end < last && !this.#cache.has(end + 1) && (wal === null || wal.frameFor(end + 1) === 0)
      ) end++;
    }
    if (end === pgno) {
      const buf = this.#load(pgno);
      this.#cache.putClean(pgno, buf);
      return buf;
    }
    const ps = this.#pageSize;
    const n = end - pgno + 1;
    const bufs = this.#runBufs;
    for (let i = 0; i < n; i++) bufs[i] = this.#cache.take(ps) ?? this.#newPage();
    // One read into a scratch buffer, then a copy per page: Deno's node:fs readvSync into
    // several buffers does the same, but with a fresh buffer per call.
    let views = this.#runViews;
    if (views.length < n + 1 || views[1].length !== ps) {
      // [0] the whole scratch buffer, [k] its page k.
      const run = new Uint8Array(Math.max(n, 16) * ps);
      views = this.#runViews = [run];
      for (let i = 1; i <= run.length / ps; i++) views.push(run.subarray((i - 1) * ps, i * ps));
    }
    const run = views[0];
    const got = this.#db.read(
      n * ps === run.length ? run : run.subarray(0, n * ps),
      (pgno - 1) * ps,
    );
    if (got < n * ps) {
      // The file is shorter than the header said: the one-page path zero-fills as SQLite does.
      const buf = this.#load(pgno);
      this.#cache.putClean(pgno, buf);
      return buf;
    }
    for (let i = 0; i < n; i++) bufs[i].set(views[i + 1]);
    // The farthest first, so the page returned is the newest one in the clock.
    for (let i = n - 1; i >= 1; i--) this.#cache.putClean(pgno + i, bufs[i]);
    const buf = bufs[0];
    this.#cache.putClean(pgno, buf);
    return buf;
  }

  /** Reads a page from the disk: from its WAL frame in the snapshot, else the database file. */
  #load(pgno: number): Uint8Array {
    const reused = this.#cache.take(this.#pageSize);
    const buf = reused ?? this.#newPage();
    if (this.#wal !== null) {
      const frame = this.#wal.frameFor(pgno);
      if (frame > 0) {
        this.#wal.readFrame(frame, buf);
        return buf;
      }
    }
    // Past the end of the file but within the page count reads as zeros, as in SQLite.
    let got = 0;
    if (pgno <= this.#dbPages || pgno <= this.#spillHigh) {
      got = this.#db.read(buf, (pgno - 1) * this.#pageSize);
    }
    if (reused !== undefined && got < buf.length) buf.fill(0, Math.max(got, 0));
    return buf;
  }

  /**
   * A zero-filled page buffer: a view into a shared slab of {@link SLAB_BYTES}. Why: a
   * `new Uint8Array(pageSize)` per cache miss costs ~1.5 us (a backing store of its own,
   * zeroed, registered as external memory) plus GC and malloc churn, and a scan misses on
   * every page. Within a transaction buffers are never reused - B-tree cursors keep page
   * buffers across steps and nothing tells the pager when they let go - so a slab is freed
   * by the GC once every page of it is unreferenced; small slabs bound what one long-lived
   * page can pin. Between transactions the cache recycles the buffers it let go (see
   * PageCache), so most misses need no new buffer at all.
   */
  #newPage(): Uint8Array {
    const ps = this.#pageSize;
    if (ps >= SLAB_BYTES) return new Uint8Array(ps);
    if (this.#slab === null || this.#slabOff + ps > this.#slab.byteLength) {
      this.#slab = new ArrayBuffer(SLAB_BYTES);
      this.#slabOff = 0;
    }
    const buf = new Uint8Array(this.#slab, this.#slabOff, ps);
    this.#slabOff += ps;
    return buf;
  }

  beginRead(): void {
    this.#beginRead(true);
  }

  get retiredCount(): number {
    return this.#cache.retiredCount;
  }

  recycle(inUse: (buf: Uint8Array) => boolean): void {
    this.#cache.recycle(inUse);
  }

  /** beginRead; `wait` = retry the SHARED lock for the busy timeout. */
  #beginRead(wait: boolean): void {
    if (this.#closed) throw misuse("pager is closed");
    if (this.#reading) return;
    if (!(wait ? this.#lockWait(LockLevel.SHARED) : this.#db.lock(LockLevel.SHARED))) {
      throw busy();
    }
    try {
      if (this.#wal === null) this.#recoverHotJournal();
      this.#refresh();
    } catch (e) {
      if (this.#wal === null) this.#db.unlock(LockLevel.NONE);
      // The snapshot may already be registered (its page 1 read failed after): a mark left
      // behind would hold every other connection's checkpoint below it until this one reads.
      else {
        try {
          this.#wal.endRead(this);
        } catch {
          // The first error is the one to report.
        }
      }
      throw e;
    }
    this.#reading = true;
    this.#pageCount = this.#dbPages;
  }

  endRead(): void {
    if (!this.#reading) return;
    try {
      if (this.#writing) this.rollback();
    } finally {
      this.#reading = false;
      // Nothing holds a page buffer between transactions (cursors are closed), so the ones
      // that left the cache may be reused now.
      this.#cache.recycle();
      // In WAL mode the SHARED lock lasts until close (see the module notes).
      if (this.#wal !== null) this.#wal.endRead(this);
      else this.#db.unlock(LockLevel.NONE);
    }
    if (this.#checkpointDue) {
      this.#checkpointDue = false;
      this.#autoCheckpointNow();
    }
  }

  /**
   * The automatic checkpoint after a commit, run once the read transaction has ended (as
   * SQLite's wal hook runs after the statement): inside it, this connection's own read mark
   * - the snapshot from before the commit - would stop the checkpoint short of the frames
   * just written, the log could never be fully backfilled and restart, and every later
   * commit would checkpoint again while the WAL grew without bound.
   */
  #autoCheckpointNow(): void {
    const auto = this.#autoCheckpoint;
    if (this.#wal === null || this.#closed || auto <= 0 || this.#wal.frameCount < auto) return;
    try {
      this.checkpoint("passive");
    } catch {
      // The commit is durable; a failed checkpoint is simply done again later.
    }
  }

  /**
   * Re-reads the header under a SHARED lock; drops the cache when the file changed.
   *
   * Why there is usually no fstat: in WAL mode the shared wal-index says whether anything
   * was committed (#refreshWal stats only then). In rollback mode every writer bumps the
   * change counter (bytes 24..27) at commit, so header bytes 24..39 equal to those seen at
   * the last refresh mean the file, and so its page count, is as this connection left it.
   */
  #refresh(): void {
    if (this.#wal !== null) {
      this.#refreshWal(-1);
      return;
    }
    const hdr = this.#hdrBuf;
    hdr.fill(0);
    const got = this.#db.read(hdr, 0);
    if (this.#walFilePresent(got > 0)) {
      this.#dbPagesKnown = false;
      this.#refreshWal(-1, true);
      return;
    }
    if (got === 0) {
      if (this.#dbPages !== 0 || this.#fileVers === null || this.#fileVers.some((b) => b !== 0)) {
        this.#cache.clear();
      }
      this.#fileVers = new Uint8Array(16);
      this.#dbPages = 0;
      this.#dbPagesKnown = false;
      this.#reserved = 0;
      this.#walFile = false;
      return;
    }
    const h = parseHeader(hdr);
    const vers = hdr.subarray(24, 40);
    let unchanged = this.#dbPagesKnown && this.#fileVers !== null &&
      sameBytes(this.#fileVers, vers);
    if (!unchanged) {
      this.#cache.clear();
      this.#fileVers = vers.slice();
    }
    if (h.pageSize !== this.#pageSize) {
      unchanged = false;
      this.#pageSize = h.pageSize;
      this.#cache.clear();
      this.#cache.setCapacity(cachePagesFor(this.#cacheSize, h.pageSize));
    }
    this.#reserved = h.reservedBytes;
    this.#walFile = h.readVersion === 2 || h.writeVersion === 2;
    if (this.#walFile) {
      this.#dbPagesKnown = false;
      this.#refreshWal(-1, true);
      return;
    }
    if (unchanged) return;
    const fileSize = this.#db.size();
    const filePages = Math.ceil(fileSize / this.#pageSize);
    const n = headerSizeValid(h) ? h.databaseSize : filePages;
    if (n > filePages) throw corrupt(`header says ${n} pages, file holds ${filePages}`);
    this.#dbPages = n;
    this.#dbPagesKnown = true;
  }

  /** True when a non-empty `-wal` file sits beside the database (SQLite then uses WAL mode). */
  #walFilePresent(dbNonEmpty: boolean): boolean {
    const wp = walPath(this.#path);
    if (!this.#vfs.exists(wp)) return false;
    const f = this.#vfs.open(wp, { create: false, readOnly: true });
    try {
      if (f.size() === 0) return false;
    } finally {
      f.close();
    }
    if (dbNonEmpty) return true;
    // Beside an empty database, only a WAL with commits in it counts.
    return Wal.probe(this.#vfs, this.#path)?.commits ?? false;
  }

  /** Attaches the WAL (entering WAL mode) with the given page size. */
  #attachWal(pageSize: number): Wal {
    if (this.#wal === null) {
      if (pageSize !== this.#pageSize) {
        this.#pageSize = pageSize;
        this.#cache.clear();
        this.#cache.setCapacity(cachePagesFor(this.#cacheSize, pageSize));
      }
      this.#wal = new Wal(this.#vfs, this.#path, pageSize, this.#readOnly);
      this.#walHeaderKnown = false;
      this.#dbFileNonEmpty = false;
      this.#journalMode = "wal";
      this.#walFile = true;
    }
    return this.#wal;
  }

  /** Detaches the WAL (leaving WAL mode). */
  #detachWal(): void {
    const wal = this.#wal;
    this.#wal = null;
    this.#walFile = false;
    wal?.close(this);
  }

  /**
   * The read-transaction start in WAL mode: the snapshot from the WAL, then the header from
   * page 1 as the snapshot sees it (a checkpoint interrupted by a crash may have torn the
   * database file's copy; the WAL still holds the good one). The size is the snapshot's
   * commit frame's, or the header's when the snapshot has no frames.
   */
  #refreshWal(fileSize: number, hdrRead = false): void {
    const hdr = this.#hdrBuf;
    if (this.#wal === null) {
      if (fileSize < 0) fileSize = this.#db.size();
      let pageSize = 0;
      if (fileSize > 0) {
        if (!hdrRead) {
          hdr.fill(0);
          this.#db.read(hdr, 0);
          hdrRead = true;
        }
        if (hasMagic(hdr) && isValidPageSize(rawPageSize(hdr))) pageSize = rawPageSize(hdr);
      }
      if (pageSize === 0) pageSize = Wal.probe(this.#vfs, this.#path)?.pageSize ?? 0;
      if (pageSize === 0) {
        if (fileSize === 0) {
          this.#dbPages = 0;
          return;
        }
        throw new SqliteError("SQLITE_NOTADB", "file is not a database");
      }
      this.#attachWal(pageSize);
    }
    const wal = this.#wal!;
    const changed = wal.beginRead(this);
    // Nothing committed since the last read: the header and size seen then still hold
    // (in WAL mode the database file changes only by checkpoints, which change no content).
    if (changed !== "all" && changed.length === 0 && this.#walHeaderKnown) return;
    this.#walHeaderKnown = false;
    if (changed === "all") this.#cache.clear();
    else for (const pgno of changed) this.#cache.drop(pgno);
    this.#fileVers = null;
    // Only now is the file size needed (-1 = not taken yet: see #refresh).
    if (fileSize < 0) fileSize = this.#db.size();
    const walPages = wal.snapshotDbSize();
    if (walPages === 0 && fileSize === 0) {
      this.#dbPages = 0;
      return;
    }
    const frame = wal.frameFor(1);
    let h;
    if (frame > 0) {
      const p1 = new Uint8Array(this.#pageSize);
      wal.readFrame(frame, p1);
      h = parseHeader(p1);
    } else {
      // `hdrRead`: #hdrBuf already holds the file's header, read under this same lock.
      if (!hdrRead || fileSize === 0) {
        hdr.fill(0);
        this.#db.read(hdr, 0);
      }
      h = parseHeader(hdr);
    }
    if (h.pageSize !== this.#pageSize) {
      throw corrupt(`page size ${h.pageSize} in the header, ${this.#pageSize} in the WAL`);
    }
    this.#reserved = h.reservedBytes;
    if (walPages > 0) {
      this.#dbPages = walPages;
    } else {
      const filePages = Math.ceil(fileSize / this.#pageSize);
      const n = headerSizeValid(h) ? h.databaseSize : filePages;
      // As in rollback mode (SQLite's lockBtree): a size past the file is damage, and
      // trusting it would size allocations (integrity_check's page map) by it.
      if (n > filePages) throw corrupt(`header says ${n} pages, file holds ${filePages}`);
      this.#dbPages = n;
    }
    this.#walHeaderKnown = true;
  }

  /** Switches a rollback-mode database to WAL (see {@link setJournalMode}). */
  #enterWal(): void {
    const wasReading = this.#reading;
    if (!wasReading) this.beginRead();
    try {
      if (this.#wal !== null) return;
      this.beginWrite(!wasReading);
      try {
        if (this.#pageCount === 0) {
          this.appendPage();
          const p1 = this.getPageForWrite(1);
          // An empty table-leaf root for sqlite_schema (as SQLite's B-tree creates it).
          p1[100] = 0x0d;
          const content = this.usableSize === 65536 ? 0 : this.usableSize;
          p1[105] = content >>> 8;
          p1[106] = content & 0xff;
        }
        const p1 = this.getPageForWrite(1);
        p1[18] = 2;
        p1[19] = 2;
        this.commit();
      } catch (e) {
        this.rollback();
        throw e;
      }
      this.#attachWal(this.#pageSize);
      // Continue the read transaction in WAL mode (the WAL may hold leftovers to replay).
      const changed = this.#wal!.beginRead(this);
      if (changed === "all") this.#cache.clear();
      else for (const pgno of changed) this.#cache.drop(pgno);
      const walPages = this.#wal!.snapshotDbSize();
      if (walPages > 0) this.#dbPages = walPages;
      this.#pageCount = this.#dbPages;
    } finally {
      if (!wasReading) this.endRead();
    }
  }

  /** Switches a WAL-mode database back to the rollback journal `mode`. */
  #leaveWal(mode: JournalMode): void {
    if (this.#readOnly) return;
    const wasReading = this.#reading;
    if (!wasReading) this.beginRead();
    try {
      const wal = this.#wal!;
      if (!wal.isLatest() || !this.#db.lock(LockLevel.EXCLUSIVE)) {
        this.#db.unlock(LockLevel.SHARED);
        throw busy();
      }
      try {
        const r = wal.checkpoint(this, "truncate", this.#db, this.#sync, false);
        if (r.busy !== 0) throw busy();
        wal.endRead(this);
        wal.deleteFile(this.#sync !== "off");
      } catch (e) {
        this.#db.unlock(LockLevel.SHARED);
        throw e;
      }
      this.#detachWal();
      this.#journalMode = mode;
      this.#db.unlock(LockLevel.SHARED);
      this.#fileVers = null;
      this.beginWrite();
      try {
        const p1 = this.getPageForWrite(1);
        p1[18] = 1;
        p1[19] = 1;
        this.commit();
      } catch (e) {
        this.rollback();
        throw e;
      }
    } finally {
      if (!wasReading) this.endRead();
    }
  }

  /**
   * PRAGMA wal_checkpoint: copies WAL frames into the database file (see wal.ts).
   * Outside WAL mode the row is (0, -1, -1), as in SQLite.
   */
  checkpoint(mode: CheckpointMode = "passive"): CheckpointResult {
    if (this.#closed) throw misuse("pager is closed");
    if (this.#wal === null) {
      // A database another connection switched to WAL is noticed at the next read.
      if (!this.#reading) {
        this.beginRead();
        this.endRead();
      }
      if (this.#wal === null) return { busy: 0, log: -1, checkpointed: -1 };
    }
    if (this.#writing) {
      throw new SqliteError("SQLITE_LOCKED", "database table is locked");
    }
    if (this.#readOnly) return { busy: 1, log: this.#wal.frameCount, checkpointed: 0 };
    if (mode === "passive") return this.#wal.checkpoint(this, mode, this.#db, this.#sync, false);
    // FULL, RESTART and TRUNCATE hold the writer lock throughout, so no writer (in any
    // process) appends while they wait for readers or empty the log.
    const gotWriter = this.#db.lock(LockLevel.RESERVED);
    try {
      return this.#wal.checkpoint(this, mode, this.#db, this.#sync, !gotWriter);
    } finally {
      if (gotWriter) this.#db.unlock(LockLevel.SHARED);
    }
  }

  /**
   * Rolls back a hot journal (lockingv3.html section 5): one that exists, starts with a
   * non-zero byte, belongs to a non-empty database, and whose writer is gone (no other
   * connection holds RESERVED). Needs EXCLUSIVE; the caller holds SHARED.
   */
  #recoverHotJournal(): void {
    const jp = this.#journalPath;
    if (!this.#vfs.exists(jp)) return;
    const db = this.#db;
    const reservedByOther = db.checkReservedLock !== undefined
      ? db.checkReservedLock()
      : !this.#probeReserved();
    if (reservedByOther) return;
    let j: VfsFile | null;
    try {
      j = this.#vfs.open(jp, { create: false, readOnly: this.#readOnly });
    } catch (e) {
      if (e instanceof SqliteError && e.code.startsWith("SQLITE_CANTOPEN")) return;
      throw e;
    }
    try {
      const first = new Uint8Array(1);
      if (j.size() === 0 || j.read(first, 0) < 1 || first[0] === 0) return;
      if (db.size() === 0) {
        // A journal beside an empty database is stale: nothing to restore.
        j.close();
        j = null;
        if (!this.#readOnly && db.lock(LockLevel.RESERVED)) {
          try {
            this.#vfs.delete(jp, false);
          } finally {
            db.unlock(LockLevel.SHARED);
          }
        }
        return;
      }
      if (this.#readOnly) {
        throw new SqliteError(
          "SQLITE_READONLY",
          "attempt to write a readonly database (a hot journal needs rolling back)",
        );
      }
      if (!this.#lockWait(LockLevel.EXCLUSIVE)) {
        db.unlock(LockLevel.SHARED);
        throw busy();
      }
      try {
        playbackJournal(j, db, lockBytePage);
        if (this.#sync !== "off") db.sync();
        const jf = j;
        j = null;
        finalizeJournal(this.#vfs, jp, jf, this.#journalMode, this.#sync);
      } finally {
        db.unlock(LockLevel.SHARED);
      }
      this.#cache.clear();
      this.#fileVers = null;
    } finally {
      j?.close();
    }
  }

  /** True when RESERVED could be taken (so nobody else holds it); gives it back. */
  #probeReserved(): boolean {
    if (!this.#db.lock(LockLevel.RESERVED)) return false;
    this.#db.unlock(LockLevel.SHARED);
    return true;
  }

  /** Removes a journal left by persist/truncate mode, if no transaction needs it. */
  #deleteIdleJournal(): void {
    if (this.#reading || !this.#vfs.exists(this.#journalPath)) return;
    if (!this.#db.lock(LockLevel.SHARED)) return;
    try {
      this.#recoverHotJournal();
      if (this.#db.lock(LockLevel.RESERVED)) this.#vfs.delete(this.#journalPath, false);
    } finally {
      this.#db.unlock(LockLevel.NONE);
    }
  }

  // ---- writing ----

  /**
   * Starts the write transaction. `fresh`: the read transaction was opened for this write
   * and nothing but the schema was read under it (SQLite's TRANS_NONE before a writing
   * statement or BEGIN IMMEDIATE); only then is the writer lock waited for (busy timeout),
   * as SQLite's busy handler runs only from no transaction. A transaction that has read
   * gets SQLITE_BUSY at once: waiting could deadlock with the writer waiting for it.
   */
  beginWrite(fresh = false): void {
    if (this.#readOnly) {
      throw new SqliteError("SQLITE_READONLY", "attempt to write a readonly database");
    }
    if (this.#writing) return;
    if (this.#reading) {
      if (!this.#db.lock(LockLevel.RESERVED)) {
        if (!fresh) throw busy();
        this.#waitForWriterLock();
      }
    } else if (!retryUntil(() => this.#tryBeginWriteLocks(), this.#timeout)) {
      // The read lock is given up between tries: a reader waiting for RESERVED would keep
      // the holder from ever committing (a deadlock).
      throw busy();
    }
    if (this.#wal !== null && !this.#wal.isLatest(true)) {
      // Another connection (maybe in another process) committed after this read
      // transaction began. As SQLite's busy-handler loop does, a fresh one starts over on
      // the latest snapshot.
      this.#db.unlock(LockLevel.SHARED);
      if (!(this.#timeout > 0 && fresh)) {
        throw new SqliteError("SQLITE_BUSY_SNAPSHOT", "database is locked");
      }
      this.#waitForWriterLock();
    }
    this.#startWriting();
  }

  #startWriting(): void {
    this.#writing = true;
    this.#origSize = this.#dbPages;
    this.#pageCount = this.#dbPages;
    this.#originals.clear();
    this.#savepoints = [];
    this.#stmt.reset();
  }

  /**
   * For a statement about to write from no transaction (SQLite's OP_Transaction with the
   * write flag), in WAL mode: takes the writer lock without waiting and only then the
   * snapshot, which is the latest by construction (no other connection can commit while the
   * lock is held), so the commit needs no second look at the shared wal-index. Returns
   * false, having changed nothing, when the lock is busy or this does not apply; the caller
   * then takes the usual way (read transaction, then {@link beginWrite}).
   */
  tryBeginWriteFirst(): boolean {
    if (this.#wal === null || this.#readOnly || this.#reading || this.#closed) return false;
    if (!this.#db.lock(LockLevel.RESERVED)) return false;
    try {
      this.#beginRead(false);
    } catch (e) {
      this.#db.unlock(LockLevel.SHARED);
      if (e instanceof SqliteError && e.code === "SQLITE_BUSY") return false;
      throw e;
    }
    this.#wal.snapshotIsLatest();
    this.#startWriting();
    return true;
  }

  /**
   * RESERVED was busy (or the snapshot old) for a fresh write transaction (see beginWrite):
   * the read transaction is given up while waiting (so the writer holding RESERVED can get
   * EXCLUSIVE), then retaken on the latest snapshot. The caller checks whether the schema
   * changed meanwhile (the connection then reads it again and recompiles, as SQLite
   * re-prepares after SQLITE_SCHEMA).
   */
  #waitForWriterLock(): void {
    if (!(this.#timeout > 0)) throw busy();
    this.endRead();
    if (!retryUntil(() => this.#tryBeginWriteLocks(), this.#timeout)) throw busy();
  }

  /**
   * One try at a read transaction plus RESERVED on the latest snapshot; on failure holds
   * nothing (so a writer waiting for readers to leave can finish).
   */
  #tryBeginWriteLocks(): boolean {
    try {
      this.#beginRead(false);
    } catch (e) {
      if (e instanceof SqliteError && e.code === "SQLITE_BUSY") return false;
      throw e;
    }
    if (this.#db.lock(LockLevel.RESERVED)) {
      if (this.#wal === null || this.#wal.isLatest(true)) return true;
      this.#db.unlock(LockLevel.SHARED);
    }
    this.endRead();
    return false;
  }

  getPageForWrite(pgno: number): Uint8Array {
    if (!this.#writing) throw misuse("no write transaction");
    const buf = this.getPage(pgno);
    if (!this.#cache.isDirty(pgno)) {
      if (this.#needsOriginal(pgno)) this.#originals.set(pgno, this.#original(buf));
      this.#cache.putDirty(pgno, buf);
    }
    const sp = this.#savepoints.length > 0 ? this.#savepoints[this.#savepoints.length - 1] : null;
    if (sp !== null && pgno <= sp.pageCount && !sp.images.has(pgno)) {
      sp.images.set(pgno, this.#stmt.put(buf));
    }
    return buf;
  }

  /**
   * Adds a zero-filled page at the end. When that page is page 1 (a new database) its
   * first 100 bytes are a fresh header for the pager's page size; the caller may rewrite
   * them.
   */
  appendPage(): number {
    if (!this.#writing) throw misuse("no write transaction");
    let n = this.#pageCount + 1;
    if (n === lockBytePage(this.#pageSize)) n++;
    const buf = this.#newPage();
    if (n === 1) writeHeader(buf, newHeader(this.#pageSize));
    this.#cache.putDirty(n, buf);
    this.#pageCount = n;
    return n;
  }

  /**
   * Shrinks the database to `pageCount` pages (write transaction). The cut pages'
   * originals are kept, so rollback restores them; commit truncates the file.
   */
  truncate(pageCount: number): void {
    if (!this.#writing) throw misuse("no write transaction");
    if (!Number.isInteger(pageCount) || pageCount < 0 || pageCount > this.#pageCount) {
      throw misuse(`cannot truncate to ${pageCount} pages`);
    }
    const sp = this.#savepoints.length > 0 ? this.#savepoints[this.#savepoints.length - 1] : null;
    for (let pgno = pageCount + 1; pgno <= this.#pageCount; pgno++) {
      const needOrig = this.#needsOriginal(pgno);
      const needSp = sp !== null && pgno <= sp.pageCount && !sp.images.has(pgno);
      if (!needOrig && !needSp) continue;
      const buf = this.getPage(pgno);
      if (needOrig) this.#originals.set(pgno, this.#original(buf));
      if (needSp) sp.images.set(pgno, this.#stmt.put(buf));
    }
    this.#cache.dropAbove(pageCount);
    this.#pageCount = pageCount;
  }

  /*
   * Commit in a rollback-journal mode (atomiccommit.html section 3), in this fsync order:
   *  1. EXCLUSIVE lock on the database (via PENDING; SQLITE_BUSY while readers remain,
   *     with the transaction left open so the commit can be retried).
   *  2. Stamp page 1: change counter + 1, page count, version-valid-for, version number.
   *     Page 1's original is journaled like every other changed page.
   *  3. delete/truncate/persist: write the journal - header with zeroed magic, then the
   *     original of every changed page that existed at transaction start;
   *     FULL/EXTRA: fsync journal, write magic + record count, fsync journal again;
   *     NORMAL: write magic + record count, one fsync; OFF: final header up front, no fsync.
   *     memory/off journal modes write no journal.
   *  4. Write the dirty pages into the database file; truncate it if it shrank.
   *  5. fsync the database (unless synchronous=off).
   *  6. The commit point - finalize the journal: delete it (EXTRA: then fsync the
   *     directory), or truncate it to 0 bytes (FULL/EXTRA: fsync), or zero its header
   *     (fsync unless OFF).
   *  7. Drop back to SHARED.
   */
  commit(): void {
    if (!this.#writing) return;
    if (
      this.#cache.dirtyCount === 0 && this.#pageCount === this.#origSize &&
      !(this.#wal !== null && this.#wal.hasSpilled) && !this.#dbSpilled
    ) {
      // Nothing to write. In a rollback-journal mode SQLite still takes EXCLUSIVE (so the
      // commit waits for, or reports, readers) before it lets go: so do we.
      if (this.#wal === null && !this.#lockWait(LockLevel.EXCLUSIVE)) throw busy();
      this.#endWrite();
      return;
    }
    if (this.#wal !== null) {
      this.#commitWal();
      return;
    }
    if (!this.#lockWait(LockLevel.EXCLUSIVE)) throw busy();
    let vers = new Uint8Array(16);
    if (this.#pageCount >= 1) {
      const page1 = this.getPageForWrite(1);
      stampCommit(page1, this.#pageCount);
      // Taken now: reading page 1 back after the commit is durable could fail (I/O error)
      // and report a failure for a transaction that did commit.
      vers = page1.slice(24, 40);
    }
    let dbTouched = this.#dbSpilled;
    try {
      this.#commitToDisk(() => dbTouched = true);
    } catch (e) {
      this.#failCommit(dbTouched);
      throw e;
    }
    this.#cache.cleanAll();
    this.#dbPages = this.#pageCount;
    this.#fileVers = vers;
    this.#dbPagesKnown = true;
    this.#endWrite();
  }

  /*
   * Commit in WAL mode: page 1 is stamped only when it changed or the size did (so a
   * one-row insert is one frame, as in SQLite), the frames are appended (wal.ts), and the
   * database file is not touched. Then the automatic PASSIVE checkpoint, whose failure
   * does not undo the commit (SQLite ignores it too).
   */
  #commitWal(): void {
    const wal = this.#wal!;
    if (this.#pageCount >= 1 && (this.#cache.isDirty(1) || this.#pageCount !== this.#origSize)) {
      stampCommit(this.getPageForWrite(1), this.#pageCount);
    }
    try {
      if (!this.#dbFileNonEmpty && wal.frameCount > 0) {
        // A WAL beside an empty database file: put its pages (and header) in the file first.
        // Once seen non-empty it stays so in WAL mode (a checkpoint truncates to the
        // database size, never to 0), which saves an fstat per commit.
        if (this.#db.size() === 0) wal.checkpoint(this, "passive", this.#db, this.#sync, false);
        else this.#dbFileNonEmpty = true;
      }
      const pages: [number, Uint8Array][] = [];
      for (const pgno of this.#cache.dirtyPages()) {
        if (pgno <= this.#pageCount) pages.push([pgno, this.#cache.get(pgno)!]);
      }
      if (pages.length === 0) pages.push([1, this.getPageForWrite(1)]);
      wal.commit(this, pages, this.#pageCount, this.#sync);
    } catch (e) {
      this.rollback();
      throw e;
    }
    this.#cache.cleanAll();
    this.#dbPages = this.#pageCount;
    this.#endWrite();
    const auto = this.#autoCheckpoint;
    if (auto > 0 && wal.frameCount >= auto) {
      if (this.#reading) this.#checkpointDue = true;
      else this.#autoCheckpointNow();
    }
  }

  /** Steps 3-6 of the commit in a rollback-journal mode. */
  #commitToDisk(touching: () => void): void {
    const ps = this.#pageSize;
    const journaled = this.#journalMode === "delete" || this.#journalMode === "truncate" ||
      this.#journalMode === "persist";
    let journal: VfsFile | null = null;
    try {
      const sj = this.#spillJournal;
      if (sj !== null) {
        // Spills began the journal: the originals they did not need follow, then the count.
        this.#spillJournal = null;
        journal = sj.file;
        this.#journalOriginals(sj);
      } else if (journaled) {
        journal = openJournal(this.#vfs, this.#journalPath);
        const pgnos = [...this.#originals.keys()].sort((a, b) => a - b);
        const originals = this.#originals;
        writeJournal(
          journal,
          ps,
          this.#origSize,
          pgnos.map((p) => [p, originals.get(p)!] as [number, Uint8Array]),
          this.#sync,
        );
      }
      touching();
      for (const pgno of this.#cache.dirtyPages()) {
        this.#db.write(this.#cache.get(pgno)!, (pgno - 1) * ps);
      }
      if (this.#db.size() > this.#pageCount * ps) this.#db.truncate(this.#pageCount * ps);
      if (this.#sync !== "off") this.#db.sync();
      if (journal !== null) {
        const jf = journal;
        journal = null;
        finalizeJournal(this.#vfs, this.#journalPath, jf, this.#journalMode, this.#sync);
      }
    } finally {
      journal?.close();
    }
  }

  /**
   * A commit failed part-way. Put the database file back from the in-memory originals
   * and discard the transaction; if even that fails, forget everything cached and drop
   * all locks, leaving the (hot) journal for the next reader to roll back.
   */
  #failCommit(dbTouched: boolean): void {
    try {
      this.#closeSpillJournal();
      if (dbTouched) {
        let j: VfsFile | null = null;
        if (this.#vfs.exists(this.#journalPath)) {
          j = this.#vfs.open(this.#journalPath, { create: false, readOnly: true });
        }
        try {
          this.#undoFileWrites(j);
        } finally {
          j?.close();
        }
      }
      if (this.#journalMode !== "memory" && this.#journalMode !== "off") {
        if (this.#vfs.exists(this.#journalPath)) {
          const j = this.#vfs.open(this.#journalPath, { create: false, readOnly: false });
          finalizeJournal(this.#vfs, this.#journalPath, j, this.#journalMode, this.#sync);
        }
      }
      this.rollback();
    } catch {
      this.#forgetTransaction();
    }
  }

  /**
   * Puts the database file back as the transaction found it (a failed commit, or a rollback
   * after spills) from `journal` and the originals still in memory, and syncs it; the
   * journal stays until the caller finalizes it, so a failure here leaves it hot for the
   * next reader.
   */
  #undoFileWrites(journal: VfsFile | null): void {
    const ps = this.#pageSize;
    // The originals a spill journaled have left memory (see #spillToFile): the journal's
    // complete segments hold them, and every page written into the file has its original
    // there. Those still in memory go back too (the journal may not hold them yet).
    if (journal !== null) playbackJournal(journal, this.#db, lockBytePage);
    for (const [pgno, img] of this.#originals) this.#db.write(img, (pgno - 1) * ps);
    this.#db.truncate(this.#origSize * ps);
    if (this.#sync !== "off") this.#db.sync();
    this.#dbSpilled = false;
    this.#spillHigh = 0;
    // Pages read back from the file after a spill hold the transaction's content.
    this.#cache.clear();
  }

  /**
   * The transaction's state cannot be trusted (putting the file back failed): forget it
   * all and drop every lock, leaving the journal hot for the next reader to roll back.
   */
  #forgetTransaction(): void {
    this.#resetSpill();
    this.#cache.clear();
    this.#originals.clear();
    this.#savepoints = [];
    this.#stmt.reset();
    this.#writing = false;
    this.#reading = false;
    this.#fileVers = null;
    this.#pageCount = this.#dbPages;
    this.#db.unlock(LockLevel.NONE);
  }

  /** Ends the transaction's spill state (its journal closed, not finalized). */
  #resetSpill(): void {
    this.#closeSpillJournal();
    this.#dbSpilled = false;
    this.#spillHigh = 0;
    this.#spillRetry = 0;
  }

  #closeSpillJournal(): void {
    const sj = this.#spillJournal;
    this.#spillJournal = null;
    try {
      sj?.file.close();
    } catch {
      // Closing is all that is left to do with it.
    }
  }

  rollback(): void {
    if (!this.#writing) return;
    if (this.#dbSpilled || this.#spillJournal !== null) {
      // Spills wrote into the database file (under EXCLUSIVE, after journaling): put it back,
      // then end the journal. If that fails, the journal stays hot and the next reader rolls
      // the file back.
      const sj = this.#spillJournal;
      try {
        if (this.#dbSpilled) this.#undoFileWrites(sj?.file ?? null);
        if (sj !== null) {
          // finalizeJournal closes the file, whatever happens.
          this.#spillJournal = null;
          finalizeJournal(this.#vfs, this.#journalPath, sj.file, this.#journalMode, this.#sync);
        }
      } catch {
        this.#forgetTransaction();
        return;
      }
    }
    if (this.#wal !== null && this.#wal.hasSpilled) {
      // A spilled page read back is cached with this transaction's content, and a spilled
      // page changed again has that content as its "original": neither may stay.
      for (const pgno of this.#wal.discardSpilled()) this.#cache.drop(pgno);
    }
    for (const pgno of this.#cache.dirtyPages()) {
      const buf = this.#cache.get(pgno)!;
      const orig = this.#originals.get(pgno);
      if (orig !== undefined) {
        // Restore in place: callers may still hold this buffer from getPage.
        buf.set(orig);
        this.#cache.undirty(pgno);
      } else {
        this.#cache.drop(pgno);
      }
    }
    this.#pageCount = this.#origSize;
    this.#cache.dropAbove(this.#origSize);
    this.#endWrite();
  }

  get wantsSpill(): boolean {
    if (!this.#writing || !this.#spillOn) return false;
    const dirty = this.#cache.dirtyCount;
    if (dirty <= this.#spillThreshold()) return false;
    return this.#wal !== null || (this.#journaledMode() && dirty >= this.#spillRetry);
  }

  /** A rollback-journal mode whose journal is a file (delete, truncate, persist). */
  #journaledMode(): boolean {
    const m = this.#journalMode;
    return m === "delete" || m === "truncate" || m === "persist";
  }

  /*
   * Spilling: the oldest dirty pages no cursor holds leave the cache, down to half the
   * threshold. Page 1 stays (every commit that changes the size stamps it anyway).
   * In WAL mode they go to the WAL as frames without a commit flag (wal.ts), unsynced, and
   * this transaction reads them back from there. Order: nothing to sync, because nothing is
   * promised until the commit frame, whose write and fsync come after these frames' writes
   * (the same file, so one fsync covers both). In a rollback-journal mode: #spillToFile.
   */
  spill(inUse: (buf: Uint8Array) => boolean): void {
    const wal = this.#wal;
    if (!this.#writing || (wal === null && !this.#journaledMode())) return;
    let excess = this.#cache.dirtyCount - (this.#spillThreshold() >> 1);
    const pages: [number, Uint8Array][] = [];
    for (const [pgno, buf] of this.#cache.dirtyEntries()) {
      if (excess <= 0) break;
      if (pgno === 1 || pgno > this.#pageCount || inUse(buf)) continue;
      pages.push([pgno, buf]);
      excess--;
    }
    if (pages.length === 0) return;
    pages.sort((a, b) => a[0] - b[0]);
    if (wal === null) {
      this.#spillToFile(pages);
      return;
    }
    // The sync level: a spill that starts a new log syncs its header, as a commit does.
    wal.spill(this, pages, this.#sync);
    for (const [pgno] of pages) {
      this.#cache.release(pgno);
      // A rollback drops a spilled page instead of restoring it (see rollback).
      this.#dropOriginal(pgno);
    }
  }

  /*
   * Spilling in a rollback-journal mode (SQLite's pagerStress), in this order:
   *  1. EXCLUSIVE, without waiting: from the first spill on, the database file holds
   *     uncommitted pages and no reader may look at it. When readers are in the way the
   *     pages stay in memory (SQLite's spill gives up on SQLITE_BUSY too), and the next
   *     try waits until twice as many pages are dirty.
   *  2. The journal: its header, then the originals of every page changed so far that
   *     existed when the transaction began, made durable as at commit (FULL: records,
   *     fsync, count, fsync). Later spills and the commit each add a segment of their own
   *     (JournalWriter), at the synchronous level in force then.
   *  3. The pages, written into the database file (no sync: the commit syncs it).
   * The originals so journaled leave memory. A crash after step 2 leaves a hot journal,
   * which puts back every page step 3 wrote and cuts the file to its old size; a rollback
   * in this process plays the journal back and syncs before it ends the journal.
   */
  #spillToFile(pages: [number, Uint8Array][]): void {
    if (!this.#db.lock(LockLevel.EXCLUSIVE)) {
      this.#spillRetry = this.#cache.dirtyCount * 2;
      return;
    }
    // Readers gone: spill at the usual threshold again (the raised bar would otherwise hold
    // up to twice the pages reached while they were in the way for the rest of the transaction).
    this.#spillRetry = 0;
    let sj = this.#spillJournal;
    if (sj === null) {
      const file = openJournal(this.#vfs, this.#journalPath);
      try {
        const writer = new JournalWriter(file, this.#pageSize, this.#origSize, this.#sync);
        sj = { file, writer, journaled: new Set() };
      } catch (e) {
        file.close();
        throw e;
      }
      this.#spillJournal = sj;
    }
    this.#journalOriginals(sj);
    this.#dropJournaledOriginals(sj);
    const ps = this.#pageSize;
    this.#dbSpilled = true;
    for (const [pgno, buf] of pages) {
      if (pgno > this.#spillHigh) this.#spillHigh = pgno;
      this.#db.write(buf, (pgno - 1) * ps);
    }
    for (const [pgno] of pages) this.#cache.release(pgno);
  }

  /**
   * True when page `pgno`'s original must be kept before it changes: it existed when the
   * transaction began and neither memory nor the spill journal holds its original yet.
   * (A page whose journaled original left memory must not be journaled again with later
   * content: SQLite's playback applies every record of a page, the last one winning.)
   */
  #needsOriginal(pgno: number): boolean {
    if (pgno > this.#origSize || this.#originals.has(pgno)) return false;
    const sj = this.#spillJournal;
    return sj === null || !sj.journaled.has(pgno);
  }

  /** Appends to the spill journal the originals it does not hold yet, durably. */
  #journalOriginals(sj: { writer: JournalWriter; journaled: Set<number> }): void {
    const add: [number, Uint8Array][] = [];
    for (const [pgno, img] of this.#originals) if (!sj.journaled.has(pgno)) add.push([pgno, img]);
    add.sort((a, b) => a[0] - b[0]);
    sj.writer.add(add, this.#sync);
    for (const [pgno] of add) sj.journaled.add(pgno);
  }

  /**
   * Lets the originals the spill journal holds leave memory: a transaction that rewrites a
   * large table would otherwise keep a copy of all of it. A rollback reads them back from
   * the journal (#undoFileWrites).
   */
  #dropJournaledOriginals(sj: { journaled: Set<number> }): void {
    for (const pgno of sj.journaled) this.#dropOriginal(pgno);
  }

  /** Forgets page `pgno`'s original image, keeping its buffer for reuse (#original). */
  #dropOriginal(pgno: number): void {
    const img = this.#originals.get(pgno);
    if (img === undefined) return;
    this.#originals.delete(pgno);
    if (this.#spareOriginals.length < SPARE_ORIGINALS) this.#spareOriginals.push(img);
  }

  /**
   * A copy of page `buf` for {@link #originals}, made in a buffer an earlier transaction gave
   * back when there is one: a new 4 KB buffer per page a transaction first changes (zeroed,
   * registered as external memory, collected later) cost ~1.6 us of a ~14 us one-row commit.
   */
  #original(buf: Uint8Array): Uint8Array {
    const spare = this.#spareOriginals.pop();
    if (spare === undefined || spare.length !== buf.length) return buf.slice();
    spare.set(buf);
    return spare;
  }

  #endWrite(): void {
    // Nothing keeps an original image past its transaction (a rollback copies it back into
    // the cached page): a few are kept for the next transactions.
    const spares = this.#spareOriginals;
    if (spares.length < SPARE_ORIGINALS) {
      for (const img of this.#originals.values()) {
        spares.push(img);
        if (spares.length >= SPARE_ORIGINALS) break;
      }
    }
    this.#originals.clear();
    this.#savepoints = [];
    this.#stmt.reset();
    this.#resetSpill();
    this.#writing = false;
    this.#db.unlock(LockLevel.SHARED);
  }

  savepoint(): number {
    if (!this.#writing) throw misuse("no write transaction");
    this.#savepoints.push({ pageCount: this.#pageCount, images: new Map() });
    return this.#savepoints.length;
  }

  releaseSavepoint(depth: number): void {
    if (depth < 1) depth = 1;
    while (this.#savepoints.length >= depth) {
      const sp = this.#savepoints.pop()!;
      const below = this.#savepoints.length > 0
        ? this.#savepoints[this.#savepoints.length - 1]
        : null;
      // The outer savepoint must be able to undo these pages too; its own older images win.
      for (const [pgno, ref] of sp.images) {
        if (below !== null && pgno <= below.pageCount && !below.images.has(pgno)) {
          below.images.set(pgno, ref);
        } else {
          this.#stmt.release(ref);
        }
      }
    }
  }

  rollbackToSavepoint(depth: number): void {
    if (depth < 1 || depth > this.#savepoints.length) {
      throw misuse(`no savepoint at depth ${depth}`);
    }
    // Innermost first, so the images taken when savepoint `depth` opened are applied last.
    const stmt = this.#stmt;
    for (let i = this.#savepoints.length - 1; i >= depth - 1; i--) {
      for (const [pgno, ref] of this.#savepoints[i].images) {
        let buf = this.#cache.isDirty(pgno) ? this.#cache.get(pgno) : undefined;
        if (buf === undefined) {
          // Spilled since it changed: it comes back as a changed page of its own.
          buf = this.#cache.take(this.#pageSize) ?? this.#newPage();
          this.#cache.putDirty(pgno, buf);
        }
        stmt.read(ref, buf);
      }
    }
    for (let i = this.#savepoints.length - 1; i >= depth - 1; i--) {
      for (const ref of this.#savepoints[i].images.values()) stmt.release(ref);
    }
    const target = this.#savepoints[depth - 1];
    this.#pageCount = target.pageCount;
    this.#cache.dropAbove(target.pageCount);
    this.#savepoints.length = depth;
    target.images = new Map();
  }

  /**
   * Closes the files (rolling back an open write transaction). In WAL mode the last
   * connection (the one that gets EXCLUSIVE) checkpoints and deletes the WAL, as SQLite does;
   * a failure there loses nothing (the WAL stays and is replayed at the next open).
   */
  close(): void {
    if (this.#closed) return;
    try {
      this.endRead();
    } finally {
      this.#closed = true;
      try {
        this.#closeWal();
      } finally {
        this.#cache.clear();
        this.#stmt.close();
        this.#db.close();
      }
    }
  }

  #closeWal(): void {
    const wal = this.#wal;
    if (wal === null) return;
    try {
      if (!this.#readOnly && this.#db.lock(LockLevel.EXCLUSIVE)) {
        const r = wal.checkpoint(this, "passive", this.#db, this.#sync, false);
        // (-1, -1: another process's checkpoint held the lock; the WAL must stay.)
        if (r.busy === 0 && r.log >= 0 && r.checkpointed === r.log) wal.deleteFile(false);
      }
    } catch {
      // Nothing is lost: the WAL is still there for the next open.
    } finally {
      this.#detachWal();
    }
  }
}

/** Page 1 unchanged but for the change counter, size and version stamps of a commit. */
function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
