/**
 * Write-ahead logging (wal.html, walformat.html): one connection's view of the `-wal` file.
 *
 * - Commit appends one frame per changed page with a single write (after the header, on
 *   the first commit of a generation, which is written and synced on its own first:
 *   otherwise a reordered write after a restart could revive an older generation's frames),
 *   then, under synchronous FULL/EXTRA, one fsync of the WAL. The frame holding the
 *   database size is the commit frame; nothing after the last valid one exists.
 * - A read transaction pins a snapshot: the last commit frame when it began. Pages are
 *   looked up in a private index (page -> newest frame of the snapshot) that is brought up
 *   to date from the shared wal-index ({@link WalShared}) at each read start.
 * - A checkpoint syncs the WAL, copies the newest version of each page at or below every
 *   reader's mark into the database file, truncates the file when it copied everything,
 *   syncs it, and only then records the frames as backfilled. A crash at any point
 *   leaves the WAL intact, so recovery simply copies again.
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

/** Largest frame buffer a connection keeps between commits (bytes). */
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
  /** Reused by {@link beginRead}: this connection's read mark and the changed-page list. */
  readonly #readMark: ReaderMark = { gen: 0, mark: 0, usesWal: false };
  readonly #changed: number[] = [];

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
    sh.recovered = true;
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
    let changed: "all" | number[];
    if (sh.gen === this.#gen && sh.mxFrame >= this.#mark) {
      // Reused: callers only iterate it before the next beginRead.
      changed = this.#changed;
      changed.length = 0;
      for (let i = this.#mark; i < sh.mxFrame; i++) {
        const pgno = sh.frames[i];
        this.#index.set(pgno, i + 1);
        changed.push(pgno);
      }
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
    this.#usesWal = sh.mxFrame > sh.backfill;
    // One mark object per connection, updated in place: a read transaction per statement
    // should not allocate.
    const m = this.#readMark;
    m.gen = this.#gen;
    m.mark = this.#mark;
    m.usesWal = this.#usesWal;
    sh.readers.set(self, m);
    this.#reading = true;
    return changed;
  }

  /** Ends the read transaction (drops its read mark). */
  endRead(self: object): void {
    this.#shared.readers.delete(self);
    this.#reading = false;
  }

  /** True when the snapshot is the latest commit (a writer may start from it). */
  isLatest(): boolean {
    this.#recover();
    return this.#gen === this.#shared.gen && this.#mark === this.#shared.mxFrame;
  }

  /** The frame holding the snapshot's version of `pgno`, or 0 (read it from the database file). */
  frameFor(pgno: number): number {
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

  /**
   * Appends a transaction: `pages` (ascending page numbers, each a full page image) with
   * the last frame marked as the commit frame holding `dbSize`. The caller holds the
   * writer lock and has checked {@link isLatest}.
   */
  commit(
    self: object,
    pages: [number, Uint8Array][],
    dbSize: number,
    sync: SynchronousLevel,
  ): void {
    if (pages.length === 0) return;
    this.#recover();
    const sh = this.#shared;
    const ps = this.#pageSize;
    // Start the log over when every frame is in the database and no other reader needs them.
    if (sh.mxFrame > 0 && sh.backfill === sh.mxFrame && !sh.walInUse(self)) sh.reset();
    const f = this.#openFile(true)!;
    if (sh.mxFrame === 0) {
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
    const buf = this.#frameBuffer(fsz * pages.length);
    const ck = this.#ck;
    ck[0] = sh.ck[0];
    ck[1] = sh.ck[1];
    for (let i = 0; i < pages.length; i++) {
      const [pgno, page] = pages[i];
      writeFrame(buf, i * fsz, hdr, pgno, i === pages.length - 1 ? dbSize : 0, page, ck);
    }
    f.write(buf, frameOffset(sh.mxFrame + 1, ps));
    if (sync === "full" || sync === "extra") f.sync();
    // The commit is on disk: publish it.
    const gen = sh.gen;
    if (this.#gen !== gen) {
      this.#index.clear();
      this.#mark = 0;
    }
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
    if (this.#reading) sh.readers.set(self, { gen, mark: this.#mark, usesWal: true });
  }

  /**
   * A scratch buffer of `size` bytes for {@link commit}'s frames. Small commits (the common
   * one-row case) reuse one buffer instead of allocating and collecting it per commit;
   * large ones get a buffer of their own, so a bulk load does not pin megabytes.
   */
  #frameBuffer(size: number): Uint8Array {
    if (size > KEEP_FRAME_BUFFER) return new Uint8Array(size);
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
    const ps = this.#pageSize;
    const self = this.#reading && this.isLatest() ? owner : null;
    let busy = mode !== "passive" && writerBusy;
    const blocking = !busy && mode !== "passive";
    const mx = sh.mxFrame;
    const safe = sh.safeFrame(self);
    if (blocking && safe < mx) busy = true;
    if (safe > sh.backfill) {
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
      if (safe === mx && db.size() !== sh.dbSize * ps) db.truncate(sh.dbSize * ps);
      if (sync !== "off") db.sync();
      sh.backfill = safe;
    }
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
          sh.readers.set(self, { gen: sh.gen, mark: 0, usesWal: false });
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
    try {
      this.#file?.close();
    } finally {
      this.#file = null;
      detachWalShared(this.#shared);
    }
  }
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
