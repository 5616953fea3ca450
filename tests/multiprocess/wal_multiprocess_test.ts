/**
 * WAL mode shared by several real processes (issue 7): snapshots pinned across processes
 * against another process's commits and checkpoints, processes killed while reading or
 * writing, and the WAL deleted by the last process to close. The children (wal_child.ts)
 * are driven step by step through pipes, so nothing depends on timing. Last, a seeded
 * stress run (wal_stress_child.ts): transfers keep a fixed total that readers check inside
 * their snapshots while checkpoints of every mode, reopens and a SIGKILL happen around them;
 * only the interleaving varies, never what is asserted.
 */
import { assert, assertEquals } from "@std/assert";
import { DatabaseSync } from "node:sqlite";
import { Database } from "../../mod.ts";
import { SqliteError } from "../../src/errors.ts";

const CHILD = new URL("./wal_child.ts", import.meta.url).pathname;

// deno-lint-ignore no-explicit-any
type Reply = any;

/** A wal_child.ts process and its pipes. */
class Child {
  readonly #proc: Deno.ChildProcess;
  readonly #out: ReadableStreamDefaultReader<Uint8Array>;
  readonly #in: WritableStreamDefaultWriter<Uint8Array>;
  #buf = "";

  private constructor(proc: Deno.ChildProcess) {
    this.#proc = proc;
    this.#out = proc.stdout.getReader();
    this.#in = proc.stdin.getWriter();
  }

  /** Starts a child on `path`; resolves once it has the database open. */
  static async start(path: string, timeout = 0): Promise<Child> {
    const proc = new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", CHILD, path, String(timeout)],
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const c = new Child(proc);
    assertEquals(await c.#reply(), { ok: true });
    return c;
  }

  async #reply(): Promise<Reply> {
    const dec = new TextDecoder();
    for (;;) {
      const nl = this.#buf.indexOf("\n");
      if (nl >= 0) {
        const line = this.#buf.slice(0, nl);
        this.#buf = this.#buf.slice(nl + 1);
        return JSON.parse(line);
      }
      const { value, done } = await this.#out.read();
      if (done) {
        const err = await new Response(this.#proc.stderr).text();
        throw new Error(`child exited: ${err}`);
      }
      this.#buf += dec.decode(value);
    }
  }

  /** Sends one command line and returns its answer. */
  async send(line: string): Promise<Reply> {
    await this.#in.write(new TextEncoder().encode(line + "\n"));
    return await this.#reply();
  }

  /** Runs `sql`, which must succeed. */
  async exec(sql: string): Promise<void> {
    assertEquals(await this.send(`exec ${sql}`), { ok: true }, sql);
  }

  /** Rows of `sql`. */
  async query(sql: string): Promise<Record<string, unknown>[]> {
    const r = await this.send(`query ${sql}`);
    assert(r.rows !== undefined, `${sql}: ${JSON.stringify(r)}`);
    return r.rows;
  }

  /** Closes the database and waits for the process to end. */
  async close(): Promise<void> {
    assertEquals(await this.send("close"), { ok: true });
    await this.#end();
  }

  /** SIGKILL, as a crash: no close, no cleanup. */
  async kill(): Promise<void> {
    this.#proc.kill("SIGKILL");
    await this.#end();
  }

  async #end(): Promise<void> {
    this.#out.releaseLock();
    await this.#proc.stdout.cancel();
    await this.#in.close().catch(() => {});
    await this.#proc.stderr.cancel();
    await this.#proc.status;
  }
}

function setup(): { dir: string; path: string } {
  const dir = Deno.makeTempDirSync({ prefix: "tsqlite_walmp_" });
  const path = `${dir}/w.db`;
  const db = new Database(path);
  db.exec("PRAGMA journal_mode=WAL");
  db.exec("CREATE TABLE t(id INTEGER PRIMARY KEY, v BLOB)");
  db.close();
  return { dir, path };
}

function open(path: string): Database {
  const db = new Database(path);
  db.exec("PRAGMA wal_autocheckpoint=0; PRAGMA cache_size=2");
  return db;
}

function walSize(path: string): number {
  try {
    return Deno.statSync(path + "-wal").size;
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return -1;
    throw e;
  }
}

function sqliteCheck(path: string, count: number): void {
  const s = new DatabaseSync(path);
  try {
    assertEquals(s.prepare("PRAGMA integrity_check").get()?.integrity_check, "ok");
    assertEquals(s.prepare("SELECT count(*) AS c FROM t").get()?.c, count);
  } finally {
    s.close();
  }
}

type Row = { id: number; h: string };

/** INSERT of rows base+1..base+n with random blobs of `size` bytes (one statement). */
function insert(base: number, n: number, size: number): string {
  const values = [];
  for (let i = 1; i <= n; i++) values.push(`(${base + i}, randomblob(${size}))`);
  return `INSERT INTO t VALUES ${values.join(", ")}`;
}
const ALL = "SELECT id, hex(v) AS h FROM t ORDER BY id";

