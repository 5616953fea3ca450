/**
 * The wal-index: what every connection of this process knows about one database's WAL,
 * shared through a process-wide registry (SQLite keeps the same facts in the `-shm` file).
 *
 * Design:
 * - One {@link WalShared} per database file, keyed like the in-process lock table: by the
 *   real path for {@link RealVfs} files (so two `Database` objects on one file share it),
 *   by (VFS object, path) for any other VFS (each MemoryVfs crash image is a new world).
 *   It is created by the first connection that uses the file in WAL mode, which rebuilds
 *   it by scanning the `-wal` file, and dropped when the last such connection detaches.
 * - It holds the committed frames of the current WAL generation: `frames[i]` is the page
 *   number in frame i+1, up to `mxFrame`, the last valid commit frame. Frames written after
 *   it (a crashed or failed commit) are not in it and are overwritten by the next writer,
 *   whose checksum chain continues from `ck`, the checksum of frame `mxFrame`.
 * - `gen` numbers WAL generations in this process: it changes whenever frame numbers start
 *   meaning something else (a restart, a truncation, a new header).
 * - Read marks: every open read transaction registers the snapshot it sees
 *   ({@link ReaderMark}). A checkpoint copies only frames at or below every reader's mark
 *   (a reader of another generation, or one reading the database file only, pins the file
 *   as it is), so it never overwrites a page a reader still needs from the database file.
 *   A writer restarts the log only when no other reader takes pages from WAL frames.
 *   JavaScript runs one connection at a time and every pager call is synchronous, so
 *   within a process these facts need no locking beyond the database file's RESERVED lock,
 *   which serializes writers.
 * - Across processes (real files with a usable lock directory) `xp` is the shared part
 *   ({@link WalIndexFile}, wal_index.ts): H there is the truth, and this object a cache of
 *   it, which each read start, writer and checkpoint brings up to date by reading the
 *   WAL's new frames (wal.ts). Read transactions then also pin shared read slots.
 * @module
 */

import { SqliteError } from "../errors.ts";
import { openLockFile, tryFlock } from "../vfs/os_lock.ts";
import { RealVfs } from "../vfs/real_vfs.ts";
import type { Vfs } from "../vfs/vfs.ts";
import type { WalHeader } from "./wal_format.ts";
import { WalIndexFile } from "./wal_index.ts";

/** The snapshot one read transaction uses. */
export interface ReaderMark {
  /** WAL generation the snapshot belongs to. */
  gen: number;
  /** Last frame of the snapshot. */
  mark: number;
  /** True when the reader takes pages from WAL frames (false: from the database file only). */
  usesWal: boolean;
  /** False between this connection's read transactions (the entry stays: see Wal.endRead). */
  reading: boolean;
}

/** The shared wal-index of one database file. See the module documentation. */
export class WalShared {
  /** Connections attached. */
  refs = 0;
  /** Where the registry keeps it (set by {@link attachWalShared}). */
  home: { table: Map<string, WalShared>; key: string } | null = null;
  /** The WAL file has been scanned. */
  recovered = false;
  /** Generation number (process-local). */
  gen = 1;
  /** The valid header of the WAL on disk, or null (absent, garbage, or not yet written). */
  header: WalHeader | null = null;
  /** Page number of each committed frame (index 0 = frame 1). */
  frames: number[] = [];
  /** Last valid commit frame (0 = the WAL holds nothing). */
  mxFrame = 0;
  /** Database size in pages at frame `mxFrame`. */
  dbSize = 0;
  /** Checksum at frame `mxFrame` (the header's when 0). */
  readonly ck: Uint32Array = new Uint32Array(2);
  /** Frames already copied into the database file (and synced there). */
  backfill = 0;
  /** Open read transactions by owner. */
  readonly readers: Map<object, ReaderMark> = new Map();
  /** The index shared with other processes; null = this process only (see the module notes). */
  xp: WalIndexFile | null = null;
  /**
   * Without a writable lock directory (no {@link xp}): this process's exclusive flock on
   * `wal-open`, which keeps every other process from attaching while this one uses the WAL
   * with a private index; null when there is no lock directory at all (nobody shares then).
   */
  solo: Deno.FsFile | null = null;
  /** Across processes: this index follows H of the generation with these salts. */
  hKnown = false;
  /** Salt-1 of that generation. */
  hSalt1 = 0;
  /** Salt-2 of that generation. */
  hSalt2 = 0;

