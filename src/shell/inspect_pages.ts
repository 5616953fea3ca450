/**
 * `.pages` (what every page of the file is used for) and `.btree NAME` (the shape of one
 * tree: depth, pages per level, fill, overflow pages), computed by walking the file.
 * @module
 */

import { inspectedFile } from "./inspect_header.ts";
import {
  cellOffsets,
  headerOffset,
  PageSource,
  PageType,
  parseCellAt,
  readSchema,
  type SchemaEntry,
} from "./page_source.ts";
import { DotResult, type Shell } from "./shell.ts";

function be32(b: Uint8Array, o: number): number {
  return ((b[o] << 24) | (b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3]) >>> 0;
}

const TYPE_NAMES: Record<number, string> = {
  [PageType.TABLE_LEAF]: "table leaf",
  [PageType.TABLE_INTERIOR]: "table interior",
  [PageType.INDEX_LEAF]: "index leaf",
  [PageType.INDEX_INTERIOR]: "index interior",
};

/** Bytes in use on a b-tree page (usable size minus unallocated space, freeblocks, fragments). */
function usedBytes(page: Uint8Array, pgno: number, usable: number): number {
  const h = headerOffset(pgno);
  const type = page[h];
  const n = (page[h + 3] << 8) | page[h + 4];
  const hdrSize = type === PageType.TABLE_LEAF || type === PageType.INDEX_LEAF ? 8 : 12;
  let content = (page[h + 5] << 8) | page[h + 6];
  if (content === 0) content = 65536;
  let free = content - (h + hdrSize + 2 * n) + page[h + 7];
  let fb = (page[h + 1] << 8) | page[h + 2];
  for (let guard = 0; fb !== 0 && fb + 4 <= usable && guard < usable; guard++) {
    free += (page[fb + 2] << 8) | page[fb + 3];
    fb = (page[fb] << 8) | page[fb + 1];
  }
  return Math.max(0, usable - free);
}

/** Statistics of one level of a b-tree. */
export interface LevelStats {
  /** Pages on the level. */
  pages: number;
  /** Cells on those pages. */
  cells: number;
  /** Bytes used on those pages. */
  used: number;
}

/** The shape of one b-tree. */
export interface TreeStats {
  /** Root page. */
  root: number;
  /** Levels from the root (index 0) down to the leaves. */
  levels: LevelStats[];
  /** Overflow pages used by the tree's cells. */
  overflowPages: number;
  /** Cells whose payload spills to overflow pages. */
  overflowCells: number;
  /** Every page of the tree, with what it is. */
  pages: Map<number, string>;
}

/** Walks the tree at `root`, level by level. */
export function treeStats(src: PageSource, root: number, label = ""): TreeStats {
  const stats: TreeStats = {
    root,
    levels: [],
    overflowPages: 0,
    overflowCells: 0,
    pages: new Map(),
  };
  let level = [root];
  const seen = new Set<number>();
  while (level.length > 0) {
    const lv: LevelStats = { pages: 0, cells: 0, used: 0 };
    const next: number[] = [];
    for (const pgno of level) {
      if (seen.has(pgno) || pgno < 1 || pgno > src.pageCount) continue;
      seen.add(pgno);
      const page = src.page(pgno);
      const h = headerOffset(pgno);
      const type = page[h];
      const name = TYPE_NAMES[type];
      if (!name) {
        stats.pages.set(pgno, `corrupt: not a b-tree page (type ${type})${label}`);
        continue;
      }
      stats.pages.set(pgno, `${name}${label}`);
      const cells = cellOffsets(page, pgno);
      lv.pages++;
      lv.cells += cells.length;
      lv.used += usedBytes(page, pgno, src.usableSize);
      for (const off of cells) {
        const cell = parseCellAt(page, off, type, src.usableSize);
        if (cell.child) next.push(cell.child);
        if (cell.overflow) {
          stats.overflowCells++;
          let ov = cell.overflow;
          for (let guard = 0; ov !== 0 && guard < src.pageCount && !seen.has(ov); guard++) {
            seen.add(ov);
            stats.pages.set(ov, `overflow${label}`);
            stats.overflowPages++;
            ov = be32(src.page(ov), 0);
          }
        }
      }
      if (type === PageType.TABLE_INTERIOR || type === PageType.INDEX_INTERIOR) {
        next.push(be32(page, h + 8));
      }
    }
    if (lv.pages > 0) stats.levels.push(lv);
    level = next;
  }
  return stats;
}

function pct(used: number, total: number): string {
  return total === 0 ? "0.0%" : `${((100 * used) / total).toFixed(1)}%`;
}

