/**
 * The sqllogictest runner: runs parsed scripts against an {@link SltEngine} and judges each
 * record the way the reference runner (`sqllogictest.c` in verify mode, with the SQLite
 * engine of `slt_sqlite.c`) does, plus two stricter rules: a query must return exactly
 * the expected number of values, and any error from a query fails it (the reference
 * treats an error after the first row as the end of the rows).
 *
 * Counting: every `statement` and `query` record the engine runs (not skipped by its
 * guards) counts once, as passed or failed.
 * @module
 */

import { createHash } from "node:crypto";
import type { EngineFactory, QueryResult, SltEngine } from "./engine.ts";
import { parseScript, type QueryRecord, shouldRun, type SltRecord } from "./parser.ts";
import { renderValue } from "./render.ts";

/** The reference runner's default `hash-threshold`. */
export const DEFAULT_HASH_THRESHOLD = 8;

/** One failed record. */
export interface SltFailure {
  /** The script it came from. */
  file: string;
  /** Its first line (after its guards). */
  line: number;
  /** The grouping key of {@link SltFileResult.reasons}. */
  reason: string;
  /** The record's SQL. */
  sql: string;
  /** What the script expected (for a query: the expected lines). */
  expected: string[];
  /** What the engine produced (for a query: the rendered lines, hashed when the script hashes). */
  got: string[];
}

/** Options for {@link runScript}. */
export interface RunOptions {
  /** Stop a file after this many counted records. */
  maxRecords?: number;
  /** Stop at the first failure. */
  stopOnFail?: boolean;
  /** A record that runs longer than this (ms) fails, though it cannot be interrupted. */
  timeLimitMs?: number;
  /** Called with each failure as it happens (for --verbose). */
  onFailure?: (f: SltFailure) => void;
}

/** What running one script gives. */
export interface SltFileResult {
  /** The script's path (or name). */
  file: string;
  /** Records run (counted). */
  run: number;
  /** Records that passed. */
  passed: number;
  /** Records that failed. */
  failed: number;
  /** Records skipped by their guards. */
  skipped: number;
  /** Wall-clock milliseconds. */
  ms: number;
  /** Failures grouped by reason, with their counts. */
  reasons: Map<string, number>;
  /** Records that took longer than a second: line and milliseconds. */
  slow: { line: number; ms: number }[];
  /** True when the run stopped early (--stop-on-fail). */
  stopped: boolean;
  /**
   * Queries that passed although the engine raised an error while stepping (the reference
   * judges the rows before the error; SQLite itself needs this, e.g. sum() overflowing).
   */
  passedWithError: number;
}

/** Default per-record time limit. */
export const DEFAULT_TIME_LIMIT_MS = 5000;

/** The MD5 the reference computes: each value followed by a newline. */
export function hashValues(values: readonly string[]): string {
  const h = createHash("md5");
  for (const v of values) h.update(v + "\n");
  return h.digest("hex");
}

/** Renders a query result by its type letters and sorts it by the sort mode. */
export function renderResult(result: QueryResult, types: string, sort: string): string[] {
  const rows = result.rows.map((row) => {
    const out = new Array<string>(types.length);
    for (let i = 0; i < types.length; i++) out[i] = renderValue(row[i] ?? null, types[i]);
    return out;
  });
  if (sort === "rowsort") rows.sort(compareRows);
  const values = rows.flat();
  if (sort === "valuesort") values.sort(compareStrings);
  return values;
}

// Rendered values are ASCII, so UTF-16 order is the reference's strcmp order.
function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function compareRows(a: string[], b: string[]): number {
  for (let i = 0; i < a.length; i++) {
    const c = compareStrings(a[i], b[i]);
    if (c !== 0) return c;
  }
  return 0;
}

const HASH_LINE = /^\s*\d+\s+values hashing to\s+([0-9a-fA-F]+)/;

/** Turns an error into a short reason key: same cause, same key. */
export function errorReason(e: unknown): string {
  if (e instanceof Error) {
    const code = (e as { code?: unknown }).code;
    let msg = e.message.split("\n")[0];
    if (msg.length > 120) msg = msg.slice(0, 117) + "...";
    // node:sqlite puts the generic text of the result code before the message.
    msg = msg.replace(/^SQL logic error /, "");
    // Numbers (also inside names like t1r3) vary between records with the same cause.
    msg = msg.replace(/\d+(\.\d+)?/g, "N");
    if (typeof code === "string" && code.startsWith("SQLITE_")) return `${code}: ${msg}`;
    if (typeof code === "string" && code.startsWith("ERR_SQLITE")) return `SQLITE_ERROR: ${msg}`;
    // Anything else (TypeError, RangeError, ...) is a bug in the engine, not a missing feature.
    return `BUG ${e.name}: ${msg}`;
  }
  return `BUG thrown non-Error: ${String(e)}`;
}