for (const zero of [false, true]) {
  Deno.test(
    `wal multiprocess: a snapshot ${
      zero ? "on the database file (read0)" : "with WAL frames"
    } survives another process's commits and checkpoints`,
    async () => {
      const { dir, path } = setup();
      try {
        const a = open(path);
        const helper = open(path);
        a.exec(insert(0, 120, 300));
        let mark = -1;
        if (zero) {
          // Everything copied before the snapshot starts: it reads the database file only.
          const r = helper.prepare("PRAGMA wal_checkpoint(PASSIVE)").get() as Reply;
          mark = r.checkpointed;
        }
        a.exec("BEGIN");
        const snapshot = a.prepare(ALL).all() as Row[];
        assertEquals(snapshot.length, 120);
        if (!zero) {
          // Copies up to the snapshot (its mark), which is every frame so far.
          const r = helper.prepare("PRAGMA wal_checkpoint(PASSIVE)").get() as Reply;
          assertEquals(r.busy, 0);
          mark = r.checkpointed;
          assertEquals(r.log, mark);
        }
        assert(mark > 0);
        const b = await Child.start(path);
        for (let i = 0; i < 5; i++) {
          await b.exec(insert(1000 * (i + 1), 40, 300));
        }
        // Rewrites pages the snapshot reads (one row per statement: many commits).
        for (let id = 1; id <= 120; id += 7) {
          await b.exec(`UPDATE t SET v = x'0102' WHERE id = ${id}`);
        }
        for (const mode of ["PASSIVE", "FULL", "RESTART", "TRUNCATE"]) {
          const [r] = await b.query(`PRAGMA wal_checkpoint(${mode})`) as Reply[];
          // Nothing past the snapshot's mark may reach the database file. A reader of the
          // database file alone (read0) let B's first commit restart the log, as in SQLite,
          // and then blocks every copy.
          const copied = zero ? 0 : mark;
          assertEquals(r.checkpointed, copied, `${mode}: ${JSON.stringify(r)}`);
          assert(r.log > copied, `${mode}: ${JSON.stringify(r)}`);
          assertEquals(r.busy, mode === "PASSIVE" ? 0 : 1, mode);
        }
        assertEquals(a.prepare(ALL).all(), snapshot, "the snapshot is intact");
        a.exec("COMMIT");
        assertEquals(a.prepare("SELECT count(*) AS c FROM t").get(), { c: 320 });
        // Now A sees exactly what B committed.
        assertEquals(a.prepare(ALL).all(), await b.query(ALL));
        // With the snapshot gone everything can be copied and the log emptied.
        const [t] = await b.query("PRAGMA wal_checkpoint(TRUNCATE)") as Reply[];
        assertEquals(t, { busy: 0, log: 0, checkpointed: 0 });
        assertEquals(walSize(path), 0);
        await b.exec("INSERT INTO t VALUES (5000, x'01')");
        assertEquals(a.prepare("SELECT count(*) AS c FROM t").get(), { c: 321 });
        await b.close();
        helper.close();
        assert(walSize(path) > 0, "a still has the database open");
        a.close();
        assertEquals(walSize(path), -1, "the last connection deleted the WAL");
        sqliteCheck(path, 321);
      } finally {
        Deno.removeSync(dir, { recursive: true });
      }
    },
  );
}

