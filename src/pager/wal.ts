/**
 * Write-ahead logging (wal.html, walformat.html): one connection's view of the `-wal` file.
 *
 * - Commit appends one frame per changed page with a single write per 256 KiB (after the
 *   header, on the first commit of a generation, which is written and synced on its own
 *   first: otherwise a reordered write after a restart could revive an older generation's
 *   frames), then, under synchronous FULL/EXTRA, one fsync of the WAL. The frame holding
 *   the database size is the commit frame; nothing after the last valid one exists.
 * - A write transaction larger than the page cache spills changed pages as frames without
 *   a commit flag (no sync); its commit frames follow them, and a rollback leaves them to
 *   be written over. Recovery and readers stop at the last commit frame, so they are
 *   never seen unless the commit that follows them is.
 * - A read transaction pins a snapshot: the last commit frame when it began. Pages are
 *   looked up in a private index (page -> newest frame of the snapshot) that is brought up
 *   to date from the shared wal-index ({@link WalShared}) at each read start.
 * - A checkpoint syncs the WAL, copies the newest version of each page at or below every
 *   reader's mark into the database file, truncates the file when it copied everything,
 *   syncs it, and only then records the frames as backfilled. A crash at any point
 *   leaves the WAL intact, so recovery simply copies again.
 * - Across processes (wal_index.ts has the protocol, README "Several processes" the whole
 *   design): a read start pins a shared read slot, reads H and catches the process's
 *   wal-index up with it (#syncTo: new frames checked like recovery does, continuing the
 *   checksum chain); the writer re-reads H under RESERVED, appends after the last commit
 *   any process made and then publishes H; a checkpoint runs under the `ckpt` lock and
 *   copies nothing past a mark another process holds.
 * @module
 */

import { SqliteError } from "../errors.ts";
import type { Vfs, VfsFile } from "../vfs/vfs.ts";
import { get4 } from "./header.ts";
import type { SynchronousLevel } from "./types.ts";
import {
  checkFrame,
  FRAME_HEADER_SIZE,
  frameOffset,
  parseWalHeader,
  WAL_HEADER_SIZE,
  type WalHeader,
  writeFrame,
  writeWalHeader,
} from "./wal_format.ts";
import { attachWalShared, detachWalShared, type ReaderMark, type WalShared } from "./wal_shared.ts";
import {
  type IndexHeader,
  IndexSnapshot,
  NREADER,
  READMARK_NOT_USED,
  type WalIndexFile,
} from "./wal_index.ts";

/** PRAGMA wal_checkpoint modes. */
export type CheckpointMode = "passive" | "full" | "restart" | "truncate";

/** The row PRAGMA wal_checkpoint returns. */
export interface CheckpointResult {
  /** 1 when the checkpoint could not do everything its mode asks (a reader or writer was in the way). */
  busy: number;
  /** Frames in the WAL (-1 when not in WAL mode). */
  log: number;
  /** Frames copied into the database (-1 when not in WAL mode). */
  checkpointed: number;
}

/** The `-wal` path of a database path. */
export function walPath(dbPath: string): string {
  return dbPath + "-wal";
}

/** Frames per read while scanning the log (bounded memory, few syscalls). */
const SCAN_BATCH = 64;

/** The frame buffer a connection keeps between commits, and the most one write takes (bytes). */
const KEEP_FRAME_BUFFER = 256 * 1024;

/** Most pages a checkpoint copies with one read and one write. */
const CHECKPOINT_BATCH = 64;

/** One connection's handle on a database's WAL. */
export class Wal {
  readonly #vfs: Vfs;
  readonly #path: string;
  readonly #readOnly: boolean;
  readonly #shared: WalShared;
  #pageSize: number;
  #file: VfsFile | null = null;
  /** Page -> newest frame, for frames 1..#mark of generation #gen. */
  readonly #index = new Map<number, number>();
  #gen = -1;
  #mark = 0;
  #usesWal = false;
  #reading = false;
  #detached = false;
  /** Reused by {@link commit}: frame scratch buffer and running checksum. */
  #frames: Uint8Array | null = null;
  readonly #ck = new Uint32Array(2);
  /**
   * The open write transaction's spilled frames ({@link spill}): page numbers of frames
   * written after the last commit frame (frame `mxFrame + 1 + i` holds `#spilled[i]`), the
   * newest frame of each page, and the checksum after the last of them. Nobody else sees
   * them until the commit frame that follows them is published.
   */
  readonly #spilled: number[] = [];
  readonly #spilledIndex = new Map<number, number>();
  readonly #spilledCk = new Uint32Array(2);
  /**
   * The first spilled frame rewritten in place since the checksums were last chained
   * (0 = none): a page spilled again overwrites its frame, as SQLite does, so a transaction
   * that keeps changing the same pages does not grow the log; the commit re-chains the
   * checksums from there ({@link #rechain}).
   */
  #reCksum = 0;
  /** Reused by {@link beginRead}: this connection's read mark and the changed-page list. */
  readonly #readMark: ReaderMark = { gen: 0, mark: 0, usesWal: false, reading: false };
  readonly #changed: number[] = [];
  /** Across processes: the read slot this connection pins (-1 none), and index reads. */
  #slot = -1;
  readonly #snap = new IndexSnapshot();
  readonly #now = new IndexSnapshot();
  /** #now is the index as read under the writer lock for the coming commit (isLatest). */
  #nowForCommit = false;
  /** Across processes: the snapshot's salts and last frame as the shared index named them. */
  #snapSalt1 = 0;
  #snapSalt2 = 0;
  #snapMx = 0;

