/**
 * Cursors over table and index b-trees. A cursor keeps a stack of (page, cell index) per
 * level; stepping and seeking read the cached page buffers directly and do not allocate.
 *
 * When a tree changes through one cursor (or the BTree), every other cursor on that tree
 * saves its key and re-seeks on next use, as SQLite's saveAllCursors() does.
 * @module
 */

import { corrupt, SqliteError } from "../errors.ts";
import type { Pager } from "../pager/types.ts";
import {
  balanceQuick,
  balanceQuickIndex,
  insertAndBalance,
  isUnderfull,
  type Path,
  readNode,
  updateNode,
} from "./balance.ts";
import {
  cell,
  type Geometry,
  get4,
  INDEX_INTERIOR,
  INDEX_LEAF,
  leafToInterior,
  parseCell,
  TABLE_INTERIOR,
  TABLE_LEAF,
} from "./cell.ts";
import { freeOverflow, overflowPageCount, readOverflow, writeOverflow } from "./overflow.ts";
import {
  beginCellScope,
  cellCount,
  cellOffset,
  checkedCellOffset,
  contentStart,
  dropCell,
  endCellScope,
  freeBytes,
  insertCell,
  reserveCell,
  rightChild,
} from "./page.ts";
import type { IndexCursor, KeyComparator, Rowid, TableCursor } from "./types.ts";
import { readVarint, readVarint64, varintLength, varintSize, writeVarint } from "./varint.ts";

/** SQLite's BTCURSOR_MAX_DEPTH: deeper trees are treated as corrupt. */
export const MAX_DEPTH = 20;

/** What a cursor needs from its BTree. */
export interface CursorHost {
  /** The pager. */
  readonly pager: Pager;
  /** Payload thresholds. */
  readonly geo: Geometry;
  /**
   * Called before `except` changes the tree at `root`: checks the database can be written and
   * saves the position of every other cursor on that tree.
   */
  prepareWrite(root: number, except: CursorBase | null): void;
  /** Forgets a closed cursor. */
  unregister(c: CursorBase): void;
  /** Takes a reopened cursor back into the list of open ones. */
  register(c: CursorBase): void;
  /** Lets the pager reuse page buffers no cursor holds (see BTreeImpl.recyclePages). */
  recyclePages(): void;
}

const enum State {
  /** Not on an entry (EOF or never positioned). */
  Invalid,
  /** On an entry; the stack is current. */
  Valid,
  /** The tree changed: the saved key must be sought before the stack can be used. */
  RequireSeek,
  /** The saved entry is gone; the stack is on the entry that followed it (depth -1: none did). */
  Missed,
}

/** A cursor's per-level position: page, cell index, cell count, header offset, leaf flag, buffer. */
interface Stack {
  pgnos: number[];
  idxs: number[];
  ncells: number[];
  hdrs: number[];
  leaves: boolean[];
  bufs: Uint8Array[];
}

function newStack(): Stack {
  return {
    pgnos: new Array(MAX_DEPTH).fill(0),
    idxs: new Array(MAX_DEPTH).fill(0),
    ncells: new Array(MAX_DEPTH).fill(0),
    hdrs: new Array(MAX_DEPTH).fill(0),
    leaves: new Array(MAX_DEPTH).fill(false),
    bufs: new Array(MAX_DEPTH).fill(undefined),
  };
}

/** A pager that can read a page and the physically next ones at once (see Pager.getPageAhead). */
type AheadPager = Pager & { getPageAhead?(pgno: number, more: number): Uint8Array };

/** Pages read ahead at most (16 pages of 4 KB: 64 KB a read). */
const MAX_AHEAD = 15;

/** Where {@link CursorBase.buildCell} builds cells: larger than any cell of a 64 KiB page. */
const cellScratch = new Uint8Array(65536 + 32);

/** Stacks of closed cursors, reused by new ones. */
const stackPool: Stack[] = [];
const STACK_POOL_MAX = 32;

/** Movement, payload access and deletion shared by table and index cursors. */
export abstract class CursorBase {
  /** Root page of the tree. */
  readonly root: number;
  protected readonly host: CursorHost;
  protected readonly pager: Pager;
  protected readonly geo: Geometry;
  protected readonly isTable: boolean;
  protected depth = -1;
  /**
   * Leaves a forward scan has moved on to since the last descent from the root (the
   * read-ahead window doubles with each, see descendLeftmost).
   */
  private streak = 0;
  // The per-level stack comes from a pool: the SQL layer opens a cursor per statement
  // execution, and allocating six depth-sized arrays was a large part of a point lookup.
  // Assigned by takeStack(), from the constructor and reopen().
  private stack!: Stack;
  protected pgnos!: number[];
  protected idxs!: number[];
  protected ncells!: number[];
  protected hdrs!: number[];
  protected leaves!: boolean[];
  protected bufs!: Uint8Array[];
  protected state: State = State.Invalid;
  protected closed = false;
  /** Where the host keeps this cursor in its list of open cursors (its bookkeeping). */
  slot = -1;

  constructor(host: CursorHost, root: number, isTable: boolean) {
    this.host = host;
    this.pager = host.pager;
    this.geo = host.geo;
    this.root = root;
    this.isTable = isTable;
    this.takeStack();
  }

