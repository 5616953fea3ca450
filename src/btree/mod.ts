/**
 * The B-tree layer: SQLite-format table and index b-trees over a pager.
 * @module
 */

export { BTree, type IntegrityTree, SQLITE_VERSION_NUMBER } from "./btree.ts";
export { type ComparatorFactory, IndexCursorImpl, TableCursorImpl } from "./cursor.ts";
export * from "./types.ts";