  /** Forgets every frame; the next writer starts a new generation. */
  reset(): void {
    this.frames = [];
    this.mxFrame = 0;
    this.dbSize = 0;
    this.backfill = 0;
    this.gen++;
  }

  /** Highest frame a checkpoint may copy without disturbing a reader other than `self`. */
  safeFrame(self: object | null): number {
    let safe = this.mxFrame;
    for (const [owner, r] of this.readers) {
      if (owner === self || !r.reading) continue;
      const limit = r.gen === this.gen ? r.mark : 0;
      if (limit < safe) safe = limit;
    }
    return safe;
  }

  /** True when a reader other than `self` takes pages from this generation's frames. */
  walInUse(self: object | null): boolean {
    for (const [owner, r] of this.readers) {
      if (owner !== self && r.reading && r.usesWal && r.gen === this.gen && r.mark > 0) {
        return true;
      }
    }
    return false;
  }
}

const realFiles = new Map<string, WalShared>();
const otherFiles = new WeakMap<Vfs, Map<string, WalShared>>();

function realKey(path: string): string {
  try {
    return Deno.realPathSync(path);
  } catch {
    return path;
  }
}

function tableFor(vfs: Vfs, path: string): [Map<string, WalShared>, string] {
  if (vfs instanceof RealVfs) return [realFiles, realKey(path)];
  let t = otherFiles.get(vfs);
  if (t === undefined) {
    t = new Map();
    otherFiles.set(vfs, t);
  }
  return [t, path];
}

/** Attaches to the shared wal-index of the database at `path` on `vfs` (creating it). */
export function attachWalShared(vfs: Vfs, path: string): WalShared {
  const [table, key] = tableFor(vfs, path);
  let s = table.get(key);
  if (s === undefined) {
    s = new WalShared();
    s.home = { table, key };
    // Real files are shared with other processes through the lock directory.
    if (table === realFiles) {
      s.xp = WalIndexFile.open(key);
      if (s.xp === null) s.solo = takeSoloGuard(key);
    }
    table.set(key, s);
  }
  s.refs++;
  return s;
}

/**
 * A process that cannot write the lock directory (read-only permission, or a directory it
 * may not write) cannot take part in the shared index: it could neither claim read marks
 * nor publish what it recovers, so another process's checkpoint could overwrite pages its
 * private index still reads from the WAL. It may use the WAL only alone: it holds `wal-open`
 * exclusively (the flock works on a read-only descriptor), so others cannot attach, and it
 * gets SQLITE_BUSY while another process has the WAL attached - the guard of old.
 */
function takeSoloGuard(key: string): Deno.FsFile | null {
  const f = openLockFile(key, "wal-open");
  if (f === null) return null;
  if (!tryFlock(f, true)) {
    f.close();
    throw new SqliteError("SQLITE_BUSY", "database is locked");
  }
  return f;
}

/** Detaches from it; the last connection to detach drops it. */
export function detachWalShared(shared: WalShared): void {
  shared.refs--;
  const home = shared.home;
  if (shared.refs <= 0) {
    // Closing the descriptors drops this process's `wal-open` lock and every pin.
    shared.xp?.close();
    shared.xp = null;
    shared.solo?.close();
    shared.solo = null;
    if (home !== null && home.table.get(home.key) === shared) home.table.delete(home.key);
  }
}
