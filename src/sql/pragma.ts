/**
 * PRAGMA statements.
 * @module
 */

import { comparatorFactory } from "./index_keys.ts";
import type { BTree } from "../btree/mod.ts";
import { Meta } from "../btree/types.ts";
import { SqliteError } from "../errors.ts";
import type { PagerImpl } from "../pager/pager.ts";
import type { JournalMode, SynchronousLevel } from "../pager/types.ts";
import type { CheckpointMode } from "../pager/wal.ts";
import { builtinCollation } from "../record/collation.ts";
import { compareRecordToKey, keyComparator, SearchKey } from "../record/compare.ts";
import { storageValue } from "../record/affinity.ts";
import type { SqlValue } from "../record/value.ts";
import type { Catalog } from "../schema/catalog.ts";
import type { PragmaStmt } from "./ast.ts";
import type { Executable } from "./dml.ts";
import { lookupTable } from "./select.ts";
import { CursorRow } from "./row.ts";
import { tableDefaults } from "./defaults.ts";

/** What PRAGMAs reach. */
export interface PragmaContext {
  /** The pager. */
  pager: PagerImpl;
  /** The B-tree layer. */
  btree: BTree;
  /** The catalog. */
  catalog: Catalog;
  /** True inside BEGIN ... COMMIT (the connection's explicit transaction). */
  readonly inTransaction?: boolean;
}

function result(
  columns: string[],
  rows: SqlValue[][],
  writes = false,
  run?: () => void,
): Executable {
  return {
    columns,
    columnInfo: columns.map(() => ({ table: null, column: null, type: null })),
    plan: [],
    writes,
    *rows() {
      if (run) run();
      yield* rows;
    },
  };
}

/** A result computed when the statement runs (values can change between runs). */
function live(columns: string[], produce: () => SqlValue[][], writes = false): Executable {
  return {
    columns,
    columnInfo: columns.map(() => ({ table: null, column: null, type: null })),
    plan: [],
    writes,
    *rows() {
      yield* produce();
    },
  };
}

const SYNC_NAMES: SynchronousLevel[] = ["off", "normal", "full", "extra"];
const JOURNAL_MODES = new Set(["delete", "truncate", "persist", "memory", "off", "wal"]);
const CHECKPOINT_MODES = new Set(["passive", "full", "restart", "truncate"]);

function intArg(v: string): number {
  const n = Number(v);
  if (!Number.isFinite(n)) return 0;
  return Math.trunc(n);
}

function boolArg(v: string): number {
  const s = v.toLowerCase();
  if (["on", "yes", "true"].includes(s)) return 1;
  if (["off", "no", "false"].includes(s)) return 0;
  return intArg(v) ? 1 : 0;
}

