/**
 * Several real processes on one database file (issue 7): concurrent appenders whose every
 * acknowledged insert is present afterwards, readers that never see a partial commit, the
 * busy timeout, and locks released when a process is killed. Both journal modes.
 */
import { assert, assertEquals } from "@std/assert";
import { Database } from "../../mod.ts";
import { SqliteError } from "../../src/errors.ts";

const child = new URL("./child.ts", import.meta.url).pathname;

function spawn(args: string[]): Deno.ChildProcess {
  return new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", child, ...args],
    stdout: "piped",
    stderr: "piped",
  }).spawn();
}

async function finish(p: Deno.ChildProcess): Promise<string> {
  const r = await p.output();
  const err = new TextDecoder().decode(r.stderr);
  assert(r.success, `child failed: ${err}`);
  return new TextDecoder().decode(r.stdout);
}

for (const mode of ["delete"] as const) {
  Deno.test(`multiprocess ${mode}: concurrent appenders and readers`, async () => {
    const dir = Deno.makeTempDirSync();
    const path = `${dir}/m.db`;
    try {
      const db = new Database(path);
      db.exec(`PRAGMA journal_mode=${mode}`);
      db.exec("CREATE TABLE t(writer INTEGER, n INTEGER, part INTEGER)");
      db.close();
      const writers = [1, 2, 3].map((id) => spawn([path, mode, "append", String(id), "40"]));
      const readers = [1, 2].map((id) => spawn([path, mode, "read", String(id), "60"]));
      const outs = await Promise.all(writers.map(finish));
      for (const o of await Promise.all(readers.map(finish))) assert(o.startsWith("ok "));
      const check = new Database(path);
      const rows = check.prepare("SELECT writer, n, count(*) AS c FROM t GROUP BY writer, n")
        .all() as { writer: number; n: number; c: number }[];
      const have = new Set(rows.map((r) => `${r.writer} ${r.n}`));
      for (const r of rows) assertEquals(r.c, 3);
      let acks = 0;
      for (const o of outs) {
        for (const line of o.trim().split("\n")) {
          const [, id, n] = line.split(" ");
          assert(have.has(`${id} ${n}`), `acknowledged ${id} ${n} missing`);
          acks++;
        }
      }
      assertEquals(acks, 120);
      assertEquals(rows.length, 120);
      check.close();
    } finally {
      Deno.removeSync(dir, { recursive: true });
    }
  });
}

/** Reads the child's stdout until `word` appears. */
async function waitFor(p: Deno.ChildProcess, word: string): Promise<void> {
  const reader = p.stdout.getReader();
  let text = "";
  while (!text.includes(word)) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`child exited before "${word}": ${text}`);
    text += new TextDecoder().decode(value);
  }
  reader.releaseLock();
}

function setup(mode: string): { dir: string; path: string } {
  const dir = Deno.makeTempDirSync();
  const path = `${dir}/m.db`;
  const db = new Database(path);
  db.exec(`PRAGMA journal_mode=${mode}`);
  db.exec("CREATE TABLE t(writer INTEGER, n INTEGER, part INTEGER)");
  db.close();
  return { dir, path };
}

function isBusy(e: unknown): boolean {
  return e instanceof SqliteError && e.code === "SQLITE_BUSY" && e.message === "database is locked";
}

Deno.test("multiprocess delete: writer waits up to the timeout, else SQLITE_BUSY", async () => {
  const { dir, path } = setup("delete");
  try {
    const holder = spawn([path, "delete", "hold", "7", "400"]);
    await waitFor(holder, "locked");
    const quick = new Database(path);
    let err: unknown = null;
    try {
      quick.exec("INSERT INTO t VALUES (1, 1, 1)");
    } catch (e) {
      err = e;
    }
    assert(isBusy(err), `expected SQLITE_BUSY, got ${err}`);
    quick.close();
    const patient = new Database(path, { timeout: 10000 });
    const t0 = performance.now();
    patient.exec("INSERT INTO t VALUES (1, 1, 1)");
    assert(performance.now() - t0 > 50, "the insert waited for the other process");
    assertEquals(patient.prepare("SELECT count(*) AS c FROM t").get(), { c: 2 });
    patient.close();
    await holder.status;
    holder.stderr.cancel();
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("multiprocess delete: a killed process's locks are released", async () => {
  const { dir, path } = setup("delete");
  try {
    const holder = spawn([path, "delete", "hold", "7", "-1"]);
    await waitFor(holder, "locked");
    const db = new Database(path);
    let err: unknown = null;
    try {
      db.exec("INSERT INTO t VALUES (1, 1, 1)");
    } catch (e) {
      err = e;
    }
    assert(isBusy(err), `expected SQLITE_BUSY, got ${err}`);
    holder.kill("SIGKILL");
    await holder.status;
    holder.stderr.cancel();
    db.exec("INSERT INTO t VALUES (1, 1, 1)");
    // The killed writer never committed (its journal, if any, was rolled back).
    assertEquals(db.prepare("SELECT count(*) AS c FROM t").get(), { c: 1 });
    db.close();
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("multiprocess wal: a second process is refused (SQLITE_BUSY), then admitted", async () => {
  const { dir, path } = setup("wal");
  try {
    const other = spawn([path, "wal", "walopen", "1", "-1"]);
    await waitFor(other, "open");
    let err: unknown = null;
    try {
      const db = new Database(path);
      db.prepare("SELECT count(*) FROM t").get();
      db.close();
    } catch (e) {
      err = e;
    }
    assert(isBusy(err), `expected SQLITE_BUSY, got ${err}`);
    other.kill("SIGKILL");
    await other.status;
    other.stderr.cancel();
    const db = new Database(path);
    db.exec("INSERT INTO t VALUES (1, 1, 1)");
    assertEquals(db.prepare("SELECT count(*) AS c FROM t").get(), { c: 1 });
    db.close();
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});
