/**
 * ROLLBACK, COMMIT, ROLLBACK TO and RELEASE while a statement of the same connection is still
 * being iterated, compared with node:sqlite (SQLite 3.53) statement by statement, in both
 * journal modes.
 *
 * What SQLite does (lang_transaction.html, and vdbe.c's OP_AutoCommit / OP_Savepoint):
 * - COMMIT runs at once beside pending reads, which go on over the committed data.
 * - ROLLBACK and ROLLBACK TO let a pending read go on, over the rolled-back data, from where
 *   it was - unless the transaction changed the schema: then every statement still reading
 *   the database fails with SQLITE_ABORT_ROLLBACK "abort due to ROLLBACK" at its next step.
 *   Rows a statement had already gathered (ORDER BY without an index, GROUP BY, RETURNING,
 *   VALUES) are still returned.
 * - With a write statement pending (a RETURNING iterated half-way), COMMIT, RELEASE and
 *   SAVEPOINT fail with SQLITE_BUSY "cannot ... - SQL statements in progress"; ROLLBACK
 *   and ROLLBACK TO proceed, and the statement returns the rest of its rows.
 *
 * Deno's node:sqlite ends an iterate() quietly on any step error (an integer overflow
 * too), so where SQLite reports SQLITE_ABORT_ROLLBACK the oracle shows the end of the rows;
 * those steps are checked against SQLite's C behaviour (the same error, as the Python
 * sqlite3 module reports it) in {@link ABORT}.
 */
import { assert, assertEquals } from "@std/assert";
import { DatabaseSync } from "node:sqlite";
import { Database, MemoryVfs, SqliteError } from "../../mod.ts";
import { tempPath } from "./helpers.ts";

/** One side of the comparison. */
interface Side {
  exec(sql: string): void;
  iterate(sql: string): Iterator<Record<string, unknown>>;
  all(sql: string): Record<string, unknown>[];
  inTransaction(): boolean;
  close(): void;
}

function nodeSide(path: string): Side {
  const db = new DatabaseSync(path);
  return {
    exec: (sql) => db.exec(sql),
    iterate: (sql) => db.prepare(sql).iterate() as Iterator<Record<string, unknown>>,
    all: (sql) => db.prepare(sql).all() as Record<string, unknown>[],
    inTransaction: () => db.isTransaction,
    close: () => db.close(),
  };
}

function ourSide(path: string): Side {
  const db = new Database(path);
  return {
    exec: (sql) => db.exec(sql),
    iterate: (sql) => db.prepare(sql).iterate(),
    all: (sql) => db.prepare(sql).all(),
    inTransaction: () => db.inTransaction,
    close: () => db.close(),
  };
}

/** SQLite's result codes for each message a step in these scenarios can fail with. */
const CODES: Record<string, string | string[]> = {
  "abort due to ROLLBACK": "SQLITE_ABORT_ROLLBACK",
  // Another connection's lock (rollback mode), or a stale snapshot (WAL).
  "database is locked": ["SQLITE_BUSY", "SQLITE_BUSY_SNAPSHOT"],
  "integer overflow": "SQLITE_ERROR",
  "UNIQUE constraint failed: t.a": "SQLITE_CONSTRAINT_PRIMARYKEY",
  "cannot commit transaction - SQL statements in progress": "SQLITE_BUSY",
  "cannot release savepoint - SQL statements in progress": "SQLITE_BUSY",
  "cannot open savepoint - SQL statements in progress": "SQLITE_BUSY",
  "cannot rollback - no transaction is active": "SQLITE_ERROR",
  "no such savepoint: x": "SQLITE_ERROR",
  "no such table: u": "SQLITE_ERROR",
};

/** What the log says when a step of an iteration fails with SQLITE_ABORT_ROLLBACK. */
const ABORT = "error: abort due to ROLLBACK";

function describeError(e: unknown, ours: boolean): string {
  const msg = e instanceof Error ? e.message : String(e);
  if (ours) {
    if (!(e instanceof SqliteError)) throw new Error(`not a SqliteError: ${e}`);
    const want = CODES[msg];
    assert(want !== undefined, `unexpected error: ${msg}`);
    if (Array.isArray(want)) {
      assert(want.includes(e.code), `${msg}: ${e.code}`);
    } else {
      assertEquals(e.code, want, msg);
    }
  }
  return msg;
}

/** A scenario's log: rows, "done", and each statement's outcome. */
class Log {
  readonly lines: string[] = [];
  constructor(readonly side: Side, readonly ours: boolean, readonly other: Side) {}