/** Runs a script's text against a fresh database from `factory`. */
export function runScript(
  text: string,
  factory: EngineFactory,
  file = "<script>",
  options: RunOptions = {},
): SltFileResult {
  return runRecords(parseScript(text), factory, file, options);
}

/** Runs parsed records against a fresh database from `factory`. */
export function runRecords(
  records: readonly SltRecord[],
  factory: EngineFactory,
  file = "<script>",
  options: RunOptions = {},
): SltFileResult {
  const started = performance.now();
  const timeLimit = options.timeLimitMs ?? DEFAULT_TIME_LIMIT_MS;
  const result: SltFileResult = {
    file,
    run: 0,
    passed: 0,
    failed: 0,
    skipped: 0,
    ms: 0,
    reasons: new Map(),
    slow: [],
    stopped: false,
    passedWithError: 0,
  };
  const labels = new Map<string, string>();
  let threshold = DEFAULT_HASH_THRESHOLD;
  let engine: SltEngine;
  try {
    engine = factory();
  } catch (e) {
    result.run = result.failed = 1;
    result.reasons.set(`cannot open database: ${errorReason(e)}`, 1);
    result.ms = performance.now() - started;
    return result;
  }

  const fail = (rec: SltRecord, reason: string, sql: string, expected: string[], got: string[]) => {
    result.failed++;
    result.reasons.set(reason, (result.reasons.get(reason) ?? 0) + 1);
    options.onFailure?.({ file, line: rec.line, reason, sql, expected, got });
    if (options.stopOnFail) result.stopped = true;
  };

  try {
    for (const rec of records) {
      if (result.stopped) break;
      if (options.maxRecords !== undefined && result.run >= options.maxRecords) break;
      if (!shouldRun(rec.conditions, engine.name)) {
        if (rec.type === "statement" || rec.type === "query") result.skipped++;
        // The reference still lets a skipped labeled query fix its label's hash.
        if (rec.type === "query" && rec.label !== "" && rec.expected.length > 0) {
          const m = HASH_LINE.exec(rec.expected[0]);
          const hash = m ? m[1].toLowerCase() : hashValues(rec.expected);
          if (!labels.has(rec.label)) labels.set(rec.label, hash);
        }
        continue;
      }
      if (rec.type === "halt") break;
      if (rec.type === "hash-threshold") {
        threshold = rec.threshold;
        continue;
      }
      result.run++;
      if (rec.type === "bad") {
        fail(rec, `malformed record: ${rec.reason}`, "", [], []);
        continue;
      }
      const t0 = performance.now();
      let reason: string | null;
      let got: string[] = [];
      let expected: string[] = [];
      if (rec.type === "statement") {
        reason = null;
        try {
          engine.statement(rec.sql);
          if (rec.expectError) reason = "statement succeeded, an error was expected";
        } catch (e) {
          const why = errorReason(e);
          // A TypeError or the like is an engine bug even where SQLite fails too.
          if (!rec.expectError || why.startsWith("BUG ")) {
            reason = why;
            got = [reason];
          }
        }
      } else {
        expected = rec.expected;
        const judged = judgeQuery(engine, rec, threshold, labels);
        reason = judged.reason;
        got = judged.got;
        if (judged.stepError !== undefined) {
          const why = errorReason(judged.stepError);
          if (reason === null && !why.startsWith("BUG ")) result.passedWithError++;
          else reason = why;
        }
      }
      const ms = performance.now() - t0;
      if (ms > 1000) result.slow.push({ line: rec.line, ms: Math.round(ms) });
      if (reason === null && ms > timeLimit) {
        reason = `took longer than ${timeLimit / 1000} s`;
      }
      if (reason === null) result.passed++;
      else fail(rec, reason, rec.sql, expected, got);
    }
  } finally {
    try {
      engine.close();
    } catch { /* a failure to close does not change the verdicts */ }
  }
  result.ms = performance.now() - started;
  return result;
}

/** The judgement of one query record. */
export interface Verdict {
  /** Null when the record passed. */
  reason: string | null;
  /** What the engine produced, as rendered (or hashed) lines, or its error. */
  got: string[];
  /** An error the engine raised while stepping, after the rows it returned. */
  stepError?: unknown;
}

