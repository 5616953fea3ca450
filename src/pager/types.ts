/**
 * What the B-tree layer needs from the pager. The pager knows pages, not rows.
 * @module
 */

/** Journal modes (PRAGMA journal_mode). `wal` arrives with issue 3. */
export type JournalMode = "delete" | "truncate" | "persist" | "memory" | "off" | "wal";

/** PRAGMA synchronous levels. */
export type SynchronousLevel = "off" | "normal" | "full" | "extra";

/**
 * Page access and transactions.
 *
 * Page numbers start at 1. Page 1 begins with the 100-byte database header.
 * A buffer returned by {@link Pager.getPage} is the cached page itself: the caller must not
 * modify it; a buffer returned by {@link Pager.getPageForWrite} may be modified until the
 * transaction ends. A buffer keeps its page's bytes while the read transaction lasts, unless
 * the caller lets the pager reuse buffers earlier through {@link Pager.recycle}: then a buffer
 * stays valid only while `inUse` says it is held.
 */
export interface Pager {
  /** Page size in bytes (512..65536). */
  readonly pageSize: number;
  /** Usable bytes per page: page size minus the reserved bytes at the end (header byte 20). */
  readonly usableSize: number;
  /** Pages in the database as of the current transaction (0 for a new, empty database). */
  pageCount(): number;
  /** The page's bytes; throws SQLITE_CORRUPT when `pgno` is 0 or past the end. */
  getPage(pgno: number): Uint8Array;
  /**
   * The page's bytes, to modify. Needs a write transaction. The first call for a page in a
   * transaction (and in each savepoint) saves its original content so it can be rolled back.
   */
  getPageForWrite(pgno: number): Uint8Array;
  /** Adds a zero-filled page at the end of the database and returns its number (write txn). */
  appendPage(): number;
  /** Starts a read transaction (takes a SHARED lock, drops the cache if another connection changed the file). */
  beginRead(): void;
  /** Ends the read transaction. */
  endRead(): void;
  /**
   * Starts a write transaction (inside a read transaction; takes the RESERVED lock).
   * `fresh`: nothing but the schema was read yet, so the lock may be waited for.
   */
  beginWrite(fresh?: boolean): void;
  /**
   * Optional: from no transaction, the writer lock and then a snapshot that is the latest by
   * construction, without waiting; false (nothing changed) when busy or not applicable.
   */
  tryBeginWriteFirst?(): boolean;
  /** True while a write transaction is open. */
  inWriteTransaction(): boolean;
  /** Makes the write transaction durable, in the journal mode's fsync order. */
  commit(): void;
  /** Undoes the write transaction. */
  rollback(): void;
  /** Marks a savepoint inside the write transaction; returns its depth. */
  savepoint(): number;
  /** Forgets savepoints at `depth` and deeper, keeping their changes. */
  releaseSavepoint(depth: number): void;
  /** Undoes changes made since savepoint `depth` was opened; the savepoint stays open. */
  rollbackToSavepoint(depth: number): void;
  /** Closes the files (rolls back an open write transaction first). */
  close(): void;
  /** How many buffers have left the cache and wait to be reused (optional: 0 if absent). */
  readonly retiredCount?: number;
  /**
   * Lets the pager reuse the page buffers that left its cache, except those `inUse` says are
   * still held. The caller promises that nothing else references a page buffer obtained
   * earlier in this transaction (the B-tree calls it between cursor operations, when only
   * cursor stacks hold pages).
   */
  recycle?(inUse: (buf: Uint8Array) => boolean): void;
  /** True when the write transaction holds more changed pages than the cache should. */
  readonly wantsSpill?: boolean;
  /**
   * Writes changed pages out of the cache (the oldest first, none that `inUse` says is held)
   * until half the spill threshold is dirty, where the journal mode allows it. Same promise from the
   * caller as {@link recycle}: no other page buffer of this transaction is referenced.
   */
  spill?(inUse: (buf: Uint8Array) => boolean): void;
}
