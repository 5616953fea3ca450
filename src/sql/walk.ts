/**
 * Expression tree traversal.
 * @module
 */

import type { Expr } from "./ast.ts";

/** Calls `fn` on every node of an expression tree (not descending into subqueries). */
export function walk(e: Expr, fn: (e: Expr) => void): void {
  fn(e);
  switch (e.kind) {
    case "unary":
    case "collate":
    case "cast":
    case "isNull":
      walk(e.expr, fn);
      break;
    case "binary":
      walk(e.left, fn);
      walk(e.right, fn);
      break;
    case "like":
      walk(e.expr, fn);
      walk(e.pattern, fn);
      if (e.escape) walk(e.escape, fn);
      break;
    case "between":
      walk(e.expr, fn);
      walk(e.low, fn);
      walk(e.high, fn);
      break;
    case "inList":
      walk(e.expr, fn);
      e.list.forEach((x) => walk(x, fn));
      break;
    case "inSelect":
    case "inTable":
      walk(e.expr, fn);
      break;
    case "case":
      if (e.operand) walk(e.operand, fn);
      for (const w of e.whens) {
        walk(w.when, fn);
        walk(w.then, fn);
      }
      if (e.else) walk(e.else, fn);
      break;
    case "function":
      e.args.forEach((x) => walk(x, fn));
      if (e.filter) walk(e.filter, fn);
      break;
    case "row":
      e.items.forEach((x) => walk(x, fn));
      break;
    default:
      break;
  }
}
