/**
 * The WAL-mode process guard: until the wal-index is shared between processes (see README,
 * "Several processes"), only one process at a time may use a database in WAL mode. Each
 * process holds an exclusive flock on `<database>-tsqlite-locks/wal-process` while any of
 * its connections has the database's WAL attached; another process then gets SQLITE_BUSY
 * instead of appending frames its own stale wal-index would place over the first one's.
 * The OS drops the flock when the process dies.
 * @module
 */

import { SqliteError } from "../errors.ts";
import { openLockFile, tryFlock } from "./os_lock.ts";

const held = new Map<string, { file: Deno.FsFile | null; refs: number }>();

/**
 * Takes this process's WAL guard on the database at real path `key` (counted per process);
 * SQLITE_BUSY "database is locked" when another process holds it. Without a lock
 * directory (read-only place) there is no guard.
 */
export function acquireWalProcessLock(key: string): void {
  const h = held.get(key);
  if (h !== undefined) {
    h.refs++;
    return;
  }
  const file = openLockFile(key, "wal-process");
  if (file !== null && !tryFlock(file, true)) {
    file.close();
    throw new SqliteError("SQLITE_BUSY", "database is locked");
  }
  held.set(key, { file, refs: 1 });
}

/** Gives back one reference to the guard; the last one drops the flock. */
export function releaseWalProcessLock(key: string): void {
  const h = held.get(key);
  if (h === undefined) return;
  if (--h.refs > 0) return;
  held.delete(key);
  h.file?.close();
}
