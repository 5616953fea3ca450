/**
 * The cross-process part of the wal-index (SQLite's `-shm`, walformat.html): what every
 * process using a database in WAL mode must agree on, kept in small files of the lock
 * directory `<database>-tsqlite-locks/` (os_lock.ts) because Deno has no shared memory
 * between processes and only whole-file flock(2) locks.
 *
 * Files (see also README.md, "Several processes"):
 * - `wal-index`: 112 bytes, words in this machine's byte order (the file never leaves it):
 *   - H, words 0..9: magic, salt-1, salt-2, checkpoint sequence, mxFrame (last commit
 *     frame), database size at it, the checksum chain at it (2 words), page size, and a
 *     checksum of those. Written only by the writer (holding the database's RESERVED lock)
 *     after its frames are in the WAL, by a TRUNCATE checkpoint (RESERVED + every read
 *     slot), by the last connection before it deletes the WAL (EXCLUSIVE), and by
 *     recovery (the `wal-open` lock exclusively).
 *   - read marks, words 10..23: for slot i = 1..7 the frame a reader pinned and its
 *     complement (a torn value then reads as a mismatch). Written only while holding the
 *     slot's lock file exclusively. Mark 1 follows H so that a writer pinning slot 1 can
 *     publish H and move its mark up in one write ({@link WalIndexFile.publish}).
 *   - B, words 24..27: salt-1, salt-2, nBackfill, checksum. Written only by a checkpoint
 *     (holding `ckpt`); it counts only while its salts equal H's (a restart voids it).
 *   Every reader reads the whole file with one pread and retries while a checksum fails
 *   (a concurrent write seen half-way).
 * - `wal-open`: every process with the WAL attached holds it shared; the first one takes
 *   it exclusively, scans the WAL file (recovery) and writes H, then keeps it shared. So
 *   H is trusted only while someone is attached, and rebuilt from the WAL after everyone
 *   died (including frames a killed writer wrote but never published).
 * - `read0`..`read7`: SQLite's WAL_READ_LOCK(i). A reader holds one shared for the length
 *   of its read transaction (or exclusively: see {@link WalIndexFile.publish}). read0 =
 *   "the WAL is fully backfilled: I read the database
 *   file only"; a checkpoint copies frames only while holding read0 exclusively. readN
 *   (N >= 1) = "I read frames up to mark N": a checkpoint copies no frame past a mark it
 *   cannot lock, and a WAL restart needs read1..read7 exclusively. A stale mark nobody
 *   holds is rewritten by the next one to lock it, so a killed reader leaves nothing that
 *   matters.
 * - `ckpt`: held exclusively for the whole of a checkpoint (one at a time).
 *
 * Within one process the descriptors are shared by every connection (flock belongs to the
 * open file description), so read slots are reference-counted here, and a slot other
 * connections of this process pin is never converted (that would drop their pin).
 * @module
 */

import {
  closeSync,
  openSync as nodeOpenSync,
  readvSync as nodeReadvSync,
  writeSync as nodeWriteSync,
} from "node:fs";
import { SqliteError } from "../errors.ts";
import { lockDirPath, openLockFile, sleepSync, tryFlock, unflock } from "../vfs/os_lock.ts";

/** Read slots, read0..read7 (SQLite has 5; more slots mean fewer readers sharing a mark). */
export const NREADER = 8;
/** A slot value meaning "no reader uses this". */
export const READMARK_NOT_USED = 0xffffffff;

/** "2IWT" (the layout's second version: marks before B). */
const MAGIC = 0x54574932;
const H = 0;
const H_WORDS = 9;
/** Right after H, so a writer publishes H and moves mark 1 up with one write. */
const MARKS = 10;
const B = MARKS + 2 * (NREADER - 1);
const WORDS = B + 4;
const BYTES = WORDS * 4;
/** Retries of a read that keeps finding a torn record before giving up (SQLITE_PROTOCOL). */
const READ_TRIES = 1000;
/** Tries at pinning a snapshot before SQLITE_PROTOCOL (SQLite gives up after ~100 too). */
const PIN_TRIES = 200;