  /** Takes a per-level stack from the pool (or a new one). */
  private takeStack(): void {
    const st = stackPool.pop() ?? newStack();
    this.stack = st;
    this.pgnos = st.pgnos;
    this.idxs = st.idxs;
    this.ncells = st.ncells;
    this.hdrs = st.hdrs;
    this.leaves = st.leaves;
    this.bufs = st.bufs;
  }

  /** Saves the key of the current entry so the cursor can find it again. */
  protected abstract saveKey(): void;
  /** Seeks the saved key: true when it is still there (stack on it), false when not (stack on the next entry). */
  protected abstract restoreKey(): boolean;

  /** True when the cursor is on an entry. */
  get valid(): boolean {
    if (this.state === State.RequireSeek) this.restore();
    return this.state === State.Valid;
  }

  /** Called by the BTree before another cursor changes the tree. */
  savePosition(): void {
    if (this.state === State.Valid) {
      this.saveKey();
      this.state = State.RequireSeek;
    } else if (this.state === State.Missed) {
      this.state = State.RequireSeek;
    }
    this.depth = -1;
  }

  /** Drops the position without saving it (e.g. after a rollback). */
  reset(): void {
    this.state = State.Invalid;
    this.depth = -1;
  }

  protected restore(): void {
    this.state = State.Invalid;
    this.depth = -1;
    const found = this.restoreKey();
    if (found) this.state = State.Valid;
    else this.state = State.Missed;
  }

  /** Loads page `pgno` as level `d`; `ahead`: pages `pgno + 1` .. `pgno + ahead` are wanted next. */
  protected loadLevel(d: number, pgno: number, ahead = 0): void {
    if (d >= MAX_DEPTH) throw corrupt(`b-tree rooted at ${this.root} deeper than ${MAX_DEPTH}`);
    if (pgno < 1 || pgno > this.pager.pageCount()) {
      throw corrupt(`page ${pgno} out of range in b-tree rooted at ${this.root}`);
    }
    const pa = this.pager as AheadPager;
    const buf = ahead > 0 && pa.getPageAhead !== undefined
      ? pa.getPageAhead(pgno, ahead)
      : this.pager.getPage(pgno);
    const hdr = pgno === 1 ? 100 : 0;
    const type = buf[hdr];
    if (
      this.isTable
        ? type !== TABLE_LEAF && type !== TABLE_INTERIOR
        : type !== INDEX_LEAF && type !== INDEX_INTERIOR
    ) {
      throw corrupt(`page ${pgno}: invalid page type ${type}`);
    }
    const n = (buf[hdr + 3] << 8) | buf[hdr + 4];
    const leaf = (type & 8) !== 0;
    const ptrEnd = hdr + (leaf ? 8 : 12) + 2 * n;
    if (ptrEnd > this.geo.usable || contentStart(buf, hdr) < ptrEnd) {
      throw corrupt(`page ${pgno}: cell count ${n} too large`);
    }
    if (d > 0 && pgno === this.root) throw corrupt(`page ${pgno}: b-tree loops`);
    // Only a root may be empty (SQLite's getAndInitPage): balancing never leaves an empty
    // child, and a count or scan would pass one by as if its rows had never been.
    if (d > 0 && n === 0) {
      throw corrupt(`page ${pgno}: empty page in b-tree rooted at ${this.root}`);
    }
    this.pgnos[d] = pgno;
    this.bufs[d] = buf;
    this.hdrs[d] = hdr;
    this.ncells[d] = n;
    this.leaves[d] = leaf;
  }

  /** Child `i` of the interior page at level `d` (i == nCell: the right-most child). */
  protected childAt(d: number, i: number): number {
    const buf = this.bufs[d];
    if (i === this.ncells[d]) return rightChild(buf, this.hdrs[d]);
    return get4(buf, checkedCellOffset(buf, this.hdrs[d], i, this.pgnos[d], this.geo.usable));
  }

  protected moveToRoot(): void {
    this.streak = 0;
    this.loadLevel(0, this.root);
    this.depth = 0;
  }

  /**
   * How many pages after `pgno` (child `i` of the interior page at level `d`) to read with
   * it: up to the last of the children after it that follow in ascending page order within
   * `max` pages of it, adjacent ones only unless `gaps`. Pages between them (another
   * tree's, say) come along: reading a page the scan skips costs a copy (~0.3 us), a read
   * call of its own ~1 us more - but a short scan (a range of a few leaves) would mostly
   * read pages it never uses, and push useful ones out of the cache. Never throws:
   * a damaged pointer is reported when the cursor gets there, as before.
   */
  private siblingSpan(d: number, i: number, pgno: number, max: number, gaps: boolean): number {
    const n = this.ncells[d];
    const buf = this.bufs[d];
    const hdr = this.hdrs[d];
    const usable = this.geo.usable;
    let prev = pgno;
    for (let j = i + 1; j <= n; j++) {
      let child: number;
      if (j === n) {
        child = rightChild(buf, hdr);
      } else {
        // loadLevel checked that the pointer array fits the page.
        const off = cellOffset(buf, hdr, j);
        if (off + 4 > usable) break;
        child = get4(buf, off);
      }
      if (child <= prev || child - pgno > max || (!gaps && child !== prev + 1)) break;
      prev = child;
    }
    return prev - pgno;
  }

