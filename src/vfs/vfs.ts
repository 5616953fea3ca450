/**
 * The file abstraction the pager is written against. Two implementations:
 * real files (`real_vfs.ts`, synchronous Deno.FsFile calls) and an in-memory one
 * that records every write and sync so tests can simulate a crash (`memory_vfs.ts`).
 * @module
 */

/** SQLite's file lock levels (lockingv3.html). */
export enum LockLevel {
  NONE = 0,
  SHARED = 1,
  RESERVED = 2,
  PENDING = 3,
  EXCLUSIVE = 4,
}

/** How a file is opened. */
export interface OpenFlags {
  /** Create the file when it does not exist. */
  create: boolean;
  /** Open for reading only. */
  readOnly: boolean;
}

/** One open file. Offsets and sizes are in bytes. */
export interface VfsFile {
  /**
   * Reads up to `buf.length` bytes at `offset` into `buf`; returns the number read.
   * Bytes past the end of the file are left untouched (a short read is not an error).
   */
  read(buf: Uint8Array, offset: number): number;
  /** Writes all of `data` at `offset`, growing the file as needed. */
  write(data: Uint8Array, offset: number): void;
  /** Sets the file's size. */
  truncate(size: number): void;
  /** Makes every write so far durable (fsync). */
  sync(): void;
  /** The file's current size. */
  size(): number;
  /**
   * Raises the lock to `level`; returns false when another connection holds a
   * conflicting lock (the caller turns that into SQLITE_BUSY).
   */
  lock(level: LockLevel): boolean;
  /** Lowers the lock to `level` (NONE or SHARED). */
  unlock(level: LockLevel): void;
  /**
   * True when some other connection holds RESERVED or a stronger lock on this file
   * (SQLite's xCheckReservedLock; used to tell a live journal from a hot one).
   * Optional: without it the pager probes by trying to take RESERVED itself.
   */
  checkReservedLock?(): boolean;
  /** Closes the file; releases its locks. */
  close(): void;
}

/** A file system: opens, deletes and tests for files. */
export interface Vfs {
  /** Opens `path`; throws SqliteError SQLITE_CANTOPEN when it cannot. */
  open(path: string, flags: OpenFlags): VfsFile;
  /** Deletes `path` (no error if missing). With `syncDir`, the directory entry change is made durable. */
  delete(path: string, syncDir: boolean): void;
  /** True when `path` exists. */
  exists(path: string): boolean;
}
