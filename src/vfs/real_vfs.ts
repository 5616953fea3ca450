/**
 * The VFS over real files, with synchronous Deno.FsFile calls.
 *
 * Durability of directory entries follows SQLite's unix VFS: a file this VFS created
 * has its directory fsynced on its first {@link VfsFile.sync} (so a new journal cannot
 * vanish after its content was made durable), and {@link RealVfs.delete} with `syncDir`
 * fsyncs the directory after the unlink. On Linux Deno can open a directory read-only
 * and `syncSync()` it, which is what both use.
 * @module
 */

import {
  closeSync,
  existsSync,
  fstatSync,
  openSync as nodeOpenSync,
  readvSync as nodeReadvSync,
} from "node:fs";
import { SqliteError } from "../errors.ts";
import { refuseIfSqliteHasIt } from "./foreign_locks.ts";
import { LockTable } from "./lock_table.ts";
import { OsLockBackend } from "./os_lock.ts";
import { LockLevel, type OpenFlags, type Vfs, type VfsFile } from "./vfs.ts";

/**
 * Where a file's locks are arbitrated: the in-process {@link LockTable} alone (connections
 * of one process), or {@link OsLockBackend}, which takes the in-process lock and then
 * flock(2) locks on lock files beside the database (several processes; os_lock.ts).
 */
export interface LockBackend {
  /** Raises `owner`'s lock on `key`; false when busy. */
  acquire(key: string, owner: object, level: LockLevel): boolean;
  /** Lowers `owner`'s lock on `key` to `level`. */
  release(key: string, owner: object, level: LockLevel): void;
  /** True when an owner other than `owner` holds RESERVED or more. */
  reservedByOther(key: string, owner: object): boolean;
  /** `owner`'s file closed: drop its locks and whatever it opened for them. */
  close?(key: string, owner: object): void;
}

/** The lock table shared by every RealVfs of this process (keyed by real path). */
export const processLockTable: LockTable = new LockTable();

/** The default backend: {@link processLockTable} plus cross-process flock locks. */
export const processOsLocks: OsLockBackend = new OsLockBackend(processLockTable);

/** Options for {@link RealVfs}. */
export interface RealVfsOptions {
  /** Where locks are arbitrated; defaults to {@link processOsLocks}. */
  locks?: LockBackend;
}

/** The real file system. */
export class RealVfs implements Vfs {
  readonly #locks: LockBackend;

  /** Creates a VFS over the real file system. */
  constructor(options: RealVfsOptions = {}) {
    this.#locks = options.locks ?? processOsLocks;
  }

