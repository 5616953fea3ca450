/**
 * The interactive line editor: node:readline with the `tsqlite> ` and `   ...> ` prompts,
 * Ctrl-C abandoning the current input, Ctrl-D leaving, history kept in
 * `~/.tsqlite_history`, and tab completion of keywords, dot-commands, tables and columns.
 * @module
 */

import process from "node:process";
import readline from "node:readline";
import { KEYWORDS } from "../sql/tokens.ts";
import { commandNames, MODE_NAMES } from "./dot_commands.ts";
import { schemaRows } from "./schema_commands.ts";
import { InputProcessor, type Shell } from "./shell.ts";

/** The main prompt. */
export const PROMPT = "tsqlite> ";
/** The continuation prompt. */
export const CONTINUE_PROMPT = "   ...> ";
const HISTORY_LIMIT = 1000;

/** Where history is kept: `$HOME/.tsqlite_history` (undefined without HOME). */
export function historyPath(): string | undefined {
  let home: string | undefined;
  try {
    home = Deno.env.get("HOME") ?? Deno.env.get("USERPROFILE");
  } catch {
    return undefined;
  }
  return home ? `${home}/.tsqlite_history` : undefined;
}

/** History lines, oldest first. */
export function loadHistory(path: string | undefined): string[] {
  if (!path) return [];
  try {
    return Deno.readTextFileSync(path).split("\n").filter((l) => l.length > 0).slice(
      -HISTORY_LIMIT,
    );
  } catch {
    return [];
  }
}

function saveHistory(path: string | undefined, lines: string[]): void {
  if (!path) return;
  try {
    Deno.writeTextFileSync(path, lines.slice(-HISTORY_LIMIT).join("\n") + "\n");
  } catch { /* history is a convenience */ }
}

/**
 * Completion candidates for the text before the cursor: dot-commands at the start of a
 * line, mode names after `.mode`, otherwise SQL keywords, table names and column names
 * that start with the word being typed. Returns [candidates, the word].
 */
export function complete(shell: Shell, line: string): [string[], string] {
  if (/^\.\S*$/.test(line)) {
    return [commandNames().filter((c) => c.startsWith(line)).map((c) => c + " "), line];
  }
  const word = /[A-Za-z0-9_$]*$/.exec(line)![0];
  if (/^\.mode\s+\S*$/.test(line)) {
    return [MODE_NAMES.filter((m) => m.startsWith(word)), word];
  }
  if (line.startsWith(".")) return [[], word];
  if (word.length === 0) return [[], word];
  const lower = word === word.toLowerCase();
  const upperWord = word.toUpperCase();
  const out = new Set<string>();
  for (const kw of KEYWORDS) {
    if (kw.startsWith(upperWord)) out.add(lower ? kw.toLowerCase() : kw);
  }
  try {
    const rows = schemaRows(shell);
    for (const r of rows) {
      if (
        (r.type === "table" || r.type === "view") &&
        r.name.toLowerCase().startsWith(word.toLowerCase())
      ) {
        out.add(r.name);
      }
    }
    for (const r of rows) {
      if (r.type !== "table") continue;
      const t = shell.session.conn.catalog.table(r.name);
      for (const c of t?.columns ?? []) {
        if (c.name.toLowerCase().startsWith(word.toLowerCase())) out.add(c.name);
      }
    }
  } catch { /* no completion from a broken database */ }
  const list = [...out].sort();
  // A single match is completed with a space after it, as sqlite3's line editor does.
  return [list.length === 1 ? [list[0] + " "] : list, word];
}

/** Runs the interactive loop until Ctrl-D, `.quit` or `.exit`; resolves to the exit code. */
export function runInteractive(shell: Shell, banner: string): Promise<number> {
  const path = historyPath();
  const history = loadHistory(path);
  const input = new InputProcessor(shell, false);
  shell.out.write(banner);
  shell.flush();
  return new Promise((resolve) => {
    const rl = readline.createInterface({
      input: process.stdin,
      output: process.stdout,
      terminal: true,
      prompt: PROMPT,
      historySize: HISTORY_LIMIT,
      history: [...history].reverse(),
      removeHistoryDuplicates: false,
      completer: (line: string) => complete(shell, line),
    } as readline.ReadLineOptions);
    const prompt = () => {
      shell.flush();
      rl.setPrompt(input.pending ? CONTINUE_PROMPT : PROMPT);
      rl.prompt();
    };
    let closed = false;
    const finish = () => {
      if (closed) return;
      closed = true;
      shell.close();
      resolve(shell.exitCode ?? 0);
    };
    rl.on("line", (line: string) => {
      if (line.trim().length > 0) {
        history.push(line);
        saveHistory(path, history);
      }
      input.line(line);
      shell.flush();
      if (input.exited) {
        rl.close();
        return;
      }
      prompt();
    });
    rl.on("SIGINT", () => {
      // Ctrl-C abandons the line being typed and any partly typed statement.
      input.reset();
      const r = rl as unknown as { line: string; cursor: number };
      r.line = "";
      r.cursor = 0;
      process.stdout.write("^C\n");
      prompt();
    });
    rl.on("close", () => {
      if (!input.exited) {
        process.stdout.write("\n");
        input.finish();
      }
      finish();
    });
    prompt();
  });
}