/** H: the last commit every process must see. */
export interface IndexHeader {
  /** Salts of the WAL generation. */
  salt1: number;
  /** Salts of the WAL generation. */
  salt2: number;
  /** The WAL header's checkpoint sequence. */
  checkpointSeq: number;
  /** Last valid commit frame (0 = no frames). */
  mxFrame: number;
  /** Database size in pages at mxFrame. */
  dbSize: number;
  /** Checksum chain at mxFrame (the WAL header's when mxFrame is 0). */
  ck0: number;
  /** Checksum chain, second word. */
  ck1: number;
  /** Page size of the WAL. */
  pageSize: number;
}

/** One consistent read of the index file (H, backfill and marks). */
export class IndexSnapshot implements IndexHeader {
  salt1 = 0;
  salt2 = 0;
  checkpointSeq = 0;
  mxFrame = 0;
  dbSize = 0;
  ck0 = 0;
  ck1 = 0;
  pageSize = 0;
  /** Frames copied into the database (0 when B belongs to another generation). */
  backfill = 0;
  /** Read marks by slot (index 0 unused). */
  readonly marks: Uint32Array = new Uint32Array(NREADER);

  /** Makes this a copy of `s`. */
  copyFrom(s: IndexSnapshot): void {
    this.salt1 = s.salt1;
    this.salt2 = s.salt2;
    this.checkpointSeq = s.checkpointSeq;
    this.mxFrame = s.mxFrame;
    this.dbSize = s.dbSize;
    this.ck0 = s.ck0;
    this.ck1 = s.ck1;
    this.pageSize = s.pageSize;
    this.backfill = s.backfill;
    this.marks.set(s.marks);
  }
}

function mix(w: Uint32Array, from: number, to: number): number {
  let h = 0x811c9dc5;
  for (let i = from; i < to; i++) {
    h = Math.imul(h ^ w[i], 0x01000193);
    h ^= h >>> 15;
  }
  return (h ^ 0x5bd1e995) >>> 0;
}

