/**
 * Parses sqllogictest scripts into records, following the reference runner
 * (`sqllogictest.c`): a trailing `\r` is dropped, a line of only whitespace is blank,
 * lines starting with `#` are removed wherever they are (even inside a record), and a
 * record is a run of non-blank lines. `skipif`/`onlyif` lines lead the record they guard.
 * @module
 */

/** A `skipif <engine>` or `onlyif <engine>` guard. */
export interface Condition {
  /** Which guard. */
  kind: "skipif" | "onlyif";
  /** The engine it names (compared case-insensitively). */
  engine: string;
}

interface RecordBase {
  /** 1-based line number of the record's first line (after its guards). */
  line: number;
  /** Guards that precede the record. */
  conditions: Condition[];
}

/** `statement ok` / `statement error`. */
export interface StatementRecord extends RecordBase {
  /** Record kind. */
  type: "statement";
  /** True for `statement error`. */
  expectError: boolean;
  /** The SQL, its lines joined with `\n`. */
  sql: string;
}

/** `query <types> <sort> [label]`. */
export interface QueryRecord extends RecordBase {
  /** Record kind. */
  type: "query";
  /** One letter per result column: I, R or T. */
  types: string;
  /** nosort, rowsort or valuesort. */
  sort: string;
  /** The label ("" when none). */
  label: string;
  /** The SQL, its lines joined with `\n`. */
  sql: string;
  /** The expected lines after `----`; empty when there is no `----`. */
  expected: string[];
}

/** `hash-threshold N`. */
export interface HashThresholdRecord extends RecordBase {
  /** Record kind. */
  type: "hash-threshold";
  /** The new threshold (0: never hash). */
  threshold: number;
}

/** `halt`. */
export interface HaltRecord extends RecordBase {
  /** Record kind. */
  type: "halt";
}

/** A record the runner cannot understand (a malformed script). */
export interface BadRecord extends RecordBase {
  /** Record kind. */
  type: "bad";
  /** Why it is malformed. */
  reason: string;
}

/** One record of a script. */
export type SltRecord =
  | StatementRecord
  | QueryRecord
  | HashThresholdRecord
  | HaltRecord
  | BadRecord;

const SORTS = new Set(["nosort", "rowsort", "valuesort"]);

function tokens(line: string): string[] {
  return line.trim().split(/\s+/);
}

/** Parses a whole script. */
export function parseScript(text: string): SltRecord[] {
  const records: SltRecord[] = [];
  const raw = text.split("\n");
  // Lines as the reference runner sees them, with their 1-based numbers.
  const lines: { text: string; no: number }[] = [];
  for (let i = 0; i < raw.length; i++) {
    let s = raw[i];
    if (s.endsWith("\r")) s = s.slice(0, -1);
    if (s.trim() === "") s = "";
    if (s.startsWith("#")) continue;
    lines.push({ text: s, no: i + 1 });
  }
  let i = 0;
  while (i < lines.length) {
    if (lines[i].text === "") {
      i++;
      continue;
    }
    const group: { text: string; no: number }[] = [];
    while (i < lines.length && lines[i].text !== "") group.push(lines[i++]);
    records.push(parseRecord(group));
  }
  return records;
}

function parseRecord(group: { text: string; no: number }[]): SltRecord {
  const conditions: Condition[] = [];
  let k = 0;
  for (; k < group.length; k++) {
    const t = tokens(group[k].text);
    if (t[0] !== "skipif" && t[0] !== "onlyif") break;
    conditions.push({ kind: t[0], engine: t[1] ?? "" });
  }
  if (k === group.length) {
    return { type: "bad", line: group[0].no, conditions, reason: "guard without a record" };
  }
  const head = tokens(group[k].text);
  const line = group[k].no;
  const body = group.slice(k + 1).map((l) => l.text);
  switch (head[0]) {
    case "statement":
      if (head[1] !== "ok" && head[1] !== "error") {
        return {
          type: "bad",
          line,
          conditions,
          reason: "statement argument should be 'ok' or 'error'",
        };
      }
      return {
        type: "statement",
        line,
        conditions,
        expectError: head[1] === "error",
        sql: body.join("\n"),
      };
    case "query": {
      const types = head[1] ?? "";
      if (!/^[TIR]+$/.test(types)) {
        return { type: "bad", line, conditions, reason: `bad type string '${types}'` };
      }
      const sort = head[2] ?? "nosort";
      if (!SORTS.has(sort)) {
        return { type: "bad", line, conditions, reason: `unknown sort method: '${sort}'` };
      }
      const sep = body.indexOf("----");
      const sql = (sep < 0 ? body : body.slice(0, sep)).join("\n");
      const expected = sep < 0 ? [] : body.slice(sep + 1);
      return { type: "query", line, conditions, types, sort, label: head[3] ?? "", sql, expected };
    }
    case "hash-threshold":
      return {
        type: "hash-threshold",
        line,
        conditions,
        threshold: parseInt(head[1] ?? "0", 10) || 0,
      };
    case "halt":
      return { type: "halt", line, conditions };
    default:
      return { type: "bad", line, conditions, reason: `unknown record type: '${head[0]}'` };
  }
}

/** True when an engine called `engine` runs a record with these guards. */
export function shouldRun(conditions: readonly Condition[], engine: string): boolean {
  const name = engine.toLowerCase();
  for (const c of conditions) {
    const match = c.engine.toLowerCase() === name;
    if (c.kind === "skipif" ? match : !match) return false;
  }
  return true;
}
