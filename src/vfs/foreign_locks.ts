/**
 * Spotting SQLite itself on a database tsqlite is about to use.
 *
 * SQLite locks with fcntl (POSIX) byte-range locks inside the database file and its `-shm`;
 * tsqlite locks with flock on its own lock files (os_lock.ts), because Deno has no fcntl.
 * Neither sees the other's locks, so the two must not use one database at the same moment.
 * On Linux the kernel lists every POSIX lock in `/proc/locks` (device and inode of the file,
 * owning process), which lets tsqlite notice a live SQLite connection: one in WAL mode always
 * holds a lock on its `-shm`, and one in rollback mode holds locks on the database while a
 * transaction is open. Where `/proc/locks` cannot be read (another OS, or `--allow-read`
 * not covering it - the permission is only queried, never prompted for) nothing is detected.
 * @module
 */

import { existsSync } from "node:fs";
import { SqliteError } from "../errors.ts";

/** Set once /proc/locks proved unreadable: permissions are not granted later without a prompt. */
let unreadable = Deno.build.os !== "linux";

/** Reads the lock table; undefined where it is unavailable. Replaceable for tests. */
export let readLockTable = (): string | undefined => {
  if (unreadable) return undefined;
  try {
    if (Deno.permissions.querySync({ name: "read", path: "/proc/locks" }).state !== "granted") {
      unreadable = true;
      return undefined;
    }
    return Deno.readTextFileSync("/proc/locks");
  } catch {
    // Deno wants --allow-all for /proc even where --allow-read covers it (NotCapable).
    unreadable = true;
    return undefined;
  }
};

/** Replaces the lock-table reader (tests); returns the previous one. */
export function setLockTableReader(f: () => string | undefined): () => string | undefined {
  const old = readLockTable;
  readLockTable = f;
  return old;
}

/** `/proc/locks`' "major:minor:inode" for a path (major and minor in two-digit hex). */
function fileId(path: string): string | undefined {
  // existsSync first: a failing statSync costs ~20 us building its NotFound error.
  if (!existsSync(path)) return undefined;
  try {
    const st = Deno.statSync(path);
    if (st.dev === null || st.ino === null) return undefined;
    const dev = st.dev;
    // Linux's dev_t encoding (glibc's gnu_dev_major/minor).
    const major = ((dev >>> 8) & 0xfff) | (Math.floor(dev / 2 ** 32) & ~0xfff);
    const minor = (dev & 0xff) | ((dev >>> 12) & ~0xff);
    const hex = (n: number) => n.toString(16).padStart(2, "0");
    return `${hex(major)}:${hex(minor)}:${st.ino}`;
  } catch {
    return undefined;
  }
}

/**
 * Process ids holding POSIX (fcntl) locks on any of `paths` - SQLite connections, our own
 * process's node:sqlite included. Empty when there are none or it cannot be told.
 */
export function posixLockHolders(paths: string[]): number[] {
  const table = readLockTable();
  if (table === undefined) return [];
  const ids = new Set<string>();
  for (const p of paths) {
    const id = fileId(p);
    if (id !== undefined) ids.add(id);
  }
  if (ids.size === 0) return [];
  const pids = new Set<number>();
  for (const line of table.split("\n")) {
    // "12: POSIX  ADVISORY  READ 4242 fe:00:16039945 128 128"; waiters have "->" after the id.
    const f = line.trim().split(/\s+/).filter((w) => w !== "->");
    if (f.length < 6 || f[1] !== "POSIX") continue;
    if (ids.has(f[5])) pids.add(Number(f[4]));
  }
  return [...pids];
}

/**
 * Throws SQLITE_BUSY when SQLite holds locks on the database at `path` (or its `-shm`):
 * using it from tsqlite at the same time could corrupt it.
 */
export function refuseIfSqliteHasIt(path: string): void {
  const pids = posixLockHolders([path, `${path}-shm`]);
  if (pids.length === 0) return;
  const who = pids.includes(Deno.pid) ? "this process (node:sqlite?)" : `process ${pids[0]}`;
  throw new SqliteError(
    "SQLITE_BUSY",
    `database is locked: SQLite has it open in ${who}; tsqlite and SQLite must not use ` +
      `one database at the same moment (their file locks do not see each other)`,
  );
}
