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
  /**
   * Folded names of columns merged into an earlier source by USING or NATURAL: an
   * unqualified name does not see them here, and `*` leaves them out.
   */
  hidden?: Set<string>;
}

/** A resolved column reference. `column` is -1 for the rowid. */
export interface ResolvedColumn {
  /** How many query levels out the source is (0: this query's own FROM; 1: the enclosing one). */
  depth: number;
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
  /** Set when a name resolved to an enclosing query (the subquery is correlated). */
  usedOuter = false;

  /** A scope over FROM sources, in FROM order; `parent` is the enclosing query's scope. */
  constructor(readonly sources: Source[], readonly parent?: Scope) {}

  /** Resolves a name here or, failing that, in the enclosing queries. */
  resolve(table: string | undefined, name: string): ResolvedColumn | undefined {
    let own: ResolvedColumn | undefined;
    try {
      own = this.resolveHere(table, name);
    } catch (e) {
      if (!this.parent || !(e instanceof SqliteError) || !e.message.startsWith("no such column")) {
        throw e;
      }
    }
    if (own || !this.parent) return own;
    const outer = this.parent.resolve(table, name);
    if (!outer) return undefined;
    this.usedOuter = true;
    return { ...outer, depth: outer.depth + 1 };
  }

  /**
   * Resolves `[table.]name`; undefined when no source has it. Throws for an ambiguous
   * name, and for a qualifier that names no source.
   */
  private resolveHere(table: string | undefined, name: string): ResolvedColumn | undefined {
    const key = foldName(name);
    let found: ResolvedColumn | undefined;
    let sawQualifier = false;
    for (let s = 0; s < this.sources.length; s++) {
      const src = this.sources[s];
      if (table !== undefined) {
        if (foldName(src.name) !== foldName(table)) continue;
        sawQualifier = true;
      } else if (src.hidden?.has(key)) {
        continue;
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
        found = { depth: 0, source: s, column: -1, affinity: "INTEGER", collation: "BINARY" };
      } else {
        const col = cols[hit];
        found = {
          depth: 0,
          source: s,
          column: hit,
          affinity: col.affinity,
          collation: col.collation,
        };
      }
    }
    if (!found && table !== undefined && !sawQualifier) {
      throw new SqliteError("SQLITE_ERROR", `no such column: ${table}.${name}`);
    }
    return found;
  }
}
