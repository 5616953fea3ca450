/**
 * Name resolution: which FROM source and column an identifier refers to.
 * @module
 */

import { SqliteError } from "../errors.ts";
import { foldName } from "../schema/names.ts";
import type { Affinity, TableInfo } from "../schema/types.ts";

/** One FROM item as expressions see it. */
export interface Source {
  /** The name it is referred to by: its alias, else the table name. */
  name: string;
  /** The table. */
  table: TableInfo;
}

/** A resolved column reference. `column` is -1 for the rowid. */
export interface ResolvedColumn {
  /** Index into the scope's sources (and the Env's rows). */
  source: number;
  /** Column index, or -1 for the rowid. */
  column: number;
  /** The column's affinity ("INTEGER" for the rowid). */
  affinity: Affinity;
  /** The column's declared collation. */
  collation: string;
}

const ROWID_NAMES = new Set(["rowid", "oid", "_rowid_"]);

/** The sources visible to an expression. */
export class Scope {
  /** A scope over FROM sources, in FROM order. */
  constructor(readonly sources: Source[]) {}

  /**
   * Resolves `[table.]name`; undefined when no source has it. Throws for an ambiguous
   * name, and for a qualifier that names no source.
   */
  resolve(table: string | undefined, name: string): ResolvedColumn | undefined {
    const key = foldName(name);
    let found: ResolvedColumn | undefined;
    let sawQualifier = false;
    for (let s = 0; s < this.sources.length; s++) {
      const src = this.sources[s];
      if (table !== undefined) {
        if (foldName(src.name) !== foldName(table)) continue;
        sawQualifier = true;
      }
      const cols = src.table.columns;
      let hit = -2;
      for (let c = 0; c < cols.length; c++) {
        if (foldName(cols[c].name) === key) {
          hit = c;
          break;
        }
      }
      if (hit === -2 && ROWID_NAMES.has(key) && !src.table.withoutRowid) hit = -1;
      if (hit === -2) continue;
      if (found) {
        throw new SqliteError(
          "SQLITE_ERROR",
          `ambiguous column name: ${table !== undefined ? table + "." : ""}${name}`,
        );
      }
      if (hit === -1 || hit === src.table.rowidAlias) {
        found = { source: s, column: -1, affinity: "INTEGER", collation: "BINARY" };
      } else {
        const col = cols[hit];
        found = { source: s, column: hit, affinity: col.affinity, collation: col.collation };
      }
    }
    if (!found && table !== undefined && !sawQualifier) {
      throw new SqliteError("SQLITE_ERROR", `no such column: ${table}.${name}`);
    }
    return found;
  }
}
