/**
 * Crash recovery, shown with real processes: in each journal mode a child writer commits a
 * few transactions, then starts a big one and is killed with SIGKILL in the middle of it.
 * The parent reopens the file and shows what survived: every committed transaction, none
 * of the interrupted one.
 *
 * Run with `deno run -A examples/crash_recovery.ts`.
 *
 * Why: tsqlite keeps a transaction's changed pages in memory until COMMIT, so a writer
 * killed before COMMIT leaves no trace in the files. A writer killed *during* COMMIT is
 * covered too: in rollback mode ("delete") the original pages are in the `-journal` before
 * the database file is touched, and the next open finds that hot journal and copies them
 * back; in WAL mode the commit appends page images to the `-wal` file and only its last
 * frame (the commit frame) makes it count, so the next open reads the WAL up to the last
 * valid commit frame and ignores everything after it. (tests/wal/kill_test.ts and
 * tests/wal/crash_test.ts kill and crash at every point of the commit itself.)
 */
import { Database } from "../mod.ts";

const self = new URL(import.meta.url).pathname;

if (Deno.args[0] === "child") {
  const [, path, mode] = Deno.args;
  const db = new Database(path);
  db.exec(`PRAGMA journal_mode=${mode}`);
  db.exec("CREATE TABLE IF NOT EXISTS log(id INTEGER PRIMARY KEY, txn INTEGER, note TEXT)");
  const ins = db.prepare("INSERT INTO log(txn, note) VALUES (?, ?)");
  for (let txn = 1; txn <= 3; txn++) {
    ins.run(txn, `small committed transaction ${txn}`);
    console.log(`committed ${txn}`);
  }
  db.exec("BEGIN");
  // A big transaction: large enough that its pages spill to disk before COMMIT.
  for (let i = 0; i < 100_000; i++) {
    ins.run(4, "part of the big, never committed transaction ".repeat(4));
    if (i === 2000) console.log("big transaction in progress");
  }
  db.exec("COMMIT");
  console.log("committed 4 (not reached)");
  Deno.exit(0);
}

for (const mode of ["delete", "wal"]) {
  const dir = Deno.makeTempDirSync({ prefix: "tsqlite_crash_demo_" });
  const path = dir + "/demo.db";
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", self, "child", path, mode],
    stdout: "piped",
  }).spawn();
  const reader = child.stdout.getReader();
  let text = "";
  while (!text.includes("big transaction in progress")) {
    const { value, done } = await reader.read();
    if (done) break;
    text += new TextDecoder().decode(value);
  }
  child.kill("SIGKILL");
  await child.status;
  await reader.cancel();
  const left = [...Deno.readDirSync(dir)].map((e) =>
    `${e.name} (${Deno.statSync(dir + "/" + e.name).size} bytes)`
  );
  console.log(`\n== ${mode} mode: writer killed during transaction 4`);
  console.log("child said:", text.trim().split("\n").join("; "));
  console.log("files left behind:", left.join(", "));
  const db = new Database(path);
  const rows = db.prepare("SELECT txn, count(*) AS n FROM log GROUP BY txn ORDER BY txn").all();
  console.log("after recovery:", rows.map((r) => `txn ${r.txn}: ${r.n} row(s)`).join(", "));
  console.log("integrity_check:", db.prepare("PRAGMA integrity_check").get()?.integrity_check);
  console.log(
    mode === "wal"
      ? "why: transactions 1-3 are in the -wal up to their commit frames (replayed on open);" +
        " transaction 4 never reached a commit frame, so it does not exist."
      : "why: transactions 1-3 were in the database file when COMMIT returned; transaction 4" +
        " never got to COMMIT (a crash during COMMIT is undone from the hot -journal).",
  );
  db.close();
  Deno.removeSync(dir, { recursive: true });
}
