/**
 * The B-tree layer's interface: cells and keys, not SQL.
 * @module
 */

/** A rowid: a safe integer as `number`, outside Number's safe range as `bigint` (canonical). */
export type Rowid = number | bigint;

/**
 * Compares the key stored in an index cell (`payload`, a whole SQLite record) with the
 * search key the comparator was built for: negative when the stored key sorts before it,
 * positive when after, 0 when equal. The caller chooses how a prefix match counts.
 */
export type KeyComparator = ((payload: Uint8Array) => number) & {
  /**
   * Optional: the same comparison for the record in bytes [start, end) of `buf`, which lets
   * the cursor compare a cell in place instead of making a view of it for every probe.
   */
  range?: (buf: Uint8Array, start: number, end: number) => number;
};

/** Database header fields the layers above read and write through the B-tree (offsets in the header). */
export const Meta = {
  /** Schema cookie, offset 40. */
  SCHEMA_COOKIE: 40,
  /** Schema format number, offset 44. */
  SCHEMA_FORMAT: 44,
  /** Default page cache size, offset 48. */
  DEFAULT_CACHE_SIZE: 48,
  /** Text encoding (1 = UTF-8), offset 56. */
  TEXT_ENCODING: 56,
  /** PRAGMA user_version, offset 60. */
  USER_VERSION: 60,
  /** PRAGMA application_id, offset 68. */
  APPLICATION_ID: 68,
} as const;

/** Movement shared by table and index cursors. A cursor that is not on an entry is at EOF. */
export interface Cursor {
  /** Moves to the first entry; false when the tree is empty. */
  first(): boolean;
  /** Moves to the last entry; false when the tree is empty. */
  last(): boolean;
  /** Moves to the next entry; false (and EOF) past the last one. */
  next(): boolean;
  /** Moves to the previous entry; false (and EOF) before the first one. */
  prev(): boolean;
  /** True when the cursor is on an entry. */
  readonly valid: boolean;
  /**
   * The current entry's payload (the record), overflow chain assembled. May be a view into
   * the page: valid until the cursor moves or the tree is modified.
   */
  payload(): Uint8Array;
  /**
   * The current entry's payload as a range of a buffer, without a view per entry (scans):
   * returns the buffer and sets {@link payloadStart} and {@link payloadEnd}. Without overflow
   * the buffer is the page's, valid until the cursor moves or the tree is modified.
   */
  payloadBuffer(): Uint8Array;
  /** Where the payload {@link payloadBuffer} last located starts in its buffer. */
  readonly payloadStart: number;
  /** Where that payload ends (exclusive) in its buffer. */
  readonly payloadEnd: number;
  /** The number of entries in the tree, counted page by page; leaves the cursor at EOF. */
  count(): number;
  /** Deletes the current entry. Afterwards `next()` moves to the entry that followed it. */
  delete(): void;
  /** Forgets the position (releases page references). */
  close(): void;
  /** Makes a closed cursor usable again, unpositioned (cheaper than a new cursor). */
  reopen(): void;
}

/** A cursor over a table (rowid) B-tree. */
export interface TableCursor extends Cursor {
  /** The current entry's rowid. */
  rowid(): Rowid;
  /** Moves to the entry with this rowid; true if it exists. Otherwise the cursor is on the smallest larger entry, or EOF. */
  seek(rowid: Rowid): boolean;
  /** Moves to the first entry with rowid >= `rowid`; false (EOF) when none. */
  seekGE(rowid: Rowid): boolean;
  /** Moves to the last entry with rowid <= `rowid`; false (EOF) when none. */
  seekLE(rowid: Rowid): boolean;
  /** Inserts the row, replacing an existing row with the same rowid. The cursor's position afterwards is unspecified. */
  insert(rowid: Rowid, payload: Uint8Array): void;
  /**
   * Inserts the row unless a row with this rowid exists: then returns false and writes
   * nothing. One descent where seek() then insert() take two. Position afterwards unspecified.
   */
  insertNew(rowid: Rowid, payload: Uint8Array): boolean;
}

/** A cursor over an index B-tree (keys are records, compared by a {@link KeyComparator}). */
export interface IndexCursor extends Cursor {
  /** Moves to the first entry for which `cmp(entry) >= 0`; false (EOF) when none. */
  seekGE(cmp: KeyComparator): boolean;
  /** Moves to the last entry for which `cmp(entry) <= 0`; false (EOF) when none. */
  seekLE(cmp: KeyComparator): boolean;
  /** Inserts a key; `cmp` orders it against stored keys (it must never return 0 for a different key). */
  insert(payload: Uint8Array, cmp: KeyComparator): void;
}

/** The B-tree layer as the schema and SQL layers use it. */
export interface BTreeApi {
  /**
   * In a new, empty database (no pages), creates page 1: the 100-byte header and the empty
   * root of sqlite_schema. Needs a write transaction; does nothing when page 1 exists.
   */
  initialize(): void;
  /** Allocates an empty root page (from the freelist first) and returns its number. */
  createTree(kind: "table" | "index"): number;
  /** Frees every page of the tree, root included, to the freelist. */
  dropTree(root: number): void;
  /** Frees every page of the tree but the root, which is left an empty leaf. */
  clearTree(root: number): void;
  /** Reads a 4-byte big-endian header field (see {@link Meta}); 0 for an empty database. */
  getMeta(offset: number): number;
  /** Writes a 4-byte header field (write transaction). */
  setMeta(offset: number, value: number): void;
  /** A cursor over the table B-tree rooted at `root`. */
  tableCursor(root: number): TableCursor;
  /**
   * A cursor over the index B-tree rooted at `root`. `comparatorFor` builds a comparator for
   * a stored key, so the cursor can find its entry again after another cursor changed the
   * tree (without it the cursor rescans the index).
   */
  indexCursor(root: number, comparatorFor?: (key: Uint8Array) => KeyComparator): IndexCursor;
  /** Pages on the freelist (header offset 36). */
  freelistCount(): number;
  /**
   * Checks the structure of the given trees and the freelist: page types, cell bounds and
   * overlap, key order within and across pages, overflow chains, freelist shape and count, and
   * that every page of the file is used exactly once. Returns messages worded like SQLite's
   * (at most `maxErrors`); empty when all is well.
   */
  integrityCheck(trees: { root: number; kind: "table" | "index" }[], maxErrors: number): string[];
}
