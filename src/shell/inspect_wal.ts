/**
 * `.wal`: every frame of the -wal file with its page, commit flag and database size, salts,
 * checksum, the commit it belongs to, and where the valid log ends.
 * @module
 */

import { inspectedFile } from "./inspect_header.ts";
import { DotResult, type Shell } from "./shell.ts";
import { parseWalFile } from "./wal_file.ts";

function hex(n: number): string {
  return "0x" + n.toString(16).padStart(8, "0");
}

/** The `.wal` report for the database at `path` (its `path-wal` file). */
export function walText(path: string): string {
  let bytes: Uint8Array;
  try {
    bytes = Deno.readFileSync(path + "-wal");
  } catch {
    return `no WAL file (${path}-wal does not exist)\n`;
  }
  const wal = parseWalFile(bytes);
  const h = wal.header;
  if (!h) return `${path}-wal: ${bytes.length} bytes, no valid WAL header\n`;
  let text = `${path}-wal: ${bytes.length} bytes, ${wal.frames.length} frame(s)\n`;
  text += `header: magic ${hex(h.magic)} (${
    h.magic & 1 ? "big" : "little"
  }-endian checksums), version ${h.version}, page size ${h.pageSize}\n`;
  text += `        checkpoint sequence ${h.checkpointSeq}, salts ${hex(h.salt1)} ${
    hex(h.salt2)
  }, checksum ${h.checksumOk ? "ok" : "BAD"}\n`;
  if (wal.frames.length > 0) {
    text += "frame  page  commit  db-size  salt-1      salt-2      checksum  txn\n";
    for (const f of wal.frames) {
      text += `${String(f.index).padStart(5)}  ${String(f.pgno).padStart(4)}  ${
        (f.dbSize !== 0 ? "yes" : "no").padEnd(6)
      }  ${String(f.dbSize || "").padStart(7)}  ${hex(f.salt1)}${f.saltOk ? " " : "*"} ${
        hex(f.salt2)
      }${f.saltOk ? " " : "*"} ${(f.checksumOk ? "ok" : "BAD").padEnd(8)}  ${
        f.commit === null ? "-" : String(f.commit)
      }\n`;
    }
  }
  text += `valid log: ${wal.validFrames} frame(s) in ${wal.commits} commit(s)`;
  text += wal.commits > 0 ? `, database size ${wal.dbSize} page(s)` : "";
  const ignored = wal.frames.length - wal.validFrames;
  text += ignored > 0 ? `; ${ignored} frame(s) after the end are ignored\n` : "\n";
  return text;
}

/** `.wal` */
export function walCommand(shell: Shell): DotResult {
  const path = inspectedFile(shell, "wal");
  if (!path) return DotResult.ERROR;
  shell.out.write(walText(path));
  return DotResult.OK;
}