  /** From the interior page at level `d`, follows child idxs[d] and then left-most children. */
  protected descendLeftmost(d: number): void {
    // A forward scan reads the children after this one next: those that are the physically
    // next pages the pager can read with it, the more the longer the scan has gone on (as
    // an OS read-ahead window grows), so a short range reads little it does not use.
    const window = Math.min(MAX_AHEAD, 1 << this.streak);
    for (;;) {
      const i = this.idxs[d];
      const child = this.childAt(d, i);
      this.loadLevel(d + 1, child, this.siblingSpan(d, i, child, window, this.streak >= 4));
      d++;
      this.idxs[d] = 0;
      if (this.leaves[d]) break;
    }
    this.depth = d;
  }

  /** From the interior page at level `d`, follows child idxs[d] and then right-most children. */
  protected descendRightmost(d: number): void {
    for (;;) {
      this.loadLevel(d + 1, this.childAt(d, this.idxs[d]));
      d++;
      if (this.leaves[d]) {
        this.idxs[d] = this.ncells[d] - 1;
        break;
      }
      this.idxs[d] = this.ncells[d];
    }
    this.depth = d;
  }

  /** From a leaf position that may be one past its end, moves forward to an entry or EOF. */
  protected settleForward(): boolean {
    for (;;) {
      let d = this.depth;
      if (this.idxs[d] < this.ncells[d]) {
        this.state = State.Valid;
        return true;
      }
      for (;;) {
        if (d === 0) {
          this.state = State.Invalid;
          this.depth = -1;
          return false;
        }
        d--;
        if (this.isTable) {
          if (++this.idxs[d] <= this.ncells[d]) {
            if (this.streak < 8) this.streak++;
            this.descendLeftmost(d);
            break;
          }
        } else if (this.idxs[d] < this.ncells[d]) {
          this.depth = d;
          this.state = State.Valid;
          return true;
        }
      }
    }
  }

  /** From a leaf position that may be one before its start, moves back to an entry or EOF. */
  protected settleBackward(): boolean {
    for (;;) {
      let d = this.depth;
      if (this.idxs[d] >= 0) {
        this.state = State.Valid;
        return true;
      }
      for (;;) {
        if (d === 0) {
          this.state = State.Invalid;
          this.depth = -1;
          return false;
        }
        d--;
        if (this.isTable) {
          if (--this.idxs[d] >= 0) {
            this.descendRightmost(d);
            break;
          }
        } else if (this.idxs[d] > 0) {
          this.idxs[d]--;
          this.depth = d;
          this.state = State.Valid;
          return true;
        }
      }
    }
  }

  /** Moves to the first entry; false when the tree is empty. */
  first(): boolean {
    this.checkOpen();
    if (this.pager.retiredCount) this.host.recyclePages();
    this.state = State.Invalid;
    this.moveToRoot();
    this.idxs[0] = 0;
    if (!this.leaves[0]) this.descendLeftmost(0);
    return this.settleForward();
  }

  /** Moves to the last entry; false when the tree is empty. */
  last(): boolean {
    this.checkOpen();
    if (this.pager.retiredCount) this.host.recyclePages();
    this.state = State.Invalid;
    this.moveToRoot();
    if (this.leaves[0]) {
      this.idxs[0] = this.ncells[0] - 1;
    } else {
      this.idxs[0] = this.ncells[0];
      this.descendRightmost(0);
    }
    return this.settleBackward();
  }

  /** Moves to the next entry; false (and EOF) past the last one. */
  next(): boolean {
    // A scan in one long transaction would otherwise leave every page it passed to the GC.
    if (this.pager.retiredCount) this.host.recyclePages();
    if (this.state === State.RequireSeek) this.restore();
    if (this.state === State.Missed) {
      if (this.depth < 0) {
        this.state = State.Invalid;
        return false;
      }
      this.state = State.Valid;
      return true;
    }
    if (this.state !== State.Valid) return false;
    const d = this.depth;
    this.idxs[d]++;
    if (!this.leaves[d]) {
      if (this.streak < 8) this.streak++;
      this.descendLeftmost(d);
    }
    return this.settleForward();
  }

  /**
   * The number of entries in the tree, counted per page rather than per entry (SQLite's
   * sqlite3BtreeCount, behind `SELECT count(*) FROM t`): each leaf adds its cell count, each
   * interior cell of an index tree one entry. Every leaf is still read. Leaves the cursor at EOF.
   */
  count(): number {
    let n = 0;
    for (let ok = this.first(); ok; ok = this.settleForward()) {
      // As next(): pages the walk evicted go back to the pager's free list, not to the GC.
      if (this.pager.retiredCount) this.host.recyclePages();
      const d = this.depth;
      if (this.leaves[d]) {
        n += this.ncells[d] - this.idxs[d];
        this.idxs[d] = this.ncells[d];
      } else {
        // An index interior cell: an entry between two subtrees.
        n++;
        this.idxs[d]++;
        if (this.streak < 8) this.streak++;
        this.descendLeftmost(d);
      }
    }
    return n;
  }

  /** Moves to the previous entry; false (and EOF) before the first one. */
  prev(): boolean {
    if (this.pager.retiredCount) this.host.recyclePages();
    if (this.state === State.RequireSeek) this.restore();
    if (this.state === State.Missed) {
      if (this.depth < 0) return this.last();
      this.state = State.Valid;
    }
    if (this.state !== State.Valid) return false;
    const d = this.depth;
    if (!this.leaves[d]) {
      this.descendRightmost(d);
    } else {
      this.idxs[d]--;
    }
    return this.settleBackward();
  }

