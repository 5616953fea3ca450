/**
 * The command line, as sqlite3 takes it: `[OPTIONS] [FILE] [SQL...]`. Options may be
 * spelled with one dash or two. Parsed with commander; options that change settings are
 * kept in command-line order because sqlite3 applies them in order (`-cmd` interleaves
 * with `-csv`, `-header` ...).
 * @module
 */

import { Command, CommanderError } from "commander";

/** One option that acts on the shell, in command-line order. */
export type OptionAction =
  | { kind: "mode"; mode: string }
  | { kind: "header"; on: boolean }
  | { kind: "bail" }
  | { kind: "cmd"; command: string }
  | { kind: "nullvalue"; value: string }
  | { kind: "separator"; value: string }
  | { kind: "newline"; value: string };

/** The parsed command line. */
export interface CommandLine {
  /** Database file ("" when none was given). */
  database: string;
  /** SQL statements or dot-commands to run instead of reading stdin. */
  sql: string[];
  /** -readonly */
  readOnly: boolean;
  /** -version */
  version: boolean;
  /** -help */
  help: boolean;
  /** -interactive / -batch, when given. */
  interactive: boolean | undefined;
  /** Settings options and -cmd, in order. */
  actions: OptionAction[];
  /** The usage text. */
  usage: string;
}

const FLAGS = [
  "readonly",
  "csv",
  "json",
  "line",
  "list",
  "box",
  "column",
  "table",
  "markdown",
  "quote",
  "tabs",
  "ascii",
  "header",
  "noheader",
  "bail",
  "version",
  "help",
  "interactive",
  "batch",
];
const VALUED = ["cmd", "nullvalue", "separator", "newline"];

/** Rewrites sqlite3's one-dash long options (`-csv`) into commander's two-dash form. */
export function normalizeArgs(argv: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const m = /^--?([a-z]+)$/.exec(a);
    if (m && (FLAGS.includes(m[1]) || VALUED.includes(m[1]))) {
      out.push("--" + m[1]);
      if (VALUED.includes(m[1]) && i + 1 < argv.length) out.push(argv[++i]);
    } else {
      out.push(a);
    }
  }
  return out;
}

/** Thrown for a bad command line; the message is what sqlite3 would print. */
export class UsageError extends Error {}

/** Parses `argv` (without the program name). */
export function parseCommandLine(argv: string[]): CommandLine {
  const actions: OptionAction[] = [];
  const program = new Command("tsqlite")
    .usage("[OPTIONS] FILENAME [SQL...]")
    .description(
      "FILENAME is the name of an SQLite database. A new database is created\n" +
        "if the file does not previously exist.",
    )
    .argument("[FILENAME]", "database file")
    .argument("[SQL...]", "SQL statements or dot-commands to run")
    .helpOption(false)
    .option("--ascii", "set output mode to 'ascii'")
    .option("--bail", "stop after hitting an error")
    .option("--batch", "force batch I/O")
    .option("--box", "set output mode to 'box'")
    .option("--column", "set output mode to 'column'")
    .option("--cmd <COMMAND>", 'run "COMMAND" before reading stdin')
    .option("--csv", "set output mode to 'csv'")
    .option("--header", "turn headers on")
    .option("--help", "show this message")
    .option("--interactive", "force interactive I/O")
    .option("--json", "set output mode to 'json'")
    .option("--line", "set output mode to 'line'")
    .option("--list", "set output mode to 'list'")
    .option("--markdown", "set output mode to 'markdown'")
    .option("--newline <SEP>", "set output row separator. Default: '\\n'")
    .option("--noheader", "turn headers off")
    .option("--nullvalue <TEXT>", "set text string for NULL values. Default ''")
    .option("--quote", "set output mode to 'quote'")
    .option("--readonly", "open the database read-only")
    .option("--separator <SEP>", "set output column separator. Default: '|'")
    .option("--table", "set output mode to 'table'")
    .option("--tabs", "set output mode to 'tabs'")
    .option("--version", "show SQLite version")
    .exitOverride()
    .configureOutput({ writeOut: () => {}, writeErr: () => {} })
    .allowExcessArguments(true);
  for (const mode of ["ascii", "box", "column", "csv", "json", "line", "list", "markdown"]) {
    program.on(`option:${mode}`, () => actions.push({ kind: "mode", mode }));
  }
  for (const mode of ["quote", "table", "tabs"]) {
    program.on(`option:${mode}`, () => actions.push({ kind: "mode", mode }));
  }
  program.on("option:header", () => actions.push({ kind: "header", on: true }));
  program.on("option:noheader", () => actions.push({ kind: "header", on: false }));
  program.on("option:bail", () => actions.push({ kind: "bail" }));
  program.on("option:cmd", (v: string) => actions.push({ kind: "cmd", command: v }));
  program.on("option:nullvalue", (v: string) => actions.push({ kind: "nullvalue", value: v }));
  program.on("option:separator", (v: string) => actions.push({ kind: "separator", value: v }));
  program.on("option:newline", (v: string) => actions.push({ kind: "newline", value: v }));
  try {
    program.parse(normalizeArgs(argv), { from: "user" });
  } catch (e) {
    if (e instanceof CommanderError) {
      const m = /'(-[^']*)'/.exec(e.message);
      throw new UsageError(
        m
          ? `tsqlite: Error: unknown option: ${m[1].replace(/^--/, "-")}\n` +
            "Use -help for a list of options."
          : `tsqlite: Error: ${e.message.replace(/^error: /, "")}`,
      );
    }
    throw e;
  }
  const opts = program.opts();
  const [database, ...sql] = program.args;
  return {
    database: database ?? "",
    sql,
    readOnly: Boolean(opts.readonly),
    version: Boolean(opts.version),
    help: Boolean(opts.help),
    interactive: opts.interactive ? true : opts.batch ? false : undefined,
    actions,
    usage: program.helpInformation().replaceAll("--", "-"),
  };
}