/** Compiles a PRAGMA. Unknown pragmas do nothing, as in SQLite. */
export function compilePragma(stmt: PragmaStmt, pc: PragmaContext): Executable {
  const name = stmt.name.toLowerCase();
  const arg = stmt.value;
  const { pager, btree, catalog } = pc;
  switch (name) {
    case "page_size":
      if (arg === undefined) return live(["page_size"], () => [[pager.pageSize]]);
      return result([], [], false, () => void pager.setPageSize(intArg(arg)));
    case "cache_size":
      if (arg === undefined) return live(["cache_size"], () => [[pager.cacheSize]]);
      return result([], [], false, () => pager.setCacheSize(intArg(arg)));
    case "cache_spill":
      if (arg === undefined) return live(["cache_spill"], () => [[pager.cacheSpill]]);
      return result([], [], false, () => {
        const n = Number(arg);
        if (Number.isInteger(n)) pager.setCacheSpill(n !== 0, n);
        else pager.setCacheSpill(boolArg(arg) === 1);
      });
    case "synchronous":
      if (arg === undefined) {
        return live(["synchronous"], () => [[SYNC_NAMES.indexOf(pager.synchronous)]]);
      }
      return result([], [], false, () => {
        // As SQLite: a transaction's journal is written at the level it began with (a spill
        // journal begun under off would otherwise go on unsynced under full).
        if (pc.inTransaction === true || pager.inWriteTransaction()) {
          throw new SqliteError(
            "SQLITE_ERROR",
            "Safety level may not be changed inside a transaction",
          );
        }
        const s = arg.toLowerCase();
        const level = SYNC_NAMES.includes(s as SynchronousLevel)
          ? s as SynchronousLevel
          : SYNC_NAMES[Math.min(3, Math.max(0, intArg(arg)))];
        pager.setSynchronous(level);
      });
    case "journal_mode":
      return live(["journal_mode"], () => {
        if (arg === undefined) return [[pager.journalMode]];
        const mode = arg.toLowerCase();
        if (!JOURNAL_MODES.has(mode)) return [[pager.journalMode]];
        const walSwitch = (mode === "wal") !== (pager.journalMode === "wal");
        if (pager.inWriteTransaction() || (walSwitch && pc.inTransaction === true)) {
          throw new SqliteError(
            "SQLITE_ERROR",
            `cannot change ${
              mode === "wal" ? "into" : "out of"
            } wal mode from within a transaction`,
          );
        }
        return [[pager.setJournalMode(mode as JournalMode)]];
      });
    case "wal_checkpoint": {
      const mode = (arg ?? "passive").toLowerCase();
      return live(["busy", "log", "checkpointed"], () => {
        if (pc.inTransaction === true || pager.inWriteTransaction()) {
          throw new SqliteError("SQLITE_LOCKED", "database table is locked");
        }
        const r = pager.checkpoint(
          CHECKPOINT_MODES.has(mode) ? mode as CheckpointMode : "passive",
        );
        return [[r.busy, r.log, r.checkpointed]];
      });
    }
    case "busy_timeout":
      return live(["timeout"], () => {
        if (arg !== undefined) pager.setBusyTimeout(intArg(arg));
        return [[pager.busyTimeout]];
      });
    case "wal_autocheckpoint":
      return live(["wal_autocheckpoint"], () => {
        if (arg !== undefined) pager.setWalAutocheckpoint(intArg(arg));
        return [[pager.walAutocheckpoint]];
      });
    case "user_version":
    case "application_id":
    case "schema_version": {
      const off = name === "user_version"
        ? Meta.USER_VERSION
        : name === "application_id"
        ? Meta.APPLICATION_ID
        : Meta.SCHEMA_COOKIE;
      if (arg === undefined) return live([name], () => [[btree.getMeta(off) | 0]]);
      return result([], [], true, () => btree.setMeta(off, intArg(arg) >>> 0));
    }
    case "page_count":
      return live(["page_count"], () => [[pager.pageCount()]]);
    case "freelist_count":
      return live(
        ["freelist_count"],
        () => [[pager.pageCount() === 0 ? 0 : btree.freelistCount()]],
      );
    case "table_info":
    case "table_xinfo": {
      if (arg === undefined) return result([], []);
      const cols = ["cid", "name", "type", "notnull", "dflt_value", "pk"];
      if (name === "table_xinfo") cols.push("hidden");
      return live(cols, () => {
        const t = catalog.table(arg);
        if (!t) return [];
        return t.columns.map((c, i) => {
          const row: SqlValue[] = [
            i,
            c.name,
            c.type,
            c.notNull ? 1 : 0,
            c.defaultText ?? null,
            c.pk,
          ];
          if (name === "table_xinfo") row.push(0);
          return row;
        });
      });
    }
    case "index_list": {
      if (arg === undefined) return result([], []);
      return live(["seq", "name", "unique", "origin", "partial"], () => {
        const t = catalog.table(arg);
        if (!t) return [];
        return [...t.indexes].reverse().map((ix, i) => [
          i,
          ix.name,
          ix.unique ? 1 : 0,
          ix.origin,
          ix.where ? 1 : 0,
        ]);
      });
    }
    case "index_info":
    case "index_xinfo": {
      if (arg === undefined) return result([], []);
      const x = name === "index_xinfo";
      const cols = x ? ["seqno", "cid", "name", "desc", "coll", "key"] : ["seqno", "cid", "name"];
      return live(cols, () => {
        const ix = catalog.index(arg);
        if (!ix) return [];
        const rows: SqlValue[][] = ix.columns.map((c, i) =>
          x ? [i, c.column, c.name, c.desc ? 1 : 0, c.collation, 1] : [i, c.column, c.name]
        );
        if (x) rows.push([ix.columns.length, -1, null, 0, "BINARY", 0]);
        return rows;
      });
    }
    case "integrity_check":
    case "quick_check": {
      let max = 100;
      let only: string | undefined;
      if (arg !== undefined) {
        if (/^-?\d+$/.test(arg)) max = Math.max(1, intArg(arg));
        else only = arg;
      }
      return live([name], () => {
        const msgs = integrityCheck(pc, max, only, name === "quick_check");
        return msgs.length === 0 ? [["ok"]] : msgs.map((m) => [m]);
      });
    }
    case "foreign_keys":
    case "recursive_triggers":
    case "case_sensitive_like":
      if (arg === undefined) return result([name], [[0]]);
      if (boolArg(arg) && name !== "foreign_keys") {
        throw new SqliteError("SQLITE_ERROR", `PRAGMA ${name}=ON is not supported yet`);
      }
      return result([], []);
    case "encoding":
      return result(["encoding"], [["UTF-8"]]);
    default:
      return result([], []);
  }
}

