// TEMPORARY shim until eval/scalar.ts and eval/aggregate.ts land.
import { SqliteError } from "../errors.ts";
import type { SqlValue } from "../record/value.ts";
export function getScalarFunction(name: string, _n: number) {
  if (name === "typeof") {
    return {
      deterministic: true,
      fn: (a: SqlValue[], _c?: unknown) =>
        a[0] === null ? "null" : typeof a[0] === "string" ? "text" : "integer",
    };
  }
  return undefined;
}
export function scalarFunctionError(name: string, _n: number) {
  return new SqliteError("SQLITE_ERROR", `no such function: ${name}`);
}
export function isAggregateName(name: string, _n: number) {
  return name === "count";
}
export function getAggregate(_name: string, _n: number, _c: string[]) {
  return () => {
    let n = 0;
    return {
      step(_a: SqlValue[]) {
        n++;
      },
      final() {
        return n;
      },
    };
  };
}