function judgeQuery(
  engine: SltEngine,
  rec: QueryRecord,
  threshold: number,
  labels: Map<string, string>,
): Verdict {
  let res: QueryResult;
  try {
    res = engine.query(rec.sql);
  } catch (e) {
    const reason = errorReason(e);
    return { reason, got: [reason] };
  }
  const verdict = judgeResult(res, rec, threshold, labels);
  if (res.error !== undefined) verdict.stepError = res.error;
  return verdict;
}

/**
 * Judges a query's result against the record, as the reference does in verify mode; a
 * labeled result also fixes or checks the label's hash in `labels`.
 */
export function judgeResult(
  res: QueryResult,
  rec: QueryRecord,
  threshold: number,
  labels: Map<string, string>,
): Verdict {
  if (res.columnCount !== rec.types.length) {
    return {
      reason: "wrong number of result columns",
      got: [`expected ${rec.types.length} columns but got ${res.columnCount}`],
    };
  }
  const values = renderResult(res, rec.types, rec.sort);
  const n = values.length;
  let hashLine = "";
  let labelClash = false;
  if (rec.label !== "" || (threshold > 0 && n > threshold)) {
    const hash = hashValues(values);
    hashLine = `${n} values hashing to ${hash}`;
    if (rec.label !== "") {
      const prev = labels.get(rec.label);
      if (prev === undefined) labels.set(rec.label, hash);
      else labelClash = prev !== hash;
    }
  }
  if (threshold === 0 || n <= threshold) {
    if (n !== rec.expected.length) {
      // A hashed expectation against a short result still reads best as a count mismatch.
      return { reason: "wrong number of values", got: values };
    }
    for (let i = 0; i < n; i++) {
      if (values[i] !== rec.expected[i]) return { reason: "wrong result", got: values };
    }
  } else {
    const want = rec.expected.length === 1 ? HASH_LINE.exec(rec.expected[0]) : null;
    if (!want || rec.expected[0].trim() !== hashLine) {
      const wantCount = want ? parseInt(rec.expected[0], 10) : rec.expected.length;
      const reason = wantCount === n ? "wrong result (hash)" : "wrong number of values";
      return { reason, got: [hashLine] };
    }
  }
  if (labelClash) {
    return { reason: "result differs from an earlier query with its label", got: [hashLine] };
  }
  return { reason: null, got: values };
}

/** Totals over several files. */
export interface SltSummary {
  /** Per-file results, in run order. */
  files: SltFileResult[];
  /** Records run. */
  run: number;
  /** Records passed. */
  passed: number;
  /** Records failed. */
  failed: number;
  /** Records skipped by guards. */
  skipped: number;
  /** Wall-clock milliseconds. */
  ms: number;
  /** Failures grouped by reason over all files. */
  reasons: Map<string, number>;
  /** Queries that passed although the engine raised an error while stepping. */
  passedWithError: number;
}

/** Adds up file results. */
export function summarize(files: SltFileResult[]): SltSummary {
  const s: SltSummary = {
    files,
    run: 0,
    passed: 0,
    failed: 0,
    skipped: 0,
    ms: 0,
    reasons: new Map(),
    passedWithError: 0,
  };
  for (const f of files) {
    s.run += f.run;
    s.passed += f.passed;
    s.failed += f.failed;
    s.skipped += f.skipped;
    s.ms += f.ms;
    s.passedWithError += f.passedWithError;
    for (const [k, v] of f.reasons) s.reasons.set(k, (s.reasons.get(k) ?? 0) + v);
  }
  return s;
}

/** Pass rate in percent (100 when nothing ran). */
export function passRate(r: { run: number; passed: number }): number {
  return r.run === 0 ? 100 : (100 * r.passed) / r.run;
}

/** The `n` most frequent failure reasons, most frequent first. */
export function topReasons(reasons: Map<string, number>, n = 25): [string, number][] {
  return [...reasons].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, n);
}

/** Lists the `.test` files at `path` (a file, or a directory searched recursively), sorted. */
export function listTestFiles(path: string): string[] {
  const info = Deno.statSync(path);
  if (info.isFile) return [path];
  const out: string[] = [];
  const walk = (dir: string) => {
    const entries = [...Deno.readDirSync(dir)].sort((a, b) => (a.name < b.name ? -1 : 1));
    for (const e of entries) {
      const p = `${dir}/${e.name}`;
      if (e.isDirectory) walk(p);
      else if (e.isFile && e.name.endsWith(".test")) out.push(p);
    }
  };
  walk(path.replace(/\/+$/, ""));
  return out;
}

/** Reads and runs one script file. */
export function runFile(
  path: string,
  factory: EngineFactory,
  options: RunOptions = {},
): SltFileResult {
  return runScript(Deno.readTextFileSync(path), factory, path, options);
}
