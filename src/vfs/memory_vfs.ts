/**
 * An in-memory VFS that can simulate a power loss, for tests and ":memory:" databases.
 *
 * ## Durability model (SQLite's, atomiccommit.html section 2)
 *
 * Every file has a *durable* image (what survives a crash) and the *current* content (what
 * reads see). A write or truncate changes the current content at once and is queued as
 * pending; {@link VfsFile.sync} makes the current content durable. A crash keeps, per file,
 * the durable image plus an arbitrary subset of the pending operations, applied in order;
 * each kept write may be torn at 512-byte sector boundaries (some sectors new, some old),
 * and a torn sector may hold garbage. Bytes outside the range a write covered are never
 * damaged (SQLite's "powersafe overwrite", on by default).
 *
 * Directory entries are durable separately: creating a file, or deleting one, changes the
 * directory, and a crash may forget that change until the directory is synced. The
 * directory is synced by `delete(path, true)` and, as SQLite's unix VFS does for the
 * journals it creates, by the first `sync()` of a file this VFS created. So a deleted
 * journal can reappear after a crash unless it was deleted with `syncDir`.
 *
 * ## Stopping the world
 *
 * Mutating operations (create, write, truncate, sync, delete) are numbered 1, 2, ... in a
 * global counter ({@link MemoryVfs.opCount}) and logged ({@link MemoryVfs.log}).
 * {@link MemoryVfs.failAfter}(n) lets operations 1..n happen and makes operation n+1 throw
 * a {@link CrashSignal}; from then on every read, write, sync and truncate throws
 * `CrashSignal` too (the machine is off), while lock, unlock and close quietly succeed so
 * the engine can release its state. {@link MemoryVfs.onOperation} sees every mutating
 * operation before it happens and may throw (a `CrashSignal` also stops the world).
 * Then {@link MemoryVfs.crashImage} returns a fresh MemoryVfs holding one possible
 * post-crash disk, chosen by a seed; reopen the database on it.
 *
 * ```ts
 * const vfs = new MemoryVfs();
 * // ... set up, then:
 * vfs.failAfter(vfs.opCount + 7); // crash at the 8th mutating operation from now
 * try { doTransaction(vfs); } catch (e) { if (!(e instanceof CrashSignal)) throw e; }
 * for (let seed = 0; seed < 5; seed++) check(vfs.crashImage({ seed }));
 * ```
 *
 * ## Fault injection
 *
 * {@link MemoryVfs.injectFault} makes the nth read/write/sync/truncate/delete (optionally of
 * one file) throw a SqliteError (SQLITE_IOERR_* or SQLITE_FULL) without doing anything,
 * once or persistently. The world keeps running.
 *
 * For ":memory:" databases construct with `{ track: false }`: no log, no pending list, no
 * durable copies, so memory stays bounded.
 * @module
 */

import { type ResultCodeName, SqliteError } from "../errors.ts";
import { ByteStore } from "./byte_store.ts";
import { LockTable } from "./lock_table.ts";
import { mulberry32 } from "./prng.ts";
import { LockLevel, type OpenFlags, type Vfs, type VfsFile } from "./vfs.ts";

/** The simulated power loss. A SqliteError (SQLITE_IOERR) so the engine treats it as I/O failure. */
export class CrashSignal extends SqliteError {
  /** Creates the signal for operation number `seq`. */
  constructor(readonly seq: number) {
    super("SQLITE_IOERR", `disk I/O error (simulated crash at operation ${seq})`);
    this.name = "CrashSignal";
  }
}

/** Kinds of mutating operations, which the global counter numbers. */
export type OperationKind = "create" | "write" | "truncate" | "sync" | "delete";

/** One logged mutating operation. */
export interface Operation {
  /** Its number in the global counter (1-based). */
  readonly seq: number;
  /** What it does. */
  readonly kind: OperationKind;
  /** The file. */
  readonly path: string;
  /** Write: where. */
  readonly offset?: number;
  /** Write: a copy of the bytes. */
  readonly data?: Uint8Array;
  /** Truncate: the new size. */
  readonly size?: number;
  /** Delete: whether the directory was synced. */
  readonly syncDir?: boolean;
}

/** Operation kinds a fault can be injected into. */
export type FaultOp = "read" | "write" | "sync" | "truncate" | "delete";