  exec(sql: string): void {
    try {
      this.side.exec(sql);
      this.lines.push(`ok ${sql}`);
    } catch (e) {
      this.lines.push(`${sql}: ${describeError(e, this.ours)}`);
    }
  }

  step(it: Iterator<Record<string, unknown>>, n = 1): void {
    for (let i = 0; i < n; i++) {
      try {
        const r = it.next();
        this.lines.push(r.done ? "done" : JSON.stringify({ ...r.value }));
        if (r.done) return;
      } catch (e) {
        this.lines.push(`error: ${describeError(e, this.ours)}`);
        return;
      }
    }
  }

  drain(it: Iterator<Record<string, unknown>>): void {
    for (let i = 0; i < 100; i++) {
      const before = this.lines.length;
      this.step(it);
      const last = this.lines[before];
      if (last === "done" || last.startsWith("error: ")) return;
    }
    throw new Error("iteration did not end");
  }

  txn(): void {
    this.lines.push(`inTransaction ${this.side.inTransaction()}`);
  }

  table(sql = "SELECT * FROM t", side = this.side): void {
    try {
      this.lines.push(JSON.stringify(side.all(sql)));
    } catch (e) {
      this.lines.push(`${sql}: ${describeError(e, this.ours)}`);
    }
  }

  /** Runs `sql` on a second connection to the same file (the same kind as the first). */
  otherExec(sql: string): void {
    try {
      this.other.exec(sql);
      this.lines.push(`other: ok ${sql}`);
    } catch (e) {
      this.lines.push(`other: ${sql}: ${describeError(e, this.ours)}`);
    }
  }
}

interface Scenario {
  name: string;
  setup?: string;
  run(log: Log): void;
  /** Steps where SQLite fails with SQLITE_ABORT_ROLLBACK and node:sqlite's iterate() ends. */
  aborts?: boolean;
}