function findTree(schema: SchemaEntry[], name: string): SchemaEntry | undefined {
  const n = name.toLowerCase();
  if (n === "sqlite_schema" || n === "sqlite_master") {
    return { type: "table", name: "sqlite_schema", tblName: "sqlite_schema", root: 1, sql: null };
  }
  return schema.find((e) => e.name.toLowerCase() === n && e.root > 0);
}

/** The `.btree NAME` report for the database at `path`. */
export function btreeText(path: string, name: string): string {
  const src = new PageSource(path);
  try {
    const entry = findTree(readSchema(src), name);
    if (!entry) return "";
    const st = treeStats(src, entry.root);
    const total = [...st.pages.keys()].length;
    let text =
      `${entry.type} ${entry.name}: root page ${entry.root}, depth ${st.levels.length}, ${total} page(s)\n`;
    st.levels.forEach((lv, i) => {
      const kind = i === st.levels.length - 1 ? "leaf" : "interior";
      text += `  level ${i}: ${lv.pages} ${kind} page(s), ${lv.cells} cell(s), fill ${
        pct(lv.used, lv.pages * src.usableSize)
      }\n`;
    });
    text += `  overflow: ${st.overflowPages} page(s) for ${st.overflowCells} cell(s)\n`;
    return text;
  } finally {
    src.close();
  }
}

/** What each page of the database is: page number -> description. */
export function pageMap(src: PageSource): Map<number, string> {
  const map = new Map<number, string>();
  const schema = readSchema(src);
  const trees: { root: number; label: string }[] = [{ root: 1, label: " of sqlite_schema" }];
  for (const e of schema) {
    if (e.root > 0) trees.push({ root: e.root, label: ` of ${e.type} ${e.name}` });
  }
  for (const t of trees) {
    for (const [pgno, what] of treeStats(src, t.root, t.label).pages) {
      map.set(pgno, map.has(pgno) ? `${map.get(pgno)}; ALSO ${what}` : what);
    }
  }
  // The freelist: trunk pages list leaf pages.
  let trunk = be32(src.header(), 32);
  for (let guard = 0; trunk !== 0 && trunk <= src.pageCount && guard < src.pageCount; guard++) {
    const page = src.page(trunk);
    map.set(trunk, "freelist trunk");
    const n = be32(page, 4);
    for (let i = 0; i < n && 8 + 4 * i + 4 <= src.usableSize; i++) {
      const leaf = be32(page, 8 + 4 * i);
      if (leaf >= 1 && leaf <= src.pageCount) map.set(leaf, "freelist leaf");
    }
    trunk = be32(page, 0);
  }
  const lockPage = Math.floor(0x40000000 / src.pageSize) + 1;
  if (lockPage <= src.pageCount) map.set(lockPage, "lock-byte page");
  return map;
}

/** The `.pages` report: one line per page, then a summary by use. */
export function pagesText(path: string): string {
  const src = new PageSource(path);
  try {
    const map = pageMap(src);
    let text = `${src.pageCount} page(s) of ${src.pageSize} bytes` +
      (src.pagesInWal > 0 ? `, ${src.pagesInWal} of them newer in the WAL` : "") + "\n";
    const summary = new Map<string, number>();
    for (let p = 1; p <= src.pageCount; p++) {
      const what = map.get(p) ?? "unused (not in any tree or the freelist)";
      text += `${String(p).padStart(6)}  ${what}${p === 1 ? " (+ database header)" : ""}\n`;
      const kind = what.replace(/ of .*/, "");
      summary.set(kind, (summary.get(kind) ?? 0) + 1);
    }
    text += "summary: " + [...summary].map(([k, v]) => `${v} ${k}`).join(", ") + "\n";
    return text;
  } finally {
    src.close();
  }
}

/** `.pages` */
export function pagesCommand(shell: Shell): DotResult {
  const path = inspectedFile(shell, "pages");
  if (!path) return DotResult.ERROR;
  shell.session;
  shell.out.write(pagesText(path));
  return DotResult.OK;
}

/** `.btree TABLE|INDEX` */
export function btreeCommand(shell: Shell, args: string[]): DotResult {
  if (args.length !== 2) {
    shell.error("Usage: .btree TABLE|INDEX");
    return DotResult.ERROR;
  }
  const path = inspectedFile(shell, "btree");
  if (!path) return DotResult.ERROR;
  shell.session;
  const text = btreeText(path, args[1]);
  if (!text) {
    shell.error(`Error: no such table or index: ${args[1]}`);
    return DotResult.ERROR;
  }
  shell.out.write(text);
  return DotResult.OK;
}
