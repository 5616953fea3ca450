/**
 * A scriptable child process for wal_multiprocess_test.ts: opens the database given as the
 * first argument (WAL mode, busy timeout = second argument in ms, autocheckpoint off) and
 * then runs one command per stdin line, answering each with one JSON line on stdout:
 * - `exec <sql>`: runs statements; `{ "ok": true }`.
 * - `query <sql>`: `{ "rows": [...] }` (bigints as strings).
 * - `junk <n>`: appends n bytes of garbage to the -wal file, as a writer killed in the
 *   middle of writing frames leaves it; `{ "ok": true }`.
 * - `close`: closes the database; `{ "ok": true }`, then exits.
 * A failing command answers `{ "error": "<SQLite code>" }`. Nothing here waits on a clock:
 * the test drives every step through the pipe.
 */
import { Database } from "../../mod.ts";
import { SqliteError } from "../../src/errors.ts";

const [path, timeoutArg] = Deno.args;
const db = new Database(path, { timeout: Number(timeoutArg ?? 0) });
db.exec("PRAGMA journal_mode=WAL; PRAGMA wal_autocheckpoint=0");
const enc = new TextEncoder();
const reply = (v: unknown) =>
  Deno.stdout.writeSync(
    enc.encode(JSON.stringify(v, (_, x) => typeof x === "bigint" ? String(x) : x) + "\n"),
  );
reply({ ok: true });

const dec = new TextDecoder();
let pending = "";
for await (const chunk of Deno.stdin.readable) {
  pending += dec.decode(chunk);
  let nl: number;
  while ((nl = pending.indexOf("\n")) >= 0) {
    const line = pending.slice(0, nl);
    pending = pending.slice(nl + 1);
    const sp = line.indexOf(" ");
    const cmd = sp < 0 ? line : line.slice(0, sp);
    const arg = sp < 0 ? "" : line.slice(sp + 1);
    try {
      if (cmd === "exec") {
        db.exec(arg);
        reply({ ok: true });
      } else if (cmd === "query") {
        reply({ rows: db.prepare(arg).all() });
      } else if (cmd === "junk") {
        const f = Deno.openSync(path + "-wal", { write: true, append: true });
        const junk = new Uint8Array(Number(arg));
        for (let i = 0; i < junk.length; i++) junk[i] = (i * 131 + 7) & 0xff;
        f.writeSync(junk);
        f.close();
        reply({ ok: true });
      } else if (cmd === "close") {
        db.close();
        reply({ ok: true });
        Deno.exit(0);
      } else {
        reply({ error: `unknown command ${cmd}` });
      }
    } catch (e) {
      reply({ error: e instanceof SqliteError ? e.code : String(e) });
    }
  }
}
