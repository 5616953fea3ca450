import { assert, assertEquals, assertFalse, assertThrows } from "@std/assert";
import { SqliteError } from "../../src/errors.ts";
import { CrashSignal, MemoryVfs } from "../../src/vfs/memory_vfs.ts";
import { LockLevel } from "../../src/vfs/vfs.ts";

const rw = { create: true, readOnly: false };

function bytes(n: number, v: number): Uint8Array {
  return new Uint8Array(n).fill(v);
}

Deno.test("memory vfs: read, write, truncate, size, short reads", () => {
  const vfs = new MemoryVfs();
  const f = vfs.open("/d/a", rw);
  f.write(bytes(10, 1), 5);
  assertEquals(f.size(), 15);
  const buf = bytes(20, 9);
  assertEquals(f.read(buf, 0), 15);
  assertEquals([...buf.subarray(0, 6)], [0, 0, 0, 0, 0, 1]);
  assertEquals(buf[15], 9, "bytes past the end are untouched");
  f.truncate(7);
  f.write(bytes(1, 2), 9);
  const b2 = new Uint8Array(10);
  f.read(b2, 0);
  assertEquals([...b2], [0, 0, 0, 0, 0, 1, 1, 0, 0, 2], "truncated bytes read back as zeros");
  assert(vfs.exists("/d/a"));
  vfs.delete("/d/a", false);
  assertFalse(vfs.exists("/d/a"));
  const e = assertThrows(() => vfs.open("/d/a", { create: false, readOnly: false }), SqliteError);
  assertEquals(e.code, "SQLITE_CANTOPEN");
  assertEquals(e.message, "unable to open database file");
});

Deno.test("memory vfs: log numbers mutating operations", () => {
  const vfs = new MemoryVfs();
  const f = vfs.open("/a", rw);
  f.write(bytes(3, 1), 0);
  f.sync();
  f.truncate(1);
  vfs.delete("/a", true);
  assertEquals(vfs.log.map((o) => `${o.seq}:${o.kind}`), [
    "1:create",
    "2:write",
    "3:sync",
    "4:truncate",
    "5:delete",
  ]);
  assertEquals(vfs.opCount, 5);
  assertEquals([...vfs.log[1].data!], [1, 1, 1]);
});

Deno.test("memory vfs: synced data always survives; unsynced may not", () => {
  const vfs = new MemoryVfs();
  const f = vfs.open("/a", rw);
  f.write(bytes(1024, 1), 0);
  f.sync();
  f.write(bytes(1024, 2), 0);
  const seen = new Set<string>();
  for (let seed = 0; seed < 40; seed++) {
    const img = vfs.crashImage({ seed }).readFile("/a")!;
    assertEquals(img.length, 1024);
    // Each 512-byte sector is old, new or garbage - never a mix inside a sector except garbage.
    const sectors = [0, 512].map((o) => {
      const s = img.subarray(o, o + 512);
      if (s.every((b) => b === 1)) return "old";
      if (s.every((b) => b === 2)) return "new";
      return "junk";
    });
    seen.add(sectors.join(","));
  }
  assert(seen.has("old,old") && seen.has("new,new"), [...seen].join(" "));
  assert([...seen].some((s) => s === "new,old" || s === "old,new"), "torn writes happen");
  assertEquals(vfs.crashImage({ mode: "synced" }).readFile("/a"), bytes(1024, 1));
  assertEquals(vfs.crashImage({ mode: "all" }).readFile("/a"), bytes(1024, 2));
  f.sync();
  for (let seed = 0; seed < 10; seed++) {
    assertEquals(vfs.crashImage({ seed }).readFile("/a"), bytes(1024, 2));
  }
});

