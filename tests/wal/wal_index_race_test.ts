/**
 * The writer's exclusive read-slot pin (WalIndexFile.publish) against other processes, from
 * the review of its first version: readers must still find a slot when the writer's is the
 * best one, and a commit must never fail after its H is published. Each WalIndexFile
 * object stands for one process (descriptors of its own, so flocks conflict as between
 * processes).
 */
import { assert, assertEquals } from "@std/assert";
import { IndexSnapshot, NREADER, WalIndexFile } from "../../src/pager/wal_index.ts";
import { attached, header, withIndexes } from "./wal_index_helpers.ts";

Deno.test(
  "wal index: a reader is not starved (SQLITE_PROTOCOL) while shareable slots hold its exact mark and the writer pins the lowest one exclusively",
  withIndexes((key) => {
    const procs: WalIndexFile[] = [];
    try {
      procs.push(...attached(key, NREADER + 1, 10));
      const [writer, ...readers] = procs;
      const s = new IndexSnapshot();
      // The writer's transaction pins a slot, commits 11..12 and keeps the slot exclusively
      // (its next transactions re-pin it while the process runs synchronous code).
      const w = writer.beginRead(s);
      assertEquals(writer.publish(header(12), w), w);
      // Six reader processes begin read transactions on the same snapshot (mark 12). None
      // may share the writer's slot, so each claims a slot of its own: the table is full.
      const used = new Set([w]);
      for (let r = 0; r < NREADER - 2; r++) {
        const t = new IndexSnapshot();
        const slot = readers[r].beginRead(t);
        assertEquals([t.mxFrame, t.marks[slot]], [12, 12]);
        used.add(slot);
      }
      assertEquals(used.size, NREADER - 1, "every WAL slot is in use");
      // A seventh reader wants the same snapshot: six slots hold exactly its mark, shared -
      // it could share any of them (before 05286d8 it would have shared the writer's).
      // #choose only ever tries the lowest slot with the best mark (the writer's, held
      // exclusively) and then gives up: SQLITE_PROTOCOL after ~0.8 s of retries.
      const t = new IndexSnapshot();
      let err: unknown = null;
      let slot = -1;
      try {
        slot = readers[NREADER - 2].beginRead(t);
      } catch (e) {
        err = e;
      }
      assertEquals(err, null, `beginRead failed: ${err}`);
      assert(slot >= 1 && slot !== w);
      assertEquals([t.mxFrame, t.marks[slot]], [12, 12]);
    } finally {
      for (const p of procs) p.close();
    }
  }),
);

/**
 * A helper thread standing for two other processes: B pins slot `slot` shared for an
 * instant, over and over, and right after each release C (a checkpoint) takes the slot
 * exclusively and resets its mark to "unused" (as #checkpointShared does for a mark below
 * the safe frame that nobody holds).
 */
function startRacer(key: string, slot: number, ms: number): Promise<number> {
  const walIndexUrl = new URL("../../src/pager/wal_index.ts", import.meta.url).href;
  const code = `
    import { WalIndexFile, READMARK_NOT_USED } from ${JSON.stringify(walIndexUrl)};
    self.onmessage = () => {
      const c = WalIndexFile.open(${JSON.stringify(key)});
      c.attach(() => { throw new Error("no recovery expected"); });
      const b = Deno.openSync(${
    JSON.stringify(key)
  } + "-tsqlite-locks/read${slot}", { read: true, write: true });
      const end = Date.now() + ${ms};
      let resets = 0;
      let spin = 0;
      while (Date.now() < end) {
        if (b.tryLockSync(false)) {
          for (let k = (spin++ % 7) * 20; k > 0; k--);
          b.unlockSync();
        }
        if (c.tryExclusive(${slot})) {
          c.writeMark(${slot}, READMARK_NOT_USED);
          c.releaseExclusive(${slot});
          resets++;
        }
      }
      b.close();
      c.close();
      self.postMessage(resets);
    };
  `;
  const url = URL.createObjectURL(new Blob([code], { type: "application/javascript" }));
  const worker = new Worker(url, { type: "module" });
  return new Promise((resolve, reject) => {
    worker.onmessage = (e) => {
      worker.terminate();
      URL.revokeObjectURL(url);
      resolve(e.data as number);
    };
    worker.onerror = (e) => {
      e.preventDefault();
      worker.terminate();
      reject(e.message);
    };
    worker.postMessage(null);
  });
}

Deno.test(
  "wal index: a commit whose slot conversion is refused is never reported failed after its H is published",
  withIndexes(async (key) => {
    const SLOT = 2;
    const a = WalIndexFile.open(key)!; // the committing writer's process
    const fill = WalIndexFile.open(key)!; // readers elsewhere holding every other slot
    const obs = WalIndexFile.open(key)!; // an observer
    let thrownAfterPublish: unknown = null;
    let refusedRounds = 0;
    try {
      a.attach(() => header(10));
      fill.attach(() => header(10));
      obs.attach(() => header(10));
      for (let i = 1; i < NREADER; i++) {
        if (i === SLOT) continue;
        assert(fill.tryExclusive(i));
        fill.writeMark(i, 10);
        fill.releaseExclusive(i);
        assert(fill.pin(i));
      }
      const racer = startRacer(key, SLOT, 4000);
      const s = new IndexSnapshot();
      const o = new IndexSnapshot();
      let mx = 10;
      const end = Date.now() + 3500;
      while (Date.now() < end && thrownAfterPublish === null) {
        // A's read transaction: pin SLOT with a mark at most the snapshot (claiming it anew
        // when the racer reset it), as beginRead would.
        if (!a.pin(SLOT)) {
          await new Promise((r) => setTimeout(r, 0));
          continue;
        }
        a.read(s);
        if (s.marks[SLOT] > s.mxFrame) {
          a.unpin(SLOT);
          await Promise.resolve();
          if (a.tryExclusive(SLOT)) {
            a.writeMark(SLOT, s.mxFrame);
            a.releaseExclusive(SLOT);
          }
          continue;
        }
        // A commits frames mx+1..mx+2 (it holds the writer lock: nobody else moves H).
        const next = mx + 2;
        const t0 = performance.now();
        let pinned = SLOT;
        try {
          pinned = a.publish(header(next), SLOT);
        } catch (e) {
          obs.read(o);
          if (o.mxFrame === next) thrownAfterPublish = e;
          else throw e;
        }
        if (performance.now() - t0 > 50) refusedRounds++;
        mx = next;
        a.unpin(pinned);
        await Promise.resolve(); // the lingering flock goes
      }
      await racer;
    } finally {
      a.close();
      fill.close();
      obs.close();
    }
    assertEquals(
      thrownAfterPublish,
      null,
      `publish threw after H (the commit) was already visible to every process ` +
        `(slow rounds: ${refusedRounds}): ${thrownAfterPublish}`,
    );
  }),
);
