/**
 * Test helper: prints an AST back to SQL with every operator application
 * parenthesised, so tests can check the tree shape (precedence) as text and
 * can feed the text back to SQLite.
 */

import type {
  Expr,
  FromItem,
  OrderingTerm,
  ResultColumn,
  Select,
  WindowSpec,
} from "../../src/sql/ast.ts";
import { Real } from "../../src/record/value.ts";

function quoteId(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** Prints a literal value as SQL text that SQLite reads back as the same value. */
export function printValue(v: unknown): string {
  if (v === null) return "NULL";
  if (typeof v === "bigint") return v < 0n ? `(${v})` : String(v);
  if (v instanceof Real) {
    const s = String(v.value);
    return s.includes("e") ? s.replace("e", ".0e") : Object.is(v.value, -0) ? "(-0.0)" : `${s}.0`;
  }
  if (typeof v === "number") {
    if (v === Infinity) return "1e999";
    if (v === -Infinity) return "(-1e999)";
    return v < 0 ? `(${v})` : String(v);
  }
  if (typeof v === "string") return `'${v.replaceAll("'", "''")}'`;
  if (v instanceof Uint8Array) {
    return `x'${Array.from(v, (b) => b.toString(16).padStart(2, "0")).join("")}'`;
  }
  throw new Error(`unexpected literal ${String(v)}`);
}

/** Prints an expression fully parenthesised. */
export function printExpr(e: Expr): string {
  switch (e.kind) {
    case "literal":
      return e.bool ? (e.value ? "TRUE" : "FALSE") : printValue(e.value);
    case "currentTime":
      return `CURRENT_${e.which}`;
    case "column": {
      const parts = [e.schema, e.table].filter((x) => x !== undefined).map((x) => quoteId(x!));
      parts.push(e.doubleQuoted || parts.length > 0 ? quoteId(e.name) : e.name);
      return parts.join(".");
    }
    case "param":
      return e.name ?? "?";
    case "unary":
      return `(${e.op}${e.op === "NOT" ? " " : ""}${printExpr(e.expr)})`;
    case "binary":
      return `(${printExpr(e.left)} ${e.op} ${printExpr(e.right)})`;
    case "like":
      return `(${printExpr(e.expr)} ${e.not ? "NOT " : ""}${e.op} ${printExpr(e.pattern)}${
        e.escape ? ` ESCAPE ${printExpr(e.escape)}` : ""
      })`;
    case "between":
      return `(${printExpr(e.expr)} ${e.not ? "NOT " : ""}BETWEEN ${printExpr(e.low)} AND ${
        printExpr(e.high)
      })`;
    case "inList":
      return `(${printExpr(e.expr)} ${e.not ? "NOT " : ""}IN (${
        e.list.map(printExpr).join(", ")
      }))`;
    case "inSelect":
      return `(${printExpr(e.expr)} ${e.not ? "NOT " : ""}IN (${printSelect(e.select)}))`;
    case "inTable":
      return `(${printExpr(e.expr)} ${e.not ? "NOT " : ""}IN ${
        e.schema ? quoteId(e.schema) + "." : ""
      }${quoteId(e.name)}${e.args ? `(${e.args.map(printExpr).join(", ")})` : ""})`;
    case "isNull":
      return `(${printExpr(e.expr)} ${e.not ? "NOTNULL" : "ISNULL"})`;
    case "collate":
      return `(${printExpr(e.expr)} COLLATE ${e.collation})`;
    case "cast":
      return `CAST(${printExpr(e.expr)} AS ${e.type})`;
    case "case":
      return `CASE${e.operand ? " " + printExpr(e.operand) : ""}${
        e.whens.map((w) => ` WHEN ${printExpr(w.when)} THEN ${printExpr(w.then)}`).join("")
      }${e.else ? ` ELSE ${printExpr(e.else)}` : ""} END`;
    case "exists":
      return `EXISTS (${printSelect(e.select)})`;
    case "subquery":
      return `(${printSelect(e.select)})`;
    case "function": {
      let args = e.star ? "*" : (e.distinct ? "DISTINCT " : "") + e.args.map(printExpr).join(", ");
      if (e.orderBy) args += " ORDER BY " + printOrderBy(e.orderBy);
      let s = `${e.name}(${args})`;
      if (e.filter) s += ` FILTER (WHERE ${printExpr(e.filter)})`;
      if (e.over !== undefined) {
        s += typeof e.over === "string" ? ` OVER ${e.over}` : ` OVER (${printWindow(e.over)})`;
      }
      return s;
    }
    case "row":
      return `(${e.items.map(printExpr).join(", ")})`;
    case "raise":
      return `RAISE(${e.action}${e.message ? ", " + printExpr(e.message) : ""})`;
  }
}

function printOrderBy(terms: OrderingTerm[]): string {
  return terms.map((t) =>
    printExpr(t.expr) + (t.order ? " " + t.order : "") + (t.nulls ? " NULLS " + t.nulls : "")
  ).join(", ");
}

function printWindow(w: WindowSpec): string {
  const parts: string[] = [];
  if (w.base) parts.push(w.base);
  if (w.partitionBy) parts.push("PARTITION BY " + w.partitionBy.map(printExpr).join(", "));
  if (w.orderBy) parts.push("ORDER BY " + printOrderBy(w.orderBy));
  if (w.frame) {
    const b = (x: { type: string; expr?: Expr }) =>
      x.expr ? `${printExpr(x.expr)} ${x.type}` : x.type;
    let f = w.frame.units + " ";
    f += w.frame.end ? `BETWEEN ${b(w.frame.start)} AND ${b(w.frame.end)}` : b(w.frame.start);
    if (w.frame.exclude) f += " EXCLUDE " + w.frame.exclude;
    parts.push(f);
  }
  return parts.join(" ");
}

function printColumns(cols: ResultColumn[]): string {
  return cols.map((c) =>
    c.kind === "star"
      ? "*"
      : c.kind === "tableStar"
      ? `${quoteId(c.table)}.*`
      : printExpr(c.expr) + (c.alias !== undefined ? ` AS ${quoteId(c.alias)}` : "")
  ).join(", ");
}

/** Prints a FROM item. */
export function printFrom(f: FromItem): string {
  const alias = (a?: string) => (a !== undefined ? ` AS ${quoteId(a)}` : "");
  switch (f.kind) {
    case "table":
      return (f.schema ? quoteId(f.schema) + "." : "") + quoteId(f.name) + alias(f.alias) +
        (f.indexedBy ? ` INDEXED BY ${quoteId(f.indexedBy)}` : "") +
        (f.notIndexed ? " NOT INDEXED" : "");
    case "subquery":
      return `(${printSelect(f.select)})${alias(f.alias)}`;
    case "function":
      return (f.schema ? quoteId(f.schema) + "." : "") +
        `${quoteId(f.name)}(${f.args.map(printExpr).join(", ")})${alias(f.alias)}`;
    case "join": {
      const right = f.right.kind === "join" ? `(${printFrom(f.right)})` : printFrom(f.right);
      const op = f.type === "comma"
        ? ","
        : `${f.natural ? " NATURAL" : ""} ${f.type.toUpperCase()} JOIN`;
      return `${printFrom(f.left)}${op} ${right}` +
        (f.on ? ` ON ${printExpr(f.on)}` : "") +
        (f.using ? ` USING (${f.using.map(quoteId).join(", ")})` : "");
    }
  }
}

/** Prints a SELECT. */
export function printSelect(s: Select): string {
  const parts: string[] = [];
  if (s.with) {
    parts.push(
      "WITH " + (s.with.recursive ? "RECURSIVE " : "") +
        s.with.ctes.map((c) =>
          quoteId(c.name) + (c.columns ? `(${c.columns.map(quoteId).join(", ")})` : "") +
          " AS " + (c.materialized === undefined
            ? ""
            : c.materialized
            ? "MATERIALIZED "
            : "NOT MATERIALIZED ") +
          `(${printSelect(c.select)})`
        ).join(", "),
    );
  }
  const core = (c: Select["core"]): string => {
    if (c.kind === "values") {
      return "VALUES " + c.rows.map((r) => `(${r.map(printExpr).join(", ")})`).join(", ");
    }
    let t = "SELECT " + (c.distinct ? "DISTINCT " : "") + printColumns(c.columns);
    if (c.from) t += " FROM " + printFrom(c.from);
    if (c.where) t += " WHERE " + printExpr(c.where);
    if (c.groupBy) t += " GROUP BY " + c.groupBy.map(printExpr).join(", ");
    if (c.having) t += " HAVING " + printExpr(c.having);
    if (c.windows) {
      t += " WINDOW " + c.windows.map((w) => `${w.name} AS (${printWindow(w.spec)})`).join(", ");
    }
    return t;
  };
  parts.push(core(s.core));
  for (const c of s.compound) parts.push(c.op, core(c.core));
  if (s.orderBy) parts.push("ORDER BY " + printOrderBy(s.orderBy));
  if (s.limit) parts.push("LIMIT " + printExpr(s.limit));
  if (s.offset) parts.push("OFFSET " + printExpr(s.offset));
  return parts.join(" ");
}