  /** True when on an entry (a method, so TypeScript does not narrow `state` across calls). */
  protected isOn(): boolean {
    return this.state === State.Valid;
  }

  protected requireValid(): void {
    if (this.state === State.RequireSeek) this.restore();
    if (this.state !== State.Valid) {
      throw new SqliteError("SQLITE_MISUSE", "cursor is not pointing to a row");
    }
  }

  protected checkOpen(): void {
    if (this.closed) throw new SqliteError("SQLITE_MISUSE", "cursor is closed");
  }

  /** Parses the current cell into the shared `cell` record; returns the page type. */
  protected parseCurrent(): number {
    const d = this.depth;
    const buf = this.bufs[d];
    const hdr = this.hdrs[d];
    const off = checkedCellOffset(buf, hdr, this.idxs[d], this.pgnos[d], this.geo.usable);
    const type = buf[hdr];
    parseCell(buf, off, type, this.geo, this.pgnos[d]);
    return type;
  }

  /** The payload of the parsed cell on level `d`'s page, assembled when it overflows. */
  protected cellPayload(d: number): Uint8Array {
    const buf = this.bufs[d];
    if (cell.overflow === 0) return buf.subarray(cell.payloadOff, cell.payloadOff + cell.local);
    const size = cell.payloadSize;
    const rest = size - cell.local;
    if (overflowPageCount(rest, this.geo.usable) > this.pager.pageCount()) {
      throw corrupt(`page ${this.pgnos[d]}: payload size ${size} larger than the database`);
    }
    const out = new Uint8Array(size);
    out.set(buf.subarray(cell.payloadOff, cell.payloadOff + cell.local));
    readOverflow(this.pager, cell.overflow, out, cell.local, rest);
    return out;
  }

  /** Where the payload {@link payloadBuffer} last located starts in its buffer. */
  payloadStart = 0;
  /** Where that payload ends (exclusive) in its buffer. */
  payloadEnd = 0;

  /**
   * The current entry's payload as a range of a buffer, without allocating a view (a scan
   * reads one per row): returns the buffer and sets {@link payloadStart} and
   * {@link payloadEnd}. Without overflow the buffer is the page's, valid until the cursor
   * moves or the tree is modified; with overflow it is a new array holding the whole payload.
   */
  payloadBuffer(): Uint8Array {
    if (this.state !== State.Valid) this.requireValid();
    const d = this.depth;
    const buf = this.bufs[d];
    const hdr = this.hdrs[d];
    const type = buf[hdr];
    if (type === TABLE_LEAF || type === INDEX_LEAF) {
      // The scan's per-row case - a leaf cell held whole on its page - without parseCell's
      // general bookkeeping. Anything else, or anything odd (a payload size varint over 2
      // bytes, a cell reaching past the usable area), takes the general path, which also
      // reports corruption exactly as before.
      const usable = this.geo.usable;
      const off = checkedCellOffset(buf, hdr, this.idxs[d], this.pgnos[d], usable);
      let n = buf[off];
      let p = off + 1;
      if (n >= 0x80) {
        const b = buf[p];
        n = b < 0x80 ? ((n & 0x7f) << 7) | b : 0x7fffffff;
        p++;
      }
      let max = this.geo.maxLocalIndex;
      if (type === TABLE_LEAF) {
        // Skips the rowid varint: up to 8 bytes with the high bit set, then a last one.
        const stop = p + 8;
        while (p < stop && buf[p] >= 0x80) p++;
        p++;
        max = this.geo.maxLocalTable;
      }
      if (n <= max && p + n <= usable) {
        this.payloadStart = p;
        this.payloadEnd = p + n;
        return buf;
      }
    }
    this.parseCurrent();
    if (cell.overflow === 0) {
      this.payloadStart = cell.payloadOff;
      this.payloadEnd = cell.payloadOff + cell.local;
      return buf;
    }
    const out = this.cellPayload(d);
    this.payloadStart = 0;
    this.payloadEnd = out.length;
    return out;
  }

  /**
   * The current entry's payload (the record), overflow chain assembled. Without overflow it
   * is a view into the page: valid until the cursor moves or the tree is modified.
   */
  payload(): Uint8Array {
    const buf = this.payloadBuffer();
    const start = this.payloadStart;
    const end = this.payloadEnd;
    return start === 0 && end === buf.length ? buf : buf.subarray(start, end);
  }

  /** Size in bytes of the current entry's payload. */
  payloadSize(): number {
    this.requireValid();
    this.parseCurrent();
    return cell.payloadSize;
  }

  /** True when `buf` is one of the pages on this cursor's stack. */
  holds(buf: Uint8Array): boolean {
    const bufs = this.bufs;
    for (let d = 0; d < MAX_DEPTH; d++) {
      const b = bufs[d];
      if (b === undefined) return false;
      if (b === buf) return true;
    }
    return false;
  }