const SCENARIOS: Scenario[] = [
  {
    name: "ROLLBACK: a pending read goes on over the rolled-back rows",
    run(log) {
      log.exec("BEGIN");
      log.exec("INSERT INTO t VALUES (5, 'v')");
      log.exec("UPDATE t SET b = 'X' WHERE a = 2");
      log.exec("DELETE FROM t WHERE a = 3");
      const it = log.side.iterate("SELECT * FROM t");
      log.step(it);
      log.exec("ROLLBACK");
      log.txn();
      log.drain(it);
      log.table();
    },
  },
  {
    name: "ROLLBACK: a read positioned on a row the transaction inserted moves past it",
    run(log) {
      log.exec("BEGIN");
      log.exec("INSERT INTO t VALUES (5, 'v'), (6, 'u')");
      const it = log.side.iterate("SELECT * FROM t WHERE a >= 2");
      log.step(it, 4);
      log.exec("ROLLBACK");
      log.drain(it);
    },
  },
  {
    name: "ROLLBACK: a read started before BEGIN goes on",
    run(log) {
      const it = log.side.iterate("SELECT * FROM t");
      log.step(it);
      log.exec("BEGIN");
      log.exec("INSERT INTO t VALUES (5, 'v')");
      log.exec("UPDATE t SET b = 'X' WHERE a = 3");
      log.exec("ROLLBACK");
      log.txn();
      log.drain(it);
      log.table();
    },
  },
  {
    name: "ROLLBACK: an index read goes on",
    setup: "CREATE INDEX tb ON t(b)",
    run(log) {
      log.exec("BEGIN");
      log.exec("INSERT INTO t VALUES (5, 'a')");
      log.exec("UPDATE t SET b = 'zz' WHERE a = 1");
      const it = log.side.iterate("SELECT b FROM t ORDER BY b");
      log.step(it);
      log.exec("ROLLBACK");
      log.drain(it);
    },
  },
  {
    name: "ROLLBACK: sorted rows already gathered are all returned",
    run(log) {
      log.exec("BEGIN");
      log.exec("INSERT INTO t VALUES (5, 'a')");
      const it = log.side.iterate("SELECT b FROM t ORDER BY b");
      log.step(it);
      log.exec("ROLLBACK");
      log.drain(it);
    },
  },
  {
    name: "ROLLBACK: two pending reads, then new writes in a new transaction",
    run(log) {
      log.exec("BEGIN");
      log.exec("DELETE FROM t WHERE a = 4");
      const a = log.side.iterate("SELECT a FROM t");
      const b = log.side.iterate("SELECT b FROM t ORDER BY a DESC");
      log.step(a);
      log.step(b);
      log.exec("ROLLBACK");
      log.exec("BEGIN");
      log.exec("INSERT INTO t VALUES (7, 'n')");
      log.step(a);
      log.exec("COMMIT");
      log.drain(a);
      log.drain(b);
      log.txn();
      log.table();
    },
  },
  {
    name: "ROLLBACK of a schema change: a pending read is aborted",
    aborts: true,
    run(log) {
      log.exec("BEGIN");
      log.exec("CREATE TABLE u(x)");
      log.exec("INSERT INTO t VALUES (5, 'v')");
      const it = log.side.iterate("SELECT * FROM t");
      log.step(it);
      log.exec("ROLLBACK");
      log.txn();
      log.drain(it);
      log.table("SELECT * FROM u");
      log.table();
    },
  },
  {
    name: "ROLLBACK of CREATE INDEX: a pending read is aborted",
    aborts: true,
    run(log) {
      log.exec("BEGIN");
      log.exec("CREATE INDEX tb ON t(b)");
      const it = log.side.iterate("SELECT * FROM t WHERE a IN (1, 2, 3)");
      log.step(it);
      log.exec("ROLLBACK");
      log.drain(it);
    },
  },
  {
    name: "ROLLBACK of a schema change: rows already gathered are still returned",
    run(log) {
      log.exec("BEGIN");
      log.exec("CREATE TABLE u(x)");
      const sorted = log.side.iterate("SELECT b FROM t ORDER BY b");
      const grouped = log.side.iterate("SELECT b, count(*) AS n FROM t GROUP BY b");
      const values = log.side.iterate("VALUES (1), (2), (3)");
      log.step(sorted);
      log.step(grouped);
      log.step(values);
      log.exec("ROLLBACK");
      log.drain(sorted);
      log.drain(grouped);
      log.drain(values);
    },
  },
  {
    name: "ROLLBACK of a schema change: the aborted read first, then the sorted rows go on",
    aborts: true,
    run(log) {
      log.exec("BEGIN");
      log.exec("CREATE TABLE u(x)");
      const scan = log.side.iterate("SELECT a FROM t");
      const sorted = log.side.iterate("SELECT b FROM t ORDER BY b");
      log.step(scan);
      log.step(sorted);
      log.exec("ROLLBACK");
      log.drain(scan);
      log.drain(sorted);
      log.txn();
    },
  },
  {
    name: "PRAGMA user_version is no schema change",
    run(log) {
      log.exec("BEGIN");
      log.exec("PRAGMA user_version = 3");
      const it = log.side.iterate("SELECT * FROM t");
      log.step(it);
      log.exec("ROLLBACK");
      log.drain(it);
      log.table("PRAGMA user_version");
    },
  },
  {
    name: "COMMIT: a pending read goes on over the committed rows",
    run(log) {
      log.exec("BEGIN");
      log.exec("INSERT INTO t VALUES (5, 'v')");
      const it = log.side.iterate("SELECT * FROM t");
      log.step(it);
      log.exec("COMMIT");
      log.txn();
      log.exec("INSERT INTO t VALUES (6, 'u')");
      log.drain(it);
      log.table();
    },
  },
  {
    name: "COMMIT of a schema change: a pending read goes on",
    run(log) {
      log.exec("BEGIN");
      log.exec("CREATE TABLE u(x)");
      log.exec("INSERT INTO t VALUES (5, 'v')");
      const it = log.side.iterate("SELECT * FROM t");
      log.step(it);
      log.exec("COMMIT");
      log.drain(it);
      log.table("SELECT * FROM u");
    },
  },
  {
    name: "RELEASE of the outermost savepoint: a pending read goes on",
    run(log) {
      log.exec("SAVEPOINT s");
      log.exec("INSERT INTO t VALUES (5, 'v')");
      const it = log.side.iterate("SELECT * FROM t");
      log.step(it);
      log.exec("RELEASE s");
      log.txn();
      log.drain(it);
    },
  },
  {
    name: "ROLLBACK TO: a pending read goes on over the rolled-back rows",
    run(log) {
      log.exec("BEGIN");
      log.exec("INSERT INTO t VALUES (5, 'v')");
      log.exec("SAVEPOINT s");
      log.exec("INSERT INTO t VALUES (6, 'u')");
      log.exec("UPDATE t SET b = 'X' WHERE a = 2");
      const it = log.side.iterate("SELECT * FROM t");
      log.step(it);
      log.exec("ROLLBACK TO s");
      log.txn();
      log.drain(it);
      log.exec("COMMIT");
      log.table();
    },
  },
  {
    name: "ROLLBACK TO after a schema change before the savepoint: a pending read is aborted",
    aborts: true,
    run(log) {
      log.exec("BEGIN");
      log.exec("CREATE TABLE u(x)");
      log.exec("SAVEPOINT s");
      log.exec("INSERT INTO t VALUES (9, 'q')");
      const it = log.side.iterate("SELECT * FROM t");
      log.step(it);
      log.exec("ROLLBACK TO s");
      log.txn();
      log.drain(it);
      log.table("SELECT count(*) AS n FROM u");
      log.exec("COMMIT");
      log.table();
    },
  },
  {
    name: "ROLLBACK TO after a schema change that was already rolled back: still aborted",
    aborts: true,
    run(log) {
      log.exec("BEGIN");
      log.exec("SAVEPOINT s");
      log.exec("CREATE TABLE u(x)");
      log.exec("ROLLBACK TO s");
      log.exec("INSERT INTO t VALUES (9, 'q')");
      const it = log.side.iterate("SELECT * FROM t");
      log.step(it);
      log.exec("ROLLBACK TO s");
      log.drain(it);
      log.exec("COMMIT");
      log.table();
    },
  },
  {
    name: "a statement's own rollback (a constraint) leaves a pending read in place",
    run(log) {
      log.exec("BEGIN");
      log.exec("UPDATE t SET b = 'X' WHERE a = 3");
      const it = log.side.iterate("SELECT * FROM t");
      log.step(it, 2);
      log.exec("INSERT INTO t VALUES (5, 'v'), (1, 'dup')");
      log.exec("UPDATE t SET a = a + 1");
      log.drain(it);
      log.exec("COMMIT");
      log.table();
    },
  },
  {
    name: "autocommit: a write commits at once beside a pending read",
    run(log) {
      const it = log.side.iterate("SELECT * FROM t");
      log.step(it);
      log.exec("INSERT INTO t VALUES (9, 'q')");
      log.table("SELECT count(*) AS n FROM t", log.other);
      log.otherExec("INSERT INTO t VALUES (10, 'r')");
      log.exec("BEGIN");
      log.exec("INSERT INTO t VALUES (20, 'v')");
      log.drain(it);
      log.exec("COMMIT");
      log.table();
    },
  },
  {
    name: "autocommit: a failing read beside a pending RETURNING leaves its writes",
    run(log) {
      log.exec("INSERT INTO t VALUES (-9223372036854775808, 'min')");
      const it = log.side.iterate("INSERT INTO t VALUES (5, 'v'), (6, 'u') RETURNING a");
      log.step(it);
      log.table("SELECT abs(a) AS v FROM t");
      log.drain(it);
      log.table("SELECT count(*) AS n FROM t", log.other);
      log.txn();
    },
  },
  {
    name: "ROLLBACK with a RETURNING pending: rolled back, the rest of its rows returned",
    run(log) {
      log.exec("BEGIN");
      const it = log.side.iterate("INSERT INTO t VALUES (5, 'v'), (6, 'u'), (7, 's') RETURNING a");
      log.step(it);
      log.exec("ROLLBACK");
      log.txn();
      log.drain(it);
      log.table();
    },
  },
  {
    name: "ROLLBACK outside a transaction with a RETURNING pending",
    run(log) {
      const it = log.side.iterate("INSERT INTO t VALUES (5, 'v'), (6, 'u'), (7, 's') RETURNING a");
      log.step(it);
      log.exec("ROLLBACK");
      log.txn();
      log.drain(it);
      log.table();
    },
  },
  {
    name: "COMMIT, RELEASE and SAVEPOINT with a RETURNING pending: SQLITE_BUSY",
    run(log) {
      log.exec("BEGIN");
      const it = log.side.iterate("UPDATE t SET b = b || '!' RETURNING a");
      log.step(it);
      log.exec("COMMIT");
      log.txn();
      log.exec("RELEASE x");
      log.exec("SAVEPOINT q");
      log.txn();
      log.drain(it);
      log.exec("COMMIT");
      log.txn();
      log.table();
    },
  },
  {
    name: "RELEASE with a RETURNING pending: SQLITE_BUSY, then it succeeds",
    run(log) {
      log.exec("SAVEPOINT s");
      log.exec("SAVEPOINT s2");
      const it = log.side.iterate("DELETE FROM t WHERE a > 2 RETURNING a");
      log.step(it);
      log.exec("RELEASE s2");
      log.exec("RELEASE s");
      log.txn();
      log.drain(it);
      log.exec("RELEASE s");
      log.txn();
      log.table();
    },
  },
  {
    name: "ROLLBACK TO with a RETURNING pending, then more writes",
    run(log) {
      log.exec("BEGIN");
      log.exec("SAVEPOINT s");
      const it = log.side.iterate("DELETE FROM t WHERE a > 2 RETURNING a");
      log.step(it);
      log.exec("ROLLBACK TO s");
      log.txn();
      log.exec("INSERT INTO t VALUES (8, 'e')");
      const it2 = log.side.iterate("INSERT INTO t VALUES (10, 'k'), (11, 'l') RETURNING a");
      log.step(it2);
      log.drain(it);
      log.drain(it2);
      log.exec("COMMIT");
      log.table();
    },
  },
];

