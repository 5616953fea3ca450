/**
 * A 1,000-page WAL checkpoint: each iteration rewrites 1,000 one-row pages in one
 * transaction (untimed), then times PRAGMA wal_checkpoint(TRUNCATE) copying them into the
 * database file. Runs only when tsqlite has WAL (see JOURNAL_MODE). node:sqlite is the
 * baseline.
 *
 * @module
 */
import { BENCH_DIR, type BenchDb, JOURNAL_MODE, openNode, openOurs } from "./fixtures.ts";

const PAGES = 1000;
// One row per 4096-byte page: the payload fits in a leaf's local space but two do not.
const PAD = "x".repeat(3500);

function setup(db: BenchDb): BenchDb {
  db.exec("PRAGMA wal_autocheckpoint=0");
  db.exec("CREATE TABLE c(id INTEGER PRIMARY KEY, v INTEGER NOT NULL, pad TEXT NOT NULL)");
  const ins = db.prepare("INSERT INTO c(id, v, pad) VALUES (?, 0, ?)");
  db.exec("BEGIN");
  for (let i = 1; i <= PAGES; i++) ins.run(i, PAD);
  db.exec("COMMIT");
  db.exec("PRAGMA wal_checkpoint(TRUNCATE)");
  return db;
}

if (JOURNAL_MODE === "wal") {
  const group = `checkpoint of ${PAGES} pages (wal, synchronous=normal)`;
  const paths = [`${BENCH_DIR}/ckpt_node.db`, `${BENCH_DIR}/ckpt_ours.db`];
  // A kept TSQLITE_BENCH_DIR holds the previous run's databases: start from nothing.
  for (const p of paths) {
    for (const f of [p, `${p}-wal`, `${p}-shm`, `${p}-journal`, `${p}-tsqlite-locks`]) {
      try {
        Deno.removeSync(f, { recursive: true });
      } catch {
        // not there
      }
    }
  }
  const dbs = [openNode(paths[0]), openOurs(paths[1])];
  dbs.forEach((raw, e) => {
    const db = setup(raw);
    const wal = `${paths[e]}-wal`;
    const walSize = () => Deno.statSync(wal).size;
    const update = db.prepare("UPDATE c SET v = v + 1");
    const checkpoint = db.prepare("PRAGMA wal_checkpoint(TRUNCATE)");
    Deno.bench({
      name: `${db.engine}: ${group}`,
      group,
      baseline: e === 0,
      n: 50,
      warmup: 2,
      fn: (b) => {
        update.run();
        const before = walSize();
        b.start();
        const r = checkpoint.get()!;
        b.end();
        // TRUNCATE reports log=0 once the WAL is emptied, as SQLite does; check the file.
        if (r.busy !== 0 || before < PAGES * 4096 || walSize() !== 0) {
          throw new Error(`checkpoint of ${before} WAL bytes failed: ${JSON.stringify(r)}`);
        }
      },
    });
  });
}
