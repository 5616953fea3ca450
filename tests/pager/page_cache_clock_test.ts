/**
 * PageCache's clock is an array of slots with a hand (page_cache.ts): these tests pin down
 * what it must keep doing - the bound on clean pages, dirty pages never evicted, second
 * chances for hit pages, the replacement order of plain CLOCK - and, against a model of who
 * holds which buffer, that no buffer is ever handed out (take) while cached or still held.
 */
import { assert, assertEquals, assertStrictEquals } from "@std/assert";
import fc from "fast-check";
import { PageCache } from "../../src/pager/page_cache.ts";

const MIN_PAGES = 10;

Deno.test("page cache clock: a new page replaces the victim and is the last one looked at", () => {
  const c = new PageCache(10);
  for (let p = 1; p <= 10; p++) c.putClean(p, new Uint8Array(1).fill(p));
  // Pages 1..10 in slots 0..9, the hand at slot 0. Hitting 1 and 2 spares them once.
  c.get(1);
  c.get(2);
  c.putClean(11, new Uint8Array(1).fill(11)); // evicts 3 (1 and 2 lose their bit)
  assertEquals(c.get(3), undefined);
  c.putClean(12, new Uint8Array(1).fill(12)); // evicts 4
  assertEquals(c.get(4), undefined);
  // The hand goes round: 5..10, then 1 and 2 (bits cleared), and only then 11 and 12.
  for (let p = 13; p <= 20; p++) c.putClean(p, new Uint8Array(1).fill(p));
  for (const gone of [5, 6, 7, 8, 9, 10, 1, 2]) assertEquals(c.get(gone), undefined, `${gone}`);
  for (const kept of [11, 12, 13, 20]) assertEquals(c.get(kept)?.[0], kept);
  assertEquals(c.size, 10);
});

Deno.test("page cache clock: the page just added survives even when every other page was hit", () => {
  const c = new PageCache(10);
  for (let p = 1; p <= 10; p++) c.putClean(p, new Uint8Array(1).fill(p));
  for (let p = 1; p <= 10; p++) c.get(p);
  const buf = new Uint8Array(1).fill(99);
  c.putClean(99, buf);
  assertStrictEquals(c.get(99), buf);
  assertEquals(c.size, 10);
  assertEquals(c.retiredCount, 1);
});

Deno.test("page cache clock: shrinking and growing keeps the bound and every hit page it can", () => {
  const c = new PageCache(500);
  for (let p = 1; p <= 500; p++) c.putClean(p, new Uint8Array(1));
  c.setCapacity(20);
  assertEquals(c.size, 20);
  c.setCapacity(100);
  for (let p = 1000; p < 1200; p++) c.putClean(p, new Uint8Array(1));
  assertEquals(c.size, 100);
  for (let p = 1100; p < 1200; p++) assert(c.get(p) !== undefined, `page ${p}`);
});

type Op =
  | { t: "get"; p: number }
  | { t: "clean"; p: number }
  | { t: "dirty"; p: number }
  | { t: "undirty"; p: number }
  | { t: "drop"; p: number }
  | { t: "dropAbove"; p: number }
  | { t: "cleanAll" }
  | { t: "clear" }
  | { t: "cap"; n: number }
  | { t: "recycle"; keep: number };

const pg = fc.integer({ min: 1, max: 40 });
const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 6, arbitrary: pg.map((p) => ({ t: "get" as const, p })) },
  { weight: 8, arbitrary: pg.map((p) => ({ t: "clean" as const, p })) },
  { weight: 3, arbitrary: pg.map((p) => ({ t: "dirty" as const, p })) },
  { weight: 1, arbitrary: pg.map((p) => ({ t: "undirty" as const, p })) },
  { weight: 1, arbitrary: pg.map((p) => ({ t: "drop" as const, p })) },
  { weight: 1, arbitrary: pg.map((p) => ({ t: "dropAbove" as const, p })) },
  { weight: 1, arbitrary: fc.constant({ t: "cleanAll" as const }) },
  { weight: 1, arbitrary: fc.constant({ t: "clear" as const }) },
  { weight: 1, arbitrary: fc.integer({ min: 0, max: 30 }).map((n) => ({ t: "cap" as const, n })) },
  {
    weight: 2,
    arbitrary: fc.integer({ min: 0, max: 3 }).map((keep) => ({ t: "recycle" as const, keep })),
  },
);

