/**
 * An in-memory {@link Pager} for testing the B-tree before the real pager exists: pages in
 * an array, rollback and savepoints by saving each page's original bytes on first write.
 * @module
 */

import { corrupt, SqliteError } from "../../src/errors.ts";
import type { Pager } from "../../src/pager/types.ts";

/** A pager whose database lives in memory; can be loaded from and dumped to a file. */
export class MemPager implements Pager {
  readonly pageSize: number;
  readonly usableSize: number;
  private pages: Uint8Array[] = [];
  /** One level per savepoint (level 0 = the transaction): saved originals and page count. */
  private levels: { saved: Map<number, Uint8Array>; count: number }[] = [];
  private writing = false;

  constructor(pageSize = 4096, reserved = 0) {
    this.pageSize = pageSize;
    this.usableSize = pageSize - reserved;
  }

  /** Loads a database file (e.g. one node:sqlite wrote). */
  static fromFile(path: string): MemPager {
    const data = Deno.readFileSync(path);
    const raw = (data[16] << 8) | data[17];
    const pageSize = raw === 1 ? 65536 : raw;
    const p = new MemPager(pageSize, data[20]);
    for (let off = 0; off < data.length; off += pageSize) {
      const page = new Uint8Array(pageSize);
      page.set(data.subarray(off, off + pageSize));
      p.pages.push(page);
    }
    return p;
  }

  /** Writes every page to `path`, so sqlite can open it. */
  dumpToFile(path: string): void {
    const out = new Uint8Array(this.pages.length * this.pageSize);
    this.pages.forEach((p, i) => out.set(p, i * this.pageSize));
    Deno.writeFileSync(path, out);
  }

  pageCount(): number {
    return this.pages.length;
  }

  getPage(pgno: number): Uint8Array {
    if (!(pgno >= 1 && pgno <= this.pages.length)) throw corrupt(`page ${pgno} out of range`);
    return this.pages[pgno - 1];
  }

  getPageForWrite(pgno: number): Uint8Array {
    if (!this.writing) throw new SqliteError("SQLITE_MISUSE", "not in a write transaction");
    const page = this.getPage(pgno);
    for (const level of this.levels) {
      if (pgno <= level.count && !level.saved.has(pgno)) level.saved.set(pgno, page.slice());
    }
    return page;
  }

  appendPage(): number {
    if (!this.writing) throw new SqliteError("SQLITE_MISUSE", "not in a write transaction");
    this.pages.push(new Uint8Array(this.pageSize));
    return this.pages.length;
  }

  beginRead(): void {}
  endRead(): void {}

  beginWrite(): void {
    this.writing = true;
    this.levels = [{ saved: new Map(), count: this.pages.length }];
  }

  inWriteTransaction(): boolean {
    return this.writing;
  }

  commit(): void {
    if (this.pages.length > 0) {
      // What the real pager does at commit: bump the change counter, mark the size valid.
      const p1 = this.pages[0];
      const dv = new DataView(p1.buffer, p1.byteOffset);
      const counter = (dv.getUint32(24) + 1) >>> 0;
      dv.setUint32(24, counter);
      dv.setUint32(92, counter);
      dv.setUint32(96, 3053000);
      dv.setUint32(28, this.pages.length);
    }
    this.writing = false;
    this.levels = [];
  }

  private undo(level: { saved: Map<number, Uint8Array>; count: number }): void {
    for (const [pgno, data] of level.saved) this.pages[pgno - 1].set(data);
    this.pages.length = level.count;
  }

  rollback(): void {
    if (this.levels.length > 0) this.undo(this.levels[0]);
    this.writing = false;
    this.levels = [];
  }

  savepoint(): number {
    this.levels.push({ saved: new Map(), count: this.pages.length });
    return this.levels.length - 1;
  }

  releaseSavepoint(depth: number): void {
    this.levels.length = Math.max(1, depth);
  }

  rollbackToSavepoint(depth: number): void {
    this.undo(this.levels[depth]);
    this.levels.length = depth + 1;
    this.levels[depth] = { saved: new Map(), count: this.pages.length };
  }

  close(): void {
    if (this.writing) this.rollback();
  }
}
