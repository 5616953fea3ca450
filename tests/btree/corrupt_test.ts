import { assert, assertEquals, assertThrows } from "@std/assert";
import fc from "fast-check";
import { BTree } from "../../src/btree/mod.ts";
import { SqliteError } from "../../src/errors.ts";
import { bytes, comparatorFor, encodeRecord, freshTree } from "./helpers.ts";
import { MemPager } from "./mem_pager.ts";

/** A database image: a table with overflow rows and an index over text keys. */
function makeImage(): { image: Uint8Array; troot: number; iroot: number } {
  const { pager, bt } = freshTree(512);
  const troot = bt.createTree("table");
  const iroot = bt.createTree("index");
  const t = bt.tableCursor(troot);
  const ix = bt.indexCursor(iroot, comparatorFor);
  for (let i = 1; i <= 400; i++) {
    t.insert(i, encodeRecord([bytes(i % 13 === 0 ? 1500 : 30, i)]));
    const k = encodeRecord([`k${(i * 37) % 400}`.repeat(i % 29 === 0 ? 60 : 1), i]);
    ix.insert(k, comparatorFor(k));
  }
  for (let i = 1; i <= 400; i += 5) {
    t.seek(i);
    t.delete();
  }
  pager.commit();
  const dir = Deno.makeTempDirSync();
  pager.dumpToFile(`${dir}/img.db`);
  const image = Deno.readFileSync(`${dir}/img.db`);
  Deno.removeSync(dir, { recursive: true });
  return { image, troot, iroot };
}

const { image, troot, iroot } = makeImage();

function load(img: Uint8Array): { pager: MemPager; bt: BTree } {
  const dir = Deno.makeTempDirSync();
  Deno.writeFileSync(`${dir}/x.db`, img);
  const pager = MemPager.fromFile(`${dir}/x.db`);
  Deno.removeSync(dir, { recursive: true });
  return { pager, bt: new BTree(pager) };
}

/** SqliteErrors seen by {@link exercise}: the damage must actually be noticed. */
let detected = 0;

/** Runs every kind of access; only SqliteError may escape, and nothing may hang. */
function exercise(bt: BTree, pager: MemPager): void {
  const steps = { n: 0 };
  const guard = () => {
    if (++steps.n > 200_000) throw new Error("too many steps: a loop?");
  };
  const attempt = (f: () => void) => {
    try {
      f();
    } catch (e) {
      if (!(e instanceof SqliteError)) throw e;
      detected++;
    }
  };
  attempt(() => {
    const c = bt.tableCursor(troot);
    for (let ok = c.first(); ok; ok = c.next()) {
      guard();
      c.payload();
      c.rowid();
    }
  });
  attempt(() => {
    const c = bt.tableCursor(troot);
    for (let ok = c.last(); ok; ok = c.prev()) guard();
  });
  attempt(() => {
    const c = bt.tableCursor(troot);
    for (let r = 0; r < 400; r += 17) c.seekLE(r) && c.payload();
  });
  attempt(() => {
    const c = bt.indexCursor(iroot, comparatorFor);
    for (let ok = c.first(); ok; ok = c.next()) {
      guard();
      c.payload();
    }
  });
  attempt(() => {
    const c = bt.indexCursor(iroot);
    c.seekGE(comparatorFor(encodeRecord(["k2", 0])));
  });
  attempt(() =>
    bt.integrityCheck([{ root: 1, kind: "table" }, { root: troot, kind: "table" }], 20)
  );
  pager.beginWrite();
  attempt(() => {
    const c = bt.tableCursor(troot);
    for (let r = 1; r < 400; r += 3) {
      guard();
      if (c.seek(r)) c.delete();
      else c.insert(r, encodeRecord([bytes(r % 7 === 0 ? 900 : 20, r)]));
    }
  });
  attempt(() => {
    const c = bt.indexCursor(iroot, comparatorFor);
    for (let r = 1; r < 200; r += 3) {
      guard();
      const k = encodeRecord([`z${r}`, r]);
      c.insert(k, comparatorFor(k));
      if (c.seekGE(comparatorFor(encodeRecord([`k${r}`, 0])))) c.delete();
    }
  });
  attempt(() => bt.dropTree(troot));
  attempt(() => bt.createTree("table"));
  pager.rollback();
}

Deno.test("the intact image passes and is fully readable", () => {
  const { pager, bt } = load(image);
  assertEquals(
    bt.integrityCheck([{ root: 1, kind: "table" }, { root: troot, kind: "table" }, {
      root: iroot,
      kind: "index",
      comparatorFor,
    }], 10),
    [],
  );
  exercise(bt, pager);
});

Deno.test("random byte damage only ever raises SqliteError", () => {
  const pages = image.length / 512;
  fc.assert(
    fc.property(
      fc.array(
        fc.record({
          page: fc.integer({ min: 0, max: pages - 1 }),
          // Headers and cell pointers are where damage matters most.
          off: fc.oneof(fc.integer({ min: 0, max: 40 }), fc.integer({ min: 0, max: 511 })),
          val: fc.oneof(fc.constantFrom(0, 1, 0xff, 0x7f, 0x80), fc.integer({ min: 0, max: 255 })),
        }),
        { minLength: 1, maxLength: 6 },
      ),
      (edits) => {
        const img = image.slice();
        for (const e of edits) {
          img[e.page * 512 + (e.page === 0 ? 100 + (e.off % 412) : e.off)] = e.val;
        }
        const { pager, bt } = load(img);
        exercise(bt, pager);
      },
    ),
    { seed: 42, numRuns: 300 },
  );
  assert(detected > 100, `only ${detected} errors detected`);
});

Deno.test("specific damage is reported as SQLITE_CORRUPT", () => {
  const cases: [string, (img: Uint8Array) => void][] = [
    ["bad page type", (img) => img[(troot - 1) * 512] = 0x07],
    ["child pointer to itself", (img) => {
      const base = (troot - 1) * 512;
      if (img[base] === 0x05) img.set([0, 0, (troot >> 8) & 0xff, troot & 0xff], base + 8);
      else img[base] = 0x05;
    }],
    ["cell count too large", (img) => img.set([0xff, 0xff], (troot - 1) * 512 + 3)],
    ["cell offset past the page", (img) => img.set([0x01, 0xff], (troot - 1) * 512 + 12)],
  ];
  for (const [name, damage] of cases) {
    const img = image.slice();
    damage(img);
    const { bt } = load(img);
    const c = bt.tableCursor(troot);
    const e = assertThrows(() => {
      for (let ok = c.first(); ok; ok = c.next()) c.payload();
    }, SqliteError);
    assertEquals((e as SqliteError).code, "SQLITE_CORRUPT", name);
    assert(bt.integrityCheck([{ root: troot, kind: "table" }], 10).length > 0, name);
  }
});
