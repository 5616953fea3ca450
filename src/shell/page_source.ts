/**
 * Read-only access to the pages of a database file as of its last commit: the main file
 * with the committed frames of its `-wal` file laid over it. The inspectors use it instead
 * of a connection, so they can look at any SQLite file (ours or sqlite3's) without locking.
 * @module
 */

import { SqliteError } from "../errors.ts";
import { decodeRecord } from "../record/record_reader.ts";
import { parseWalFile, type WalFile } from "./wal_file.ts";

/** One sqlite_schema entry. */
export interface SchemaEntry {
  /** table, index, view or trigger. */
  type: string;
  /** Object name. */
  name: string;
  /** Owning table. */
  tblName: string;
  /** Root page (0 for views and triggers). */
  root: number;
  /** CREATE text, or null. */
  sql: string | null;
}

function be32(b: Uint8Array, o: number): number {
  return ((b[o] << 24) | (b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3]) >>> 0;
}

/** Reads a varint at `o`; returns [value, length]. Values above 2^53 lose precision. */
export function readVarint(b: Uint8Array, o: number): [number, number] {
  let v = 0;
  for (let i = 0; i < 8; i++) {
    const c = b[o + i];
    v = v * 128 + (c & 0x7f);
    if (c < 0x80) return [v, i + 1];
  }
  return [v * 256 + b[o + 8], 9];
}

/** The pages of a database file (plus its WAL) as of the last commit. */
export class PageSource {
  /** Page size in bytes. */
  readonly pageSize: number;
  /** Usable bytes per page. */
  readonly usableSize: number;
  /** Pages in the database. */
  readonly pageCount: number;
  /** The parsed -wal file (null when there is none). */
  readonly wal: WalFile | null;
  /** Size of the main file in bytes. */
  readonly fileSize: number;
  readonly #file: Deno.FsFile;
  readonly #walBytes: Uint8Array | null;
  /** Page number -> offset of its newest committed frame in the WAL. */
  readonly #walPages = new Map<number, number>();

  /** Opens `path` read-only. Throws SQLITE_CANTOPEN / SQLITE_NOTADB. */
  constructor(readonly path: string) {
    try {
      this.#file = Deno.openSync(path, { read: true });
    } catch {
      throw new SqliteError("SQLITE_CANTOPEN", `unable to open database file: ${path}`);
    }
    this.fileSize = this.#file.statSync().size;
    let walBytes: Uint8Array | null = null;
    try {
      walBytes = Deno.readFileSync(path + "-wal");
    } catch { /* no WAL */ }
    this.#walBytes = walBytes;
    this.wal = walBytes ? parseWalFile(walBytes) : null;
    if (this.wal) {
      for (const f of this.wal.frames) {
        if (f.commit !== null) this.#walPages.set(f.pgno, f.offset + 24);
      }
    }
    const hdr = new Uint8Array(100);
    this.#file.seekSync(0, Deno.SeekMode.Start);
    this.#readAt(hdr, 0);
    const magic = new TextDecoder().decode(hdr.subarray(0, 16));
    const walPage1 = this.#walPages.has(1);
    if (!walPage1 && magic !== "SQLite format 3\0") {
      this.close();
      throw new SqliteError("SQLITE_NOTADB", "file is not a database");
    }
    const raw = walPage1 ? this.wal!.header!.pageSize : ((hdr[16] << 8) | hdr[17]);
    this.pageSize = raw === 1 ? 65536 : raw;
    const page1 = walPage1 ? this.page(1) : hdr;
    this.usableSize = this.pageSize - page1[20];
    if (this.wal && this.wal.commits > 0) {
      this.pageCount = this.wal.dbSize;
    } else {
      const inHeader = be32(page1, 28);
      const valid = inHeader !== 0 && be32(page1, 24) === be32(page1, 92);
      this.pageCount = valid ? inHeader : Math.floor(this.fileSize / this.pageSize);
    }
  }

  #readAt(buf: Uint8Array, offset: number): void {
    this.#file.seekSync(offset, Deno.SeekMode.Start);
    let got = 0;
    while (got < buf.length) {
      const n = this.#file.readSync(buf.subarray(got));
      if (n === null || n === 0) break;
      got += n;
    }
  }

  /** The bytes of page `pgno` (a fresh copy). */
  page(pgno: number): Uint8Array {
    const ps = this.pageSize ?? this.wal?.header?.pageSize ?? 4096;
    const walOff = this.#walPages.get(pgno);
    if (walOff !== undefined && this.#walBytes) {
      return this.#walBytes.slice(walOff, walOff + ps);
    }
    const buf = new Uint8Array(ps);
    this.#readAt(buf, (pgno - 1) * ps);
    return buf;
  }

  /** The 100-byte database header (from the newest copy of page 1). */
  header(): Uint8Array {
    return this.page(1).subarray(0, 100);
  }

  /** Pages of the database that come from the WAL. */
  get pagesInWal(): number {
    return this.#walPages.size;
  }

  /** Closes the file. */
  close(): void {
    try {
      this.#file.close();
    } catch { /* already closed */ }
  }
}