Deno.test("page cache clock: bound, dirty pages and buffer hand-out against a model", () => {
  fc.assert(
    fc.property(fc.array(opArb, { minLength: 1, maxLength: 200 }), (ops) => {
      let cap = 12;
      const c = new PageCache(cap);
      /** What the cache must hold: the buffer last put, and whether it is dirty. */
      const cached = new Map<number, { buf: Uint8Array; dirty: boolean }>();
      /** Buffers someone outside the cache may still read (handed out since the last recycle). */
      let held = new Set<Uint8Array>();
      const fresh = () => new Uint8Array(8);
      /** A buffer as the pager gets one: take() first; it must be nobody's. */
      const obtain = () => {
        const b = c.take(8);
        if (b === undefined) return fresh();
        assert(!held.has(b), "take() handed out a buffer still held");
        for (const [p, e] of cached) assert(e.buf !== b, `take() handed out page ${p}'s buffer`);
        return b;
      };
      // The model cannot tell which clean page CLOCK evicts: learn it from the cache, and
      // check that exactly the excess over the bound went (none when the op evicts nothing).
      const sync = (evicts: boolean) => {
        let clean = 0;
        let dirty = 0;
        for (const e of cached.values()) e.dirty ? dirty++ : clean++;
        const room = Math.max(cap - dirty, MIN_PAGES);
        const excess = evicts ? Math.max(0, clean - room) : 0;
        let gone = 0;
        for (const [p, e] of [...cached]) {
          if (!c.has(p)) {
            assert(!e.dirty, `dirty page ${p} was evicted`);
            cached.delete(p);
            gone++;
          }
        }
        assertEquals(gone, excess, "clean pages evicted");
      };
      const evicting = new Set(["clean", "undirty", "cleanAll", "cap"]);
      for (const op of ops) {
        switch (op.t) {
          case "get": {
            const got = c.get(op.p);
            const want = cached.get(op.p);
            assertStrictEquals(got, want?.buf);
            if (got !== undefined) held.add(got);
            break;
          }
          case "clean": {
            if (cached.get(op.p)?.dirty) break; // the pager never does this
            const b = obtain();
            c.putClean(op.p, b);
            cached.set(op.p, { buf: b, dirty: false });
            held.add(b);
            break;
          }
          case "dirty": {
            const e = cached.get(op.p);
            if (e !== undefined) {
              c.putDirty(op.p, e.buf);
              e.dirty = true;
            } else {
              const b = obtain();
              c.putDirty(op.p, b);
              cached.set(op.p, { buf: b, dirty: true });
              held.add(b);
            }
            break;
          }
          case "undirty": {
            c.undirty(op.p);
            const e = cached.get(op.p);
            if (e !== undefined) e.dirty = false;
            break;
          }
          case "drop":
            c.drop(op.p);
            cached.delete(op.p);
            break;
          case "dropAbove":
            c.dropAbove(op.p);
            for (const p of [...cached.keys()]) if (p > op.p) cached.delete(p);
            break;
          case "cleanAll":
            c.cleanAll();
            for (const e of cached.values()) e.dirty = false;
            break;
          case "clear":
            c.clear();
            cached.clear();
            break;
          case "cap":
            cap = op.n;
            c.setCapacity(cap);
            break;
          case "recycle": {
            // Keep up to `keep` held buffers (a cursor still on them); the rest let go.
            const keepers = new Set([...held].slice(0, op.keep));
            c.recycle((b) => keepers.has(b));
            held = keepers;
            break;
          }
        }
        sync(evicting.has(op.t));
        let dirty = 0;
        for (const [p, e] of cached) {
          assertStrictEquals(c.get(p), e.buf, `page ${p}`);
          held.add(e.buf);
          if (e.dirty) dirty++;
          assertEquals(c.isDirty(p), e.dirty, `page ${p} dirty`);
        }
        assertEquals(c.dirtyCount, dirty);
        assertEquals(c.size, cached.size);
        const bufs = new Set([...cached.values()].map((e) => e.buf));
        assertEquals(bufs.size, cached.size, "two pages share a buffer");
      }
    }),
    { seed: 20261125, numRuns: 300 },
  );
});
