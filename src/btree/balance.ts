/**
 * Rebalancing after a page overflows or falls under a third full, in the manner of SQLite's
 * balance(): the page is redistributed with up to two siblings (balance_nonroot), the root
 * grows a level when it overflows (balance_deeper) and absorbs its only child when it empties
 * (balance_shallower), and appends at the right edge of a table split off a new page holding
 * just the new cell (balance_quick) so in-order inserts leave full leaves.
 *
 * Pages are rebuilt from cell lists (copies), so every page written is a freshly packed,
 * valid SQLite page.
 * @module
 */

import { corrupt } from "../errors.ts";
import type { Pager } from "../pager/types.ts";
import {
  cell,
  type Geometry,
  get4,
  INDEX_INTERIOR,
  INDEX_LEAF,
  interiorToLeaf,
  isLeafType,
  leafToInterior,
  parseCell,
  put4,
  setChild,
  TABLE_INTERIOR,
  TABLE_LEAF,
  tableInteriorCell,
} from "./cell.ts";
import { allocatePage, freePage } from "./freelist.ts";
import {
  buildPage,
  buildPageRefs,
  cellCount,
  checkedCellOffset,
  checkPage,
  dropCell,
  freeBytes,
  headerOffset,
  headerSize,
  insertCell,
  readCellRefs,
  readCells,
  rightChild,
} from "./page.ts";

/** A page's content as a list of cells (exact bytes) and, for interior pages, the right child. */
export interface Node {
  /** Page type byte. */
  type: number;
  /** The cells, in order. */
  cells: Uint8Array[];
  /** Right-most child (interior pages), else 0. */
  right: number;
}

/**
 * The path from the root to the page being changed: `pgno[k]` is the page at level k and
 * `idx[k]` the child index followed from it. `pending[k]` holds new content for a level that
 * has not been written yet (used when deleting from an interior index page).
 */
export interface Path {
  /** Page numbers, root first. */
  pgno: number[];
  /** Child index taken at each level. */
  idx: number[];
  /** Unwritten content per level. */
  pending: (Node | undefined)[];
}

/** Reads a page into a {@link Node}. */
export function readNode(pager: Pager, geo: Geometry, pgno: number, table: boolean): Node {
  if (pgno < 1 || pgno > pager.pageCount()) throw corrupt(`page ${pgno} out of range`);
  const buf = pager.getPage(pgno);
  const hdr = headerOffset(pgno);
  checkPage(buf, hdr, pgno, table, geo.usable);
  const type = buf[hdr];
  return {
    type,
    cells: readCells(buf, hdr, pgno, geo),
    right: isLeafType(type) ? 0 : rightChild(buf, hdr),
  };
}

function contentSize(cells: Uint8Array[]): number {
  let total = 0;
  for (let i = 0; i < cells.length; i++) total += cells[i].length + 2;
  return total;
}

function writeNode(pager: Pager, geo: Geometry, pgno: number, node: Node): void {
  buildPage(
    pager.getPageForWrite(pgno),
    headerOffset(pgno),
    node.type,
    node.cells,
    node.right,
    geo.usable,
  );
}

/** True when a non-root page's free space exceeds two thirds of the page (SQLite's threshold). */
export function isUnderfull(freeBytes: number, usable: number): boolean {
  return freeBytes * 3 > usable * 2;
}

/**
 * Makes page `path.pgno[d]` hold `node`, rebalancing this level and the ones above as needed.
 */
