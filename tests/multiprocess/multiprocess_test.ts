/**
 * Several real processes on one database file (issue 7): concurrent appenders whose every
 * acknowledged insert is present afterwards, readers that never see a partial commit, the
 * busy timeout, and locks released when a process is killed. Both journal modes (WAL mode
 * across processes has more in wal_multiprocess_test.ts).
 */
import { assert, assertEquals } from "@std/assert";
import { DatabaseSync } from "node:sqlite";
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

for (const mode of ["delete", "wal"] as const) {
  Deno.test(`multiprocess ${mode}: concurrent appenders and readers`, async () => {
    const dir = Deno.makeTempDirSync();
    const path = `${dir}/m.db`;
    try {
      const db = new Database(path);
      db.exec(`PRAGMA journal_mode=${mode}`);
      db.exec("CREATE TABLE t(writer INTEGER, n INTEGER, part INTEGER)");
      db.close();
      // All children start together (a barrier), and in WAL mode commit often enough that
      // the log is checkpointed and restarted under the others (wal_autocheckpoint=20).
      const commits = mode === "wal" ? 100 : 40;
      const finishers = await spawnTogether([
        ...[1, 2, 3].map((id) => [path, mode, "append", String(id), String(commits)]),
        ...[1, 2].map((id) => [path, mode, "read", String(id), "60"]),
      ]);
      const all = await Promise.all(finishers.map((f) => f()));
      const outs = all.slice(0, 3);
      for (const o of all.slice(3)) assert(o.startsWith("ok "), o);
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
      assertEquals(acks, 3 * commits);
      assertEquals(rows.length, 3 * commits);
      check.close();
      const s = new DatabaseSync(path);
      assertEquals(s.prepare("PRAGMA integrity_check").get()?.integrity_check, "ok");
      assertEquals(s.prepare("SELECT count(*) AS c FROM t").get()?.c, 9 * commits);
      s.close();
    } finally {
      Deno.removeSync(dir, { recursive: true });
    }
  });
}

/**
 * Spawns children with the "barrier" argument, waits until every one has printed "ready",
 * then releases them all at once. Returns, per child, a function giving its remaining
 * output once it has exited successfully.
 */
async function spawnTogether(argsList: string[][]): Promise<(() => Promise<string>)[]> {
  const enc = new TextEncoder();
  const dec = new TextDecoder();
  const kids = argsList.map((args) =>
    new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", child, ...args, "barrier"],
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
    }).spawn()
  );
  const readers = kids.map((k) => k.stdout.getReader());
  const texts = kids.map(() => "");
  await Promise.all(kids.map(async (k, i) => {
    while (!texts[i].includes("ready\n")) {
      const { value, done } = await readers[i].read();
      if (done) throw new Error(`child exited early: ${await new Response(k.stderr).text()}`);
      texts[i] += dec.decode(value);
    }
  }));
  for (const k of kids) {
    const w = k.stdin.getWriter();
    await w.write(enc.encode("go\n"));
    await w.close();
  }
  return kids.map((k, i) => async () => {
    for (;;) {
      const { value, done } = await readers[i].read();
      if (done) break;
      texts[i] += dec.decode(value);
    }
    const err = await new Response(k.stderr).text();
    assert((await k.status).success, `child failed: ${err}`);
    return texts[i].replace("ready\n", "");
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

for (const mode of ["delete", "wal"] as const) {
  Deno.test(`multiprocess ${mode}: writer waits up to the timeout, else SQLITE_BUSY`, async () => {
    const { dir, path } = setup(mode);
    try {
      const holder = spawn([path, mode, "hold", "7", "400"]);
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
}

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

Deno.test("multiprocess wal: a second process shares the WAL; a killed one blocks nothing", async () => {
  const { dir, path } = setup("wal");
  try {
    const other = spawn([path, "wal", "walopen", "1", "-1"]);
    await waitFor(other, "open");
    const db = new Database(path);
    db.exec("INSERT INTO t VALUES (1, 1, 1)");
    assertEquals(db.prepare("SELECT count(*) AS c FROM t").get(), { c: 1 });
    other.kill("SIGKILL");
    await other.status;
    other.stderr.cancel();
    db.exec("INSERT INTO t VALUES (1, 2, 1)");
    assertEquals(db.prepare("SELECT count(*) AS c FROM t").get(), { c: 2 });
    db.close();
    assertEquals(Deno.statSync(path).isFile, true);
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});
