/**
 * The dot-commands. Names may be abbreviated to any unambiguous prefix, as in sqlite3
 * (`.h on`, `.sch`); the first match in the table's order wins.
 * @module
 */

import { booleanValue, resolveBackslashes, splitArgs } from "./dot_args.ts";
import { importCsv } from "./import_csv.ts";
import { dbinfoCommand } from "./inspect_header.ts";
import { journalCommand } from "./inspect_journal.ts";
import { btreeCommand, pagesCommand } from "./inspect_pages.ts";
import { walCommand } from "./inspect_wal.ts";
import { dumpCommand, indexesCommand, schemaCommand, tablesCommand } from "./schema_commands.ts";
import { DotResult, InputProcessor, type Shell } from "./shell.ts";
import { MODES, setMode } from "./settings.ts";

type Handler = (shell: Shell, args: string[]) => DotResult;

interface Command {
  name: string;
  usage: string;
  help: string;
  run: Handler;
}

function flag(name: "timer" | "changes" | "bail" | "echo"): Handler {
  return (shell, args) => {
    if (args.length !== 2) return usage(shell, name);
    shell.settings[name] = toBool(shell, args[1]);
    return DotResult.OK;
  };
}

function toBool(shell: Shell, arg: string): boolean {
  const v = booleanValue(arg);
  if (v === undefined) {
    shell.error(`ERROR: Not a boolean value: "${arg}". Assuming "no".`);
    return false;
  }
  return v;
}

function usage(shell: Shell, name: string): DotResult {
  const cmd = COMMANDS.find((c) => c.name === name);
  shell.error(`Usage: .${cmd ? cmd.usage : name}`);
  return DotResult.ERROR;
}

