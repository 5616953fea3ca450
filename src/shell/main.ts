/**
 * `tsqlite`: the command-line shell, a work-alike of the `sqlite3` program.
 *
 * ```sh
 * deno run --allow-read --allow-write --allow-env src/shell/main.ts [OPTIONS] [FILE] [SQL...]
 * ```
 * @module
 */

import { parseCommandLine, UsageError } from "./args.ts";
import { runInteractive } from "./interactive.ts";
import { fileSink } from "./output.ts";
import { InputProcessor, Shell } from "./shell.ts";
import { setMode } from "./settings.ts";
import { resolveBackslashes } from "./dot_args.ts";

/** The version line `-version` prints. */
export const VERSION = "3.53.2 tsqlite 0.1.0 (pure TypeScript, SQLite 3 file format)";

/** Where the shell reads and writes (replaceable in tests). */
export interface Io {
  /** Standard output. */
  out: (b: Uint8Array) => void;
  /** Standard error. */
  err: (b: Uint8Array) => void;
  /** All of standard input (for non-interactive runs). */
  readAll: () => string;
  /** Standard input is a terminal. */
  isTerminal: boolean;
}

function denoIo(): Io {
  return {
    out: fileSink(Deno.stdout),
    err: fileSink(Deno.stderr),
    readAll: () => {
      const chunks: Uint8Array[] = [];
      const buf = new Uint8Array(65536);
      for (;;) {
        const n = Deno.stdin.readSync(buf);
        if (n === null || n === 0) break;
        chunks.push(buf.slice(0, n));
      }
      let size = 0;
      for (const c of chunks) size += c.length;
      const all = new Uint8Array(size);
      let o = 0;
      for (const c of chunks) {
        all.set(c, o);
        o += c.length;
      }
      return new TextDecoder().decode(all);
    },
    isTerminal: Deno.stdin.isTerminal(),
  };
}

/**
 * Runs the shell with command-line `args`; resolves to the process exit code (sqlite3's:
 * 0, 1 after errors, the SQLite result code of a failing SQL argument, or `.exit N`).
 */
export async function main(args: string[], io: Io = denoIo()): Promise<number> {
  const errText = (s: string) => io.err(new TextEncoder().encode(s));
  let cl;
  try {
    cl = parseCommandLine(args);
  } catch (e) {
    if (e instanceof UsageError) {
      errText(e.message + "\n");
      return 1;
    }
    throw e;
  }
  if (cl.help) {
    errText(cl.usage);
    return 0;
  }
  if (cl.version) {
    io.out(new TextEncoder().encode(VERSION + "\n"));
    return 0;
  }
  const interactive = cl.interactive ?? (io.isTerminal && cl.sql.length === 0);
  const shell = new Shell({
    out: io.out,
    err: io.err,
    database: cl.database,
    readOnly: cl.readOnly,
    interactive,
  });
  try {
    if (cl.database !== "") {
      try {
        shell.session;
      } catch (e) {
        shell.error(`Error: unable to open database "${cl.database}": ${(e as Error).message}`);
        return 1;
      }
    }
    for (const a of cl.actions) {
      const s = shell.settings;
      switch (a.kind) {
        case "mode":
          // The command-line flags set less than .mode does (sqlite3's main()).
          s.mode = a.mode as typeof s.mode;
          if (a.mode === "csv") s.colSep = ",";
          else if (a.mode === "tabs") s.colSep = "\t";
          else if (a.mode === "ascii" || a.mode === "quote") {
            setMode(s, a.mode);
          }
          break;
        case "header":
          s.showHeader = a.on;
          s.headerSet = true;
          break;
        case "bail":
          s.bail = true;
          break;
        case "nullvalue":
          s.nullValue = resolveBackslashes(a.value);
          break;
        case "separator":
          s.colSep = resolveBackslashes(a.value);
          break;
        case "newline":
          s.rowSep = resolveBackslashes(a.value);
          break;
        case "cmd": {
          const rc = runOne(shell, a.command);
          if (rc !== 0 && s.bail) return rc === -1 ? 0 : rc;
          break;
        }
      }
    }
    if (cl.sql.length > 0) {
      for (const sql of cl.sql) {
        const rc = runOne(shell, sql);
        if (rc !== 0) return rc === -1 ? shell.exitCode ?? 0 : rc;
      }
      return 0;
    }
    if (interactive) {
      const banner = `tsqlite 0.1.0 (SQLite 3 file format)\nEnter ".help" for usage hints.\n` +
        (cl.database === ""
          ? `Connected to a transient in-memory database.\nUse ".open FILENAME" to reopen on a persistent database.\n`
          : "");
      return await runInteractive(shell, banner);
    }
    const input = new InputProcessor(shell, true);
    input.runText(io.readAll());
    if (shell.exitCode !== undefined) return shell.exitCode;
    return input.errors > 0 ? 1 : 0;
  } finally {
    shell.close();
  }
}

/** Runs a command-line SQL argument or dot-command: 0, a result code, or -1 for an exit. */
function runOne(shell: Shell, text: string): number {
  if (text.startsWith(".")) {
    const rc = shell.dotCommand(text);
    shell.flush();
    return rc === 2 ? -1 : rc;
  }
  const failure = shell.exec(text);
  if (failure) {
    const phase = failure.kind === "Parse error"
      ? "in prepare, "
      : failure.kind === "Runtime error"
      ? "stepping, "
      : "";
    shell.error(`Error: ${phase}${failure.message}`);
    return failure.code || 1;
  }
  shell.flush();
  return 0;
}

if (import.meta.main) {
  const code = await main(Deno.args);
  Deno.exit(code);
}
