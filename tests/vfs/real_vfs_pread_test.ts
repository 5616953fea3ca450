/**
 * RealFile's read paths: a read at the file position goes through the Deno file, any other
 * through a positioned read on a second, read-only descriptor opened on first need. Both
 * must return the file's bytes whatever the mix of reads and writes, the second descriptor
 * must never name another file (the path replaced meanwhile), and a closed file's reads fail
 * with SQLITE_IOERR_READ.
 */
import { assertEquals, assertThrows } from "@std/assert";
import fc from "fast-check";
import { SqliteError } from "../../src/errors.ts";
import { RealVfs } from "../../src/vfs/real_vfs.ts";

const rw = { create: true, readOnly: false };

type Op = { write: boolean; offset: number; len: number; seed: number };

Deno.test("real vfs: reads at and away from the file position return the file's bytes", () => {
  const dir = Deno.makeTempDirSync();
  try {
    const vfs = new RealVfs();
    let k = 0;
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            write: fc.boolean(),
            offset: fc.integer({ min: 0, max: 40000 }),
            len: fc.integer({ min: 1, max: 9000 }),
            seed: fc.integer({ min: 0, max: 255 }),
          }),
          { minLength: 1, maxLength: 60 },
        ),
        (ops: Op[]) => {
          const path = `${dir}/f${k++}.db`;
          const f = vfs.open(path, rw);
          let model = new Uint8Array(0);
          let last = 0;
          for (const op of ops) {
            // Half the reads continue where the last operation ended (the sequential case).
            const offset = !op.write && op.seed % 2 === 0 ? last : op.offset;
            if (op.write) {
              const data = new Uint8Array(op.len);
              for (let i = 0; i < data.length; i++) data[i] = (op.seed + i * 7) & 0xff;
              f.write(data, offset);
              if (offset + op.len > model.length) {
                const m = new Uint8Array(offset + op.len);
                m.set(model);
                model = m;
              }
              model.set(data, offset);
              last = offset + op.len;
            } else {
              const buf = new Uint8Array(op.len).fill(0xee);
              const got = f.read(buf, offset);
              const want = Math.max(0, Math.min(op.len, model.length - offset));
              assertEquals(got, want);
              assertEquals(buf.subarray(0, got), model.subarray(offset, offset + got));
              last = offset + got;
            }
          }
          f.close();
          Deno.removeSync(path);
        },
      ),
      { seed: 20261125, numRuns: 60 },
    );
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("real vfs: a path replaced after open is not read through it", () => {
  const dir = Deno.makeTempDirSync();
  try {
    const vfs = new RealVfs();
    const f = vfs.open(`${dir}/a.db`, rw);
    f.write(new Uint8Array(8192).fill(1), 0);
    // Another file takes the name; the open file is still the old one.
    Deno.writeFileSync(`${dir}/b.db`, new Uint8Array(8192).fill(2));
    Deno.renameSync(`${dir}/b.db`, `${dir}/a.db`);
    const buf = new Uint8Array(4096);
    // Not at the file position (8192): the first read that needs the second descriptor.
    assertEquals(f.read(buf, 0), 4096);
    assertEquals(buf, new Uint8Array(4096).fill(1));
    assertEquals(f.read(buf, 4096), 4096);
    assertEquals(buf, new Uint8Array(4096).fill(1));
    f.close();
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("real vfs: reads of a closed file fail with SQLITE_IOERR_READ", () => {
  const dir = Deno.makeTempDirSync();
  try {
    const vfs = new RealVfs();
    const f = vfs.open(`${dir}/a.db`, rw);
    f.write(new Uint8Array(8192).fill(1), 0);
    const buf = new Uint8Array(4096);
    f.read(buf, 0); // opens the second descriptor
    f.close();
    // Descriptors opened now may reuse the closed numbers: a read must not reach them.
    const other = vfs.open(`${dir}/b.db`, rw);
    other.write(new Uint8Array(8192).fill(2), 0);
    other.read(buf, 0);
    for (const offset of [0, 4096, 8192]) {
      const e = assertThrows(() => f.read(buf, offset), SqliteError);
      assertEquals(e.code, "SQLITE_IOERR_READ");
    }
    other.close();
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("real vfs: positioned reads fill views into larger buffers exactly", () => {
  // Page buffers are views into slabs (pager.ts #newPage), the checkpoint reads into parts
  // of a batch buffer: the positioned read must land at the view's offset and nowhere else.
  const dir = Deno.makeTempDirSync();
  try {
    const vfs = new RealVfs();
    const f = vfs.open(`${dir}/a.db`, rw);
    const data = new Uint8Array(3 * 4096);
    for (let i = 0; i < data.length; i++) data[i] = (i * 13 + 5) & 0xff;
    f.write(data, 0);
    const slab = new ArrayBuffer(4 * 4096);
    const all = new Uint8Array(slab).fill(0xee);
    for (const [at, offset, len] of [[4096, 0, 4096], [100, 8192, 4096], [9000, 4096, 3000]]) {
      all.fill(0xee);
      const view = new Uint8Array(slab, at, len);
      assertEquals(f.read(view, offset), len); // never at the file position (12288)
      assertEquals(view, data.subarray(offset, offset + len));
      assertEquals(all.subarray(0, at).every((b) => b === 0xee), true, "bytes before the view");
      assertEquals(all.subarray(at + len).every((b) => b === 0xee), true, "bytes after it");
    }
    // Short at the end of the file: only the bytes that exist, the rest untouched.
    all.fill(0xee);
    const tail = new Uint8Array(slab, 50, 4096);
    assertEquals(f.read(tail, 2 * 4096 + 1000), 4096 - 1000);
    assertEquals(tail.subarray(0, 3096), data.subarray(2 * 4096 + 1000));
    assertEquals(tail.subarray(3096).every((b) => b === 0xee), true);
    f.close();
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});
