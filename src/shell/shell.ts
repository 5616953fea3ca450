/**
 * The shell proper: collects input lines into statements exactly as the sqlite3 program
 * does (process_input), runs them, prints their results in the current mode and reports
 * errors in sqlite3's words; dot-commands are dispatched to dot_commands.ts.
 * @module
 */

import process from "node:process";
import { runDotCommand } from "./dot_commands.ts";
import { errorContext, errorOffset } from "./error_context.ts";
import { type ByteSink, Output } from "./output.ts";
import { renderRows } from "./render.ts";
import { errorMessage, primaryCode, Session } from "./session.ts";
import { defaultSettings, type Settings } from "./settings.ts";
import {
  isCommandTerminator,
  isComplete,
  Qss,
  qssInPlain,
  qssPlainWhite,
  qssSemiTerm,
  quickscan,
} from "./sql_complete.ts";

/** What a dot-command asks of the input loop. */
export const enum DotResult {
  /** Done. */
  OK = 0,
  /** Failed (counts as an error). */
  ERROR = 1,
  /** `.quit` / `.exit`: stop reading input. */
  EXIT = 2,
}

/** Options of a {@link Shell}. */
export interface ShellOptions {
  /** Standard output. */
  out: ByteSink;
  /** Standard error. */
  err: ByteSink;
  /** Database file to open ("" or ":memory:" for a memory database). */
  database?: string;
  /** Open read-only. */
  readOnly?: boolean;
  /** Input comes from a person at a terminal (error prefixes and bail differ). */
  interactive?: boolean;
}

/** Collects lines into complete statements; one per input source (stdin, each `.read`). */
export class InputProcessor {
  /** Errors so far. */
  errors = 0;
  /** Lines read so far. */
  lineno = 0;
  #sql = "";
  #startLine = 0;
  #qss: number = Qss.START;
  /** Set when `.quit`/`.exit` ran. */
  exited = false;

  /** Feeds input to `shell`; `fromFile` means errors say "near line N". */
  constructor(private readonly shell: Shell, private readonly fromFile: boolean) {}

  /** True while a statement is partly typed (the continuation prompt is due). */
  get pending(): boolean {
    return this.#sql.length > 0;
  }

  /** True when the loop should stop reading (an exit, or an error with `.bail on`). */
  get stopped(): boolean {
    return this.exited || (this.errors > 0 && this.shell.settings.bail && this.fromFile);
  }

  /** Forgets a partly typed statement (Ctrl-C). */
  reset(): void {
    this.#sql = "";
    this.#qss = Qss.START;
  }