export function updateNode(pager: Pager, geo: Geometry, path: Path, d0: number, node0: Node): void {
  let d = d0;
  let node = node0;
  const table = node.type === TABLE_LEAF || node.type === TABLE_INTERIOR;
  for (;;) {
    const pgno = path.pgno[d];
    const hdr = headerOffset(pgno);
    const cap = geo.usable - hdr - headerSize(node.type);
    const total = contentSize(node.cells);
    if (d === 0) {
      if (total <= cap) {
        if (!isLeafType(node.type) && node.cells.length === 0) {
          // balance_shallower: the root's only child moves up when it fits.
          const child = node.right;
          const cn = readNode(pager, geo, child, table);
          if (contentSize(cn.cells) <= geo.usable - hdr - headerSize(cn.type)) {
            freePage(pager, child);
            node = cn;
            continue;
          }
        }
        writeNode(pager, geo, pgno, node);
        return;
      }
      // balance_deeper: the root's content moves to a new child, which then splits.
      if (path.pgno.length >= 20) throw corrupt("b-tree too deep");
      const child = allocatePage(pager);
      const rootType = table ? TABLE_INTERIOR : INDEX_INTERIOR;
      path.pgno.splice(1, 0, child);
      path.idx.splice(0, 0, 0);
      path.pending.splice(0, 0, { type: rootType, cells: [], right: child });
      d = 1;
      continue;
    }
    if (total <= cap && !isUnderfull(cap - total, geo.usable)) {
      writeNode(pager, geo, pgno, node);
      // After balance_deeper of page 1 the content can fit its new child whole (a child
      // has 100 bytes more room); the new root, still pending, must be written too.
      const pending = path.pending[d - 1];
      if (pending === undefined) return;
      path.pending[d - 1] = undefined;
      node = pending;
      d--;
      continue;
    }
    const parent = balanceSiblings(pager, geo, path, d, node, table);
    d--;
    if (!parent) return;
    node = parent;
  }
}

/**
 * Inserts leaf cell `c` as cell `i` of the leaf `path.pgno[d]`, which it does not fit, and
 * rebalances: what updateNode does with the page's cells plus `c`, but the page's cells are
 * not turned into views first (a split moves hundreds of them).
 */
export function insertAndBalance(
  pager: Pager,
  geo: Geometry,
  path: Path,
  d: number,
  i: number,
  c: Uint8Array,
): void {
  const pgno = path.pgno[d];
  const buf = pager.getPage(pgno);
  const hdr = headerOffset(pgno);
  const type = buf[hdr];
  const table = type === TABLE_LEAF;
  if (d === 0) {
    const cells = readCells(buf, hdr, pgno, geo);
    cells.splice(i, 0, c);
    updateNode(pager, geo, path, d, { type, cells, right: 0 });
    return;
  }
  const node = { type, cells: [], right: 0 };
  const parent = balanceSiblings(pager, geo, path, d, node, table, { at: i, cell: c });
  if (parent) updateNode(pager, geo, path, d - 1, parent);
}

/**
 * Redistributes the cells of page `path.pgno[d]` (new content `node`) and up to two siblings
 * over as many pages as they need; returns the parent's new content (not yet written).
 * With `insert`, the page's content is its cells on the page plus `insert.cell` as cell
 * `insert.at` (and `node.cells` is not used).
 */
