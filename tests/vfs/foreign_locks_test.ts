/**
 * tsqlite refuses a database SQLite has open at the same moment (their locks do not see each
 * other), found through the POSIX locks listed in /proc/locks. Deno lets only a process with
 * --allow-all read /proc, so the live cases run in a child started with -A; with just
 * --allow-read/--allow-write detection is off and nothing else changes.
 */
import { assertEquals, assertStringIncludes } from "@std/assert";
import { Database } from "../../mod.ts";
import { posixLockHolders, setLockTableReader } from "../../src/vfs/foreign_locks.ts";

const linux = Deno.build.os === "linux";
const child = new URL("./foreign_locks_child.ts", import.meta.url).pathname;

function tempDb(): { dir: string; path: string } {
  const dir = Deno.makeTempDirSync({ prefix: "tsqlite_foreign_" });
  return { dir, path: `${dir}/app.db` };
}

/** Runs the child with `flags`; its JSON lines. */
function runChild(flags: string[], ...args: string[]): unknown[] {
  const out = new Deno.Command(Deno.execPath(), {
    args: ["run", ...flags, child, ...args],
    stderr: "inherit",
  }).outputSync();
  if (!out.success) throw new Error(`child failed: ${out.code}`);
  return new TextDecoder().decode(out.stdout).trim().split("\n").map((l) => JSON.parse(l));
}

Deno.test({
  name: "a database node:sqlite holds open in WAL mode is refused, then usable once it closes",
  ignore: !linux,
  fn() {
    const { dir, path } = tempDb();
    try {
      const [during, after] = runChild(["-A"], "node-sqlite-wal", path) as {
        code?: string;
        message?: string;
        rows?: unknown;
      }[];
      assertEquals(during.code, "SQLITE_BUSY");
      assertStringIncludes(during.message!, "SQLite has it open in this process");
      assertEquals(after, { rows: [{ x: 1 }] });
    } finally {
      Deno.removeSync(dir, { recursive: true });
    }
  },
});

Deno.test({
  name: "the sqlite3 shell in another process, mid-transaction, is refused by pid",
  ignore: !linux,
  async fn() {
    const { dir, path } = tempDb();
    try {
      const setup = new Database(path);
      setup.exec("CREATE TABLE t(x); INSERT INTO t VALUES (1)");
      setup.close();
      const shell = new Deno.Command("sqlite3", {
        args: [path],
        stdin: "piped",
        stdout: "piped",
        stderr: "null",
      }).spawn();
      const w = shell.stdin.getWriter();
      // A rollback-mode write transaction: SQLite holds its RESERVED lock until COMMIT.
      await w.write(new TextEncoder().encode("BEGIN IMMEDIATE;\nSELECT 'ready';\n"));
      const r = shell.stdout.getReader();
      let out = "";
      while (!out.includes("ready")) {
        const { value, done } = await r.read();
        if (done) break;
        out += new TextDecoder().decode(value);
      }
      const [during] = runChild(["-A"], "attempt", path) as { code?: string; message?: string }[];
      assertEquals(during.code, "SQLITE_BUSY");
      assertStringIncludes(during.message!, `process ${shell.pid}`);
      // Without --allow-all, /proc/locks is out of reach: no detection, nothing else changes
      // (a read beside SQLite's RESERVED lock sees the last commit).
      assertEquals(runChild(["--allow-read", "--allow-write"], "attempt", path), [{
        rows: [{ x: 1 }],
      }]);
      await w.write(new TextEncoder().encode("COMMIT;\n.quit\n"));
      await w.close();
      r.releaseLock();
      await shell.stdout.cancel();
      await shell.status;
      assertEquals(runChild(["--allow-read", "--allow-write"], "attempt", path), [{
        rows: [{ x: 1 }],
      }]);
    } finally {
      Deno.removeSync(dir, { recursive: true });
    }
  },
});

Deno.test({
  name: "/proc/locks parsing: POSIX locks on the file's inode only",
  ignore: !linux,
  fn() {
    const { dir, path } = tempDb();
    try {
      Deno.writeTextFileSync(path, "");
      const st = Deno.statSync(path);
      const dev = st.dev!;
      const id = `${((dev >>> 8) & 0xfff).toString(16).padStart(2, "0")}:${
        (dev & 0xff).toString(16).padStart(2, "0")
      }:${st.ino}`;
      const old = setLockTableReader(() =>
        [
          `1: FLOCK  ADVISORY  WRITE 111 ${id} 0 EOF`,
          `2: POSIX  ADVISORY  READ 222 ${id} 1073741826 1073742335`,
          `2: -> POSIX  ADVISORY  WRITE 333 ${id} 1073741824 1073741824`,
          `3: POSIX  ADVISORY  READ 444 ${id}9 128 128`,
          `4: OFDLCK ADVISORY  READ -1 ${id} 0 0`,
        ].join("\n")
      );
      try {
        assertEquals(posixLockHolders([path]).sort(), [222, 333]);
        assertEquals(posixLockHolders([`${path}-missing`]), []);
      } finally {
        setLockTableReader(old);
      }
    } finally {
      Deno.removeSync(dir, { recursive: true });
    }
  },
});