/** A fault to inject with {@link MemoryVfs.injectFault}. */
export interface Fault {
  /** Which operation fails. */
  op: FaultOp;
  /** The nth matching operation from now fails (1-based; default 1). */
  nth?: number;
  /** Only operations on paths ending with this string count (e.g. "-journal"). */
  pathSuffix?: string;
  /** The error code; defaults to SQLITE_IOERR_READ/WRITE/FSYNC/TRUNCATE/DELETE. */
  code?: ResultCodeName;
  /** Keep failing every later matching operation too. */
  persistent?: boolean;
}

/** How {@link MemoryVfs.crashImage} picks the surviving disk state. */
export interface CrashImageOptions {
  /** Seed of the random choices (default 0). */
  seed?: number;
  /**
   * "random" (default): durable state plus a seeded-random subset of pending operations;
   * "synced": only what was synced (every pending operation and directory change lost);
   * "all": everything written survives (a process crash, not a power loss).
   */
  mode?: "random" | "synced" | "all";
  /** Probability a pending write survives whole (default 0.4). */
  keepWrite?: number;
  /** Probability a pending write survives torn at sector boundaries (default 0.3). */
  tornWrite?: number;
  /** Probability a sector of a torn write holds garbage rather than old or new bytes (default 0.2). */
  garbage?: number;
  /** Probability a pending truncate survives (default 0.5). */
  keepTruncate?: number;
  /** Probability an unsynced directory change (create/delete) survives (default 0.5). */
  keepEntry?: number;
  /** Sector size for tearing (default 512). */
  sectorSize?: number;
}

/** Options for {@link MemoryVfs}. */
export interface MemoryVfsOptions {
  /** Track durability and log operations (default true); false for ":memory:" use. */
  track?: boolean;
}

type Pending =
  | { kind: "write"; offset: number; data: Uint8Array }
  | { kind: "truncate"; size: number };

/** A file's storage, shared by every handle opened on it (unix inode semantics). */
class Node {
  readonly current: ByteStore;
  durable: ByteStore;
  pending: Pending[] = [];
  /** Created by this VFS and its directory entry not yet synced by a first sync. */
  needsDirSync: boolean;

  constructor(content: Uint8Array | undefined, needsDirSync: boolean) {
    this.current = new ByteStore(content);
    this.durable = new ByteStore(content);
    this.needsDirSync = needsDirSync;
  }
}

function dirname(path: string): string {
  const i = path.lastIndexOf("/");
  return i < 0 ? "" : path.slice(0, i);
}

const defaultFaultCode: Record<FaultOp, ResultCodeName> = {
  read: "SQLITE_IOERR_READ",
  write: "SQLITE_IOERR_WRITE",
  sync: "SQLITE_IOERR_FSYNC",
  truncate: "SQLITE_IOERR_TRUNCATE",
  delete: "SQLITE_IOERR_DELETE",
};

interface ArmedFault {
  fault: Fault;
  remaining: number;
}

/** The in-memory, crash-simulating VFS. See the module documentation. */
export class MemoryVfs implements Vfs {
  /** The mutating operations so far, in order (empty when not tracking). */
  readonly log: Operation[] = [];
  /**
   * Called before each mutating operation with what it is about to do (its `seq` is the
   * number it will get). Throwing vetoes the operation; throwing a CrashSignal also stops
   * the world.
   */
  onOperation: ((op: Operation) => void) | null = null;
  /** Lock arbitration between connections on this VFS. */
  readonly locks: LockTable = new LockTable();

  readonly #track: boolean;
  readonly #current = new Map<string, Node>();
  readonly #durable = new Map<string, Node>();
  #opCount = 0;
  #failAfter: number | null = null;
  #crashedAt: number | null = null;
  #faults: ArmedFault[] = [];

  /** Creates an empty in-memory file system. */
  constructor(options: MemoryVfsOptions = {}) {
    this.#track = options.track ?? true;
  }

  /** How many mutating operations have happened. */
  get opCount(): number {
    return this.#opCount;
  }

  /** True once the world stopped (a CrashSignal was thrown). */
  get crashed(): boolean {
    return this.#crashedAt !== null;
  }

  /**
   * Lets mutating operations up to number `n` happen; number n+1 throws a CrashSignal and
   * stops the world. `null` disarms (an already crashed world stays crashed).
   */
  failAfter(n: number | null): void {
    this.#failAfter = n;
  }

  /** Arms a fault; see {@link Fault}. */
  injectFault(fault: Fault): void {
    this.#faults.push({ fault, remaining: fault.nth ?? 1 });
  }

  /** Disarms every fault. */
  clearFaults(): void {
    this.#faults = [];
  }