  /** Attaches to the WAL of the database at `dbPath` (pages of `pageSize` bytes). */
  constructor(vfs: Vfs, dbPath: string, pageSize: number, readOnly: boolean) {
    this.#vfs = vfs;
    this.#path = walPath(dbPath);
    this.#readOnly = readOnly;
    this.#pageSize = pageSize;
    this.#shared = attachWalShared(vfs, dbPath);
  }

  /** The WAL file's path. */
  get path(): string {
    return this.#path;
  }

  /** Frames in the log (the last commit frame). */
  get frameCount(): number {
    this.#recover();
    return this.#shared.mxFrame;
  }

  /** Frames already copied into the database file. */
  get backfilled(): number {
    return this.#shared.backfill;
  }

  /** Database size in pages at the snapshot's commit frame; 0 when the snapshot has no frames. */
  snapshotDbSize(): number {
    return this.#mark > 0 ? this.#snapshotSize : 0;
  }
  #snapshotSize = 0;

  /** Sets the page size (only while the log is empty). */
  setPageSize(size: number): void {
    this.#pageSize = size;
  }

  #openFile(create: boolean): VfsFile | null {
    if (this.#file !== null) return this.#file;
    if (!create && !this.#vfs.exists(this.#path)) return null;
    this.#file = this.#vfs.open(this.#path, { create, readOnly: this.#readOnly });
    return this.#file;
  }

  /**
   * Rebuilds the shared wal-index from the file, once per process (see {@link scanWal}).
   */
  #recover(): void {
    const sh = this.#shared;
    if (sh.recovered) return;
    if (sh.xp !== null) {
      // Across processes: the first process scans the WAL and publishes it; the others
      // (and this one, at each read start) follow the shared index (#syncTo).
      sh.xp.attach(() => this.#scanAll());
      sh.recovered = true;
      return;
    }
    this.#scanAll();
    sh.recovered = true;
  }

  /** Rebuilds the process's wal-index from a scan of the whole file; returns it as H. */
  #scanAll(): IndexHeader {
    this.#shared.hKnown = false;
    const sh = this.#shared;
    sh.reset();
    sh.header = null;
    const f = this.#openFile(false);
    const r = f === null ? null : scanWal(f, this.#pageSize);
    if (r !== null) {
      sh.header = r.header;
      sh.frames = r.frames;
      sh.mxFrame = r.frames.length;
      sh.dbSize = r.dbSize;
      sh.ck[0] = r.ck[0];
      sh.ck[1] = r.ck[1];
    }
    const h = this.#indexHeader();
    this.#followH(h.salt1, h.salt2);
    return h;
  }

  /** The process's wal-index as the shared H record. */
  #indexHeader(): IndexHeader {
    const sh = this.#shared;
    const h = sh.header;
    return {
      salt1: h?.salt1 ?? 0,
      salt2: h?.salt2 ?? 0,
      checkpointSeq: h?.checkpointSeq ?? 0,
      mxFrame: sh.mxFrame,
      dbSize: sh.dbSize,
      ck0: sh.ck[0],
      ck1: sh.ck[1],
      pageSize: this.#pageSize,
    };
  }

  /**
   * Brings the process's wal-index up to `s`, the shared H: nothing when it is already
   * there; the new frames when only frames were added (continuing the checksum chain);
   * a rebuild when the generation changed. Every frame read must be valid, the last one
   * a commit with H's size and checksum. False (the index unchanged) when the WAL does
   * not hold what H says, which happens only if it changed under a caller who pins no
   * WAL frames (a restart under a read0 reader).
   */
  #syncTo(s: IndexSnapshot): boolean {
    const sh = this.#shared;
    const h = sh.header;
    const same = sh.hKnown && sh.hSalt1 === s.salt1 && sh.hSalt2 === s.salt2;
    if (same && sh.mxFrame === s.mxFrame) {
      sh.backfill = s.backfill;
      return true;
    }
    if (s.mxFrame === 0) {
      // No frames (truncated or deleted WAL): H's salts and sequence seed the next header.
      sh.reset();
      sh.header = basisHeader(s, this.#pageSize);
      sh.ck[0] = s.ck0;
      sh.ck[1] = s.ck1;
      sh.backfill = 0;
      this.#followH(s.salt1, s.salt2);
      return true;
    }
    const f = this.#openFile(false);
    if (f === null) return false;
    const ps = this.#pageSize;
    let hdr: WalHeader | null = h;
    let from = sh.mxFrame;
    const ck = this.#ck;
    if (same && h !== null && sh.mxFrame > 0 && sh.mxFrame < s.mxFrame) {
      ck[0] = sh.ck[0];
      ck[1] = sh.ck[1];
    } else {
      const hb = new Uint8Array(WAL_HEADER_SIZE);
      if (f.read(hb, 0) < WAL_HEADER_SIZE) return false;
      hdr = parseWalHeader(hb);
      if (hdr === null || hdr.salt1 !== s.salt1 || hdr.salt2 !== s.salt2 || hdr.pageSize !== ps) {
        return false;
      }
      from = 0;
      ck[0] = hdr.cksum1;
      ck[1] = hdr.cksum2;
    }
    const added: number[] = [];
    const dbSize = scanFrames(f, hdr!, from, s.mxFrame, ck, added);
    if (dbSize !== s.dbSize || ck[0] !== s.ck0 || ck[1] !== s.ck1) return false;
    if (from === 0) {
      sh.reset();
      sh.header = hdr;
    }
    for (const pgno of added) sh.frames.push(pgno);
    sh.mxFrame = s.mxFrame;
    sh.dbSize = dbSize;
    sh.ck[0] = ck[0];
    sh.ck[1] = ck[1];
    sh.backfill = s.backfill;
    this.#followH(s.salt1, s.salt2);
    return true;
  }

