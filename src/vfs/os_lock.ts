/**
 * Cross-process file locks: SQLite's SHARED/RESERVED/PENDING/EXCLUSIVE emulated with
 * flock(2) on small lock files, combined with the in-process {@link LockTable}.
 *
 * Why lock files: Deno only offers whole-file advisory locks (`FsFile.tryLockSync`,
 * flock(2)), not the byte-range locks SQLite's unix VFS takes at PENDING_BYTE. So each
 * lock "byte" is a file of its own in a directory beside the database,
 * `<database>-tsqlite-locks/`:
 * - `pending`: EXCLUSIVE flock = PENDING. A reader takes it SHARED for an instant while it
 *   acquires SHARED, so a waiting writer turns new readers away (as SQLite does).
 * - `shared`: SHARED flock = SHARED; EXCLUSIVE = an EXCLUSIVE flock on it (which waits for
 *   every reader to leave). Only the holder of `pending` ever asks for it exclusively.
 * - `reserved`: EXCLUSIVE flock = RESERVED (one writer at a time).
 * In WAL mode the same directory also holds the shared wal-index and its locks
 * (`wal-index`, `wal-open`, `ckpt`, `read0`..`read7`; src/pager/wal_index.ts).
 * flock belongs to an open file description and the OS drops it when the process dies,
 * so a killed process never leaves a lock behind. The lock files themselves stay (deleting
 * a lock file another process has open would split the lock in two).
 *
 * Every connection (owner) opens its own descriptors, so flock also arbitrates between
 * connections of one process; the in-process table is still asked first because it is
 * cheap and gives the exact SQLite rules (a failed EXCLUSIVE keeps PENDING) without a
 * system call when the conflict is local.
 *
 * A flock conversion (shared to exclusive or back) is not atomic: the kernel drops the old
 * lock first. That is harmless here because conversions happen only while `pending` is held
 * exclusively, and nobody else can then ask for `shared` exclusively.
 *
 * When the lock directory cannot be created (a read-only directory), locking falls back to
 * the in-process table alone.
 * @module
 */

import { SqliteError } from "../errors.ts";
import type { LockTable } from "./lock_table.ts";
import { LockLevel } from "./vfs.ts";

/** The directory holding the lock files of the database at (real) path `dbPath`. */
export function lockDirPath(dbPath: string): string {
  return dbPath + "-tsqlite-locks";
}

/** Opens (creating) lock file `name` for the database at `dbPath`; null when impossible. */
export function openLockFile(dbPath: string, name: string): Deno.FsFile | null {
  const dir = lockDirPath(dbPath);
  const path = `${dir}/${name}`;
  try {
    return Deno.openSync(path, { read: true, write: true, create: true });
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) {
      try {
        Deno.mkdirSync(dir, { recursive: true });
        return Deno.openSync(path, { read: true, write: true, create: true });
      } catch {
        // fall through to a read-only attempt
      }
    }
  }
  try {
    return Deno.openSync(path, { read: true });
  } catch {
    return null;
  }
}

/** flock without blocking; SQLITE_IOERR_LOCK when the OS refuses for another reason. */
export function tryFlock(f: Deno.FsFile, exclusive: boolean): boolean {
  try {
    return f.tryLockSync(exclusive);
  } catch (e) {
    throw new SqliteError("SQLITE_IOERR_LOCK", "disk I/O error", { cause: e });
  }
}

/** Drops a flock. */
export function unflock(f: Deno.FsFile): void {
  try {
    f.unlockSync();
  } catch (e) {
    throw new SqliteError("SQLITE_IOERR_UNLOCK", "disk I/O error", { cause: e });
  }
}

/** One owner's descriptors on the lock files and what it holds through them. */
class OwnerLocks {
  level: LockLevel = LockLevel.NONE;
  /** `shared` is held exclusively (EXCLUSIVE). */
  sharedExcl = false;
  /** `pending` is held exclusively. */
  pending = false;
  constructor(
    readonly shared: Deno.FsFile,
    readonly reserved: Deno.FsFile,
    readonly pendingFile: Deno.FsFile,
  ) {}

  close(): void {
    for (const f of [this.shared, this.reserved, this.pendingFile]) {
      try {
        f.close(); // closing drops any flock still held
      } catch {
        // already closed
      }
    }
  }
}

/**
 * The lock backend for real files: the in-process table, then flock on the lock files
 * (see the module documentation). Structurally a `LockBackend` of real_vfs.ts.
 */
export class OsLockBackend {
  readonly #table: LockTable;
  /** Per owner; `null` = lock files unavailable, in-process locking only. */
  readonly #owners = new Map<object, OwnerLocks | null>();

  /** Wraps `table` (the process-wide table of in-process connections). */
  constructor(table: LockTable) {
    this.#table = table;
  }

