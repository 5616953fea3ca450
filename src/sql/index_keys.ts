/**
 * Comparators for the keys of an index.
 * @module
 */

import type { KeyComparator } from "../btree/types.ts";
import { BINARY, builtinCollation, type Collation } from "../record/collation.ts";
import { keyComparator, SearchKey } from "../record/compare.ts";
import { decodeRecord } from "../record/record_reader.ts";
import type { IndexInfo } from "../schema/types.ts";

/** Collations and directions of an index's key columns, the rowid last. */
export function keyOrder(index: IndexInfo): { colls: Collation[]; descs: boolean[] } {
  return {
    colls: [...index.columns.map((c) => builtinCollation(c.collation) ?? BINARY), BINARY],
    descs: [...index.columns.map((c) => c.desc), false],
  };
}

/** For the B-tree: a comparator that finds a stored key of `index` again. */
export function comparatorFactory(index: IndexInfo): (key: Uint8Array) => KeyComparator {
  const { colls, descs } = keyOrder(index);
  return (key) => keyComparator(new SearchKey(decodeRecord(key), colls, descs), 0);
}