/** The shared index files of one database for this process (see the module notes). */
export class WalIndexFile {
  readonly #key: string;
  readonly #file: Deno.FsFile;
  /**
   * A second descriptor of `wal-index` for {@link read} and {@link #write}: node:fs's
   * positioned read or write is one system call (~0.8 us) where Deno's seek + read are two
   * (~1.0-1.4 us), paid by every read transaction (a read, and a mark write when the WAL
   * moved on) and every commit (H). -1 when it could not be opened or is closed (then
   * #file is used; a closed descriptor's number may already name another file).
   */
  #rfd: number;
  readonly #open: Deno.FsFile;
  /** `ckpt` and `read0..7`, opened on first use (an open is ~10 us; most go unused). */
  #ckptFile: Deno.FsFile | null = null;
  readonly #slotFiles: (Deno.FsFile | null)[] = new Array(NREADER).fill(null);
  /** In-process pins per slot; the slot's flock is held while > 0. */
  readonly #refs = new Int32Array(NREADER);
  /** 1 where this process's flock on a slot is exclusive (see {@link publish}). */
  readonly #excl = new Uint8Array(NREADER);
  readonly #buf = new Uint8Array(BYTES);
  /**
   * {@link #buf} as readvSync's buffer list: node:fs readvSync with one buffer reads into it
   * directly and validates less than readSync (no BigInt position, no subarray): ~0.1 us
   * less per read transaction.
   */
  readonly #bufs = [this.#buf];
  readonly #w = new Uint32Array(this.#buf.buffer);
  /** For {@link #repin}. */
  readonly #scratch = new IndexSnapshot();
  readonly #out = new Uint8Array(BYTES);
  readonly #ow = new Uint32Array(this.#out.buffer);
  #attached = false;
  /** The slot the last read transaction of this process used (first guess for the next). */
  #lastSlot = 0;
  /** A slot still flocked though no reader pins it (-1: none); see {@link unpin}. */
  #linger = -1;
  #lingerQueued = false;
  readonly #dropLingerTask = () => {
    this.#lingerQueued = false;
    this.#dropLinger();
  };
  #closed = false;

  private constructor(key: string, file: Deno.FsFile, rfd: number, open: Deno.FsFile) {
    this.#key = key;
    this.#file = file;
    this.#rfd = rfd;
    this.#open = open;
  }

  /** Lock file `name`, opened now; SQLITE_CANTOPEN when even that fails. */
  #lockFile(name: string): Deno.FsFile {
    const f = openLockFile(this.#key, name);
    if (f === null) throw new SqliteError("SQLITE_CANTOPEN", "unable to open database file");
    return f;
  }

  /** The descriptor of read slot `i`. */
  #slot(i: number): Deno.FsFile {
    return this.#slotFiles[i] ??= this.#lockFile(`read${i}`);
  }

  get #ckpt(): Deno.FsFile {
    return this.#ckptFile ??= this.#lockFile("ckpt");
  }

  /**
   * Opens the index files of the database at real path `key`; null when the lock
   * directory is not usable for writing (then WAL sharing stays within this process).
   */
  static open(key: string): WalIndexFile | null {
    const path = `${lockDirPath(key)}/wal-index`;
    let file: Deno.FsFile;
    try {
      file = Deno.openSync(path, { read: true, write: true, create: true });
    } catch {
      // openLockFile creates the directory; the index must also be writable.
      const probe = openLockFile(key, "wal-index");
      if (probe === null) return null;
      probe.close();
      try {
        file = Deno.openSync(path, { read: true, write: true });
      } catch {
        return null;
      }
    }
    const open = openLockFile(key, "wal-open");
    if (open === null) {
      file.close();
      return null;
    }
    let rfd = -1;
    try {
      rfd = nodeOpenSync(path, "r+");
    } catch {
      // Reads and writes go through `file` then.
    }
    return new WalIndexFile(key, file, rfd, open);
  }

  /**
   * Joins the processes using the WAL (once per process). The first one (no other process
   * attached) runs `recover` - a scan of the WAL file - and publishes its result as H.
   */
  attach(recover: () => IndexHeader): void {
    if (this.#attached) return;
    for (let i = 0;; i++) {
      if (tryFlock(this.#open, true)) {
        try {
          const h = recover();
          // H, B and the marks in one write.
          this.#fillHeader(h);
          this.#fillBackfill(h.salt1, h.salt2, 0);
          for (let s = 1; s < NREADER; s++) this.#fillMark(s, s === 1 ? 0 : READMARK_NOT_USED);
          this.#write(0, WORDS);
        } catch (e) {
          unflock(this.#open);
          throw e;
        }
        // Converting drops the lock for an instant; whoever takes it then recovers again
        // (nobody can have committed meanwhile: nobody else was attached).
        if (tryFlock(this.#open, false)) break;
      } else if (tryFlock(this.#open, false)) {
        break;
      }
      // Another process is recovering: wait for it (a dead one's lock is gone at once).
      if (i > 10000) throw new SqliteError("SQLITE_BUSY", "database is locked");
      sleepSync(1);
    }
    this.#attached = true;
  }

  /** Reads the index into `out`; retries torn records, SQLITE_PROTOCOL if they persist. */
  read(out: IndexSnapshot): void {
    const w = this.#w;
    for (let tries = 0; tries < READ_TRIES; tries++) {
      let got: number;
      try {
        if (this.#rfd >= 0) {
          got = nodeReadvSync(this.#rfd, this.#bufs, 0);
        } else {
          this.#file.seekSync(0, Deno.SeekMode.Start);
          got = this.#file.readSync(this.#buf) ?? 0;
        }
      } catch (e) {
        throw new SqliteError("SQLITE_IOERR_READ", "disk I/O error", { cause: e });
      }
      if (got < BYTES || w[H] !== MAGIC || w[H + H_WORDS] !== mix(w, H, H + H_WORDS)) {
        if (tries > 10) sleepSync(1);
        continue;
      }
      let torn = false;
      for (let i = 1; i < NREADER; i++) {
        const at = MARKS + 2 * (i - 1);
        if (((w[at] ^ w[at + 1]) >>> 0) !== 0xffffffff) torn = true;
        out.marks[i] = w[at];
      }
      if (torn || w[B + 3] !== mix(w, B, B + 3)) {
        if (tries > 10) sleepSync(1);
        continue;
      }
      out.salt1 = w[1];
      out.salt2 = w[2];
      out.checkpointSeq = w[3];
      out.mxFrame = w[4];
      out.dbSize = w[5];
      out.ck0 = w[6];
      out.ck1 = w[7];
      out.pageSize = w[8];
      out.backfill = w[B] === w[1] && w[B + 1] === w[2] ? Math.min(w[B + 2], w[4]) : 0;
      return;
    }
    throw new SqliteError("SQLITE_PROTOCOL", "locking protocol");
  }

  #write(from: number, to: number): void {
    try {
      if (this.#rfd >= 0) {
        const at = from * 4;
        const len = (to - from) * 4;
        if (nodeWriteSync(this.#rfd, this.#out, at, len, at) === len) return;
      }
      const data = this.#out.subarray(from * 4, to * 4);
      this.#file.seekSync(from * 4, Deno.SeekMode.Start);
      let done = 0;
      while (done < data.length) done += this.#file.writeSync(data.subarray(done));
    } catch (e) {
      throw new SqliteError("SQLITE_IOERR_WRITE", "disk I/O error", { cause: e });
    }
  }

  /** Publishes H (one write, so a reader sees the old or the new record whole or torn). */
  writeHeader(h: IndexHeader): void {
    this.#fillHeader(h);
    this.#write(H, H + H_WORDS + 1);
  }

  /**
   * Publishes H after a commit of this process. The caller holds the writer lock (H cannot
   * move and the WAL cannot restart until it lets go) and its transaction pins `slot`, its
   * snapshot now being H. When no other connection of this process pins that slot, its
   * mark moves up to H's last frame in the same write (slot 1) and the slot stays locked
   * exclusively, as the pin: the next transaction finds the mark exact and pins it with
   * one read, where claiming a slot anew would cost a flock, a write, a flock and a
   * re-read after every commit. (SQLite pays nothing for either: its marks are in shared
   * memory.) Other processes meanwhile read through other slots. Returns the slot the
   * transaction pins afterwards.
   */
  publish(h: IndexHeader, slot: number): number {
    // Whatever can fail comes before H is out: an error after it would report a commit
    // every process already sees as failed (and the caller would roll back its cache).
    if (slot >= 1 && this.#refs[slot] === 1) {
      if (this.#excl[slot] === 1 || tryFlock(this.#slot(slot), true)) {
        this.#excl[slot] = 1;
        this.#fillHeader(h);
        this.#fillMark(slot, h.mxFrame);
        const at = MARKS + 2 * (slot - 1);
        if (at === H + H_WORDS + 1) {
          this.#write(H, at + 2);
        } else {
          // The mark first: above H until H follows, it is passed over by readers and
          // restrains no checkpoint, which is right, as nobody else pins the slot.
          this.#write(at, at + 2);
          this.#write(H, H + H_WORDS + 1);
        }
        return slot;
      }
      // Another process pins the slot too, and the refused conversion may have dropped ours.
      slot = this.#repin(slot);
    }
    this.#fillHeader(h);
    this.#write(H, H + H_WORDS + 1);
    return slot;
  }

  /**
   * Takes the shared flock of `slot` back after a refused conversion (someone may hold it
   * exclusively for an instant: a reader claiming it, a checkpoint rewriting its mark) and
   * checks that its mark still covers no frame past H's last one, the caller's snapshot (it
   * holds the writer lock, so H stays put and the WAL cannot restart). If a checkpoint
   * marked the slot unused meanwhile, pins another slot for the snapshot instead. Returns
   * the pinned slot; throws SQLITE_PROTOCOL when no pin can be had.
   */
  #repin(slot: number): number {
    const f = this.#slot(slot);
    for (let i = 0; !tryFlock(f, false); i++) {
      if (i >= PIN_TRIES) throw new SqliteError("SQLITE_PROTOCOL", "locking protocol");
      sleepSync(i > 10 ? 1 : 0);
    }
    this.#excl[slot] = 0;
    const s = this.#scratch;
    this.read(s);
    if (s.marks[slot] <= s.mxFrame) return slot;
    for (let tries = 0; tries < PIN_TRIES; tries++) {
      if (tries > 5) sleepSync(1);
      const mx = s.mxFrame;
      let other = -1;
      for (let i = 1; i < NREADER && other < 0; i++) {
        if (i === slot || !this.tryExclusive(i)) continue;
        this.writeMark(i, mx);
        this.#excl[i] = 0;
        if (!tryFlock(this.#slot(i), false)) continue;
        this.#refs[i] = 1;
        other = i;
      }
      if (other < 0) other = this.#pinShared(s, 1 << slot);
      this.read(s);
      if (other >= 0) {
        if (s.marks[other] <= s.mxFrame) {
          this.unpin(slot);
          this.#dropLinger();
          return other;
        }
        this.unpin(other);
        this.#dropLinger();
      }
    }
    throw new SqliteError("SQLITE_PROTOCOL", "locking protocol");
  }

  /**
   * Pins (shared) the slot with the highest mark at most `s.mxFrame` that can be pinned,
   * skipping the slots in the bit set `skip`; -1 when none can.
   */
  #pinShared(s: IndexSnapshot, skip: number): number {
    const mx = s.mxFrame;
    for (;;) {
      let best = -1;
      let bestMark = 0;
      for (let i = 1; i < NREADER; i++) {
        const m = s.marks[i];
        if ((skip & (1 << i)) === 0 && m <= mx && (best < 0 || m > bestMark)) {
          best = i;
          bestMark = m;
        }
      }
      if (best < 0 || this.pin(best)) return best;
      skip |= 1 << best;
    }
  }

  #fillHeader(h: IndexHeader): void {
    const o = this.#ow;
    o[0] = MAGIC;
    o[1] = h.salt1;
    o[2] = h.salt2;
    o[3] = h.checkpointSeq;
    o[4] = h.mxFrame;
    o[5] = h.dbSize;
    o[6] = h.ck0;
    o[7] = h.ck1;
    o[8] = h.pageSize;
    o[H_WORDS] = mix(o, H, H + H_WORDS);
  }

  /** Publishes H and an nBackfill of 0 for it. */
  writeHeaderAndBackfill(h: IndexHeader): void {
    this.#fillHeader(h);
    this.#fillBackfill(h.salt1, h.salt2, 0);
    // Two writes (the marks lie between): B's salts void it for any other H, so a reader
    // seeing the one without the other takes nBackfill as 0 either way.
    this.#write(H, H + H_WORDS + 1);
    this.#write(B, B + 4);
  }

  /** Publishes nBackfill for the generation with these salts. */
  writeBackfill(salt1: number, salt2: number, backfill: number): void {
    this.#fillBackfill(salt1, salt2, backfill);
    this.#write(B, B + 4);
  }

  #fillBackfill(salt1: number, salt2: number, backfill: number): void {
    const o = this.#ow;
    o[B] = salt1;
    o[B + 1] = salt2;
    o[B + 2] = backfill;
    o[B + 3] = mix(o, B, B + 3);
  }

  /** Sets read mark `slot` (1..7); the caller holds the slot exclusively. */
  writeMark(slot: number, value: number): void {
    this.#fillMark(slot, value);
    const at = MARKS + 2 * (slot - 1);
    this.#write(at, at + 2);
  }

  #fillMark(slot: number, value: number): void {
    const at = MARKS + 2 * (slot - 1);
    this.#ow[at] = value;
    this.#ow[at + 1] = ~value >>> 0;
  }

  /** Takes a shared pin on `slot` (counted in-process); false when someone holds it exclusively. */
  pin(slot: number): boolean {
    if (this.#refs[slot] > 0) {
      this.#refs[slot]++;
      return true;
    }
    if (this.#linger === slot) {
      this.#linger = -1;
    } else if (tryFlock(this.#slot(slot), false)) {
      this.#excl[slot] = 0;
    } else {
      return false;
    }
    this.#refs[slot] = 1;
    return true;
  }

  /** Drops this process's flock on `slot`. */
  #unlock(slot: number): void {
    this.#excl[slot] = 0;
    unflock(this.#slot(slot));
  }

  /**
   * Gives back one pin of `slot`. The last one keeps the flock until the current run of
   * synchronous JavaScript ends (a microtask drops it): statements run back to back then
   * pin once instead of paying two flock calls each (~1.5 us of a ~4 us lookup), while a
   * process waiting on anything holds no pin. Its own checkpoints and restarts drop it
   * first. The price: while a process keeps running JavaScript without yielding, its last
   * snapshot stays pinned between its transactions (an open read transaction's effect).
   */
  unpin(slot: number): void {
    if (this.#refs[slot] <= 0) return;
    if (--this.#refs[slot] > 0 || this.#closed) return;
    if (this.#linger >= 0) this.#unlock(this.#linger);
    this.#linger = slot;
    if (!this.#lingerQueued) {
      this.#lingerQueued = true;
      queueMicrotask(this.#dropLingerTask);
    }
  }

  /** Drops the lingering flock (see {@link unpin}). */
  #dropLinger(): void {
    const l = this.#linger;
    if (l < 0) return;
    this.#linger = -1;
    if (!this.#closed && this.#refs[l] === 0) this.#unlock(l);
  }

  /** Locks `slot` exclusively (nobody in any process reads with it); never one this process pins. */
  tryExclusive(slot: number): boolean {
    if (this.#refs[slot] !== 0) return false;
    if (this.#linger === slot) {
      this.#linger = -1;
      if (this.#excl[slot] === 1) return true;
      // Converting the lingering shared flock is one call where unlock + lock are two.
      // Linux drops the shared lock even when the exclusive one is refused; unlocking then
      // keeps that true everywhere.
      if (tryFlock(this.#slot(slot), true)) {
        this.#excl[slot] = 1;
        return true;
      }
      this.#unlock(slot);
      return false;
    }
    if (!tryFlock(this.#slot(slot), true)) return false;
    this.#excl[slot] = 1;
    return true;
  }

  /** Drops an exclusive lock from {@link tryExclusive}. */
  releaseExclusive(slot: number): void {
    this.#unlock(slot);
  }

  /** Locks read1..read7 exclusively (no reader uses the WAL anywhere), or none of them. */
  tryExclusiveMarks(): boolean {
    for (let i = 1; i < NREADER; i++) {
      if (!this.tryExclusive(i)) {
        for (let j = 1; j < i; j++) this.releaseExclusive(j);
        return false;
      }
    }
    return true;
  }

  /** Drops what {@link tryExclusiveMarks} took. */
  releaseExclusiveMarks(): void {
    for (let i = 1; i < NREADER; i++) this.releaseExclusive(i);
  }

  /** Takes the checkpoint lock; false when another checkpoint runs. */
  tryCkpt(): boolean {
    return tryFlock(this.#ckpt, true);
  }

  /** Drops the checkpoint lock. */
  releaseCkpt(): void {
    unflock(this.#ckpt);
  }

  /**
   * Pins a snapshot for a read transaction (SQLite's walTryBeginRead): on return the
   * returned slot is pinned and `s` holds the index as read after pinning, with
   * slot 0 => everything up to s.mxFrame is in the database file (read it only), and
   * slot >= 1 => its mark is at most s.mxFrame, so no checkpoint copies a frame past the
   * snapshot and the WAL cannot restart until the pin is dropped.
   */
  beginRead(s: IndexSnapshot): number {
    for (let tries = 0; tries < PIN_TRIES; tries++) {
      if (tries > 5) sleepSync(tries > 50 ? 5 : 1);
      // The usual case first: the slot used last time still fits (one flock at most - none
      // when it lingers - and one read).
      const guess = this.#lastSlot;
      if (this.pin(guess)) {
        this.read(s);
        if (guess === 0 ? fitsZero(s) : fitsMark(s, guess, true)) return guess;
        this.unpin(guess);
      } else {
        this.read(s);
      }
      // A lingering flock on the guess is converted, not dropped, when #choose claims it.
      const slot = this.#choose(s);
      this.#dropLinger();
      if (slot < 0) continue;
      this.read(s);
      if (slot === 0 ? fitsZero(s) : fitsMark(s, slot, false)) {
        this.#lastSlot = slot;
        return slot;
      }
      this.unpin(slot);
    }
    throw new SqliteError("SQLITE_PROTOCOL", "locking protocol");
  }

  /** Pins the slot SQLite would choose for `s`; -1 when none could be pinned. */
  #choose(s: IndexSnapshot): number {
    const mx = s.mxFrame;
    if (fitsZero(s)) return this.pin(0) ? 0 : -1;
    let best = -1;
    let bestMark = 0;
    for (let i = 1; i < NREADER; i++) {
      const m = s.marks[i];
      if (m <= mx && (best < 0 || m > bestMark)) {
        best = i;
        bestMark = m;
      }
    }
    const exact = best >= 0 && bestMark === mx;
    if (exact && this.pin(best)) return best;
    // Claim a slot nobody uses for this snapshot's mark.
    for (let i = 1; i < NREADER; i++) {
      if (!this.tryExclusive(i)) continue;
      this.writeMark(i, mx);
      // The conversion is not atomic: re-verified by the caller's read.
      this.#excl[i] = 0;
      if (!tryFlock(this.#slot(i), false)) return -1;
      this.#refs[i] = 1;
      return i;
    }
    // Share the slot with the highest mark below, or another one when that one is held
    // exclusively (a writer's pin, see publish).
    return this.#pinShared(s, exact ? 1 << best : 0);
  }

  /** Closes every descriptor (dropping every flock this process holds on them). */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const f of [this.#open, this.#ckptFile, ...this.#slotFiles]) {
      if (f === null) continue;
      try {
        f.close();
      } catch {
        // already closed
      }
    }
    try {
      this.#file.close();
    } catch {
      // already closed
    }
    if (this.#rfd >= 0) {
      const fd = this.#rfd;
      this.#rfd = -1;
      try {
        closeSync(fd);
      } catch {
        // already closed
      }
    }
  }
}

/** Slot 0 fits when every frame of the snapshot is in the database file. */
function fitsZero(s: IndexSnapshot): boolean {
  return s.backfill >= s.mxFrame;
}

/** Slot `i` fits a snapshot that needs the WAL when its mark is at most the snapshot (or equal). */
function fitsMark(s: IndexSnapshot, i: number, exact: boolean): boolean {
  const m = s.marks[i];
  return s.mxFrame > s.backfill && (exact ? m === s.mxFrame : m <= s.mxFrame);
}
