/**
 * A FROM source's current row, read lazily from a table cursor: the record header is
 * parsed on the first column asked for, and only the columns asked for are decoded.
 * @module
 */

import type { Rowid, TableCursor } from "../btree/types.ts";
import { fromStorage } from "../record/affinity.ts";
import { RecordReader } from "../record/record_reader.ts";
import { utf8CharCount } from "../record/utf8.ts";
import type { SqlValue } from "../record/value.ts";
import type { TableInfo } from "../schema/types.ts";
import type { RowSource } from "./env.ts";

/** The row a table cursor is on, as a {@link RowSource}. */
export class CursorRow implements RowSource {
  private readonly reader = new RecordReader();
  private parsed = false;
  private id: Rowid = 0;
  /** Per column: read-time conversion is needed (REAL affinity). */
  private readonly realAffinity: boolean[];

  /**
   * A row view over `table`; `defaults` are the values of columns missing from old
   * records (ALTER TABLE ADD COLUMN).
   */
  constructor(readonly table: TableInfo, private readonly defaults: SqlValue[]) {
    this.realAffinity = table.columns.map((c) => c.affinity === "REAL");
  }

  /** Points the view at the cursor's current entry (read while the cursor stays there). */
  load(cursor: TableCursor): void {
    this.cursor = cursor;
    // The rowid is read on first use: aggregates over a scan often never ask for it.
    this.idRead = false;
    this.parsed = false;
  }

  private idRead = false;

  private cursor: TableCursor | undefined;

  /** Parses the current record's header (once per row). */
  private parse(): void {
    const c = this.cursor!;
    // The payload as a range of the page: no view allocated per row.
    const buf = c.payloadBuffer();
    this.reader.reset(buf, c.payloadStart, c.payloadEnd);
    this.parsed = true;
  }

  /** Column `i` of the current row. */
  column(i: number): SqlValue {
    if (i === this.table.rowidAlias) return this.rowid();
    if (!this.parsed) this.parse();
    if (i >= this.reader.columnCount) return this.defaults[i] ?? null;
    const v = this.reader.column(i);
    return this.realAffinity[i] ? fromStorage(v, "REAL") : v;
  }

  /**
   * length() of column `i` counted on the stored bytes, as SQLite counts it (characters
   * before the first NUL for TEXT, bytes for a BLOB); undefined for other values.
   */
  storedLength(i: number): number | undefined {
    if (i === this.table.rowidAlias) return undefined;
    if (!this.parsed) this.parse();
    if (i >= this.reader.columnCount) return undefined;
    const t = this.reader.serialType(i);
    if (t < 12) return undefined;
    const size = (t - 12) >>> 1;
    if ((t & 1) === 0) return size;
    const start = this.reader.contentOffset(i);
    return utf8CharCount(this.reader.payload, start, start + size);
  }

  /** The current rowid. */
  rowid(): SqlValue {
    if (!this.idRead) {
      this.id = this.cursor!.rowid();
      this.idRead = true;
    }
    return this.id;
  }

  /** All columns of the current row (rowid alias filled in). */
  values(): SqlValue[] {
    const n = this.table.columns.length;
    const out = new Array<SqlValue>(n);
    for (let i = 0; i < n; i++) out[i] = this.column(i);
    return out;
  }
}