/** The commands, in the order sqlite3 tries them. */
export const COMMANDS: Command[] = [
  {
    name: "bail",
    usage: "bail on|off",
    help: "Stop after hitting an error.  Default OFF",
    run: flag("bail"),
  },
  {
    name: "btree",
    usage: "btree TABLE|INDEX",
    help: "Show the B-tree of a table or index: depth, pages per level, fill, overflow",
    run: btreeCommand,
  },
  {
    name: "changes",
    usage: "changes on|off",
    help: "Show number of rows changed by SQL",
    run: flag("changes"),
  },
  {
    name: "checkpoint",
    usage: "checkpoint ?MODE?",
    help: "Run PRAGMA wal_checkpoint(MODE): PASSIVE, FULL, RESTART or TRUNCATE",
    run: checkpointCommand,
  },
  {
    name: "dbinfo",
    usage: "dbinfo",
    help: "Show status information about the database",
    run: dbinfoCommand,
  },
  {
    name: "dump",
    usage: "dump ?TABLE?",
    help: "Render database content as SQL",
    run: dumpCommand,
  },
  {
    name: "echo",
    usage: "echo on|off",
    help: "Turn command echo on or off",
    run: flag("echo"),
  },
  {
    name: "exit",
    usage: "exit ?CODE?",
    help: "Exit this program with return-code CODE",
    run: (shell, args) => {
      shell.exitCode = args.length > 1 ? Number.parseInt(args[1], 10) || 0 : 0;
      return DotResult.EXIT;
    },
  },
  {
    name: "headers",
    usage: "headers on|off",
    help: "Turn display of headers on or off",
    run: (shell, args) => {
      if (args.length !== 2) return usage(shell, "headers");
      shell.settings.showHeader = toBool(shell, args[1]);
      shell.settings.headerSet = true;
      return DotResult.OK;
    },
  },
  {
    name: "help",
    usage: "help ?PATTERN?",
    help: "Show help text for PATTERN",
    run: helpCommand,
  },
  {
    name: "import",
    usage: "import FILE TABLE",
    help: "Import data from FILE (CSV) into TABLE",
    run: importCsv,
  },
  {
    name: "indexes",
    usage: "indexes ?TABLE?",
    help: "Show names of indexes",
    run: indexesCommand,
  },
  {
    name: "indices",
    usage: "indices ?TABLE?",
    help: "Show names of indexes",
    run: indexesCommand,
  },
  {
    name: "journal",
    usage: "journal",
    help: "Show the journal mode, and any rollback journal or WAL file",
    run: journalCommand,
  },
  {
    name: "mode",
    usage: "mode MODE ?TABLE?",
    help: "Set output mode",
    run: (shell, args) => {
      if (args.length < 2) {
        shell.out.write(`current output mode: ${shell.settings.mode}\n`);
        return DotResult.OK;
      }
      const err = setMode(shell.settings, args[1], args[2]);
      if (err) {
        shell.error(err);
        return DotResult.ERROR;
      }
      return DotResult.OK;
    },
  },
  {
    name: "nullvalue",
    usage: "nullvalue STRING",
    help: "Use STRING in place of NULL values",
    run: (shell, args) => {
      if (args.length !== 2) return usage(shell, "nullvalue");
      shell.settings.nullValue = args[1];
      return DotResult.OK;
    },
  },
  {
    name: "open",
    usage: "open ?OPTIONS? ?FILE?",
    help: "Close existing database and reopen FILE (--readonly, --new)",
    run: openCommand,
  },
  {
    name: "pages",
    usage: "pages",
    help: "Show what each page of the database file is used for",
    run: pagesCommand,
  },
  {
    name: "print",
    usage: "print STRING...",
    help: "Print literal STRING",
    run: (shell, args) => {
      shell.out.write(args.slice(1).join(" ") + "\n");
      return DotResult.OK;
    },
  },
  {
    name: "quit",
    usage: "quit",
    help: "Exit this program",
    run: () => DotResult.EXIT,
  },
  {
    name: "read",
    usage: "read FILE",
    help: "Read input from FILE",
    run: readCommand,
  },
  {
    name: "schema",
    usage: "schema ?PATTERN?",
    help: "Show the CREATE statements matching PATTERN",
    run: schemaCommand,
  },
  {
    name: "separator",
    usage: "separator COL ?ROW?",
    help: "Change the column and row separators",
    run: (shell, args) => {
      if (args.length < 2 || args.length > 3) return usage(shell, "separator");
      shell.settings.colSep = args[1];
      if (args.length === 3) shell.settings.rowSep = args[2];
      return DotResult.OK;
    },
  },
  {
    name: "show",
    usage: "show",
    help: "Show the current values for various settings",
    run: showCommand,
  },
  {
    name: "tables",
    usage: "tables ?TABLE?",
    help: "List names of tables matching LIKE pattern TABLE",
    run: tablesCommand,
  },
  {
    name: "timer",
    usage: "timer on|off",
    help: "Turn SQL timer on or off",
    run: flag("timer"),
  },
  {
    name: "wal",
    usage: "wal",
    help: "Show the frames of the -wal file: pages, commits, salts, checksums",
    run: walCommand,
  },
  {
    name: "width",
    usage: "width NUM1 NUM2 ...",
    help: "Set minimum column widths for columnar output",
    run: (shell, args) => {
      shell.settings.widths = args.slice(1).map((a) => Number.parseInt(a, 10) || 0);
      return DotResult.OK;
    },
  },
];

/** Finds a command by name or unambiguous prefix. */
export function findCommand(name: string): Command | undefined {
  const n = name.toLowerCase();
  return COMMANDS.find((c) => c.name === n) ?? COMMANDS.find((c) => c.name.startsWith(n));
}

/** Runs one dot-command line. */
export function runDotCommand(shell: Shell, line: string): DotResult {
  const args = splitArgs(line);
  if (args.length === 0) return DotResult.OK;
  const cmd = args[0].length > 0 ? findCommand(args[0]) : undefined;
  if (!cmd) {
    shell.error(
      `Error: unknown command or invalid arguments:  "${args[0]}". Enter ".help" for help`,
    );
    return DotResult.ERROR;
  }
  return cmd.run(shell, args);
}