  /** Processes one line (without its line terminator). */
  line(line: string): void {
    this.lineno++;
    if (
      qssInPlain(this.#qss) && isCommandTerminator(line) &&
      (this.#sql === "" || isComplete(this.#sql + ";"))
    ) {
      line = ";";
    }
    this.#qss = quickscan(line, this.#qss);
    if (qssPlainWhite(this.#qss) && this.#sql === "") {
      this.#qss = Qss.START;
      return;
    }
    if ((line[0] === "." || line[0] === "#") && this.#sql === "") {
      if (this.shell.settings.echo) this.shell.out.write(line + "\n");
      if (line[0] === ".") {
        const rc = this.shell.dotCommand(line);
        if (rc === DotResult.EXIT) this.exited = true;
        else if (rc !== DotResult.OK) this.errors++;
      }
      this.#qss = Qss.START;
      return;
    }
    if (this.#sql === "") {
      this.#sql = line.replace(/^\s+/, "");
      this.#startLine = this.lineno;
    } else {
      this.#sql += "\n" + line;
    }
    if (this.#sql && qssSemiTerm(this.#qss) && isComplete(this.#sql)) {
      const sql = this.#sql;
      this.#sql = "";
      this.#qss = Qss.START;
      this.errors += this.shell.runChunk(sql, this.#startLine, this.fromFile);
    } else if (this.#sql && qssPlainWhite(this.#qss)) {
      this.#sql = "";
      this.#qss = Qss.START;
    }
  }

  /** End of input: whatever is left runs (and fails as incomplete, if it is). */
  finish(): void {
    if (this.#sql && !this.exited) {
      const sql = this.#sql;
      this.#sql = "";
      this.errors += this.shell.runChunk(sql, this.#startLine, this.fromFile);
    }
  }

  /** Runs all lines of `text` (split as fgets would), stopping like sqlite3's loop. */
  runText(text: string): void {
    const lines = text.split("\n");
    if (lines.length > 0 && lines[lines.length - 1] === "") lines.pop();
    for (const raw of lines) {
      if (this.stopped) break;
      this.line(raw.endsWith("\r") ? raw.slice(0, -1) : raw);
    }
    this.finish();
  }
}

/** A shell session: settings, the open database and the output streams. */
export class Shell {
  /** Display and behaviour settings. */
  readonly settings: Settings = defaultSettings();
  /** Standard output. */
  readonly out: Output;
  /** Standard error. */
  readonly err: Output;
  /** Input comes from a terminal. */
  readonly interactive: boolean;
  /** Exit code requested by `.exit N`. */
  exitCode: number | undefined;
  #session: Session | undefined;
  #dbPath: string;
  #readOnly: boolean;

  /** Creates a shell; the database opens at the first statement that needs it. */
  constructor(options: ShellOptions) {
    this.out = new Output(options.out);
    this.err = new Output(options.err);
    this.interactive = options.interactive ?? false;
    this.#dbPath = options.database ?? "";
    this.#readOnly = options.readOnly ?? false;
  }

  /** The database file name ("" when in memory). */
  get dbPath(): string {
    return this.#dbPath;
  }

  /** The open database, opening it now if needed. */
  get session(): Session {
    if (!this.#session) this.#session = new Session(this.#dbPath, this.#readOnly);
    return this.#session;
  }

  /** True when a database connection is open. */
  get isOpen(): boolean {
    return this.#session !== undefined;
  }

  /** Closes the current database and makes `path` the current one (`.open`). */
  open(path: string, readOnly = false): void {
    const next = new Session(path, readOnly);
    this.#session?.close();
    this.#session = next;
    this.#dbPath = path;
    this.#readOnly = readOnly;
  }

  /** Closes the database and flushes output. */
  close(): void {
    this.#session?.close();
    this.#session = undefined;
    this.flush();
  }

  /** Flushes stdout and stderr. */
  flush(): void {
    this.out.flush();
    this.err.flush();
  }

  /** Prints an error line on stderr. */
  error(message: string): void {
    this.out.flush();
    this.err.write(message + "\n");
    this.err.flush();
  }

  /** Runs a dot-command line. */
  dotCommand(line: string): DotResult {
    try {
      return runDotCommand(this, line);
    } catch (e) {
      this.error(`Error: ${errorMessage(e)}`);
      return DotResult.ERROR;
    }
  }

  /**
   * Runs a chunk of SQL (one or more statements) as runOneSqlLine does; returns 1 when a
   * statement failed (the rest of the chunk is skipped), else 0.
   */
  runChunk(sql: string, startLine: number, fromFile: boolean): number {
    const t0 = this.settings.timer ? timerStart() : undefined;
    const failure = this.exec(sql);
    if (t0) this.out.write(timerReport(t0));
    if (failure) {
      const where = fromFile || !this.interactive ? ` near line ${startLine}:` : ":";
      this.error(`${failure.kind}${where} ${failure.message}`);
      return 1;
    }
    if (this.settings.changes) {
      const s = this.session;
      this.out.write(`changes: ${s.changes}   total_changes: ${s.totalChanges}\n`);
    }
    return 0;
  }

  /**
   * Runs the statements of `sql`, printing results; stops at the first failure and
   * describes it (kind "Parse error" or "Runtime error", message with sqlite3's suffixes).
   */
  exec(sql: string): { kind: string; message: string; code: number } | undefined {
    let offset = 0;
    let session: Session;
    try {
      session = this.session;
    } catch (e) {
      return { kind: "Error", message: errorMessage(e), code: primaryCode(e) };
    }
    while (offset < sql.length) {
      let step;
      try {
        step = session.prepare(sql, offset);
      } catch (e) {
        const stmtSql = sql.slice(offset).replace(/^\s+/, "");
        const msg = errorMessage(e);
        const rc = primaryCode(e);
        return {
          kind: "Parse error",
          message: msg + (rc > 1 ? ` (${rc})` : "") +
            errorContext(stmtSql, errorOffset(stmtSql, msg)),
          code: rc,
        };
      }
      if (!step) break;
      offset = step.end;
      try {
        renderRows(this.out, this.settings, step.columns, session.run(step.stmt));
      } catch (e) {
        const rc = primaryCode(e);
        return {
          kind: "Runtime error",
          message: errorMessage(e) + (rc > 1 ? ` (${rc})` : ""),
          code: rc,
        };
      }
    }
    return undefined;
  }
}

interface TimerMark {
  real: number;
  cpu: { user: number; system: number };
}

function timerStart(): TimerMark {
  return { real: performance.now(), cpu: process.cpuUsage() };
}

function timerReport(t0: TimerMark): string {
  const real = (performance.now() - t0.real) / 1000;
  const cpu = process.cpuUsage(t0.cpu);
  return `Run Time: real ${real.toFixed(3)} user ${(cpu.user / 1e6).toFixed(6)} sys ${
    (cpu.system / 1e6).toFixed(6)
  }\n`;
}