  /** Forgets the position (releases page references). */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.state = State.Invalid;
    this.depth = -1;
    // Levels are loaded top down, so the page references end at the first empty slot.
    const bufs = this.bufs;
    for (let d = 0; d < MAX_DEPTH && bufs[d] !== undefined; d++) {
      bufs[d] = undefined as unknown as Uint8Array;
    }
    // Every method of a closed cursor checks `closed` or the (now invalid) state before it
    // touches the stack, so the stack can serve the next cursor.
    if (stackPool.length < STACK_POOL_MAX) stackPool.push(this.stack);
    this.host.unregister(this);
  }

  /**
   * Opens a closed cursor again on the same tree, unpositioned, as a new one would be: the
   * SQL layer reuses its cursors across executions of a prepared statement instead of
   * allocating new ones per row. Does nothing when the cursor is open.
   */
  reopen(): void {
    if (!this.closed) return;
    this.takeStack();
    this.state = State.Invalid;
    this.depth = -1;
    this.closed = false;
    this.host.register(this);
  }

  protected pathTo(d: number): Path {
    return { pgno: this.pgnos.slice(0, d + 1), idx: this.idxs.slice(0, d), pending: [] };
  }

  /**
   * Inserts `c` (leaf cell bytes) as cell idxs[d] of the leaf at level `d`, splitting or
   * rebalancing as needed. The cursor's stack is stale afterwards.
   */
  protected insertAt(d: number, c: Uint8Array): void {
    const pgno = this.pgnos[d];
    const hdr = this.hdrs[d];
    const i = this.idxs[d];
    const buf = this.pager.getPageForWrite(pgno);
    // Like SQLite, an insert rebalances only when the page overflows; underfull pages are
    // merged when rows are deleted.
    if (insertCell(buf, hdr, i, c, pgno, this.geo)) return;
    const n = cellCount(buf, hdr);
    const type = buf[hdr];
    if (
      type === TABLE_LEAF && d > 0 && i === n && n > 0 && this.idxs[d - 1] === this.ncells[d - 1] &&
      this.pgnos[d - 1] !== 1
    ) {
      balanceQuick(this.pager, this.geo, this.pathTo(d), d, c);
      return;
    }
    if (
      type === INDEX_LEAF && d > 0 && i === n && n > 1 && this.idxs[d - 1] === this.ncells[d - 1] &&
      this.pgnos[d - 1] !== 1
    ) {
      balanceQuickIndex(this.pager, this.geo, this.pathTo(d), d, c);
      return;
    }
    // Cells read while balancing are copied into pages before it returns.
    const mark = beginCellScope();
    try {
      insertAndBalance(this.pager, this.geo, this.pathTo(d), d, i, c);
    } finally {
      endCellScope(mark);
    }
  }

  /**
   * The common case of an insert: a leaf cell of type `type` whose payload is all local and
   * which fits the leaf at level `d` is written straight into the page at idxs[d] (one copy
   * of the payload, no cell built aside). Returns false, writing nothing, otherwise.
   */
  protected insertDirect(d: number, type: number, rowid: Rowid | null, data: Uint8Array): boolean {
    const size = data.length;
    if (size > (type === TABLE_LEAF ? this.geo.maxLocalTable : this.geo.maxLocalIndex)) {
      return false;
    }
    const body = varintSize(size) + (rowid === null ? 0 : varintSize(rowid)) + size;
    const len = body < 4 ? 4 : body;
    const pgno = this.pgnos[d];
    const buf = this.pager.getPageForWrite(pgno);
    const at = reserveCell(buf, this.hdrs[d], this.idxs[d], len, pgno, this.geo);
    if (at === 0) return false;
    let p = at + writeVarint(buf, at, size);
    if (rowid !== null) p += writeVarint(buf, p, rowid);
    if (size <= 32) { for (let k = 0; k < size; k++) buf[p + k] = data[k]; }
    else buf.set(data, p);
    // A tiny cell is padded to 4 bytes with zeros, as buildCell pads it.
    for (let q = at + body; q < at + len; q++) buf[q] = 0;
    return true;
  }

  /**
   * Builds a leaf cell: header varints, then the payload split into local part and overflow
   * chain. The cell is a view into a shared scratch buffer, valid until the next call: every
   * caller hands it to {@link insertAt} at once, which copies it into pages.
   */
  protected buildCell(type: number, rowid: Rowid | null, data: Uint8Array): Uint8Array {
    const size = data.length;
    if (size > 0x7fffffff) throw new SqliteError("SQLITE_TOOBIG", "string or blob too big");
    const local = this.geo.localSize(type, size);
    const headLen = varintSize(size) + (rowid === null ? 0 : varintSize(rowid));
    let len = headLen + local + (local < size ? 4 : 0);
    if (len < 4) len = 4;
    const c = cellScratch.subarray(0, len);
    // A tiny cell is padded to 4 bytes with zeros, as a fresh array would be.
    c[0] = 0;
    c[1] = 0;
    c[2] = 0;
    c[3] = 0;
    let p = writeVarint(c, 0, size);
    if (rowid !== null) p += writeVarint(c, p, rowid);
    if (local === size) c.set(data, p);
    else c.set(data.subarray(0, local), p);
    if (local < size) {
      const first = writeOverflow(this.pager, data.subarray(local));
      const q = p + local;
      c[q] = first >>> 24;
      c[q + 1] = first >>> 16;
      c[q + 2] = first >>> 8;
      c[q + 3] = first;
    }
    return c;
  }

  /** Deletes the current entry. Afterwards `next()` moves to the entry that followed it. */
  delete(): void {
    this.requireValid();
    this.host.prepareWrite(this.root, this);
    this.saveKeyForDelete();
    const d = this.depth;
    const pgno = this.pgnos[d];
    const hdr = this.hdrs[d];
    const i = this.idxs[d];
    const type = this.parseCurrent();
    const usable = this.geo.usable;
    const size = cell.size;
    if (cell.overflow !== 0) freeOverflow(this.pager, cell.overflow, cell.payloadSize - cell.local);
    if (this.leaves[d]) {
      const buf = this.pager.getPageForWrite(pgno);
      dropCell(buf, hdr, i, size, pgno, usable);
      if (d > 0 && isUnderfull(freeBytes(buf, hdr, pgno, usable), usable)) {
        const mark = beginCellScope();
        try {
          updateNode(
            this.pager,
            this.geo,
            this.pathTo(d),
            d,
            readNode(this.pager, this.geo, pgno, this.isTable),
          );
        } finally {
          endCellScope(mark);
        }
      }
    } else {
      // An interior index entry: replace it by its predecessor, the last entry of the leaf
      // at the right edge of its left subtree, then rebalance that leaf and this page.
      const child = cell.child;
      const interior = readNode(this.pager, this.geo, pgno, false);
      if (type !== INDEX_INTERIOR) throw corrupt(`page ${pgno}: entry on interior table page`);
      this.descendRightmost(d);
      const dl = this.depth;
      const leafPg = this.pgnos[dl];
      const j = this.idxs[dl];
      if (j < 0) throw corrupt(`page ${leafPg}: empty leaf`);
      this.parseCurrent();
      const leafBuf = this.pager.getPageForWrite(leafPg);
      const off = checkedCellOffset(leafBuf, this.hdrs[dl], j, leafPg, usable);
      const pred = leafBuf.slice(off, off + cell.size);
      dropCell(leafBuf, this.hdrs[dl], j, cell.size, leafPg, usable);
      interior.cells[i] = leafToInterior(child, pred, this.geo);
      const path = this.pathTo(dl);
      path.idx[d] = i;
      path.pending[d] = interior;
      updateNode(this.pager, this.geo, path, dl, readNode(this.pager, this.geo, leafPg, false));
      const pending = path.pending[d];
      if (pending) {
        path.pending[d] = undefined;
        updateNode(this.pager, this.geo, path, d, pending);
      }
    }
    this.state = State.RequireSeek;
    this.depth = -1;
  }

  /** Saves the key before deleting the entry (by default the entry's own key). */
  protected saveKeyForDelete(): void {
    this.saveKey();
  }
}