  /** Opens `path`; SQLITE_CANTOPEN "unable to open database file" when it cannot. */
  open(path: string, flags: OpenFlags): VfsFile {
    let existed = false;
    try {
      existed = true;
      if (Deno.statSync(path).isDirectory) {
        throw new SqliteError("SQLITE_CANTOPEN_ISDIR", "unable to open database file");
      }
    } catch (e) {
      if (e instanceof SqliteError) throw e;
      existed = false;
    }
    if (!existed && !flags.create) {
      throw new SqliteError("SQLITE_CANTOPEN", "unable to open database file");
    }
    let file: Deno.FsFile;
    try {
      file = Deno.openSync(path, {
        read: true,
        write: !flags.readOnly,
        create: flags.create && !flags.readOnly,
      });
    } catch (e) {
      throw new SqliteError("SQLITE_CANTOPEN", "unable to open database file", { cause: e });
    }
    let key: string;
    try {
      key = Deno.realPathSync(path);
    } catch (e) {
      file.close();
      throw new SqliteError("SQLITE_CANTOPEN", "unable to open database file", { cause: e });
    }
    return new RealFile(file, key, path, !existed, this.#locks);
  }

  /** Removes `path` (missing is fine); with `syncDir`, fsyncs its directory afterwards. */
  delete(path: string, syncDir: boolean): void {
    try {
      // The common case is a missing file (a WAL never written, at close): asking first
      // is ~2 us where a failing removeSync costs ~70 us building its NotFound error.
      if (existsSync(path)) Deno.removeSync(path);
    } catch (e) {
      if (!(e instanceof Deno.errors.NotFound)) {
        throw new SqliteError("SQLITE_IOERR_DELETE", "disk I/O error", { cause: e });
      }
    }
    if (syncDir) syncDirectory(path);
  }

  /**
   * True when `path` exists. Like SQLite's unix xAccess (access(2) with F_OK), any failure
   * to look the path up counts as "does not exist". node:fs's existsSync is used because it
   * does not throw: Deno.statSync on a missing path costs ~20 us building the NotFound
   * error, ~2 us otherwise, and the pager asks about `-journal` and `-wal` often.
   */
  exists(path: string): boolean {
    return existsSync(path);
  }
}

/** The directory part of `path` ("." when it has none). */
function dirname(path: string): string {
  const i = path.lastIndexOf("/");
  if (i < 0) return ".";
  if (i === 0) return "/";
  return path.slice(0, i);
}

/** fsyncs the directory holding `path`, making entry changes in it durable. */
function syncDirectory(path: string): void {
  let dir: Deno.FsFile | undefined;
  try {
    dir = Deno.openSync(dirname(path), { read: true });
    dir.syncSync();
  } catch (e) {
    throw new SqliteError("SQLITE_IOERR_FSYNC", "disk I/O error", { cause: e });
  } finally {
    dir?.close();
  }
}

/** A placeholder for {@link RealFile}'s readvSync buffer list between reads. */
const EMPTY = new Uint8Array(0);

function isDiskFull(e: unknown): boolean {
  return e instanceof Error && /ENOSPC|No space left/i.test(e.message);
}

/** One open real file. */
class RealFile implements VfsFile {
  readonly #file: Deno.FsFile;
  readonly #key: string;
  readonly #path: string;
  readonly #locks: LockBackend;
  #needsDirSync: boolean;
  #closed = false;
  /** Where the OS file position is, so sequential I/O skips the seek. -1 = unknown. */
  #pos = -1;
  /**
   * A read-only node:fs descriptor of the same file, for reads that would need a seek: its
   * positioned read is one op (~0.8 us) where Deno's seek + read are two (~1.0 us); a read
   * at the current position stays Deno's (~0.6 us). Opened on the first such read; -1 = not
   * yet, -2 = not available (then every read seeks, as before).
   */
  #rfd = -1;
  /**
   * The one-buffer list for node:fs readvSync, reused. With a single buffer readvSync reads
   * into it directly, skipping readSync's argument checks, the BigInt it makes of the
   * position and the subarray it makes of the buffer: ~0.1-0.2 us of a ~1.1 us read.
   */
  readonly #one: Uint8Array[] = [EMPTY];
  /** A look for SQLite's locks found none (see lock). */
  #foreignChecked = false;
  /** When the last look before a write lock found none (performance.now()). */
  #foreignCheckedAt = -Infinity;

  constructor(file: Deno.FsFile, key: string, path: string, created: boolean, locks: LockBackend) {
    this.#file = file;
    this.#key = key;
    this.#path = path;
    this.#needsDirSync = created;
    this.#locks = locks;
  }

  #seek(offset: number): void {
    if (this.#pos !== offset) {
      this.#file.seekSync(offset, Deno.SeekMode.Start);
      this.#pos = offset;
    }
  }

  read(buf: Uint8Array, offset: number): number {
    let done = 0;
    try {
      if (this.#pos !== offset && (this.#rfd >= 0 || (this.#rfd === -1 && this.#openRfd()))) {
        const fd = this.#rfd;
        const one = this.#one;
        one[0] = buf;
        while (done < buf.length) {
          const n = nodeReadvSync(fd, one, offset + done);
          if (n === 0) break;
          done += n;
          if (done < buf.length) one[0] = buf.subarray(done);
        }
        // Not keeping the caller's buffer alive (the catch below does it on a failure).
        one[0] = EMPTY;
        return done;
      }
      this.#seek(offset);
      while (done < buf.length) {
        const n = this.#file.readSync(done === 0 ? buf : buf.subarray(done));
        if (n === null || n === 0) break;
        done += n;
        this.#pos += n;
      }
    } catch (e) {
      this.#pos = -1;
      this.#one[0] = EMPTY;
      throw new SqliteError("SQLITE_IOERR_READ", "disk I/O error", { cause: e });
    }
    return done;
  }

