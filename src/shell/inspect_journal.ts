/**
 * `.journal`: the connection's journal mode, and the journal files next to the database:
 * a rollback journal (hot or not) or a WAL.
 * @module
 */

import { inspectedFile } from "./inspect_header.ts";
import { DotResult, type Shell } from "./shell.ts";

const JOURNAL_MAGIC = [0xd9, 0xd5, 0x05, 0xf9, 0x20, 0xa1, 0x63, 0xd7];

function size(path: string): number | undefined {
  try {
    return Deno.statSync(path).size;
  } catch {
    return undefined;
  }
}

/**
 * Describes the journal files of the database at `path`. A rollback journal is hot when it
 * exists, is not empty and starts with a valid header (atomiccommit.html 4.2; whether a
 * writer still holds the RESERVED lock is not visible from here), so opening the database
 * will roll it back.
 */
export function journalFilesText(path: string): string {
  let text = "";
  const jsize = size(path + "-journal");
  if (jsize === undefined) {
    text += "rollback journal: none\n";
  } else {
    let head = new Uint8Array(0);
    try {
      const f = Deno.openSync(path + "-journal", { read: true });
      head = new Uint8Array(28);
      const n = f.readSync(head) ?? 0;
      head = head.subarray(0, n);
      f.close();
    } catch { /* unreadable */ }
    const magicOk = head.length >= 8 && JOURNAL_MAGIC.every((b, i) => head[i] === b);
    const dv = new DataView(head.buffer, head.byteOffset, head.byteLength);
    const records = head.length >= 12 ? dv.getInt32(8) : 0;
    const hot = jsize > 0 && magicOk;
    text += `rollback journal: ${path}-journal, ${jsize} bytes, ${
      hot
        ? `HOT (header ok, ${
          records === -1 ? "record count unknown" : records + " page record(s)"
        })`
        : jsize === 0
        ? "empty (not hot)"
        : "header zeroed or invalid (not hot)"
    }\n`;
  }
  const wsize = size(path + "-wal");
  text += wsize === undefined ? "wal file: none\n" : `wal file: ${path}-wal, ${wsize} bytes\n`;
  const ssize = size(path + "-shm");
  if (ssize !== undefined) text += `shm file: ${path}-shm, ${ssize} bytes\n`;
  return text;
}

/** `.journal` */
export function journalCommand(shell: Shell): DotResult {
  const rows = shell.session.query("PRAGMA journal_mode");
  shell.out.write(`journal mode: ${String(rows[0]?.[0] ?? "?")}\n`);
  if (shell.dbPath === "" || shell.dbPath === ":memory:") return DotResult.OK;
  const path = inspectedFile(shell, "journal");
  if (!path) return DotResult.ERROR;
  shell.out.write(journalFilesText(path));
  return DotResult.OK;
}
