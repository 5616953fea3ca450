/**
 * Helpers for the shell tests: run our shell in-process with piped input, run the real
 * sqlite3 program on the same script, and find out whether the tools exist.
 * @module
 */

import { main } from "../../src/shell/main.ts";

/** What a run printed and returned. */
export interface RunResult {
  /** Standard output. */
  out: string;
  /** Standard error. */
  err: string;
  /** Exit code. */
  code: number;
}

function collector(): { sink: (b: Uint8Array) => void; text: () => string } {
  const chunks: Uint8Array[] = [];
  return {
    sink: (b) => chunks.push(b.slice()),
    text: () => {
      const all = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
      let o = 0;
      for (const c of chunks) {
        all.set(c, o);
        o += c.length;
      }
      return new TextDecoder().decode(all);
    },
  };
}

/** Runs our shell with `args`, `stdin` piped in (not a terminal). */
export async function runOurs(args: string[], stdin = ""): Promise<RunResult> {
  const out = collector();
  const err = collector();
  const code = await main(args, {
    out: out.sink,
    err: err.sink,
    readAll: () => stdin,
    isTerminal: false,
  });
  return { out: out.text(), err: err.text(), code };
}

/** True when a program runs. */
export function hasProgram(name: string): boolean {
  try {
    new Deno.Command(name, { args: ["-version"], stdout: "null", stderr: "null" }).outputSync();
    return true;
  } catch {
    return false;
  }
}

/** Runs /usr/bin/sqlite3 with `args` and `stdin`. */
export async function runSqlite3Async(args: string[], stdin = ""): Promise<RunResult> {
  const child = new Deno.Command("sqlite3", {
    args,
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const w = child.stdin.getWriter();
  await w.write(new TextEncoder().encode(stdin));
  await w.close();
  const r = await child.output();
  const d = new TextDecoder();
  return { out: d.decode(r.stdout), err: d.decode(r.stderr), code: r.code };
}