  #locks(key: string, owner: object): OwnerLocks | null {
    let o = this.#owners.get(owner);
    if (o !== undefined) return o;
    const s = openLockFile(key, "shared");
    const r = s && openLockFile(key, "reserved");
    const p = r && openLockFile(key, "pending");
    if (s === null || r === null || p === null) {
      s?.close();
      r?.close();
      o = null;
    } else {
      o = new OwnerLocks(s, r, p);
    }
    this.#owners.set(owner, o);
    return o;
  }

  /** Raises `owner`'s lock on `key` to `level`; false when busy (here or in another process). */
  acquire(key: string, owner: object, level: LockLevel): boolean {
    const before = this.#table.level(key, owner);
    if (before >= level) return true;
    if (!this.#table.acquire(key, owner, level)) {
      // A failed EXCLUSIVE keeps PENDING in the table: keep the OS state in step.
      if (level === LockLevel.EXCLUSIVE && this.#table.level(key, owner) === LockLevel.PENDING) {
        const o = this.#locks(key, owner);
        if (o !== null && !this.#osTo(o, LockLevel.PENDING)) {
          this.#table.release(key, owner, before);
        }
      }
      return false;
    }
    const o = this.#locks(key, owner);
    if (o === null) return true;
    let ok = false;
    try {
      ok = this.#osTo(o, level);
    } finally {
      if (!ok) {
        // Undo the in-process step, but keep PENDING if the OS kept it.
        this.#table.release(key, owner, before);
        if (o.pending && level === LockLevel.EXCLUSIVE) {
          this.#table.acquire(key, owner, LockLevel.PENDING);
        }
      }
    }
    return ok;
  }

  /** Raises the OS locks of `o` to `level`; false (keeping what it had, plus PENDING) when busy. */
  #osTo(o: OwnerLocks, level: LockLevel): boolean {
    if (o.level === LockLevel.NONE) {
      // SHARED: refused while a writer holds (or waits with) PENDING.
      if (!tryFlock(o.pendingFile, false)) return false;
      const got = tryFlock(o.shared, false);
      unflock(o.pendingFile);
      if (!got) return false;
      o.level = LockLevel.SHARED;
    }
    if (level === LockLevel.SHARED) return true;
    if (o.level < LockLevel.RESERVED) {
      if (!tryFlock(o.reserved, true)) return false;
      o.level = LockLevel.RESERVED;
    }
    if (level === LockLevel.RESERVED) return true;
    if (!o.pending) {
      if (!tryFlock(o.pendingFile, true)) return false;
      o.pending = true;
      o.level = LockLevel.PENDING;
    }
    if (level === LockLevel.PENDING) return true;
    if (!tryFlock(o.shared, true)) {
      // The failed conversion may have dropped our shared lock: take it back (cannot fail,
      // as no one else asks for `shared` exclusively while we hold `pending`).
      tryFlock(o.shared, false);
      return false;
    }
    o.sharedExcl = true;
    o.level = LockLevel.EXCLUSIVE;
    return true;
  }

  /** Lowers `owner`'s lock on `key` to `level` (NONE or SHARED). */
  release(key: string, owner: object, level: LockLevel): void {
    this.#table.release(key, owner, level);
    const o = this.#owners.get(owner);
    if (o === undefined || o === null || o.level <= level) return;
    if (level === LockLevel.NONE) {
      unflock(o.shared);
      o.sharedExcl = false;
    } else if (o.sharedExcl) {
      tryFlock(o.shared, false); // converts back while `pending` still keeps others out
      o.sharedExcl = false;
    }
    if (o.level >= LockLevel.RESERVED) unflock(o.reserved);
    if (o.pending) {
      unflock(o.pendingFile);
      o.pending = false;
    }
    o.level = level;
  }

  /** True when an owner other than `owner`, here or in another process, holds RESERVED or more. */
  reservedByOther(key: string, owner: object): boolean {
    if (this.#table.reservedByOther(key, owner)) return true;
    const o = this.#locks(key, owner);
    if (o === null || o.level >= LockLevel.RESERVED) return false;
    if (!tryFlock(o.reserved, false)) return true;
    unflock(o.reserved);
    return false;
  }

  /** Forgets `owner` (its file closed): drops its locks and closes its lock files. */
  close(key: string, owner: object): void {
    this.#table.release(key, owner, LockLevel.NONE);
    const o = this.#owners.get(owner);
    this.#owners.delete(owner);
    o?.close();
  }
}

/** SQLite's unix busy-handler delays (ms): short first, then longer. */
const DELAYS = [1, 2, 5, 10, 15, 20, 25, 25, 25, 50, 50, 100];

let sleeper: Int32Array | null = null;

/** Sleeps `ms` milliseconds synchronously (Atomics.wait on a private SharedArrayBuffer). */
export function sleepSync(ms: number): void {
  if (sleeper === null) sleeper = new Int32Array(new SharedArrayBuffer(4));
  Atomics.wait(sleeper, 0, 0, ms);
}

/**
 * Calls `attempt` until it returns true or `timeoutMs` milliseconds have passed, sleeping
 * between tries like SQLite's default busy handler. With a timeout of 0 or less it tries
 * once. Returns the last result.
 */
export function retryUntil(attempt: () => boolean, timeoutMs: number): boolean {
  if (attempt()) return true;
  if (!(timeoutMs > 0)) return false;
  const deadline = performance.now() + timeoutMs;
  for (let i = 0;; i++) {
    const left = deadline - performance.now();
    if (left <= 0) return false;
    sleepSync(Math.min(DELAYS[Math.min(i, DELAYS.length - 1)], left));
    if (attempt()) return true;
  }
}