/** Header of the current table-leaf cell: skips the payload-size varint. */
function leafRowid(buf: Uint8Array, off: number): Rowid {
  let p = off;
  const end = off + 9;
  while (buf[p] & 0x80 && p < end) p++;
  return readVarint64(buf, p + 1);
}

function canonical(r: Rowid): Rowid {
  if (typeof r === "bigint") {
    if (r < -(1n << 63n) || r >= 1n << 63n) {
      throw new SqliteError("SQLITE_MISMATCH", "datatype mismatch");
    }
    return r >= -9007199254740991n && r <= 9007199254740991n ? Number(r) : r;
  }
  if (!Number.isSafeInteger(r)) throw new SqliteError("SQLITE_MISMATCH", "datatype mismatch");
  return r;
}

/** A cursor over a table (rowid) b-tree. */
export class TableCursorImpl extends CursorBase implements TableCursor {
  private savedRowid: Rowid = 0;

  constructor(host: CursorHost, root: number) {
    super(host, root, true);
  }

  protected saveKey(): void {
    this.savedRowid = this.rowidHere();
  }

  protected restoreKey(): boolean {
    return this.seekInternal(this.savedRowid);
  }

  private rowidHere(): Rowid {
    const d = this.depth;
    const buf = this.bufs[d];
    return leafRowid(
      buf,
      checkedCellOffset(buf, this.hdrs[d], this.idxs[d], this.pgnos[d], this.geo.usable),
    );
  }

  /** The current entry's rowid. */
  rowid(): Rowid {
    this.requireValid();
    return this.rowidHere();
  }