Deno.test("wal multiprocess: a killed reader's read mark blocks nothing", async () => {
  const { dir, path } = setup();
  try {
    const a = open(path);
    a.exec(insert(0, 50, 100));
    const b = await Child.start(path);
    await b.exec("BEGIN");
    assertEquals(await b.query("SELECT count(*) AS c FROM t"), [{ c: 50 }]);
    a.exec(insert(100, 50, 100));
    const busy = a.prepare("PRAGMA wal_checkpoint(TRUNCATE)").get() as Reply;
    assertEquals(busy.busy, 1, "the reader in the other process pins its frames");
    assert(busy.checkpointed < busy.log);
    await b.kill();
    assertEquals(a.prepare("PRAGMA wal_checkpoint(TRUNCATE)").get(), {
      busy: 0,
      log: 0,
      checkpointed: 0,
    });
    assertEquals(walSize(path), 0);
    a.exec("INSERT INTO t VALUES (1000, 1)");
    a.close();
    assertEquals(walSize(path), -1);
    sqliteCheck(path, 101);
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("wal multiprocess: a writer killed mid-transaction with torn frames", async () => {
  const { dir, path } = setup();
  try {
    const a = open(path);
    a.exec(insert(0, 20, 100));
    const b = await Child.start(path);
    await b.exec("BEGIN IMMEDIATE");
    await b.exec(insert(100, 20, 100));
    // What a writer killed while writing its frames leaves after the last commit.
    assertEquals(await b.send("junk 9000"), { ok: true });
    let err: unknown = null;
    try {
      a.exec("INSERT INTO t VALUES (500, 1)");
    } catch (e) {
      err = e;
    }
    assert(err instanceof SqliteError && err.code === "SQLITE_BUSY", `got ${err}`);
    await b.kill();
    a.exec("INSERT INTO t VALUES (500, 1)");
    a.exec("INSERT INTO t VALUES (501, 1)");
    const c = await Child.start(path);
    assertEquals(await c.query("SELECT count(*) AS c FROM t"), [{ c: 22 }]);
    await c.exec("INSERT INTO t VALUES (502, 1)");
    assertEquals(a.prepare("SELECT count(*) AS c FROM t").get(), { c: 23 });
    await c.close();
    assertEquals(a.prepare("PRAGMA integrity_check").get(), { integrity_check: "ok" });
    a.close();
    sqliteCheck(path, 23);
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("wal multiprocess: the last process to close deletes the WAL, not before", async () => {
  const { dir, path } = setup();
  try {
    // The child closes last.
    const b = await Child.start(path);
    const a = open(path);
    a.exec("INSERT INTO t VALUES (1, 1), (2, 2)");
    a.close();
    assert(walSize(path) > 0, "the other process still uses the WAL");
    assertEquals(await b.query("SELECT count(*) AS c FROM t"), [{ c: 2 }]);
    await b.exec("INSERT INTO t VALUES (3, 3)");
    await b.close();
    assertEquals(walSize(path), -1);
    sqliteCheck(path, 3);
    // This process closes last; a killed child does not count.
    const c = await Child.start(path);
    const k = await Child.start(path);
    await c.exec("INSERT INTO t VALUES (4, 4)");
    const d = open(path);
    await c.close();
    assert(walSize(path) > 0);
    await k.kill();
    assertEquals(d.prepare("SELECT count(*) AS c FROM t").get(), { c: 4 });
    d.close();
    assertEquals(walSize(path), -1);
    sqliteCheck(path, 4);
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

const STRESS = new URL("./wal_stress_child.ts", import.meta.url).pathname;

Deno.test("wal multiprocess: transfers, readers, checkpoints, reopens and a kill", async () => {
  const dir = Deno.makeTempDirSync({ prefix: "tsqlite_walstress_" });
  const path = `${dir}/s.db`;
  try {
    const db = new Database(path);
    db.exec("PRAGMA journal_mode=WAL");
    db.exec("CREATE TABLE acct(id INTEGER PRIMARY KEY, bal INTEGER); CREATE TABLE log(n, v)");
    db.exec("BEGIN");
    for (let i = 1; i <= 100; i++) db.exec(`INSERT INTO acct VALUES (${i}, 1000)`);
    db.exec("COMMIT");
    db.close();
    const spawn = (role: string, seed: number, n: number) =>
      new Deno.Command(Deno.execPath(), {
        args: ["run", "-A", STRESS, path, role, String(seed), String(n)],
        stdout: "piped",
        stderr: "piped",
      }).spawn();
    const kids = [
      spawn("xfer", 1, 200),
      spawn("xfer", 2, 200),
      spawn("xfer", 3, 200),
      spawn("read", 4, 150),
      spawn("read", 5, 150),
    ];
    // A writer killed (SIGKILL) in the middle of its run, after its 40th commit.
    const victim = spawn("xfer", 6, 1_000_000);
    const reader = victim.stdout.getReader();
    let text = "";
    while (!text.includes("ack 40\n")) {
      const { value, done } = await reader.read();
      if (done) throw new Error(`victim exited: ${await new Response(victim.stderr).text()}`);
      text += new TextDecoder().decode(value);
    }
    victim.kill("SIGKILL");
    await victim.status;
    reader.releaseLock();
    await victim.stdout.cancel();
    await victim.stderr.cancel();
    for (const k of kids) {
      const r = await k.output();
      assert(r.success, new TextDecoder().decode(r.stderr));
      assert(new TextDecoder().decode(r.stdout).endsWith("ok\n"));
    }
    const check = new Database(path);
    assertEquals(check.prepare("SELECT sum(bal) AS s FROM acct").get(), { s: 100 * 1000 });
    assertEquals(check.prepare("PRAGMA integrity_check").get(), { integrity_check: "ok" });
    check.close();
    assertEquals(walSize(path), -1, "the last to close deleted the WAL");
    const s = new DatabaseSync(path);
    try {
      assertEquals(s.prepare("PRAGMA integrity_check").get()?.integrity_check, "ok");
      assertEquals(s.prepare("SELECT sum(bal) AS s FROM acct").get()?.s, 100 * 1000);
    } finally {
      s.close();
    }
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});