  open(path: string, flags: OpenFlags): VfsFile {
    this.#checkAlive();
    let node = this.#current.get(path);
    if (node === undefined) {
      if (!flags.create || flags.readOnly) {
        throw new SqliteError("SQLITE_CANTOPEN", "unable to open database file");
      }
      this.#mutate({ kind: "create", path });
      node = new Node(undefined, this.#track);
      this.#current.set(path, node);
    }
    return new MemFile(this, path, node, flags.readOnly);
  }

  delete(path: string, syncDir: boolean): void {
    this.#checkAlive();
    this.#fault("delete", path);
    this.#mutate({ kind: "delete", path, syncDir });
    this.#current.delete(path);
    if (syncDir) this.#syncDir(dirname(path));
  }

  exists(path: string): boolean {
    this.#checkAlive();
    return this.#current.has(path);
  }

  /** A copy of the file's current content, or null when it does not exist. */
  readFile(path: string): Uint8Array | null {
    return this.#current.get(path)?.current.snapshot() ?? null;
  }

  /** Creates or replaces `path` with `data`, durably (test setup; not logged). */
  writeFile(path: string, data: Uint8Array): void {
    const node = new Node(data, false);
    this.#current.set(path, node);
    this.#durable.set(path, node);
  }

  /** The paths of the existing files, sorted. */
  files(): string[] {
    return [...this.#current.keys()].sort();
  }

  /**
   * One possible disk state after a power loss now, as a new MemoryVfs whose files are
   * fully durable. Deterministic for a given seed and history.
   */
  crashImage(options: CrashImageOptions = {}): MemoryVfs {
    if (!this.#track) {
      throw new SqliteError(
        "SQLITE_MISUSE",
        "crashImage needs a MemoryVfs created with track: true",
      );
    }
    const mode = options.mode ?? "random";
    const rng = mulberry32(options.seed ?? 0);
    const keepWrite = options.keepWrite ?? 0.4;
    const tornWrite = options.tornWrite ?? 0.3;
    const garbage = options.garbage ?? 0.2;
    const keepTruncate = options.keepTruncate ?? 0.5;
    const keepEntry = options.keepEntry ?? 0.5;
    const sector = options.sectorSize ?? 512;

    const out = new MemoryVfs();
    const paths = [...new Set([...this.#current.keys(), ...this.#durable.keys()])].sort();
    for (const path of paths) {
      const cur = this.#current.get(path);
      const dur = this.#durable.get(path);
      let node: Node | undefined;
      if (cur === dur) node = cur;
      else if (mode === "all") node = cur;
      else if (mode === "synced") node = dur;
      else node = rng() < keepEntry ? cur : dur;
      if (node === undefined) continue;
      if (mode === "all") {
        out.writeFile(path, node.current.snapshot());
        continue;
      }
      const image = node.durable.clone();
      if (mode === "random") {
        for (const p of node.pending) {
          if (p.kind === "truncate") {
            if (rng() < keepTruncate) image.truncate(p.size);
            continue;
          }
          const r = rng();
          if (r < keepWrite) {
            image.write(p.data, p.offset);
          } else if (r < keepWrite + tornWrite) {
            tearInto(image, p.offset, p.data, sector, garbage, rng);
          }
        }
      }
      out.writeFile(path, image.snapshot());
    }
    return out;
  }

  // ---- internal, used by MemFile ----

  /** @internal Throws CrashSignal when the world has stopped. */
  checkAlive(): void {
    this.#checkAlive();
  }

  #checkAlive(): void {
    if (this.#crashedAt !== null) throw new CrashSignal(this.#crashedAt);
  }

  /** @internal Fails the operation when an armed fault matches. */
  fault(op: FaultOp, path: string): void {
    this.#fault(op, path);
  }

  #fault(op: FaultOp, path: string): void {
    for (let i = 0; i < this.#faults.length; i++) {
      const armed = this.#faults[i];
      const f = armed.fault;
      if (f.op !== op) continue;
      if (f.pathSuffix !== undefined && !path.endsWith(f.pathSuffix)) continue;
      armed.remaining--;
      if (armed.remaining > 0) continue;
      if (!f.persistent) this.#faults.splice(i, 1);
      const code = f.code ?? defaultFaultCode[op];
      throw new SqliteError(
        code,
        code === "SQLITE_FULL" ? "database or disk is full" : "disk I/O error",
      );
    }
  }

  /** @internal Counts, logs and vets a mutating operation before it happens. */
  mutate(op: Omit<Operation, "seq">): void {
    this.#mutate(op);
  }

  #mutate(op: Omit<Operation, "seq">): void {
    const seq = this.#opCount + 1;
    if (this.#failAfter !== null && seq > this.#failAfter) {
      this.#crashedAt = seq;
      throw new CrashSignal(seq);
    }
    const full: Operation = { seq, ...op };
    if (this.onOperation) {
      try {
        this.onOperation(full);
      } catch (e) {
        if (e instanceof CrashSignal) this.#crashedAt = seq;
        throw e;
      }
    }
    this.#opCount = seq;
    if (this.#track) this.log.push(full);
  }

  /** @internal Records a pending write/truncate on `node`. */
  pending(node: Node, p: Pending): void {
    if (this.#track) node.pending.push(p);
  }

  /** @internal Makes `node`'s content durable (and its directory entry, on first sync). */
  syncNode(path: string, node: Node): void {
    if (!this.#track) return;
    node.durable = node.current.clone();
    node.pending = [];
    if (node.needsDirSync) {
      node.needsDirSync = false;
      this.#syncDir(dirname(path));
    }
  }

  #syncDir(dir: string): void {
    if (!this.#track) return;
    const paths = new Set([...this.#current.keys(), ...this.#durable.keys()]);
    for (const p of paths) {
      if (dirname(p) !== dir) continue;
      const node = this.#current.get(p);
      if (node === undefined) this.#durable.delete(p);
      else {
        this.#durable.set(p, node);
        node.needsDirSync = false;
      }
    }
  }
}

/** Applies `data` at `offset` sector by sector: each sector new, old, or garbage. */
function tearInto(
  image: ByteStore,
  offset: number,
  data: Uint8Array,
  sector: number,
  garbage: number,
  rng: () => number,
): void {
  let pos = offset;
  const end = offset + data.length;
  while (pos < end) {
    const next = Math.min(end, (Math.floor(pos / sector) + 1) * sector);
    const r = rng();
    if (r < garbage) {
      const junk = new Uint8Array(next - pos);
      for (let i = 0; i < junk.length; i++) junk[i] = (rng() * 256) | 0;
      image.write(junk, pos);
    } else if (r < garbage + (1 - garbage) / 2) {
      image.write(data.subarray(pos - offset, next - offset), pos);
    }
    pos = next;
  }
}

/** A handle on a MemoryVfs file. */
class MemFile implements VfsFile {
  readonly #vfs: MemoryVfs;
  readonly #path: string;
  readonly #node: Node;
  readonly #readOnly: boolean;
  #closed = false;

  constructor(vfs: MemoryVfs, path: string, node: Node, readOnly: boolean) {
    this.#vfs = vfs;
    this.#path = path;
    this.#node = node;
    this.#readOnly = readOnly;
  }

  read(buf: Uint8Array, offset: number): number {
    this.#vfs.checkAlive();
    this.#vfs.fault("read", this.#path);
    return this.#node.current.read(buf, offset);
  }

  write(data: Uint8Array, offset: number): void {
    this.#vfs.checkAlive();
    if (this.#readOnly) throw new SqliteError("SQLITE_IOERR_WRITE", "disk I/O error");
    this.#vfs.fault("write", this.#path);
    const copy = data.slice();
    this.#vfs.mutate({ kind: "write", path: this.#path, offset, data: copy });
    this.#node.current.write(copy, offset);
    this.#vfs.pending(this.#node, { kind: "write", offset, data: copy });
  }

  truncate(size: number): void {
    this.#vfs.checkAlive();
    if (this.#readOnly) throw new SqliteError("SQLITE_IOERR_TRUNCATE", "disk I/O error");
    this.#vfs.fault("truncate", this.#path);
    this.#vfs.mutate({ kind: "truncate", path: this.#path, size });
    this.#node.current.truncate(size);
    this.#vfs.pending(this.#node, { kind: "truncate", size });
  }

  sync(): void {
    this.#vfs.checkAlive();
    this.#vfs.fault("sync", this.#path);
    this.#vfs.mutate({ kind: "sync", path: this.#path });
    this.#vfs.syncNode(this.#path, this.#node);
  }

  size(): number {
    this.#vfs.checkAlive();
    return this.#node.current.size;
  }

  lock(level: LockLevel): boolean {
    return this.#vfs.locks.acquire(this.#path, this, level);
  }

  unlock(level: LockLevel): void {
    this.#vfs.locks.release(this.#path, this, level);
  }

  checkReservedLock(): boolean {
    return this.#vfs.locks.reservedByOther(this.#path, this);
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#vfs.locks.release(this.#path, this, LockLevel.NONE);
  }
}