  /** Descends to the leaf where `r` is or would be; returns true when it is there. */
  private descend(r: Rowid): boolean {
    this.moveToRoot();
    const usable = this.geo.usable;
    for (;;) {
      const d = this.depth;
      const buf = this.bufs[d];
      const hdr = this.hdrs[d];
      const pgno = this.pgnos[d];
      let lo = 0;
      let hi = this.ncells[d];
      // Appends (new rowids above all others) are the common insert: one probe of the last
      // cell per level sends them right, instead of a binary search.
      if (this.leaves[d]) {
        if (hi > 0 && leafRowid(buf, checkedCellOffset(buf, hdr, hi - 1, pgno, usable)) < r) {
          this.idxs[d] = hi;
          return false;
        }
        while (lo < hi) {
          const mid = (lo + hi) >>> 1;
          if (leafRowid(buf, checkedCellOffset(buf, hdr, mid, pgno, usable)) < r) lo = mid + 1;
          else hi = mid;
        }
        this.idxs[d] = lo;
        if (lo < this.ncells[d]) {
          const k = leafRowid(buf, checkedCellOffset(buf, hdr, lo, pgno, usable));
          return !(k > r);
        }
        return false;
      }
      if (hi > 0 && readVarint64(buf, checkedCellOffset(buf, hdr, hi - 1, pgno, usable) + 4) < r) {
        lo = hi;
      }
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (readVarint64(buf, checkedCellOffset(buf, hdr, mid, pgno, usable) + 4) < r) lo = mid + 1;
        else hi = mid;
      }
      this.idxs[d] = lo;
      this.loadLevel(d + 1, this.childAt(d, lo));
      this.depth = d + 1;
    }
  }

  private seekInternal(r: Rowid): boolean {
    const exact = this.descend(r);
    this.settleForward();
    return exact;
  }

  /** Moves to the entry with this rowid; true if it exists, else to the next larger entry or EOF. */
  seek(rowid: Rowid): boolean {
    this.checkOpen();
    if (this.pager.retiredCount) this.host.recyclePages();
    return this.seekInternal(canonical(rowid));
  }

  /** Moves to the first entry with rowid >= `rowid`; false (EOF) when none. */
  seekGE(rowid: Rowid): boolean {
    this.checkOpen();
    if (this.pager.retiredCount) this.host.recyclePages();
    this.seekInternal(canonical(rowid));
    return this.state === State.Valid;
  }

  /** Moves to the last entry with rowid <= `rowid`; false (EOF) when none. */
  seekLE(rowid: Rowid): boolean {
    this.checkOpen();
    if (this.pager.retiredCount) this.host.recyclePages();
    if (this.seekInternal(canonical(rowid))) return true;
    if (this.state === State.Valid) return this.prev();
    return this.last();
  }

  /** Inserts the row, replacing an existing row with the same rowid. */
  insert(rowid: Rowid, payload: Uint8Array): void {
    this.checkOpen();
    const r = canonical(rowid);
    this.host.prepareWrite(this.root, this);
    this.state = State.Invalid;
    const exact = this.descend(r);
    const d = this.depth;
    if (exact) {
      const pgno = this.pgnos[d];
      const hdr = this.hdrs[d];
      this.parseCurrent();
      const oldSize = cell.size;
      const local = this.geo.localSize(TABLE_LEAF, payload.length);
      if (cell.overflow === 0 && local === payload.length && cell.payloadSize === payload.length) {
        // Same size, no overflow: overwrite the payload in place.
        this.pager.getPageForWrite(pgno).set(payload, cell.payloadOff);
        this.depth = -1;
        return;
      }
      if (cell.overflow !== 0) {
        freeOverflow(this.pager, cell.overflow, cell.payloadSize - cell.local);
      }
      dropCell(this.pager.getPageForWrite(pgno), hdr, this.idxs[d], oldSize, pgno, this.geo.usable);
      this.ncells[d]--;
    }
    if (!this.insertDirect(d, TABLE_LEAF, r, payload)) {
      this.insertAt(d, this.buildCell(TABLE_LEAF, r, payload));
    }
    this.depth = -1;
  }

  /** Inserts the row unless one with this rowid exists (then returns false, writing nothing). */
  insertNew(rowid: Rowid, payload: Uint8Array): boolean {
    this.checkOpen();
    // This replaces a seek, which lets the pager reuse buffers (see seek()).
    if (this.pager.retiredCount) this.host.recyclePages();
    const r = canonical(rowid);
    this.host.prepareWrite(this.root, this);
    this.state = State.Invalid;
    if (this.descend(r)) {
      this.depth = -1;
      return false;
    }
    const d = this.depth;
    if (!this.insertDirect(d, TABLE_LEAF, r, payload)) {
      this.insertAt(d, this.buildCell(TABLE_LEAF, r, payload));
    }
    this.depth = -1;
    return true;
  }
}

/** Builds a comparator for a stored key, used to re-find a cursor's entry after the tree changed. */
export type ComparatorFactory = (key: Uint8Array) => KeyComparator;

function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** A cursor over an index b-tree. */
export class IndexCursorImpl extends CursorBase implements IndexCursor {
  private savedKey: Uint8Array | null = null;
  /** Set when `savedKey` is the entry after a deleted one (no comparator to re-seek with). */
  private savedIsNext = false;
  private readonly comparatorFor: ComparatorFactory | undefined;

  constructor(host: CursorHost, root: number, comparatorFor?: ComparatorFactory) {
    super(host, root, false);
    this.comparatorFor = comparatorFor;
  }

  protected saveKey(): void {
    this.parseCurrent();
    this.savedKey = this.cellPayload(this.depth).slice();
    this.savedIsNext = false;
  }

  protected override saveKeyForDelete(): void {
    if (this.comparatorFor) return this.saveKey();
    // Without a comparator the key cannot be sought, only found by a scan: remember the
    // entry that follows instead, then come back.
    if (this.next()) {
      this.parseCurrent();
      this.savedKey = this.cellPayload(this.depth).slice();
      this.prev();
    } else {
      this.savedKey = null;
      this.last();
    }
    this.savedIsNext = true;
  }

  protected restoreKey(): boolean {
    const key = this.savedKey;
    if (this.comparatorFor && key && !this.savedIsNext) {
      const cmp = this.comparatorFor(key);
      this.seekGEInternal(cmp);
      if (this.state !== State.Valid) return false;
      this.parseCurrent();
      return cmp(this.cellPayload(this.depth)) === 0;
    }
    if (key) {
      for (let ok = this.first(); ok; ok = this.next()) {
        this.parseCurrent();
        if (bytesEqual(this.cellPayload(this.depth), key)) return !this.savedIsNext;
      }
    }
    this.depth = -1;
    return false;
  }