Deno.test("memory vfs: file creation durable after first sync, deletion after dir sync", () => {
  const vfs = new MemoryVfs();
  const f = vfs.open("/d/new", rw);
  f.write(bytes(4, 1), 0);
  assertEquals(vfs.crashImage({ mode: "synced" }).exists("/d/new"), false);
  f.sync();
  assertEquals(vfs.crashImage({ mode: "synced" }).readFile("/d/new"), bytes(4, 1));
  vfs.delete("/d/new", false);
  assertEquals(vfs.crashImage({ mode: "synced" }).readFile("/d/new"), bytes(4, 1));
  const outcomes = new Set<boolean>();
  for (let seed = 0; seed < 20; seed++) outcomes.add(vfs.crashImage({ seed }).exists("/d/new"));
  assertEquals(outcomes.size, 2, "an unsynced delete may or may not survive");
  vfs.open("/d/other", rw).sync(); // a directory sync, as SQLite's first journal sync does
  assertFalse(vfs.crashImage({ mode: "synced" }).exists("/d/new"));
  const g = vfs.open("/e/x", rw);
  g.sync();
  vfs.delete("/e/x", true);
  assertFalse(vfs.crashImage({ mode: "synced" }).exists("/e/x"));
});

Deno.test("memory vfs: failAfter stops the world at operation n+1", () => {
  const vfs = new MemoryVfs();
  const f = vfs.open("/a", rw); // op 1
  f.write(bytes(1, 1), 0); // op 2
  vfs.failAfter(3);
  f.write(bytes(1, 2), 1); // op 3
  const e = assertThrows(() => f.sync(), CrashSignal);
  assertEquals(e.seq, 4);
  assertEquals(e.code, "SQLITE_IOERR");
  assert(e instanceof SqliteError);
  assert(vfs.crashed);
  assertThrows(() => f.read(new Uint8Array(1), 0), CrashSignal);
  assertThrows(() => f.write(bytes(1, 1), 0), CrashSignal);
  assert(f.lock(LockLevel.SHARED), "locks still work so the engine can unwind");
  f.unlock(LockLevel.NONE);
  f.close();
  assertEquals(vfs.opCount, 3);
  assertEquals(vfs.crashImage({ mode: "all" }).readFile("/a"), Uint8Array.of(1, 2));
});

Deno.test("memory vfs: onOperation sees each operation and can crash", () => {
  const vfs = new MemoryVfs();
  const kinds: string[] = [];
  vfs.onOperation = (op) => {
    kinds.push(op.kind);
    if (op.kind === "sync") throw new CrashSignal(op.seq);
  };
  const f = vfs.open("/a", rw);
  f.write(bytes(2, 3), 0);
  assertThrows(() => f.sync(), CrashSignal);
  assertEquals(kinds, ["create", "write", "sync"]);
  assert(vfs.crashed);
});

Deno.test("memory vfs: injected faults fail the nth matching operation", () => {
  const vfs = new MemoryVfs();
  const j = vfs.open("/db-journal", rw);
  const d = vfs.open("/db", rw);
  vfs.injectFault({ op: "write", nth: 2, pathSuffix: "-journal" });
  j.write(bytes(1, 1), 0);
  d.write(bytes(1, 1), 0);
  const e = assertThrows(() => j.write(bytes(1, 1), 1), SqliteError);
  assertEquals(e.code, "SQLITE_IOERR_WRITE");
  j.write(bytes(1, 1), 1); // one-shot
  vfs.injectFault({ op: "sync", code: "SQLITE_FULL", persistent: true });
  assertEquals(assertThrows(() => d.sync(), SqliteError).code, "SQLITE_FULL");
  assertEquals(assertThrows(() => j.sync(), SqliteError).code, "SQLITE_FULL");
  vfs.injectFault({ op: "read" });
  vfs.clearFaults();
  d.sync();
  assertEquals(d.read(new Uint8Array(1), 0), 1);
  assertFalse(vfs.crashed);
});

Deno.test("memory vfs: untracked mode keeps no log and refuses crash images", () => {
  const vfs = new MemoryVfs({ track: false });
  const f = vfs.open("/a", rw);
  f.write(bytes(3, 1), 0);
  f.sync();
  assertEquals(vfs.log.length, 0);
  assertEquals(vfs.readFile("/a"), bytes(3, 1));
  assertEquals(assertThrows(() => vfs.crashImage(), SqliteError).code, "SQLITE_MISUSE");
});
