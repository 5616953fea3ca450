import { assert, assertEquals, assertFalse } from "@std/assert";
import { LockTable } from "../../src/vfs/lock_table.ts";
import { LockLevel } from "../../src/vfs/vfs.ts";

const { NONE, SHARED, RESERVED, PENDING, EXCLUSIVE } = LockLevel;

Deno.test("lock table: many SHARED, one RESERVED beside them", () => {
  const t = new LockTable();
  const a = {}, b = {}, c = {};
  assert(t.acquire("f", a, SHARED));
  assert(t.acquire("f", b, SHARED));
  assert(t.acquire("f", a, RESERVED));
  assertFalse(t.acquire("f", b, RESERVED), "second RESERVED must be refused");
  assert(t.acquire("f", c, SHARED), "new readers still welcome beside RESERVED");
  assert(t.reservedByOther("f", b));
  assertFalse(t.reservedByOther("f", a));
});

Deno.test("lock table: EXCLUSIVE waits for readers and keeps PENDING", () => {
  const t = new LockTable();
  const w = {}, r = {}, late = {};
  assert(t.acquire("f", w, SHARED));
  assert(t.acquire("f", r, SHARED));
  assert(t.acquire("f", w, RESERVED));
  assertFalse(t.acquire("f", w, EXCLUSIVE));
  assertEquals(t.level("f", w), PENDING);
  assertFalse(t.acquire("f", late, SHARED), "PENDING turns new readers away");
  t.release("f", r, NONE);
  assert(t.acquire("f", w, EXCLUSIVE));
  assertFalse(t.acquire("f", late, SHARED));
  t.release("f", w, SHARED);
  assertEquals(t.level("f", w), SHARED);
  assert(t.acquire("f", late, SHARED));
});

Deno.test("lock table: keys are independent and release never raises", () => {
  const t = new LockTable();
  const a = {}, b = {};
  assert(t.acquire("x", a, EXCLUSIVE));
  assert(t.acquire("y", b, EXCLUSIVE));
  assertFalse(t.acquire("x", b, SHARED));
  t.release("x", b, SHARED);
  assertEquals(t.level("x", b), NONE);
  t.release("x", a, NONE);
  assert(t.acquire("x", b, SHARED));
  assertFalse(t.acquire("x", a, RESERVED) && t.acquire("x", b, RESERVED));
});
