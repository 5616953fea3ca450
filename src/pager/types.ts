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
 * modify it, and it stays the same object until the page is evicted; a buffer returned by
 * {@link Pager.getPageForWrite} may be modified until the transaction ends.
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
  /** Starts a write transaction (inside a read transaction; takes the RESERVED lock). */
  beginWrite(): void;
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
}
