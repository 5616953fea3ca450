/**
 * PageCache.retiredCount counts buffers retired since the last recycle: a buffer a recycle
 * kept (a cursor still stands on it) must not make every later cursor step recycle again -
 * a scan holding an evicted interior page did that for every row - yet it must become free
 * once a later recycle finds it let go.
 */
import { assert, assertEquals } from "@std/assert";
import { PageCache } from "../../src/pager/page_cache.ts";

Deno.test("page cache: a kept buffer is not counted again, and is freed later", () => {
  const cache = new PageCache(10);
  const bufs: Uint8Array[] = [];
  for (let p = 1; p <= 11; p++) {
    const b = new Uint8Array(64).fill(p);
    bufs.push(b);
    cache.putClean(p, b);
  }
  // The 11th page evicted the first (no page was hit).
  assertEquals(cache.retiredCount, 1);
  assertEquals(cache.get(1), undefined);
  const held = bufs[0];
  cache.recycle((b) => b === held);
  assertEquals(cache.retiredCount, 0, "a kept buffer still asks for a recycle");
  assertEquals(cache.take(64), undefined, "a held buffer was handed out");
  // The next eviction counts one, and the recycle after it looks at both.
  cache.putClean(12, new Uint8Array(64));
  assertEquals(cache.retiredCount, 1);
  cache.recycle(() => false);
  assertEquals(cache.retiredCount, 0);
  const a = cache.take(64);
  const b = cache.take(64);
  assert(a !== undefined && b !== undefined);
  assert(a === held || b === held, "the buffer let go was never freed");
  assertEquals(cache.take(64), undefined);
});
