/**
 * SQLite's five file-lock levels, arbitrated between connections of this process.
 *
 * The rules are those of lockingv3.html: any number of SHARED holders; at most one
 * RESERVED (which coexists with SHARED); PENDING lets existing SHARED holders finish but
 * admits no new ones; EXCLUSIVE excludes every other lock. A failed EXCLUSIVE request
 * keeps the PENDING lock it took on the way, as SQLite's unix VFS does, so that readers
 * drain and a retried commit can succeed.
 * @module
 */

import { LockLevel } from "./vfs.ts";

/**
 * Lock state per file key (the real path for {@link RealVfs}, the path for
 * {@link MemoryVfs}), per owner (one owner per open file handle).
 *
 * This only arbitrates inside one JavaScript process. Cross-process locking (issue 7)
 * is meant to wrap this: take the in-process lock first, then the OS lock on the same
 * transitions (see `LockBackend` in real_vfs.ts).
 */
export class LockTable {
  readonly #files = new Map<string, Map<object, LockLevel>>();

  /** The level `owner` holds on `key`. */
  level(key: string, owner: object): LockLevel {
    return this.#files.get(key)?.get(owner) ?? LockLevel.NONE;
  }

  /**
   * Raises `owner`'s lock on `key` to `level`. Returns false when another owner's lock
   * conflicts; a request that already holds `level` or more succeeds at once.
   */
  acquire(key: string, owner: object, level: LockLevel): boolean {
    let holders = this.#files.get(key);
    if (holders === undefined) {
      holders = new Map();
      this.#files.set(key, holders);
    }
    const current = holders.get(owner) ?? LockLevel.NONE;
    if (current >= level) return true;
    let maxOther: LockLevel = LockLevel.NONE;
    for (const [o, l] of holders) {
      if (o !== owner && l > maxOther) maxOther = l;
    }
    switch (level) {
      case LockLevel.SHARED:
        if (maxOther >= LockLevel.PENDING) return false;
        break;
      case LockLevel.RESERVED:
        if (maxOther >= LockLevel.RESERVED) return false;
        break;
      case LockLevel.PENDING:
        if (maxOther >= LockLevel.RESERVED) return false;
        break;
      case LockLevel.EXCLUSIVE:
        if (maxOther >= LockLevel.RESERVED) return false;
        // PENDING first: new readers are turned away while existing ones finish.
        holders.set(owner, LockLevel.PENDING);
        if (maxOther >= LockLevel.SHARED) return false;
        break;
      default:
        return current >= level;
    }
    holders.set(owner, level);
    return true;
  }

  /** Lowers `owner`'s lock on `key` to `level` (NONE or SHARED); never raises it. */
  release(key: string, owner: object, level: LockLevel): void {
    const holders = this.#files.get(key);
    if (holders === undefined) return;
    const current = holders.get(owner) ?? LockLevel.NONE;
    if (current <= level) return;
    if (level === LockLevel.NONE) {
      holders.delete(owner);
      if (holders.size === 0) this.#files.delete(key);
    } else {
      holders.set(owner, level);
    }
  }

  /** True when an owner other than `owner` holds RESERVED or more on `key`. */
  reservedByOther(key: string, owner: object): boolean {
    const holders = this.#files.get(key);
    if (holders === undefined) return false;
    for (const [o, l] of holders) {
      if (o !== owner && l >= LockLevel.RESERVED) return true;
    }
    return false;
  }
}