function balanceSiblings(
  pager: Pager,
  geo: Geometry,
  path: Path,
  d: number,
  node: Node,
  table: boolean,
  insert?: { at: number; cell: Uint8Array },
): Node | null {
  const ppg = path.pgno[d - 1];
  const pending = path.pending[d - 1];
  path.pending[d - 1] = undefined;
  // The parent is read cell by cell: rebuilding a 64 KiB interior page for every leaf split
  // would dominate insert time.
  let pn: number;
  let parentRight: number;
  let cellAt: (j: number) => Uint8Array;
  const phdr = headerOffset(ppg);
  if (pending) {
    pn = pending.cells.length;
    parentRight = pending.right;
    cellAt = (j) => pending.cells[j];
  } else {
    if (ppg < 1 || ppg > pager.pageCount()) throw corrupt(`page ${ppg} out of range`);
    const pbuf = pager.getPage(ppg);
    checkPage(pbuf, phdr, ppg, table, geo.usable);
    if (isLeafType(pbuf[phdr])) throw corrupt(`page ${ppg}: parent is a leaf`);
    pn = cellCount(pbuf, phdr);
    parentRight = rightChild(pbuf, phdr);
    cellAt = (j) => {
      const off = checkedCellOffset(pbuf, phdr, j, ppg, geo.usable);
      parseCell(pbuf, off, pbuf[phdr], geo, ppg);
      return pbuf.slice(off, off + cell.size);
    };
  }
  if (pending && isLeafType(pending.type)) throw corrupt(`page ${ppg}: parent is a leaf`);
  const ci = path.idx[d - 1];
  if (ci > pn) throw corrupt(`page ${ppg}: child index out of range`);
  const nOld = Math.min(3, pn + 1);
  let first = ci - 1;
  if (first < 0) first = 0;
  if (first > pn + 1 - nOld) first = pn + 1 - nOld;
  const type = node.type;
  const leaf = isLeafType(type);
  const leafData = type === TABLE_LEAF;
  const usable = geo.usable;

  const oldPg: number[] = [];
  const oldDivs: Uint8Array[] = [];
  // Every cell to redistribute, in order, as (buffer, offset, size): siblings' cells stay in
  // private copies of their pages instead of getting a view each.
  const bufs: Uint8Array[] = [];
  const offs: number[] = [];
  const lens: number[] = [];
  const push = (c: Uint8Array) => {
    bufs.push(c);
    offs.push(0);
    lens.push(c.length);
  };
  const view = (i: number) => bufs[i].subarray(offs[i], offs[i] + lens[i]);
  let lastRight = 0;
  for (let k = 0; k < nOld; k++) {
    const j = first + k;
    const div = j < pn ? cellAt(j) : null;
    if (div && k < nOld - 1) oldDivs.push(div);
    const pg = div ? get4(div, 0) : parentRight;
    if (oldPg.includes(pg) || path.pgno.indexOf(pg) >= 0 && pg !== path.pgno[d]) {
      throw corrupt(`page ${ppg}: child page ${pg} referenced twice`);
    }
    oldPg.push(pg);
    let right: number;
    if (j === ci) {
      if (insert) {
        // The leaf as it is on its page, plus the cell being inserted.
        const lpg = path.pgno[d];
        readCellRefs(
          pager.getPage(lpg),
          headerOffset(lpg),
          lpg,
          geo,
          bufs,
          offs,
          lens,
          insert.at,
          insert.cell,
        );
      } else {
        for (const c of node.cells) push(c);
      }
      right = node.right;
    } else {
      if (pg < 1 || pg > pager.pageCount()) throw corrupt(`page ${pg} out of range`);
      const sbuf = pager.getPage(pg);
      const shdr = headerOffset(pg);
      checkPage(sbuf, shdr, pg, table, usable);
      if (sbuf[shdr] !== type) throw corrupt(`page ${pg}: sibling of different type`);
      right = leaf ? 0 : rightChild(sbuf, shdr);
      readCellRefs(sbuf, shdr, pg, geo, bufs, offs, lens);
    }
    if (div && k < nOld - 1) {
      if (leafData) {
        // Table leaves: the divider is only a copy of a rowid; it is recomputed.
      } else if (type === INDEX_LEAF) {
        push(interiorToLeaf(div, geo));
      } else {
        push(setChild(div, right));
      }
    } else {
      lastRight = right;
    }
  }

  const cap = usable - headerSize(type);
  const n = lens.length;
  // When the cells would just fit the old pages, take one more page: otherwise pages are
  // left nearly full and the next inserts rebalance the same siblings over and over.
  let total = 0;
  for (let k = 0; k < n; k++) total += lens[k] + 2;
  let dist = total > nOld * cap * 0.9 && n >= 4 * (nOld + 1)
    ? distribute(lens, cap, leafData, nOld + 1)
    : null;
  dist ??= distribute(lens, cap, leafData, 0);
  if (!dist) throw corrupt("cell larger than a page");
  const { starts, ends } = dist;
  const nNew = starts.length;

  const newPg: number[] = [];
  for (let k = 0; k < nNew; k++) newPg.push(k < nOld ? oldPg[k] : allocatePage(pager));
  for (let k = nNew; k < nOld; k++) freePage(pager, oldPg[k]);
  // Keep siblings in file order: sequential scans then read the file forwards.
  newPg.sort((a, b) => a - b);

  const divs: Uint8Array[] = [];
  for (let g = 0; g < nNew; g++) {
    const e = ends[g];
    const right = leaf ? 0 : g < nNew - 1 ? get4(bufs[e], offs[e]) : lastRight;
    const pg = newPg[g];
    buildPageRefs(
      pager.getPageForWrite(pg),
      headerOffset(pg),
      type,
      bufs,
      offs,
      lens,
      starts[g],
      e,
      right,
      usable,
    );
    if (g === nNew - 1) break;
    if (leafData) {
      parseCell(bufs[e - 1], offs[e - 1], TABLE_LEAF, geo, pg);
      divs.push(tableInteriorCell(pg, cell.rowid));
    } else if (type === INDEX_LEAF) {
      divs.push(leafToInterior(pg, view(e), geo));
    } else {
      divs.push(setChild(view(e), pg));
    }
  }

  const after = first + nOld - 1;
  const lastPg = newPg[nNew - 1];
  if (pending) {
    const cells = pending.cells;
    const tail = after < pn ? [setChild(cells[after], lastPg)] : [];
    cells.splice(first, nOld - 1 + tail.length, ...divs, ...tail);
    if (after === pn) pending.right = lastPg;
    return pending;
  }
  // Edit the parent in place: old dividers out, the pointer past them redirected, new
  // dividers in. Only when they do not fit (or the parent needs balancing) is it rebuilt.
  const pbuf = pager.getPageForWrite(ppg);
  for (let k = 0; k < nOld - 1; k++) {
    dropCell(pbuf, phdr, first, oldDivs[k].length, ppg, geo.usable);
  }
  if (after < pn) {
    put4(pbuf, checkedCellOffset(pbuf, phdr, first, ppg, geo.usable), lastPg);
  } else {
    put4(pbuf, phdr + 8, lastPg);
  }
  for (let k = 0; k < divs.length; k++) {
    if (!insertCell(pbuf, phdr, first + k, divs[k], ppg, geo)) {
      const rest = readNode(pager, geo, ppg, table);
      rest.cells.splice(first + k, 0, ...divs.slice(k));
      return rest;
    }
  }
  const pnNew = cellCount(pbuf, phdr);
  if (d - 1 === 0 ? pnNew === 0 : isUnderfull(freeBytes(pbuf, phdr, ppg, geo.usable), geo.usable)) {
    return readNode(pager, geo, ppg, table);
  }
  return null;
}

