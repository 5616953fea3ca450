/**
 * Expression tree traversal.
 * @module
 */

import type { Expr } from "./ast.ts";

/** Calls `fn` on every node of an expression tree (not descending into subqueries). */
export function walk(e: Expr, fn: (e: Expr) => void): void {
  fn(e);
  walkChildren(e, (c) => walk(c, fn));
}

/** Calls `visit` on each direct child of an expression (not descending into subqueries). */
export function walkChildren(e: Expr, visit: (child: Expr) => void): void {
  switch (e.kind) {
    case "unary":
    case "collate":
    case "cast":
    case "isNull":
      visit(e.expr);
      break;
    case "binary":
      visit(e.left);
      visit(e.right);
      break;
    case "like":
      visit(e.expr);
      visit(e.pattern);
      if (e.escape) visit(e.escape);
      break;
    case "between":
      visit(e.expr);
      visit(e.low);
      visit(e.high);
      break;
    case "inList":
      visit(e.expr);
      e.list.forEach(visit);
      break;
    case "inSelect":
    case "inTable":
      visit(e.expr);
      break;
    case "case":
      if (e.operand) visit(e.operand);
      for (const w of e.whens) {
        visit(w.when);
        visit(w.then);
      }
      if (e.else) visit(e.else);
      break;
    case "function":
      e.args.forEach(visit);
      if (e.filter) visit(e.filter);
      break;
    case "row":
      e.items.forEach(visit);
      break;
    default:
      break;
  }
}
