import { assertEquals, assertThrows } from "@std/assert";
import { DatabaseSync } from "node:sqlite";
import { SqliteError } from "../../src/errors.ts";
import {
  headerSizeValid,
  newHeader,
  parseHeader,
  SQLITE_VERSION_NUMBER,
  stampCommit,
  writeHeader,
} from "../../src/pager/header.ts";

function sqliteFile(pageSize: number, setup = ""): Uint8Array {
  const dir = Deno.makeTempDirSync();
  try {
    const db = new DatabaseSync(`${dir}/t.db`);
    db.exec(`PRAGMA page_size=${pageSize}; ${setup} CREATE TABLE t(x); INSERT INTO t VALUES (1);`);
    db.close();
    return Deno.readFileSync(`${dir}/t.db`);
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
}

Deno.test("header: parses a header written by SQLite", () => {
  const file = sqliteFile(1024, "PRAGMA user_version=77; PRAGMA application_id=5;");
  const h = parseHeader(file);
  assertEquals(h.pageSize, 1024);
  assertEquals([h.writeVersion, h.readVersion, h.reservedBytes], [1, 1, 0]);
  assertEquals(h.databaseSize, file.length / 1024);
  assertEquals(headerSizeValid(h), true);
  assertEquals(h.schemaFormat, 4);
  assertEquals(h.textEncoding, 1);
  assertEquals(h.userVersion, 77);
  assertEquals(h.applicationId, 5);
  assertEquals(h.versionValidFor, h.changeCounter);
  // Re-encoding gives the same 100 bytes.
  const again = new Uint8Array(100);
  writeHeader(again, h);
  assertEquals(again, file.subarray(0, 100));
});

Deno.test("header: page size 65536 is stored as 1", () => {
  const file = sqliteFile(65536);
  assertEquals([file[16], file[17]], [0, 1]);
  assertEquals(parseHeader(file).pageSize, 65536);
  const b = new Uint8Array(100);
  writeHeader(b, newHeader(65536));
  assertEquals([b[16], b[17]], [0, 1]);
  assertEquals(parseHeader(b).pageSize, 65536);
});

Deno.test("header: a new header is accepted by SQLite", () => {
  const b = new Uint8Array(4096);
  writeHeader(b, newHeader(4096));
  stampCommit(b, 1);
  // Page 1 also holds an empty table-leaf b-tree page for sqlite_schema.
  b[100] = 13;
  b[105] = 0x10; // cell content area starts at 4096 (stored as 4096)
  b[106] = 0x00;
  const dir = Deno.makeTempDirSync();
  try {
    Deno.writeFileSync(`${dir}/n.db`, b);
    const db = new DatabaseSync(`${dir}/n.db`);
    assertEquals({ ...db.prepare("PRAGMA integrity_check").get() }, { integrity_check: "ok" });
    db.exec("CREATE TABLE t(x)");
    db.close();
    const h = parseHeader(Deno.readFileSync(`${dir}/n.db`));
    assertEquals(h.changeCounter, 2);
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
  const h = parseHeader(b);
  assertEquals([h.changeCounter, h.databaseSize, h.versionValidFor], [1, 1, 1]);
  assertEquals(h.sqliteVersion, SQLITE_VERSION_NUMBER);
});

Deno.test("header: rejects what SQLite rejects", () => {
  const good = sqliteFile(4096);
  const bad = (mutate: (b: Uint8Array) => void) => {
    const b = good.slice(0, 100);
    mutate(b);
    return assertThrows(() => parseHeader(b), SqliteError);
  };
  for (
    const m of [
      (b: Uint8Array) => b[0] = 0x73, // magic
      (b: Uint8Array) => b[17] = 1, // page size 4097
      (b: Uint8Array) => (b[16] = 0, b[17] = 0), // page size 0
      (b: Uint8Array) => (b[16] = 1, b[17] = 0), // page size 256
      (b: Uint8Array) => b[21] = 65, // payload fraction
      (b: Uint8Array) => b[19] = 3, // read version
      (b: Uint8Array) => (b[16] = 2, b[17] = 0, b[20] = 40), // usable size < 480
    ]
  ) {
    const e = bad(m);
    assertEquals(e.code, "SQLITE_NOTADB");
    assertEquals(e.message, "file is not a database");
  }
  const utf16 = bad((b) => b[59] = 2);
  assertEquals(utf16.code, "SQLITE_ERROR");
  assertEquals(/UTF-16/.test(utf16.message), true);
  assertEquals(bad((b) => b[47] = 5).message, "unsupported file format");
  assertEquals(
    assertThrows(() => parseHeader(new Uint8Array(10)), SqliteError).code,
    "SQLITE_NOTADB",
  );
});

Deno.test("header: in-header size is valid only with matching version-valid-for", () => {
  const h = parseHeader(sqliteFile(4096));
  assertEquals(headerSizeValid({ ...h, versionValidFor: h.changeCounter + 1 }), false);
  assertEquals(headerSizeValid({ ...h, databaseSize: 0 }), false);
});
