/**
 * Text and JSON reports of sqllogictest runs.
 * @module
 */

import { passRate, type SltFileResult, type SltSummary, summarize, topReasons } from "./runner.ts";

function pct(r: { run: number; passed: number }): string {
  return `${passRate(r).toFixed(1)}%`.padStart(6);
}

/** Strips `root/` from a path for display. */
export function relativeTo(root: string, path: string): string {
  const r = root.replace(/\/+$/, "") + "/";
  return path.startsWith(r) ? path.slice(r.length) : path;
}

/** One line for a file: records run, passed, failed, pass rate, time. */
export function formatFileLine(f: SltFileResult, name = f.file): string {
  const slow = f.slow.length > 0 ? `  (${f.slow.length} slow records)` : "";
  return `${name}: run ${f.run}, passed ${f.passed}, failed ${f.failed}, ` +
    `${pct(f).trim()} pass, ${(f.ms / 1000).toFixed(1)} s${slow}`;
}

/** Groups file results by the directory of their path (relative to `root`). */
export function byDirectory(root: string, files: SltFileResult[]): Map<string, SltSummary> {
  const groups = new Map<string, SltFileResult[]>();
  for (const f of files) {
    const rel = relativeTo(root, f.file);
    const slash = rel.lastIndexOf("/");
    const dir = slash < 0 ? "." : rel.slice(0, slash);
    groups.set(dir, [...(groups.get(dir) ?? []), f]);
  }
  const out = new Map<string, SltSummary>();
  for (const [dir, fs] of [...groups].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
    out.set(dir, summarize(fs));
  }
  return out;
}

/** The closing report: per-directory totals, the total, and the top failure reasons. */
export function formatSummary(root: string, s: SltSummary, top = 25): string {
  const lines: string[] = [];
  lines.push("", "Per directory:");
  for (const [dir, d] of byDirectory(root, s.files)) {
    lines.push(
      `  ${dir.padEnd(24)} ${String(d.passed).padStart(7)} / ${String(d.run).padEnd(7)} ${pct(d)}` +
        `  ${(d.ms / 1000).toFixed(1).padStart(6)} s`,
    );
  }
  lines.push(
    "",
    `Total: ${s.files.length} files, run ${s.run}, passed ${s.passed}, failed ${s.failed}, ` +
      `skipped ${s.skipped}, ${pct(s).trim()} pass, ${(s.ms / 1000).toFixed(1)} s`,
  );
  if (s.passedWithError > 0) {
    lines.push(
      `(${s.passedWithError} queries passed with an error raised while stepping, as SQLite does)`,
    );
  }
  const reasons = topReasons(s.reasons, top);
  if (reasons.length > 0) {
    lines.push("", `Top ${reasons.length} failure reasons:`);
    for (const [reason, n] of reasons) lines.push(`  ${String(n).padStart(7)}  ${reason}`);
  }
  const slow = s.files.filter((f) => f.slow.length > 0);
  if (slow.length > 0) {
    lines.push("", "Slow records (> 1 s):");
    for (const f of slow) {
      const worst = Math.max(...f.slow.map((x) => x.ms));
      lines.push(`  ${relativeTo(root, f.file)}: ${f.slow.length} records, worst ${worst} ms`);
    }
  }
  return lines.join("\n");
}

/** A machine-readable report. */
export function summaryJson(root: string, engine: string, s: SltSummary, top = 25): unknown {
  const rate = (r: { run: number; passed: number }) => Math.round(passRate(r) * 100) / 100;
  return {
    engine,
    root,
    total: {
      files: s.files.length,
      run: s.run,
      passed: s.passed,
      failed: s.failed,
      skipped: s.skipped,
      passedWithError: s.passedWithError,
      passRate: rate(s),
      ms: Math.round(s.ms),
    },
    directories: Object.fromEntries(
      [...byDirectory(root, s.files)].map((
        [dir, d],
      ) => [dir, {
        run: d.run,
        passed: d.passed,
        failed: d.failed,
        passRate: rate(d),
        ms: Math.round(d.ms),
      }]),
    ),
    files: s.files.map((f) => ({
      file: relativeTo(root, f.file),
      run: f.run,
      passed: f.passed,
      failed: f.failed,
      skipped: f.skipped,
      passRate: rate(f),
      ms: Math.round(f.ms),
      slow: f.slow,
      stopped: f.stopped,
    })),
    reasons: topReasons(s.reasons, top).map(([reason, count]) => ({ reason, count })),
  };
}
