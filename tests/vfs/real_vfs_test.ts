import { assert, assertEquals, assertFalse, assertThrows } from "@std/assert";
import { SqliteError } from "../../src/errors.ts";
import { RealVfs } from "../../src/vfs/real_vfs.ts";
import { LockLevel } from "../../src/vfs/vfs.ts";

const rw = { create: true, readOnly: false };

Deno.test("real vfs: read/write/truncate/sync/size and short reads", () => {
  const dir = Deno.makeTempDirSync();
  try {
    const vfs = new RealVfs();
    const f = vfs.open(`${dir}/a.db`, rw);
    f.write(new Uint8Array(100000).fill(7), 10);
    f.write(Uint8Array.of(1, 2, 3), 0);
    assertEquals(f.size(), 100010);
    const buf = new Uint8Array(8).fill(9);
    assertEquals(f.read(buf, 100005), 5);
    assertEquals([...buf], [7, 7, 7, 7, 7, 9, 9, 9]);
    const head = new Uint8Array(12);
    f.read(head, 0);
    assertEquals([...head], [1, 2, 3, 0, 0, 0, 0, 0, 0, 0, 7, 7]);
    f.truncate(4);
    f.sync();
    assertEquals(f.size(), 4);
    assertEquals(f.read(new Uint8Array(10), 0), 4);
    f.close();
    assertEquals([...Deno.readFileSync(`${dir}/a.db`)], [1, 2, 3, 0]);
    const ro = vfs.open(`${dir}/a.db`, { create: false, readOnly: true });
    assertThrows(() => ro.write(Uint8Array.of(1), 0), SqliteError);
    ro.close();
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("real vfs: missing file without create is SQLITE_CANTOPEN; delete syncs dir", () => {
  const dir = Deno.makeTempDirSync();
  try {
    const vfs = new RealVfs();
    const e = assertThrows(
      () => vfs.open(`${dir}/missing.db`, { create: false, readOnly: false }),
      SqliteError,
    );
    assertEquals(e.code, "SQLITE_CANTOPEN");
    assertEquals(e.message, "unable to open database file");
    assertEquals(
      assertThrows(() => vfs.open(dir, rw), SqliteError).code,
      "SQLITE_CANTOPEN_ISDIR",
    );
    const f = vfs.open(`${dir}/j`, rw);
    f.write(Uint8Array.of(1), 0);
    f.sync(); // first sync of a created file also syncs the directory
    f.close();
    assert(vfs.exists(`${dir}/j`));
    vfs.delete(`${dir}/j`, true);
    assertFalse(vfs.exists(`${dir}/j`));
    vfs.delete(`${dir}/j`, true); // missing is fine
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("real vfs: exists answers without throwing; a failing delete is IOERR_DELETE", () => {
  const dir = Deno.makeTempDirSync();
  try {
    const vfs = new RealVfs();
    Deno.writeFileSync(`${dir}/f`, Uint8Array.of(1));
    Deno.mkdirSync(`${dir}/d/e`, { recursive: true });
    assert(vfs.exists(`${dir}/f`));
    assert(vfs.exists(`${dir}/d`));
    assertFalse(vfs.exists(`${dir}/nope`));
    assertFalse(vfs.exists(`${dir}/f/under-a-file`), "ENOTDIR counts as missing");
    // A non-empty directory exists but cannot be removed.
    assertEquals(
      assertThrows(() => vfs.delete(`${dir}/d`, false), SqliteError).code,
      "SQLITE_IOERR_DELETE",
    );
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("real vfs: two handles on one file (even via another path) share locks", () => {
  const dir = Deno.makeTempDirSync();
  try {
    const vfs = new RealVfs();
    const a = vfs.open(`${dir}/x.db`, rw);
    const b = new RealVfs().open(`${dir}/./x.db`, rw);
    assert(a.lock(LockLevel.SHARED));
    assert(b.lock(LockLevel.SHARED));
    assert(a.lock(LockLevel.RESERVED));
    assert(b.checkReservedLock!());
    assertFalse(b.lock(LockLevel.RESERVED));
    assertFalse(a.lock(LockLevel.EXCLUSIVE), "b still reads");
    b.close(); // releases b's locks
    assert(a.lock(LockLevel.EXCLUSIVE));
    a.close();
    const c = vfs.open(`${dir}/x.db`, rw);
    assert(c.lock(LockLevel.EXCLUSIVE), "close released every lock");
    c.close();
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});
