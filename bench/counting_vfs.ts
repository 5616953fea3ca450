/**
 * A VFS wrapper that counts and times each file operation, to turn a workload into
 * "so many reads, fstats and syncs per lookup, costing so much". Used by
 * bench/profile_workload.ts with `--io`.
 *
 * @module
 */
import { RealVfs } from "../mod.ts";
import type { Vfs, VfsFile } from "../mod.ts";

/** Count and total milliseconds of one operation. */
export interface OpStat {
  /** Calls. */
  count: number;
  /** Milliseconds spent inside them. */
  ms: number;
}

/** A {@link Vfs} that forwards to another and records per-operation counts and times. */
export class CountingVfs implements Vfs {
  /** Statistics by operation name ("read", "write", "size", "sync", ...). */
  readonly stats = new Map<string, OpStat>();
  readonly #inner: Vfs;
  readonly #memoSize: boolean;

  /**
   * Wraps `inner` (default: real files). With `memoSize`, size() is answered from memory
   * until the file is written or truncated: wrong if another connection writes, but it
   * measures what a pager that does not fstat per statement would gain (a what-if only).
   */
  constructor(inner: Vfs = new RealVfs(), memoSize = false) {
    this.#inner = inner;
    this.#memoSize = memoSize;
  }

  /** Forgets the statistics so far. */
  reset(): void {
    this.stats.clear();
  }

  #time<T>(op: string, fn: () => T): T {
    const t0 = performance.now();
    try {
      return fn();
    } finally {
      const s = this.stats.get(op) ?? { count: 0, ms: 0 };
      s.count++;
      s.ms += performance.now() - t0;
      this.stats.set(op, s);
    }
  }

  /** Opens `path`, wrapping the file. */
  open(path: string, flags: { create: boolean; readOnly: boolean }): VfsFile {
    const f = this.#time("open", () => this.#inner.open(path, flags));
    const tag = path.endsWith("-wal") ? "wal." : path.endsWith("-journal") ? "journal." : "";
    const t = <T>(op: string, fn: () => T) => this.#time(tag + op, fn);
    let size = -1;
    const memo = this.#memoSize;
    const file: VfsFile = {
      read: (buf, offset) => t("read", () => f.read(buf, offset)),
      write: (data, offset) => {
        size = -1;
        t("write", () => f.write(data, offset));
      },
      truncate: (n) => {
        size = -1;
        t("truncate", () => f.truncate(n));
      },
      sync: () => t("sync", () => f.sync()),
      size: () => {
        if (memo && size >= 0) return size;
        return size = t("size", () => f.size());
      },
      lock: (level) => t("lock", () => f.lock(level)),
      unlock: (level) => t("unlock", () => f.unlock(level)),
      close: () => t("close", () => f.close()),
    };
    if (f.checkReservedLock) {
      file.checkReservedLock = () => t("checkReservedLock", () => f.checkReservedLock!());
    }
    return file;
  }

  /** Deletes `path`. */
  delete(path: string, syncDir: boolean): void {
    this.#time("delete", () => this.#inner.delete(path, syncDir));
  }

  /** True when `path` exists. */
  exists(path: string): boolean {
    return this.#time("exists", () => this.#inner.exists(path));
  }

  /** A table of the statistics divided by `ops` operations. */
  report(ops: number): string {
    const lines = [...this.stats].sort((a, b) => b[1].ms - a[1].ms).map(([name, s]) =>
      `${name.padEnd(20)} ${(s.count / ops).toFixed(3).padStart(9)} calls/op ` +
      `${(s.ms * 1000 / ops).toFixed(3).padStart(9)} µs/op ` +
      `${(s.ms * 1000 / s.count).toFixed(3).padStart(8)} µs/call`
    );
    return lines.join("\n");
  }
}