/** The same scenario's log with the aborts as node:sqlite's iterate() shows them (an end). */
function asNodeShowsIt(lines: string[]): string[] {
  return lines.map((l) => l === ABORT ? "done" : l);
}

for (const mode of ["delete", "wal"] as const) {
  for (const sc of SCENARIOS) {
    Deno.test(`pending statements (${mode}): ${sc.name}`, () => {
      const logs: string[][] = [];
      for (const ours of [false, true]) {
        const path = tempPath();
        const setup = new DatabaseSync(path);
        setup.exec(`PRAGMA journal_mode = ${mode}`);
        setup.exec("CREATE TABLE t(a INTEGER PRIMARY KEY, b)");
        setup.exec("INSERT INTO t VALUES (1, 'x'), (2, 'y'), (3, 'z'), (4, 'w')");
        if (sc.setup) setup.exec(sc.setup);
        setup.close();
        const side = ours ? ourSide(path) : nodeSide(path);
        const other = ours ? ourSide(path) : nodeSide(path);
        const log = new Log(side, ours, other);
        try {
          sc.run(log);
        } finally {
          side.close();
          other.close();
        }
        logs.push(log.lines);
      }
      const [theirs, ours] = logs;
      assertEquals(asNodeShowsIt(ours), theirs);
      // The scenarios SQLite aborts really are aborted here (and only those).
      assertEquals(ours.includes(ABORT), sc.aborts === true, ours.join("\n"));
    });
  }
}