  /**
   * Opens {@link #rfd}; false when it cannot be (or names another file: the path may have
   * been replaced since this file was opened).
   */
  #openRfd(): boolean {
    let fd = -1;
    try {
      fd = nodeOpenSync(this.#path, "r");
      const a = fstatSync(fd);
      const b = this.#file.statSync();
      if (a.ino === b.ino && a.dev === b.dev) {
        this.#rfd = fd;
        return true;
      }
    } catch {
      // Reads seek then.
    }
    if (fd >= 0) {
      try {
        closeSync(fd);
      } catch {
        // Never used.
      }
    }
    this.#rfd = -2;
    return false;
  }

  write(data: Uint8Array, offset: number): void {
    let done = 0;
    try {
      this.#seek(offset);
      while (done < data.length) {
        const n = this.#file.writeSync(done === 0 ? data : data.subarray(done));
        done += n;
        this.#pos += n;
      }
    } catch (e) {
      this.#pos = -1;
      if (isDiskFull(e)) {
        throw new SqliteError("SQLITE_FULL", "database or disk is full", { cause: e });
      }
      throw new SqliteError("SQLITE_IOERR_WRITE", "disk I/O error", { cause: e });
    }
  }

  truncate(size: number): void {
    try {
      this.#file.truncateSync(size);
    } catch (e) {
      throw new SqliteError("SQLITE_IOERR_TRUNCATE", "disk I/O error", { cause: e });
    }
  }

  sync(): void {
    try {
      this.#file.syncDataSync();
    } catch (e) {
      throw new SqliteError("SQLITE_IOERR_FSYNC", "disk I/O error", { cause: e });
    }
    if (this.#needsDirSync) {
      syncDirectory(this.#path);
      this.#needsDirSync = false;
    }
  }

  size(): number {
    try {
      return this.#file.statSync().size;
    } catch (e) {
      throw new SqliteError("SQLITE_IOERR_FSTAT", "disk I/O error", { cause: e });
    }
  }

  lock(level: LockLevel): boolean {
    // SQLite's fcntl locks and our flocks do not see each other (foreign_locks.ts). Look for
    // SQLite's before the first read lock - until a look finds none - and before writing, at
    // most once a second: reading /proc/locks costs ~35 us, too much for every transaction.
    if (level === LockLevel.SHARED && !this.#foreignChecked) {
      refuseIfSqliteHasIt(this.#key);
      this.#foreignChecked = true;
    } else if (level === LockLevel.RESERVED) {
      const now = performance.now();
      if (now - this.#foreignCheckedAt >= 1000) {
        refuseIfSqliteHasIt(this.#key);
        this.#foreignCheckedAt = now;
      }
    }
    return this.#locks.acquire(this.#key, this, level);
  }

  unlock(level: LockLevel): void {
    this.#locks.release(this.#key, this, level);
  }

  checkReservedLock(): boolean {
    return this.#locks.reservedByOther(this.#key, this);
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#locks.close !== undefined) this.#locks.close(this.#key, this);
    else this.#locks.release(this.#key, this, LockLevel.NONE);
    try {
      this.#file.close();
    } catch {
      // Closing cannot lose data that matters: every durable write was synced.
    }
    if (this.#rfd >= 0) {
      const fd = this.#rfd;
      // A closed descriptor's number may soon name another file: never read it again.
      this.#rfd = -2;
      try {
        closeSync(fd);
      } catch {
        // Only ever read.
      }
    }
  }
}
