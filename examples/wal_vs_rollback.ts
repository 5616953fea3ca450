/**
 * The same transactions in both journal modes. After each step the program lists the files
 * on disk and, in WAL mode, the frames of the -wal file with their commit flags. This shows
 * where a commit's pages go:
 * - Rollback mode: the original pages are saved in -journal, the database file is changed
 *   in place, and the journal is deleted at the commit point.
 * - WAL mode: the new pages are appended to -wal, the last frame of a commit carries the
 *   database size (the commit flag), and a checkpoint copies the pages into the database.
 *
 * Run with `deno run --allow-read --allow-write examples/wal_vs_rollback.ts`.
 */
import { Database } from "../mod.ts";
import { parseWalFile } from "../src/shell/wal_file.ts";

function files(dir: string): string {
  const out: string[] = [];
  for (const e of [...Deno.readDirSync(dir)].sort((a, b) => a.name.localeCompare(b.name))) {
    out.push(`${e.name} (${Deno.statSync(`${dir}/${e.name}`).size} bytes)`);
  }
  return out.join(", ");
}

function walFrames(path: string): string {
  let bytes: Uint8Array;
  try {
    bytes = Deno.readFileSync(path + "-wal");
  } catch {
    return "    (no -wal file)";
  }
  const wal = parseWalFile(bytes);
  if (wal.frames.length === 0) return "    (-wal has no frames)";
  const lines = wal.frames.map((f) =>
    `    frame ${f.index}: page ${f.pgno}` +
    (f.dbSize ? `, COMMIT (database now ${f.dbSize} pages)` : "") +
    (f.commit === null ? "  <- not part of the valid log" : `  [commit ${f.commit}]`)
  );
  return lines.join("\n") +
    `\n    valid log: ${wal.validFrames} frames, ${wal.commits} commits`;
}

for (const mode of ["delete", "wal"] as const) {
  const dir = Deno.makeTempDirSync({ prefix: `tsqlite_${mode}_` });
  const path = `${dir}/demo.db`;
  console.log(`\n=== journal_mode=${mode} ===`);
  const db = new Database(path, { journalMode: mode });
  const step = (what: string) => {
    console.log(`\n${what}\n  files: ${files(dir)}`);
    if (mode === "wal") console.log(walFrames(path));
  };

  db.exec("CREATE TABLE notes(id INTEGER PRIMARY KEY, body TEXT)");
  step("1. CREATE TABLE committed");

  db.prepare("INSERT INTO notes(body) VALUES (?)").run("first note");
  step("2. one-row INSERT committed (one page changed)");

  db.transaction(() => {
    const add = db.prepare("INSERT INTO notes(body) VALUES (?)");
    for (let i = 0; i < 200; i++) add.run(`note ${i} `.repeat(10));
  })();
  step("3. a 200-row transaction committed (the table splits: several pages)");

  if (mode === "wal") {
    console.log(
      "\n  PRAGMA wal_checkpoint(TRUNCATE):",
      db.prepare("PRAGMA wal_checkpoint(TRUNCATE)").get(),
    );
    step("4. after a TRUNCATE checkpoint the pages are in the database file");
  }

  console.log(`\n  rows: ${db.prepare("SELECT count(*) AS n FROM notes").get()!.n}`);
  db.close();
  step(
    mode === "wal"
      ? "5. closed (the last connection checkpoints and removes -wal)"
      : "4. closed (no journal is left: it was deleted at each commit point)",
  );
  Deno.removeSync(dir, { recursive: true });
}