for (const mode of ["delete", "wal"] as const) {
  Deno.test(`pending statements (${mode}): a commit that fails under a pending read`, () => {
    // Every write or sync of the commit in turn fails: the pending read then either goes on
    // (rows in order, no duplicates) or fails with a SqliteError; never anything else, and
    // the file stays whole.
    let failedCommits = 0;
    let abortedReads = 0;
    for (const op of ["write", "sync"] as const) {
      for (let nth = 1; nth <= 12; nth++) {
        const vfs = new MemoryVfs({ track: false });
        const db = new Database("f.db", { vfs, journalMode: mode });
        db.exec("CREATE TABLE t(a INTEGER PRIMARY KEY, b)");
        db.exec("BEGIN");
        const ins = db.prepare("INSERT INTO t(b) VALUES (?)");
        for (let i = 0; i < 300; i++) ins.run("x".repeat(100) + i);
        db.exec("COMMIT");
        const it = db.prepare("SELECT a FROM t").iterate();
        const seen: number[] = [Number(it.next().value!.a)];
        vfs.injectFault({ op, nth });
        let committed = true;
        try {
          db.exec("BEGIN; UPDATE t SET b = b || 'y'; DELETE FROM t WHERE a % 7 = 0; COMMIT");
        } catch (e) {
          if (!(e instanceof SqliteError)) throw e;
          committed = false;
          failedCommits++;
          if (db.inTransaction) db.exec("ROLLBACK");
        }
        try {
          for (const r of it) seen.push(Number(r.a));
        } catch (e) {
          if (!(e instanceof SqliteError)) throw e;
          abortedReads++;
        }
        for (let i = 1; i < seen.length; i++) assert(seen[i] > seen[i - 1], `${seen}`);
        assertEquals(db.prepare("PRAGMA integrity_check").all(), [{ integrity_check: "ok" }]);
        const n = db.prepare("SELECT count(*) AS n FROM t").get()!.n;
        assertEquals(n, committed ? 300 - Math.floor(300 / 7) : 300);
        db.close();
      }
    }
    // The faults do reach the commit's I/O, and (the pager having undone the pages under
    // it) the read is aborted then. SQLite would save the read's place and go on.
    assert(failedCommits > 0);
    assertEquals(abortedReads, failedCommits);
  });
}
