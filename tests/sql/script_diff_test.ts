/**
 * Hand-written SQL scripts run statement by statement on tsqlite and node:sqlite: every
 * statement must agree on error versus success and on its rows (for EXPLAIN QUERY PLAN,
 * on the plan's wording).
 */
import { assertEquals } from "@std/assert";
import { DatabaseSync } from "node:sqlite";
import { Database } from "../../mod.ts";

function canon(v: unknown): unknown {
  if (typeof v === "bigint") {
    return v >= -9007199254740991n && v <= 9007199254740991n ? Number(v) : `${v}n`;
  }
  if (v instanceof Uint8Array) {
    return `x'${[...v].map((b) => b.toString(16).padStart(2, "0")).join("")}'`;
  }
  return v;
}

const dir = new URL("./scripts/", import.meta.url);
for (const entry of [...Deno.readDirSync(dir)].sort((a, b) => a.name.localeCompare(b.name))) {
  if (!entry.name.endsWith(".sql")) continue;
  Deno.test(`script ${entry.name} agrees with node:sqlite`, () => {
    const text = Deno.readTextFileSync(new URL(entry.name, dir));
    const statements = text.split(/;\s*\n/).map((s) => s.trim()).filter((s) =>
      s && !s.startsWith("--")
    );
    const ours = new Database(":memory:");
    const theirs = new DatabaseSync(":memory:");
    for (const sql of statements) {
      const explain = /^EXPLAIN QUERY PLAN/i.test(sql);
      let a: unknown;
      let b: unknown;
      try {
        const rows = ours.prepare(sql).values();
        a = explain ? rows.map((r) => r[3]) : rows.map((r) => r.map(canon));
      } catch (e) {
        a = "error";
        void e;
      }
      try {
        const st = theirs.prepare(sql);
        st.setReadBigInts(true);
        const rows = st.all().map((r) => Object.values(r));
        b = explain ? rows.map((r) => r[3]) : rows.map((r) => r.map(canon));
      } catch {
        b = "error";
      }
      assertEquals(a, b, `${entry.name}: ${sql}`);
    }
    ours.close();
    theirs.close();
  });
}
