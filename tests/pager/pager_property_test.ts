/**
 * Model-based property test: random transactions of page writes, appends and truncations,
 * with commits, rollbacks, nested savepoints and reopening, against an array-of-pages model.
 */
import { assert, assertEquals } from "@std/assert";
import fc from "fast-check";
import { get4 } from "../../src/pager/header.ts";
import { PagerImpl } from "../../src/pager/pager.ts";
import { MemoryVfs } from "../../src/vfs/memory_vfs.ts";

const PS = 512;

type Op =
  | { t: "begin" }
  | { t: "write"; page: number; off: number; val: number }
  | { t: "append" }
  | { t: "truncate"; by: number }
  | { t: "savepoint" }
  | { t: "release"; d: number }
  | { t: "rollbackTo"; d: number }
  | { t: "commit" }
  | { t: "rollback" }
  | { t: "reopen" };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 2, arbitrary: fc.constant({ t: "begin" } as Op) },
  {
    weight: 8,
    arbitrary: fc.record({
      t: fc.constant("write" as const),
      page: fc.nat(),
      off: fc.nat(),
      val: fc.integer({ min: 1, max: 255 }),
    }),
  },
  { weight: 3, arbitrary: fc.constant({ t: "append" } as Op) },
  {
    weight: 1,
    arbitrary: fc.record({
      t: fc.constant("truncate" as const),
      by: fc.integer({ min: 1, max: 3 }),
    }),
  },
  { weight: 2, arbitrary: fc.constant({ t: "savepoint" } as Op) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant("release" as const), d: fc.nat(3) }) },
  { weight: 2, arbitrary: fc.record({ t: fc.constant("rollbackTo" as const), d: fc.nat(3) }) },
  { weight: 2, arbitrary: fc.constant({ t: "commit" } as Op) },
  { weight: 1, arbitrary: fc.constant({ t: "rollback" } as Op) },
  { weight: 1, arbitrary: fc.constant({ t: "reopen" } as Op) },
);

/** Page 1 bytes the pager stamps on commit; the model does not predict them. */
function owned(pgno: number, k: number): boolean {
  return pgno === 1 && ((k >= 24 && k < 32) || (k >= 92 && k < 100));
}

function check(p: PagerImpl, model: Uint8Array[], where: string): void {
  assertEquals(p.pageCount(), model.length, `page count ${where}`);
  for (let i = 1; i <= model.length; i++) {
    const got = p.getPage(i);
    const want = model[i - 1];
    for (let k = 0; k < PS; k++) {
      if (got[k] !== want[k] && !owned(i, k)) {
        throw new Error(`page ${i} byte ${k}: ${got[k]} != ${want[k]} ${where}`);
      }
    }
  }
}

function runOps(ops: Op[], journalMode: "delete" | "persist" | "memory"): void {
  const vfs = new MemoryVfs({ track: false });
  const open = () => PagerImpl.open(vfs, "/db", { pageSize: PS, cacheSize: 10, journalMode });
  let p = open();
  let committed: Uint8Array[] = [];
  let txn: Uint8Array[] | null = null;
  let sps: Uint8Array[][] = [];
  const copy = (a: Uint8Array[]) => a.map((x) => x.slice());
  p.beginRead();
  ops.forEach((op, step) => {
    const where = `after step ${step} ${JSON.stringify(op)}`;
    switch (op.t) {
      case "begin":
        if (txn) return;
        p.beginWrite();
        txn = copy(committed);
        break;
      case "write": {
        if (!txn || txn.length === 0) return;
        const pgno = 1 + (op.page % txn.length);
        const off = pgno === 1 ? 100 + (op.off % (PS - 100)) : op.off % PS;
        p.getPageForWrite(pgno)[off] = op.val;
        txn[pgno - 1][off] = op.val;
        break;
      }
      case "append": {
        if (!txn) return;
        const n = p.appendPage();
        assertEquals(n, txn.length + 1);
        txn.push(p.getPage(n).slice());
        break;
      }
      case "truncate": {
        if (!txn || txn.length - op.by < 1) return;
        p.truncate(txn.length - op.by);
        txn.length -= op.by;
        break;
      }
      case "savepoint":
        if (!txn) return;
        assertEquals(p.savepoint(), sps.length + 1);
        sps.push(copy(txn));
        break;
      case "release":
        if (!txn || sps.length === 0) return;
        p.releaseSavepoint(1 + (op.d % sps.length));
        sps.length = op.d % sps.length;
        break;
      case "rollbackTo": {
        if (!txn || sps.length === 0) return;
        const d = 1 + (op.d % sps.length);
        p.rollbackToSavepoint(d);
        txn = copy(sps[d - 1]);
        sps.length = d;
        break;
      }
      case "commit":
        if (!txn) return;
        p.commit();
        committed = txn;
        txn = null;
        sps = [];
        if (committed.length > 0) {
          const h = p.getPage(1);
          assertEquals(get4(h, 24), get4(h, 92), "version-valid-for = change counter");
          assertEquals(get4(h, 28), committed.length, "in-header size");
        }
        break;
      case "rollback":
        if (!txn) return;
        p.rollback();
        txn = null;
        sps = [];
        break;
      case "reopen":
        p.close();
        p = open();
        p.beginRead();
        txn = null;
        sps = [];
        break;
    }
    check(p, txn ?? committed, where);
  });
  p.close();
  p = open();
  p.beginRead();
  check(p, committed, "after final reopen");
  assert(
    !vfs.exists("/db-journal") || vfs.readFile("/db-journal")!.length === 0 ||
      vfs.readFile("/db-journal")![0] === 0,
  );
  p.close();
}

for (const mode of ["delete", "persist", "memory"] as const) {
  Deno.test(`pager property: random transactions match the model (${mode})`, () => {
    fc.assert(
      fc.property(fc.array(opArb, { minLength: 1, maxLength: 60 }), (ops) => {
        runOps([{ t: "begin" }, { t: "append" }, ...ops], mode);
      }),
      { seed: 42, numRuns: 300 },
    );
  });
}