  /** Payload of cell `i` on level `d`'s page (view or assembled copy). */
  private keyAt(d: number, i: number): Uint8Array {
    const buf = this.bufs[d];
    const off = checkedCellOffset(buf, this.hdrs[d], i, this.pgnos[d], this.geo.usable);
    parseCell(buf, off, buf[this.hdrs[d]], this.geo, this.pgnos[d]);
    return this.cellPayload(d);
  }

  /** `cmp` applied to the key of cell `i` on level `d`'s page, in place when it can be. */
  private compareAt(cmp: KeyComparator, d: number, i: number): number {
    const buf = this.bufs[d];
    const hdr = this.hdrs[d];
    const pgno = this.pgnos[d];
    const usable = this.geo.usable;
    const leaf = this.leaves[d];
    // checkedCellOffset inlined: the level's cell count and page kind are already known.
    const ptr = hdr + (leaf ? 8 : 12);
    const off = (buf[ptr + 2 * i] << 8) | buf[ptr + 2 * i + 1];
    if (off < ptr + 2 * this.ncells[d] || off > usable - 4) {
      throw corrupt(`page ${pgno}: cell ${i} offset ${off} out of range`);
    }
    const range = cmp.range;
    if (range !== undefined) {
      // Only the payload's place is needed (most probes of an insert or seek), so the cell is
      // not parsed in full: [child pointer,] payload size, payload.
      const p = leaf ? off : off + 4;
      let n = buf[p];
      let q = p + 1;
      if (n >= 0x80) {
        n = readVarint(buf, p);
        q = p + varintLength;
      }
      if (n <= this.geo.maxLocalIndex) {
        if (q + n > usable) throw corrupt(`page ${pgno}: cell extends past page end`);
        return range(buf, q, q + n);
      }
    }
    parseCell(buf, off, buf[hdr], this.geo, pgno);
    if (range !== undefined && cell.overflow === 0) {
      return range(buf, cell.payloadOff, cell.payloadOff + cell.local);
    }
    return cmp(this.cellPayload(d));
  }

  private seekGEInternal(cmp: KeyComparator): void {
    this.moveToRoot();
    for (;;) {
      const d = this.depth;
      let lo = 0;
      let hi = this.ncells[d];
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (this.compareAt(cmp, d, mid) < 0) lo = mid + 1;
        else hi = mid;
      }
      this.idxs[d] = lo;
      if (this.leaves[d]) break;
      this.loadLevel(d + 1, this.childAt(d, lo));
      this.depth = d + 1;
    }
    this.settleForward();
  }

  /** Moves to the first entry for which `cmp(entry) >= 0`; false (EOF) when none. */
  seekGE(cmp: KeyComparator): boolean {
    this.checkOpen();
    if (this.pager.retiredCount) this.host.recyclePages();
    this.state = State.Invalid;
    this.seekGEInternal(cmp);
    return this.isOn();
  }

  /** Moves to the last entry for which `cmp(entry) <= 0`; false (EOF) when none. */
  seekLE(cmp: KeyComparator): boolean {
    this.checkOpen();
    if (this.pager.retiredCount) this.host.recyclePages();
    this.state = State.Invalid;
    this.moveToRoot();
    for (;;) {
      const d = this.depth;
      let lo = 0;
      let hi = this.ncells[d];
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (this.compareAt(cmp, d, mid) <= 0) lo = mid + 1;
        else hi = mid;
      }
      if (this.leaves[d]) {
        this.idxs[d] = lo - 1;
        break;
      }
      this.idxs[d] = lo;
      this.loadLevel(d + 1, this.childAt(d, lo));
      this.depth = d + 1;
    }
    return this.settleBackward();
  }

  /** Inserts a key; `cmp` orders it against stored keys (0 only for an equal key, which is replaced). */
  insert(payload: Uint8Array, cmp: KeyComparator): void {
    this.checkOpen();
    this.host.prepareWrite(this.root, this);
    this.state = State.Invalid;
    this.moveToRoot();
    for (;;) {
      const d = this.depth;
      let lo = 0;
      let hi = this.ncells[d];
      let found = false;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        const c = this.compareAt(cmp, d, mid);
        if (c < 0) lo = mid + 1;
        else {
          hi = mid;
          if (c === 0) {
            lo = mid;
            found = true;
            break;
          }
        }
      }
      this.idxs[d] = lo;
      if (found) {
        const old = this.keyAt(d, lo);
        if (bytesEqual(old, payload)) {
          this.depth = -1;
          return;
        }
        // An equal key with different bytes: replace it.
        this.depth = d;
        this.state = State.Valid;
        this.delete();
        return this.insert(payload, cmp);
      }
      if (this.leaves[d]) break;
      this.loadLevel(d + 1, this.childAt(d, lo));
      this.depth = d + 1;
    }
    const d = this.depth;
    if (!this.insertDirect(d, INDEX_LEAF, null, payload)) {
      this.insertAt(d, this.buildCell(INDEX_LEAF, null, payload));
    }
    this.state = State.Invalid;
    this.depth = -1;
  }
}
