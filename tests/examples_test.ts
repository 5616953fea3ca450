/**
 * Smoke test: every example runs to completion (exit code 0) in a temporary directory.
 * `deno task examples` runs the same list by hand.
 */
import { assert } from "@std/assert";

const root = new URL("../", import.meta.url).pathname;

function run(args: string[], cwd: string): { code: number; out: string } {
  const r = new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-read", "--allow-write", "--allow-run", "--allow-env", ...args],
    cwd,
    stdout: "piped",
    stderr: "piped",
  }).outputSync();
  const dec = new TextDecoder();
  return { code: r.code, out: dec.decode(r.stdout) + dec.decode(r.stderr) };
}

const cases: { name: string; args: (dir: string) => string[] }[] = [
  { name: "quickstart", args: (d) => [root + "examples/quickstart.ts", d + "/q.db"] },
  { name: "todo_app", args: (d) => [root + "examples/todo_app.ts", d + "/todo.db"] },
  { name: "wal_vs_rollback", args: () => [root + "examples/wal_vs_rollback.ts"] },
  { name: "crash_recovery", args: () => [root + "examples/crash_recovery.ts"] },
  // inspect reads the file the to-do example wrote.
  { name: "inspect", args: (d) => [root + "examples/inspect.ts", d + "/todo.db"] },
];

Deno.test("examples run", () => {
  const dir = Deno.makeTempDirSync({ prefix: "tsqlite_examples_" });
  for (const c of cases) {
    const r = run(c.args(dir), dir);
    assert(r.code === 0, `examples/${c.name}.ts exited ${r.code}:\n${r.out}`);
  }
  Deno.removeSync(dir, { recursive: true });
});