  /** Records that the process's index follows H of the generation with these salts. */
  #followH(salt1: number, salt2: number): void {
    const sh = this.#shared;
    sh.hKnown = true;
    sh.hSalt1 = salt1;
    sh.hSalt2 = salt2;
  }

  /**
   * Reads the WAL beside `dbPath` without attaching to it: its header's page size and
   * whether it holds a commit (null when absent or its header is not valid).
   */
  static probe(vfs: Vfs, dbPath: string): { pageSize: number; commits: boolean } | null {
    const path = walPath(dbPath);
    if (!vfs.exists(path)) return null;
    const f = vfs.open(path, { create: false, readOnly: true });
    try {
      const r = scanWal(f, 0);
      return r === null ? null : { pageSize: r.header.pageSize, commits: r.frames.length > 0 };
    } finally {
      f.close();
    }
  }

  /**
   * Starts a read transaction on the latest commit. Returns the pages whose cached copies
   * are stale: "all", or the pages written since this connection's previous snapshot (an
   * array reused by the next call).
   */
  beginRead(self: object): "all" | number[] {
    this.#recover();
    const sh = this.#shared;
    if (sh.xp !== null && this.#beginShared(sh.xp, self)) return "all";
    let changed: "all" | number[];
    if (sh.gen === this.#gen && sh.mxFrame >= this.#mark) {
      // Reused: callers only iterate it before the next beginRead.
      changed = this.#changed;
      let n = 0;
      for (let i = this.#mark; i < sh.mxFrame; i++) {
        const pgno = sh.frames[i];
        this.#index.set(pgno, i + 1);
        if (n < changed.length) changed[n] = pgno;
        else changed.push(pgno);
        n++;
      }
      if (changed.length !== n) changed.length = n;
    } else {
      changed = "all";
      this.#index.clear();
      for (let i = 0; i < sh.mxFrame; i++) this.#index.set(sh.frames[i], i + 1);
    }
    this.#gen = sh.gen;
    this.#mark = sh.mxFrame;
    this.#snapshotSize = sh.dbSize;
    // When every frame is in the database file, read it directly: then a writer may
    // restart the log under this reader.
    this.#usesWal = sh.xp !== null ? this.#slot > 0 : sh.mxFrame > sh.backfill;
    // One mark object per connection, updated in place: a read transaction per statement
    // should not allocate.
    this.#setMark(self, this.#gen, this.#mark, this.#usesWal);
    this.#reading = true;
    return changed;
  }

  /**
   * Across processes: pins a snapshot in a shared read slot and brings the process's
   * wal-index up to it. Returns true when the snapshot is the database file alone and
   * the process's index could not follow (then the caller drops its whole cache).
   */
  #beginShared(xp: WalIndexFile, self: object): boolean {
    const s = this.#snap;
    this.#unpin();
    for (let tries = 0;; tries++) {
      const slot = xp.beginRead(s);
      if (this.#syncTo(s)) {
        this.#slot = slot;
        break;
      }
      if (slot === 0) {
        // Reading the database file only: the frames are not needed.
        this.#slot = 0;
        this.#snapSalt1 = s.salt1;
        this.#snapSalt2 = s.salt2;
        this.#snapMx = s.mxFrame;
        this.#index.clear();
        this.#gen = -1;
        this.#mark = 0;
        this.#snapshotSize = 0;
        this.#usesWal = false;
        this.#setMark(self, -1, 0, false);
        this.#reading = true;
        return true;
      }
      xp.unpin(slot);
      if (tries >= 3) throw new SqliteError("SQLITE_PROTOCOL", "locking protocol");
    }
    this.#snapSalt1 = s.salt1;
    this.#snapSalt2 = s.salt2;
    this.#snapMx = s.mxFrame;
    return false;
  }

  /** Points this connection's entry in the readers map at another snapshot (in place). */
  #setMark(self: object, gen: number, mark: number, usesWal: boolean): void {
    const m = this.#readMark;
    m.gen = gen;
    m.mark = mark;
    m.usesWal = usesWal;
    m.reading = true;
    this.#shared.readers.set(self, m);
  }

  /** Drops this connection's shared read slot, if any. */
  #unpin(): void {
    if (this.#slot >= 0) {
      this.#shared.xp?.unpin(this.#slot);
      this.#slot = -1;
    }
  }

  /** Ends the read transaction (drops its read mark). */
  endRead(self: object): void {
    // Marked, not deleted: a Map delete and re-insert per transaction reallocates its table.
    const r = this.#shared.readers.get(self);
    if (r !== undefined) r.reading = false;
    this.#reading = false;
    this.#nowForCommit = false;
    this.#unpin();
  }

  /**
   * True when the snapshot is the latest commit (a writer may start from it). Across
   * processes this reads the shared index: another process may have committed.
   * `forCommit`: the caller holds the writer lock and will commit on this snapshot, so
   * {@link commit} may use this read of the index instead of its own: H cannot move
   * meanwhile (only the writer lock's holder writes it) and backfill only grows, which
   * at worst puts a WAL restart off to the next commit.
   */
  isLatest(forCommit = false): boolean {
    this.#recover();
    const xp = this.#shared.xp;
    if (xp !== null) {
      this.#nowForCommit = false;
      if (!this.#reading) return false;
      xp.read(this.#now);
      const latest = this.#isSnapshot(this.#now);
      this.#nowForCommit = latest && forCommit;
      return latest;
    }
    return this.#gen === this.#shared.gen && this.#mark === this.#shared.mxFrame;
  }

  /**
   * Tells the WAL that the snapshot just taken was taken under the writer lock (see
   * Pager.tryBeginWriteFirst): it is the latest, and the coming commit may use it as its
   * read of the shared index.
   */
  snapshotIsLatest(): void {
    if (this.#shared.xp === null || !this.#reading || this.#slot < 0) return;
    this.#now.copyFrom(this.#snap);
    this.#nowForCommit = true;
  }

  /** True when `s` is this connection's snapshot (across processes). */
  #isSnapshot(s: IndexSnapshot): boolean {
    return s.salt1 === this.#snapSalt1 && s.salt2 === this.#snapSalt2 &&
      s.mxFrame === this.#snapMx;
  }

  /**
   * Moves this connection's pin from a WAL read slot to read0 when its snapshot is the
   * latest and fully backfilled (so it no longer keeps the WAL from restarting).
   */
  #repinZero(xp: WalIndexFile, s: IndexSnapshot, self: object): void {
    if (this.#slot <= 0 || !this.#reading || !this.#isSnapshot(s)) return;
    if (s.backfill < s.mxFrame || !xp.pin(0)) return;
    xp.unpin(this.#slot);
    this.#slot = 0;
    this.#usesWal = false;
    this.#setMark(self, this.#readMark.gen, this.#readMark.mark, false);
  }

  /**
   * The frame holding the snapshot's version of `pgno` (or, in a write transaction, the
   * frame it spilled the page to), or 0 (read it from the database file).
   */
  frameFor(pgno: number): number {
    if (this.#spilled.length > 0) {
      const f = this.#spilledIndex.get(pgno);
      if (f !== undefined) return f;
    }
    if (!this.#usesWal) return 0;
    return this.#index.get(pgno) ?? 0;
  }

  /** Reads the page image of `frame` into `buf`. */
  readFrame(frame: number, buf: Uint8Array): void {
    const f = this.#openFile(false);
    if (f === null) throw new SqliteError("SQLITE_IOERR_SHORT_READ", "disk I/O error");
    const got = f.read(buf, frameOffset(frame, this.#pageSize) + FRAME_HEADER_SIZE);
    if (got < buf.length) throw new SqliteError("SQLITE_IOERR_SHORT_READ", "disk I/O error");
  }

  /** True when the open write transaction has spilled frames ({@link spill}). */
  get hasSpilled(): boolean {
    return this.#spilled.length > 0;
  }

  /**
   * Appends a transaction: `pages` (ascending page numbers, each a full page image) with
   * the last frame marked as the commit frame holding `dbSize`, after the frames the
   * transaction spilled. The caller holds the writer lock and has checked {@link isLatest}.
   */
  commit(
    self: object,
    pages: [number, Uint8Array][],
    dbSize: number,
    sync: SynchronousLevel,
  ): void {
    if (pages.length === 0) return;
    this.#frameWrite(self, pages, dbSize, sync);
  }

  /**
   * Writes `pages` as frames of the open write transaction without a commit frame, so a
   * transaction larger than the page cache need not hold every changed page in memory
   * (SQLite's cache spill): readers see none of them (they stop at the last commit frame,
   * and so does recovery), the writer reads them back through {@link frameFor}, and the
   * commit's frames follow them. A rollback forgets them ({@link discardSpilled}); the
   * next transaction writes over them. The frames are not synced (nothing is promised
   * about them), but a new log's header is, per `sync`, before any frame follows it: else
   * the frames could reach the disk first and, after a crash, the old header would bring
   * back a valid prefix of old, already checkpointed frames over the newer database.
   */
  spill(self: object, pages: [number, Uint8Array][], sync: SynchronousLevel): void {
    if (pages.length === 0) return;
    this.#frameWrite(self, pages, 0, sync);
  }

  /**
   * Forgets the spilled frames (the write transaction rolled back); returns their pages,
   * whose cached copies (the spilled content) the caller must drop.
   */
  discardSpilled(): number[] {
    const pgnos = [...this.#spilledIndex.keys()];
    this.#spilled.length = 0;
    this.#spilledIndex.clear();
    this.#reCksum = 0;
    return pgnos;
  }

  /**
   * {@link commit} (dbSize > 0) or {@link spill} (dbSize 0). The first frames of a
   * transaction decide where the log continues: at its start when every frame is in the
   * database and no reader needs them (a restart), else after the last commit frame.
   */
  #frameWrite(
    self: object,
    pages: [number, Uint8Array][],
    dbSize: number,
    sync: SynchronousLevel,
  ): void {
    this.#recover();
    const sh = this.#shared;
    const xp = sh.xp;
    if (xp === null) {
      // Start the log over when every frame is in the database and no other reader needs them.
      if (
        this.#spilled.length === 0 && sh.mxFrame > 0 && sh.backfill === sh.mxFrame &&
        !sh.walInUse(self)
      ) {
        sh.reset();
      }
      try {
        this.#append(self, pages, dbSize, sync);
      } finally {
        if (dbSize === 0 && this.#gen !== sh.gen) {
          // This spill began a new generation (a restart, or the header of an empty log):
          // the writer's own snapshot, the latest and all backfilled, is now the database
          // file alone, and the frames its index names are being overwritten. (A commit
          // brings its index up to date itself.)
          this.#index.clear();
          this.#gen = sh.gen;
          this.#mark = 0;
          this.#usesWal = false;
          if (this.#reading) this.#setMark(self, sh.gen, 0, false);
        }
      }
      return;
    }
    if (this.#spilled.length > 0) {
      // The writer lock has been held since the first spill, which followed H.
      this.#append(self, pages, dbSize, sync);
      if (dbSize > 0) this.#publish(xp);
      return;
    }
    // Across processes the writer lock keeps H still: follow it, so these frames go after
    // every other process's. A restart also needs every WAL read slot (no reader uses the
    // log anywhere), held until the new H is out.
    const s = this.#now;
    if (!this.#nowForCommit) xp.read(s);
    this.#nowForCommit = false;
    const synced = this.#syncTo(s);
    let restart = false;
    if (s.mxFrame > 0 && s.backfill >= s.mxFrame && !sh.walInUse(self)) {
      this.#repinZero(xp, s, self);
      restart = this.#slot <= 0 && xp.tryExclusiveMarks();
    }
    if (!synced && !restart) throw new SqliteError("SQLITE_PROTOCOL", "locking protocol");
    try {
      if (restart) {
        sh.reset();
        sh.header = basisHeader(s, this.#pageSize);
      }
      this.#append(self, pages, dbSize, sync);
      // A spill that restarted the log publishes the empty log of the new generation (H
      // must not keep naming frames the spill wrote over); a commit publishes itself.
      if (dbSize > 0 || restart) this.#publish(xp);
    } finally {
      if (restart) xp.releaseExclusiveMarks();
    }
  }

  /** Publishes the process's wal-index as H (the caller holds the writer lock). */
  #publish(xp: WalIndexFile): void {
    const sh = this.#shared;
    const h = this.#indexHeader();
    this.#slot = xp.publish(h, this.#slot);
    this.#followH(h.salt1, h.salt2);
    this.#snapSalt1 = sh.header!.salt1;
    this.#snapSalt2 = sh.header!.salt2;
    this.#snapMx = sh.mxFrame;
  }

  /**
   * Writes the frames of {@link commit} or {@link spill} (a new header first when the log
   * is empty), at most {@link KEEP_FRAME_BUFFER} bytes per write: a large transaction is
   * not copied into one buffer of its own size.
   */
  #append(
    self: object,
    pages: [number, Uint8Array][],
    dbSize: number,
    sync: SynchronousLevel,
  ): void {
    const sh = this.#shared;
    const ps = this.#pageSize;
    const f = this.#openFile(true)!;
    const spilled = this.#spilled;
    if (sh.mxFrame === 0 && spilled.length === 0) {
      const old = sh.header;
      const hb = new Uint8Array(WAL_HEADER_SIZE);
      const salt2 = (Math.random() * 0x100000000) >>> 0;
      const hdr = old === null
        ? writeWalHeader(hb, ps, 0, (Math.random() * 0x100000000) >>> 0, salt2)
        : writeWalHeader(hb, ps, (old.checkpointSeq + 1) >>> 0, (old.salt1 + 1) >>> 0, salt2);
      sh.reset();
      sh.header = hdr;
      sh.ck[0] = hdr.cksum1;
      sh.ck[1] = hdr.cksum2;
      f.write(hb, 0);
      if (sync !== "off") f.sync();
    }
    const hdr = sh.header!;
    const fsz = FRAME_HEADER_SIZE + ps;
    if (spilled.length > 0) {
      if (dbSize === 0) {
        // Spilled again: overwrite the page's frame, whose checksum the commit redoes.
        const fresh: [number, Uint8Array][] = [];
        for (const entry of pages) {
          const frame = this.#spilledIndex.get(entry[0]);
          if (frame === undefined) {
            fresh.push(entry);
            continue;
          }
          f.write(entry[1], frameOffset(frame, ps) + FRAME_HEADER_SIZE);
          if (this.#reCksum === 0 || frame < this.#reCksum) this.#reCksum = frame;
        }
        pages = fresh;
        if (pages.length === 0) return;
      } else if (this.#reCksum > 0) {
        this.#rechain(f, hdr);
      }
    }
    const ck = this.#ck;
    const from = spilled.length > 0 ? this.#spilledCk : sh.ck;
    ck[0] = from[0];
    ck[1] = from[1];
    const first = sh.mxFrame + spilled.length + 1;
    const perWrite = Math.max(1, Math.floor(KEEP_FRAME_BUFFER / fsz));
    for (let at = 0; at < pages.length; at += perWrite) {
      const n = Math.min(perWrite, pages.length - at);
      const buf = this.#frameBuffer(fsz * n);
      for (let i = 0; i < n; i++) {
        const [pgno, page] = pages[at + i];
        const last = at + i === pages.length - 1;
        writeFrame(buf, i * fsz, hdr, pgno, last ? dbSize : 0, page, ck);
      }
      f.write(buf, frameOffset(first + at, ps));
    }
    if (dbSize === 0) {
      for (let i = 0; i < pages.length; i++) {
        const pgno = pages[i][0];
        spilled.push(pgno);
        this.#spilledIndex.set(pgno, first + i);
      }
      this.#spilledCk[0] = ck[0];
      this.#spilledCk[1] = ck[1];
      return;
    }
    if (sync === "full" || sync === "extra") f.sync();
    // The commit is on disk: publish it.
    const gen = sh.gen;
    if (this.#gen !== gen) {
      this.#index.clear();
      this.#mark = 0;
    }
    for (const pgno of spilled) {
      sh.frames.push(pgno);
      this.#index.set(pgno, sh.frames.length);
    }
    this.discardSpilled();
    for (const [pgno] of pages) {
      sh.frames.push(pgno);
      this.#index.set(pgno, sh.frames.length);
    }
    sh.mxFrame = sh.frames.length;
    sh.dbSize = dbSize;
    sh.ck[0] = ck[0];
    sh.ck[1] = ck[1];
    this.#gen = gen;
    this.#mark = sh.mxFrame;
    this.#snapshotSize = dbSize;
    this.#usesWal = true;
    if (this.#reading) this.#setMark(self, gen, this.#mark, true);
  }

  /**
   * Recomputes the checksums of the spilled frames from {@link #reCksum} on (their pages
   * were overwritten in place), so the chain is whole before the commit frame is added.
   * Until then the chain breaks at the first overwritten frame, which only ends the log
   * early for recovery: none of these frames is committed yet.
   */
  #rechain(f: VfsFile, hdr: WalHeader): void {
    const sh = this.#shared;
    const ps = this.#pageSize;
    const fsz = FRAME_HEADER_SIZE + ps;
    const first = sh.mxFrame + 1;
    const last = sh.mxFrame + this.#spilled.length;
    const ck = this.#spilledCk;
    let at = this.#reCksum;
    if (at === first) {
      ck[0] = sh.ck[0];
      ck[1] = sh.ck[1];
    } else {
      const prev = new Uint8Array(8);
      if (f.read(prev, frameOffset(at - 1, ps) + 16) < 8) {
        throw new SqliteError("SQLITE_IOERR_SHORT_READ", "disk I/O error");
      }
      ck[0] = get4(prev, 0);
      ck[1] = get4(prev, 4);
    }
    const perWrite = Math.max(1, Math.floor(KEEP_FRAME_BUFFER / fsz));
    while (at <= last) {
      const n = Math.min(perWrite, last - at + 1);
      const buf = this.#frameBuffer(fsz * n);
      if (f.read(buf, frameOffset(at, ps)) < buf.length) {
        throw new SqliteError("SQLITE_IOERR_SHORT_READ", "disk I/O error");
      }
      for (let i = 0; i < n; i++) {
        const o = i * fsz;
        const page = buf.subarray(o + FRAME_HEADER_SIZE, o + fsz);
        writeFrame(buf, o, hdr, get4(buf, o), 0, page, ck);
      }
      f.write(buf, frameOffset(at, ps));
      at += n;
    }
    this.#reCksum = 0;
  }

  /**
   * A scratch buffer of `size` bytes (at most {@link KEEP_FRAME_BUFFER}) for the frames of
   * one write: reused, instead of a buffer allocated and collected per commit.
   */
  #frameBuffer(size: number): Uint8Array {
    if (this.#frames === null || this.#frames.length < size) {
      this.#frames = new Uint8Array(Math.min(KEEP_FRAME_BUFFER, Math.max(size, 4 * size)));
    }
    return this.#frames.subarray(0, size);
  }

  /**
   * Runs a checkpoint (see the module documentation); `db` is the database file. The
   * caller's own read mark (`self`) counts like any other unless it is the latest snapshot.
   * `writerBusy` says another connection holds the writer lock, which FULL, RESTART and
   * TRUNCATE need: they then do what PASSIVE does and report busy, as SQLite does without
   * a busy handler.
   */
  checkpoint(
    owner: object,
    mode: CheckpointMode,
    db: VfsFile,
    sync: SynchronousLevel,
    writerBusy: boolean,
  ): CheckpointResult {
    this.#recover();
    const sh = this.#shared;
    if (sh.xp !== null) return this.#checkpointShared(sh.xp, owner, mode, db, sync, writerBusy);
    const self = this.#reading && this.isLatest() ? owner : null;
    let busy = mode !== "passive" && writerBusy;
    const blocking = !busy && mode !== "passive";
    const mx = sh.mxFrame;
    const safe = sh.safeFrame(self);
    if (blocking && safe < mx) busy = true;
    if (safe > sh.backfill) this.#backfill(db, safe, sync);
    if (
      !busy && (mode === "restart" || mode === "truncate") && mx > 0 && sh.backfill === mx
    ) {
      if (sh.walInUse(self)) {
        busy = true;
      } else if (mode === "truncate") {
        // Readers of the old generation (this one included) now read the database file.
        sh.reset();
        const f = this.#openFile(false);
        if (f !== null) f.truncate(0);
        if (self !== null) {
          this.#index.clear();
          this.#gen = sh.gen;
          this.#mark = 0;
          this.#usesWal = false;
          this.#setMark(self, sh.gen, 0, false);
        }
      }
    }
    if (mode === "truncate" && !busy && sh.mxFrame === 0) {
      const f = this.#openFile(false);
      if (f !== null && f.size() > 0) f.truncate(0);
    }
    return { busy: busy ? 1 : 0, log: sh.mxFrame, checkpointed: sh.backfill };
  }

  /**
   * Copies the newest version of each page in frames backfill+1..`safe` into `db`, cuts
   * `db` to the database size when that is every frame, syncs it, and only then counts
   * the frames as backfilled.
   */
  #backfill(db: VfsFile, safe: number, sync: SynchronousLevel): void {
    const sh = this.#shared;
    const ps = this.#pageSize;
    const f = this.#openFile(false);
    if (f === null) throw new SqliteError("SQLITE_IOERR_READ", "disk I/O error");
    // Never copy a frame that is not durable.
    if (sync !== "off") f.sync();
    const newest = new Map<number, number>();
    for (let i = sh.backfill; i < safe; i++) newest.set(sh.frames[i], i + 1);
    const pgnos: number[] = [];
    for (const pgno of newest.keys()) if (pgno <= sh.dbSize) pgnos.push(pgno);
    pgnos.sort((a, b) => a - b);
    const frames = pgnos.map((pgno) => newest.get(pgno)!);
    this.#copyFrames(f, db, pgnos, frames);
    if (safe === sh.mxFrame && db.size() !== sh.dbSize * ps) db.truncate(sh.dbSize * ps);
    if (sync !== "off") db.sync();
    sh.backfill = safe;
  }

  /**
   * The checkpoint across processes (SQLite's walCheckpoint): under the `ckpt` lock, with
   * the process's index brought up to H, the safe frame is the lowest of H's last frame,
   * this process's readers' marks and every read mark another process holds (a mark
   * nobody holds is rewritten instead); the copy itself needs read0 exclusively (no reader
   * reads the database file alone). RESTART and TRUNCATE then need every WAL read slot
   * (and the caller holds the writer lock); TRUNCATE empties the log and publishes H with
   * no frames before cutting the file. Another checkpoint running: busy, -1, -1.
   */
  #checkpointShared(
    xp: WalIndexFile,
    owner: object,
    mode: CheckpointMode,
    db: VfsFile,
    sync: SynchronousLevel,
    writerBusy: boolean,
  ): CheckpointResult {
    const s = this.#now;
    this.#nowForCommit = false;
    if (mode === "passive") {
      // Nothing to copy (the usual case at close): no need to wait for the checkpoint lock.
      xp.read(s);
      if (s.backfill >= s.mxFrame) return { busy: 0, log: s.mxFrame, checkpointed: s.backfill };
    }
    if (!xp.tryCkpt()) return { busy: 1, log: -1, checkpointed: -1 };
    try {
      const sh = this.#shared;
      xp.read(s);
      let busy = mode !== "passive" && writerBusy;
      const blocking = !busy && mode !== "passive";
      const mx = s.mxFrame;
      if (s.backfill < mx) {
        // Frames past backfill cannot change before this checkpoint ends (a restart needs
        // backfill = mxFrame, which only a checkpoint makes so), so the scan is stable.
        if (!this.#syncTo(s)) throw new SqliteError("SQLITE_PROTOCOL", "locking protocol");
        const self = this.#reading && this.#isSnapshot(s) ? owner : null;
        let safe = Math.min(mx, sh.safeFrame(self));
        for (let i = 1; i < NREADER; i++) {
          const y = s.marks[i];
          if (y >= safe) continue;
          if (xp.tryExclusive(i)) {
            xp.writeMark(i, i === 1 ? safe : READMARK_NOT_USED);
            xp.releaseExclusive(i);
          } else {
            safe = y;
          }
        }
        if (safe > s.backfill) {
          if (xp.tryExclusive(0)) {
            try {
              this.#backfill(db, safe, sync);
              xp.writeBackfill(s.salt1, s.salt2, safe);
              s.backfill = safe;
            } finally {
              xp.releaseExclusive(0);
            }
          }
        }
        if (blocking && s.backfill < mx) busy = true;
      }
      let log = mx;
      let done = s.backfill;
      if (!busy && (mode === "restart" || mode === "truncate") && mx > 0 && s.backfill >= mx) {
        const self = this.#reading ? owner : null;
        this.#repinZero(xp, s, owner);
        if (sh.walInUse(self) || !xp.tryExclusiveMarks()) {
          busy = true;
        } else {
          try {
            if (mode === "truncate") {
              // Readers of the old generation (this one included) now read the database file.
              xp.writeHeaderAndBackfill({ ...s, mxFrame: 0, dbSize: 0 });
              sh.reset();
              sh.header = basisHeader(s, this.#pageSize);
              const f = this.#openFile(false);
              if (f !== null) f.truncate(0);
              log = done = 0;
              if (this.#reading) {
                this.#index.clear();
                this.#gen = sh.gen;
                this.#mark = 0;
                this.#usesWal = false;
                this.#snapMx = 0;
                this.#setMark(owner, sh.gen, 0, false);
              }
            }
          } finally {
            xp.releaseExclusiveMarks();
          }
        }
      }
      if (mode === "truncate" && !busy && mx === 0) {
        const f = this.#openFile(false);
        if (f !== null && f.size() > 0) f.truncate(0);
      }
      return { busy: busy ? 1 : 0, log, checkpointed: done };
    } finally {
      xp.releaseCkpt();
    }
  }

  /**
   * Writes page `pgnos[i]` (ascending) from WAL frame `frames[i]` into `db`, in few system
   * calls: each run of consecutive pages is one write, and within it each run of
   * consecutive frames one read (a checkpoint of one big commit is then a handful of
   * reads and writes instead of two calls per page).
   */
  #copyFrames(wal: VfsFile, db: VfsFile, pgnos: number[], frames: number[]): void {
    const ps = this.#pageSize;
    const fsz = FRAME_HEADER_SIZE + ps;
    const batch = Math.max(1, Math.min(CHECKPOINT_BATCH, pgnos.length));
    const out = new Uint8Array(ps * batch);
    let raw: Uint8Array | null = null;
    for (let i = 0; i < pgnos.length;) {
      let j = i + 1;
      while (j < pgnos.length && j - i < batch && pgnos[j] === pgnos[j - 1] + 1) j++;
      for (let k = i; k < j;) {
        let m = k + 1;
        while (m < j && frames[m] === frames[m - 1] + 1) m++;
        const dst = (k - i) * ps;
        if (m - k === 1) {
          this.readFrame(frames[k], out.subarray(dst, dst + ps));
        } else {
          raw ??= new Uint8Array(fsz * batch);
          const want = (m - k) * fsz;
          const got = wal.read(raw.subarray(0, want), frameOffset(frames[k], ps));
          if (got < want) throw new SqliteError("SQLITE_IOERR_SHORT_READ", "disk I/O error");
          for (let n = 0; n < m - k; n++) {
            const at = n * fsz + FRAME_HEADER_SIZE;
            out.set(raw.subarray(at, at + ps), dst + n * ps);
          }
        }
        k = m;
      }
      db.write(out.subarray(0, (j - i) * ps), (pgnos[i] - 1) * ps);
      i = j;
    }
  }

  /** Deletes the WAL file (after a complete checkpoint, with every other connection gone). */
  deleteFile(syncDir: boolean): void {
    const xp = this.#shared.xp;
    if (xp !== null) {
      // H says "no frames" before the file goes, so a process attaching meanwhile trusts
      // no frame of it (the caller holds EXCLUSIVE: no other connection is reading).
      const s = this.#now;
      this.#nowForCommit = false;
      xp.read(s);
      xp.writeHeaderAndBackfill({ ...s, mxFrame: 0, dbSize: 0 });
    }
    this.#file?.close();
    this.#file = null;
    this.#vfs.delete(this.#path, syncDir);
    this.#shared.reset();
    this.#shared.header = null;
  }

  /** Forgets the wal-index so the next use rescans the file (after an I/O error). */
  invalidate(): void {
    this.#shared.recovered = false;
  }

  /** Closes the file and detaches from the shared wal-index. */
  close(self: object): void {
    if (this.#detached) return;
    this.#detached = true;
    this.#shared.readers.delete(self);
    this.#unpin();
    try {
      this.#file?.close();
    } finally {
      this.#file = null;
      detachWalShared(this.#shared);
    }
  }
}

/**
 * A header standing for the generation H names, used to seed the next one (salt-1 + 1);
 * null (a random salt-1) when there never was one.
 */
function basisHeader(s: IndexSnapshot, pageSize: number): WalHeader | null {
  if (s.salt1 === 0 && s.salt2 === 0 && s.checkpointSeq === 0) return null;
  return {
    bigEndian: false,
    pageSize,
    checkpointSeq: s.checkpointSeq,
    salt1: s.salt1,
    salt2: s.salt2,
    cksum1: s.ck0,
    cksum2: s.ck1,
  };
}

/**
 * Reads frames `from + 1 .. to` of `f`, checking each against `hdr`'s salts and the
 * checksum chain `ck` (updated in place), and appends their page numbers to `out`.
 * Returns the database size of frame `to` when every frame is valid and `to` is a commit
 * frame, else -1.
 */
function scanFrames(
  f: VfsFile,
  hdr: WalHeader,
  from: number,
  to: number,
  ck: Uint32Array,
  out: number[],
): number {
  const ps = hdr.pageSize;
  const fsz = FRAME_HEADER_SIZE + ps;
  const buf = new Uint8Array(fsz * Math.min(SCAN_BATCH, Math.max(to - from, 1)));
  const scratch = new Uint32Array(2);
  let commit = 0;
  for (let n = from; n < to;) {
    const count = Math.min(SCAN_BATCH, to - n);
    const want = count * fsz;
    if (f.read(buf.subarray(0, want), frameOffset(n + 1, ps)) < want) return -1;
    for (let i = 0; i < count; i++) {
      const pgno = checkFrame(buf, i * fsz, hdr, ck, scratch);
      if (pgno === 0) return -1;
      out.push(pgno);
      commit = get4(buf, i * fsz + 4);
    }
    n += count;
  }
  return commit === 0 ? -1 : commit;
}

/** What a scan of a WAL file found. */
interface ScanResult {
  header: WalHeader;
  /** Page numbers of the frames up to the last valid commit frame. */
  frames: number[];
  /** Database size at that commit frame. */
  dbSize: number;
  /** Checksum at that commit frame (the header's when there is none). */
  ck: Uint32Array;
}

/**
 * Scans a WAL file: a header with a wrong magic, version or checksum (or a page size other
 * than `pageSize`, unless 0) means there is no log (null); frames are read until the first
 * whose salts or checksum do not match, and only those up to the last commit frame count.
 */
export function scanWal(f: VfsFile, pageSize: number): ScanResult | null {
  const size = f.size();
  if (size < WAL_HEADER_SIZE) return null;
  const hb = new Uint8Array(WAL_HEADER_SIZE);
  f.read(hb, 0);
  const hdr = parseWalHeader(hb);
  if (hdr === null || (pageSize !== 0 && hdr.pageSize !== pageSize)) return null;
  const ps = hdr.pageSize;
  const fsz = FRAME_HEADER_SIZE + ps;
  const total = Math.floor((size - WAL_HEADER_SIZE) / fsz);
  const ck = new Uint32Array([hdr.cksum1, hdr.cksum2]);
  const scratch = new Uint32Array(2);
  const result: ScanResult = { header: hdr, frames: [], dbSize: 0, ck: ck.slice() };
  const frames = result.frames;
  const buf = new Uint8Array(fsz * Math.min(SCAN_BATCH, Math.max(total, 1)));
  let n = 0;
  let committed = 0;
  scan: while (n < total) {
    const count = Math.min(SCAN_BATCH, total - n);
    const got = f.read(buf.subarray(0, count * fsz), frameOffset(n + 1, ps));
    for (let i = 0; i < count; i++) {
      if ((i + 1) * fsz > got) break scan;
      const at = i * fsz;
      const pgno = checkFrame(buf, at, hdr, ck, scratch);
      if (pgno === 0) break scan;
      frames.push(pgno);
      n++;
      const commit = get4(buf, at + 4);
      if (commit !== 0) {
        committed = n;
        result.dbSize = commit;
        result.ck.set(ck);
      }
    }
  }
  frames.length = committed;
  return result;
}
