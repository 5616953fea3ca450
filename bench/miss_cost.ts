/**
 * What a page-cache miss costs, piece by piece (issue 6): random 4 KiB reads of a fixture
 * through node:fs readSync and readvSync, RealFile.read, and PagerImpl.getPage (most calls
 * miss a 500-page cache), the pager again with the read replaced by a copy (its own
 * overhead), and PageCache alone. Interleaved rounds, medians, in µs per call.
 *
 * ```sh
 * deno run --allow-read --allow-write --allow-env bench/miss_cost.ts
 * ```
 *
 * @module
 */
import { openSync, readSync, readvSync } from "node:fs";
import { RealVfs } from "../mod.ts";
import type { Vfs, VfsFile } from "../mod.ts";
import { PagerImpl } from "../src/pager/pager.ts";
import { PageCache } from "../src/pager/page_cache.ts";
import { fixture } from "./fixtures.ts";

const P = 4096;
const CACHE_PAGES = 500;
const R = 8192;
const ROUNDS = 31;

// A private copy: the pager opens it in WAL mode and leaves lock files beside it.
const dir = Deno.makeTempDirSync({ prefix: "tsqlite_miss_" });
globalThis.addEventListener("unload", () => Deno.removeSync(dir, { recursive: true }));
const path = `${dir}/miss.db`;
Deno.copyFileSync(fixture(100_000), path);
const pages = Math.floor(Deno.statSync(path).size / P);

// The same pseudo-random page numbers (1-based) for every case.
let seed = 1;
const rnd = Array.from({ length: R }, () => {
  seed = (seed * 1103515245 + 12345) & 0x7fffffff;
  return 1 + seed % pages;
});
const bufs = Array.from({ length: CACHE_PAGES }, () => new Uint8Array(P));

const fd = openSync(path, "r");
const one = [bufs[0]];
const real = new RealVfs();
const file = real.open(path, { create: false, readOnly: true });

/** A VFS whose 4 KiB reads of the database copy a page instead (once `stub` is set). */
let stub = false;
const src = new Uint8Array(P);
const stubVfs: Vfs = {
  open(p, flags): VfsFile {
    const f = real.open(p, flags);
    return {
      read: (b, o) => {
        if (stub && b.length === P) {
          b.set(src);
          return P;
        }
        return f.read(b, o);
      },
      write: (d, o) => f.write(d, o),
      truncate: (n) => f.truncate(n),
      sync: () => f.sync(),
      size: () => f.size(),
      lock: (l) => f.lock(l),
      unlock: (l) => f.unlock(l),
      close: () => f.close(),
      checkReservedLock: () => f.checkReservedLock?.() ?? false,
    };
  },
  delete: (p, s) => real.delete(p, s),
  exists: (p) => real.exists(p),
};
const pager = PagerImpl.open(real, path, { journalMode: "wal", cacheSize: CACHE_PAGES });
const stubbed = PagerImpl.open(stubVfs, path, { journalMode: "wal", cacheSize: CACHE_PAGES });
stub = true;
const cache = new PageCache(CACHE_PAGES);

/** Reads every page of `rnd` through `p`, one read transaction per 64 pages. */
function pagerRun(p: PagerImpl): void {
  p.beginRead();
  for (let k = 0; k < R; k++) {
    p.getPage(rnd[k]);
    if ((k & 63) === 63) {
      p.endRead();
      p.beginRead();
    }
  }
  p.endRead();
}

const cases: [string, () => void][] = [
  ["node:fs readSync (position)", () => {
    for (let k = 0; k < R; k++) readSync(fd, bufs[k % CACHE_PAGES], 0, P, (rnd[k] - 1) * P);
  }],
  ["node:fs readvSync (1 buffer)", () => {
    for (let k = 0; k < R; k++) {
      one[0] = bufs[k % CACHE_PAGES];
      readvSync(fd, one, (rnd[k] - 1) * P);
    }
  }],
  ["RealFile.read", () => {
    for (let k = 0; k < R; k++) file.read(bufs[k % CACHE_PAGES], (rnd[k] - 1) * P);
  }],
  ["PagerImpl.getPage", () => pagerRun(pager)],
  ["PagerImpl.getPage, read = copy", () => pagerRun(stubbed)],
  ["PageCache get/take/putClean", () => {
    for (let k = 0; k < R; k++) {
      const pg = rnd[k];
      if (cache.get(pg) === undefined) cache.putClean(pg, cache.take(P) ?? new Uint8Array(P));
      if ((k & 63) === 63) cache.recycle();
    }
  }],
];

const times: number[][] = cases.map(() => []);
for (let r = 0; r < ROUNDS; r++) {
  for (let c = 0; c < cases.length; c++) {
    const t0 = performance.now();
    cases[c][1]();
    times[c].push(performance.now() - t0);
  }
}
console.log(`${R} random pages of ${pages}, cache ${CACHE_PAGES} pages; µs per call, median`);
cases.forEach(([name], c) => {
  const t = times[c].sort((a, b) => a - b);
  const med = (t[t.length >> 1] * 1000 / R).toFixed(3);
  console.log(`${name.padEnd(32)} ${med.padStart(7)}  (min ${(t[0] * 1000 / R).toFixed(3)})`);
});
pager.close();
stubbed.close();
file.close();