/**
 * PRAGMA integrity_check: the B-tree structure, then every row against its table's NOT NULL
 * columns and indexes. Rows as SQLite gives them: the B-tree errors together in one row
 * headed "*** in database main ***", then one row per table-level error, `max` errors in all.
 * quick_check skips the index lookups, as SQLite's does.
 */
export function integrityCheck(
  pc: PragmaContext,
  max: number,
  only?: string,
  quick = false,
): string[] {
  const { pager, btree, catalog } = pc;
  if (pager.pageCount() === 0) return [];
  const tables = [...catalog.tables.values()].filter((t) =>
    only === undefined || t.name.toLowerCase() === only.toLowerCase()
  );
  if (only !== undefined && tables.length === 0) lookupTable(catalog, only);
  const trees: Parameters<BTree["integrityCheck"]>[0] = [{ root: 1, kind: "table" }];
  for (const t of catalog.tables.values()) {
    // A WITHOUT ROWID table's rows are an index-format tree (its rows are not read below).
    trees.push({ root: t.root, kind: t.withoutRowid ? "index" : "table" });
    // No key-order comparator: SQLite's B-tree check does not compare index keys; a key out
    // of place shows as rows missing from the index, found below.
    for (const ix of t.indexes) trees.push({ root: ix.root, kind: "index" });
  }
  const structural = btree.integrityCheck(trees, max);
  const errors: string[] = [];
  if (structural.length > 0) {
    errors.push(`*** in database main ***\n${structural.join("\n")}`);
    max -= structural.length - 1;
    if (errors.length >= max) return errors;
  }
  for (const t of tables) {
    // Rows this engine cannot read by position (see planner.requireSupported): their B-trees
    // were checked above; their index entries are not compared with their rows.
    if (t.withoutRowid || t.columns.some((c) => c.generated !== undefined)) continue;
    const defaults = tableDefaults(t);
    const row = new CursorRow(t, defaults);
    const cur = btree.tableCursor(t.root);
    const ixCursors = t.indexes.map((ix) => btree.indexCursor(ix.root, comparatorFactory(ix)));
    let rows = 0;
    try {
      for (let ok = cur.first(); ok && errors.length < max; ok = cur.next()) {
        rows++;
        const rowid = cur.rowid();
        try {
          row.load(cur);
          t.columns.forEach((c, i) => {
            if (c.notNull && i !== t.rowidAlias && row.column(i) === null && errors.length < max) {
              errors.push(`NULL value in ${t.name}.${c.name}`);
            }
          });
        } catch (e) {
          // A row whose payload runs into the damage already reported (a broken overflow
          // chain): SQLite reads only the columns it checks and often gets past it; keep the
          // report rather than fail the whole pragma.
          if (structural.length > 0 && e instanceof SqliteError && e.code === "SQLITE_CORRUPT") {
            continue;
          }
          throw e;
        }
        if (quick) continue;
        t.indexes.forEach((ix, k) => {
          const key: SqlValue[] = ix.columns.map((c) =>
            c.column === t.rowidAlias
              ? rowid
              : storageValue(row.column(c.column), t.columns[c.column].affinity)
          );
          key.push(rowid);
          const colls = ix.columns.map((c) => builtinCollation(c.collation)!);
          const sk = new SearchKey(key, colls, ix.columns.map((c) => c.desc));
          const ic = ixCursors[k];
          if (!ic.seekGE(keyComparator(sk, 0)) || compareRecordToKey(ic.payload(), sk, 0) !== 0) {
            if (errors.length < max) errors.push(`row ${rows} missing from index ${ix.name}`);
          }
        });
      }
      for (let k = 0; !quick && k < t.indexes.length && errors.length < max; k++) {
        let n = 0;
        for (let ok = ixCursors[k].first(); ok; ok = ixCursors[k].next()) n++;
        if (n !== rows) errors.push(`wrong # of entries in index ${t.indexes[k].name}`);
      }
    } finally {
      cur.close();
      ixCursors.forEach((c) => c.close());
    }
  }
  return errors;
}