/**
 * Splits cells of sizes `all` into consecutive page groups (for non-leaf-data pages, one cell between groups
 * becomes the divider): greedy fill from the left, then cells move right to even the pages
 * out. With `atLeast`, empty pages are added at the end first. Null when a page would be empty.
 */
function distribute(
  all: number[],
  cap: number,
  leafData: boolean,
  atLeast: number,
): { starts: number[]; ends: number[] } | null {
  const n = all.length;
  const starts: number[] = [];
  const ends: number[] = [];
  const used: number[] = [];
  let i = 0;
  while (i < n) {
    const s = i;
    let u = 0;
    while (i < n && u + all[i] + 2 <= cap) {
      u += all[i] + 2;
      i++;
    }
    if (i === s) return null;
    starts.push(s);
    ends.push(i);
    used.push(u);
    if (!leafData && i < n) {
      i++;
      if (i === n) {
        starts.push(n);
        ends.push(n);
        used.push(0);
      }
    }
  }
  if (starts.length === 0) {
    starts.push(0);
    ends.push(0);
    used.push(0);
  }
  while (starts.length < atLeast) {
    const g = starts.length - 1;
    if (!leafData) {
      // The last cell of the last group becomes the divider before the new page.
      if (ends[g] - starts[g] < 2) return null;
      ends[g]--;
      used[g] -= all[ends[g]] + 2;
    }
    starts.push(n);
    ends.push(n);
    used.push(0);
  }
  for (let g = starts.length - 1; g > 0; g--) {
    for (;;) {
      if (leafData) {
        const c = ends[g - 1] - 1;
        if (c <= starts[g - 1]) break;
        const s = all[c] + 2;
        if (used[g] + s > cap) break;
        if (used[g] !== 0 && used[g] + s > used[g - 1] - s) break;
        ends[g - 1]--;
        starts[g]--;
        used[g - 1] -= s;
        used[g] += s;
      } else {
        const dv = ends[g - 1];
        const c = dv - 1;
        if (c <= starts[g - 1]) break;
        const sIn = all[dv] + 2;
        const sOut = all[c] + 2;
        if (used[g] + sIn > cap) break;
        if (used[g] !== 0 && used[g] + sIn > used[g - 1] - sOut) break;
        ends[g - 1]--;
        starts[g]--;
        used[g - 1] -= sOut;
        used[g] += sIn;
      }
    }
  }
  for (let g = 0; g < starts.length; g++) {
    if (starts[g] === ends[g] && n > 0) return null;
  }
  return { starts, ends };
}