/** A table b-tree page type. */
export const PageType = {
  INDEX_INTERIOR: 2,
  TABLE_INTERIOR: 5,
  INDEX_LEAF: 10,
  TABLE_LEAF: 13,
} as const;

/** A cell's payload layout: total size, bytes on the page, and the first overflow page. */
export interface CellPayload {
  /** Offset of the payload on the page. */
  start: number;
  /** Total payload size. */
  size: number;
  /** Bytes stored on the page. */
  local: number;
  /** First overflow page (0 when none). */
  overflow: number;
  /** Child page (interior cells), else 0. */
  child: number;
}

/** Parses the cell at `off` on a page of `type` (fileformat2.html 1.6). */
export function parseCellAt(
  page: Uint8Array,
  off: number,
  type: number,
  usable: number,
): CellPayload {
  let p = off;
  let child = 0;
  if (type === PageType.TABLE_INTERIOR || type === PageType.INDEX_INTERIOR) {
    child = be32(page, p);
    p += 4;
  }
  if (type === PageType.TABLE_INTERIOR) return { start: p, size: 0, local: 0, overflow: 0, child };
  const [size, n] = readVarint(page, p);
  p += n;
  if (type === PageType.TABLE_LEAF) p += readVarint(page, p)[1];
  const x = type === PageType.TABLE_LEAF
    ? usable - 35
    : Math.floor(((usable - 12) * 64) / 255) - 23;
  let local = size;
  let overflow = 0;
  if (size > x) {
    const m = Math.floor(((usable - 12) * 32) / 255) - 23;
    const k = m + ((size - m) % (usable - 4));
    local = k <= x ? k : m;
    overflow = be32(page, p + local);
  }
  return { start: p, size, local, overflow, child };
}

/** Offset of the b-tree page header on page `pgno`. */
export function headerOffset(pgno: number): number {
  return pgno === 1 ? 100 : 0;
}

/** The cell offsets of a b-tree page. */
export function cellOffsets(page: Uint8Array, pgno: number): number[] {
  const h = headerOffset(pgno);
  const type = page[h];
  const n = (page[h + 3] << 8) | page[h + 4];
  const ptrs = h + (type === PageType.TABLE_LEAF || type === PageType.INDEX_LEAF ? 8 : 12);
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push((page[ptrs + 2 * i] << 8) | page[ptrs + 2 * i + 1]);
  return out;
}

/** Reads a whole payload, following its overflow chain. */
export function readPayload(src: PageSource, page: Uint8Array, cell: CellPayload): Uint8Array {
  if (cell.overflow === 0) return page.subarray(cell.start, cell.start + cell.size);
  const out = new Uint8Array(cell.size);
  out.set(page.subarray(cell.start, cell.start + cell.local));
  let got = cell.local;
  let next = cell.overflow;
  let guard = 0;
  while (next !== 0 && got < cell.size && guard++ < src.pageCount) {
    const ov = src.page(next);
    const take = Math.min(cell.size - got, src.usableSize - 4);
    out.set(ov.subarray(4, 4 + take), got);
    got += take;
    next = be32(ov, 0);
  }
  return out;
}

/** Visits the leaf cells of the table b-tree at `root`, in order. */
export function* tableRows(src: PageSource, root: number): Generator<Uint8Array> {
  const stack = [root];
  const seen = new Set<number>();
  while (stack.length > 0) {
    const pgno = stack.pop()!;
    if (seen.has(pgno) || pgno < 1 || pgno > src.pageCount) continue;
    seen.add(pgno);
    const page = src.page(pgno);
    const h = headerOffset(pgno);
    const type = page[h];
    const cells = cellOffsets(page, pgno);
    if (type === PageType.TABLE_LEAF) {
      for (const off of cells) {
        yield readPayload(src, page, parseCellAt(page, off, type, src.usableSize));
      }
    } else if (type === PageType.TABLE_INTERIOR) {
      stack.push(be32(page, h + 8));
      for (let i = cells.length - 1; i >= 0; i--) stack.push(be32(page, cells[i]));
    }
  }
}

/** The sqlite_schema entries, in rowid order. */
export function readSchema(src: PageSource): SchemaEntry[] {
  const out: SchemaEntry[] = [];
  if (src.pageCount === 0) return out;
  for (const payload of tableRows(src, 1)) {
    const r = decodeRecord(payload);
    out.push({
      type: String(r[0] ?? ""),
      name: String(r[1] ?? ""),
      tblName: String(r[2] ?? ""),
      root: Number(r[3] ?? 0),
      sql: r[4] === null || r[4] === undefined ? null : String(r[4]),
    });
  }
  return out;
}