function helpCommand(shell: Shell, args: string[]): DotResult {
  const pattern = args[1]?.toLowerCase();
  let text = "";
  for (const c of COMMANDS) {
    if (c.name === "indices") continue;
    if (pattern && !c.name.startsWith(pattern)) continue;
    text += `.${c.usage.padEnd(22)} ${c.help}\n`;
  }
  if (!text) {
    shell.error(`Nothing matches '${args[1]}'`);
    return DotResult.ERROR;
  }
  shell.out.write(text);
  return DotResult.OK;
}

function openCommand(shell: Shell, args: string[]): DotResult {
  let readOnly = false;
  let fresh = false;
  let file: string | undefined;
  for (const a of args.slice(1)) {
    const opt = a.replace(/^--?/, "-");
    if (opt === "-readonly") readOnly = true;
    else if (opt === "-new") fresh = true;
    else if (a.startsWith("-")) {
      shell.error(`unknown option: ${a}`);
      return DotResult.ERROR;
    } else if (file === undefined) file = a;
    else {
      shell.error(`extra argument: "${a}"`);
      return DotResult.ERROR;
    }
  }
  file ??= "";
  if (fresh && file !== "" && file !== ":memory:") {
    try {
      Deno.removeSync(file);
    } catch { /* missing is fine */ }
  }
  try {
    shell.open(file, readOnly);
  } catch (e) {
    shell.error(`Error: unable to open database "${file}": ${(e as Error).message}`);
    return DotResult.ERROR;
  }
  return DotResult.OK;
}

function readCommand(shell: Shell, args: string[]): DotResult {
  if (args.length !== 2) return usage(shell, "read");
  let text: string;
  try {
    text = Deno.readTextFileSync(args[1]);
  } catch {
    shell.error(`Error: cannot open "${args[1]}"`);
    return DotResult.ERROR;
  }
  const input = new InputProcessor(shell, true);
  input.runText(text);
  if (input.exited) return DotResult.EXIT;
  return input.errors > 0 ? DotResult.ERROR : DotResult.OK;
}

function showCommand(shell: Shell): DotResult {
  const s = shell.settings;
  const esc = (v: string) => JSON.stringify(v);
  const lines = [
    ["echo", s.echo ? "on" : "off"],
    ["headers", s.showHeader ? "on" : "off"],
    ["mode", s.mode],
    ["nullvalue", esc(s.nullValue)],
    ["colseparator", esc(s.colSep)],
    ["rowseparator", esc(s.rowSep)],
    ["bail", s.bail ? "on" : "off"],
    ["changes", s.changes ? "on" : "off"],
    ["timer", s.timer ? "on" : "off"],
    ["width", s.widths.join(" ")],
    ["filename", shell.dbPath === "" ? ":memory:" : shell.dbPath],
  ];
  shell.out.write(lines.map(([k, v]) => `${k.padStart(12)}: ${v}\n`).join(""));
  return DotResult.OK;
}

const CHECKPOINT_MODES = ["PASSIVE", "FULL", "RESTART", "TRUNCATE"];

function checkpointCommand(shell: Shell, args: string[]): DotResult {
  const mode = (args[1] ?? "PASSIVE").toUpperCase();
  if (!CHECKPOINT_MODES.includes(mode)) {
    shell.error(`Usage: .checkpoint ?${CHECKPOINT_MODES.join("|")}?`);
    return DotResult.ERROR;
  }
  const failure = shell.exec(`PRAGMA wal_checkpoint(${mode});`);
  if (failure) {
    shell.error(`Error: ${failure.message}`);
    return DotResult.ERROR;
  }
  return DotResult.OK;
}

/** Names the completer offers after a `.`. */
export function commandNames(): string[] {
  return COMMANDS.map((c) => "." + c.name);
}

/** The modes `.mode` accepts (for completion). */
export const MODE_NAMES: readonly string[] = MODES;

export { resolveBackslashes };