/**
 * balance_quick: the right-most leaf of a table overflowed by appending `newCell` at its end;
 * put that cell alone on a new right-most leaf and add a divider to the parent.
 */
export function balanceQuick(
  pager: Pager,
  geo: Geometry,
  path: Path,
  d: number,
  newCell: Uint8Array,
): void {
  const leafPg = path.pgno[d];
  const leaf = pager.getPage(leafPg);
  const n = cellCount(leaf, 0);
  const off = checkedCellOffset(leaf, 0, n - 1, leafPg, geo.usable);
  parseCell(leaf, off, TABLE_LEAF, geo, leafPg);
  const div = tableInteriorCell(leafPg, cell.rowid);
  appendRightLeaf(pager, geo, path, d, TABLE_LEAF, newCell, div);
}

/**
 * The index counterpart of {@link balanceQuick}: the right-most leaf of an index overflowed by
 * appending `newCell` at its end (keys inserted in increasing order). Its last key moves up to
 * the parent as the divider and the new cell starts a new right-most leaf, so the old leaf
 * stays full and nothing else is read or rebuilt.
 */
export function balanceQuickIndex(
  pager: Pager,
  geo: Geometry,
  path: Path,
  d: number,
  newCell: Uint8Array,
): void {
  const leafPg = path.pgno[d];
  const leaf = pager.getPageForWrite(leafPg);
  const n = cellCount(leaf, 0);
  const off = checkedCellOffset(leaf, 0, n - 1, leafPg, geo.usable);
  parseCell(leaf, off, INDEX_LEAF, geo, leafPg);
  const size = cell.size;
  // The divider takes over the key's overflow chain, if any.
  const div = leafToInterior(leafPg, leaf.subarray(off, off + size), geo);
  dropCell(leaf, 0, n - 1, size, leafPg, geo.usable);
  appendRightLeaf(pager, geo, path, d, INDEX_LEAF, newCell, div);
}

/**
 * The shared end of the quick balances: `newCell` alone on a new right-most leaf, `div` added
 * to the parent in front of it (rebalancing the parent only when the divider does not fit).
 */
function appendRightLeaf(
  pager: Pager,
  geo: Geometry,
  path: Path,
  d: number,
  leafType: number,
  newCell: Uint8Array,
  div: Uint8Array,
): void {
  const parentPg = path.pgno[d - 1];
  const newPg = allocatePage(pager);
  buildPage(pager.getPageForWrite(newPg), 0, leafType, [newCell], 0, geo.usable);
  const phdr = headerOffset(parentPg);
  const pbuf = pager.getPageForWrite(parentPg);
  const pn = cellCount(pbuf, phdr);
  if (insertCell(pbuf, phdr, pn, div, parentPg, geo)) {
    put4(pbuf, phdr + 8, newPg);
    return;
  }
  const parent = readNode(pager, geo, parentPg, leafType === TABLE_LEAF);
  parent.cells.push(div);
  parent.right = newPg;
  path.idx[d - 1] = parent.cells.length;
  path.pgno[d] = newPg;
  updateNode(pager, geo, path, d - 1, parent);
}
