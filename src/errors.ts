/**
 * SQLite result codes and the error type every engine failure is reported with.
 *
 * The names and numbers are SQLite's own (rescode.html), so code written against
 * node:sqlite or the C API can switch on the same values.
 * @module
 */

/** Primary and extended SQLite result codes, by name. */
export const ResultCode = {
  SQLITE_ERROR: 1,
  SQLITE_INTERNAL: 2,
  SQLITE_PERM: 3,
  SQLITE_ABORT: 4,
  SQLITE_BUSY: 5,
  SQLITE_LOCKED: 6,
  SQLITE_NOMEM: 7,
  SQLITE_READONLY: 8,
  SQLITE_INTERRUPT: 9,
  SQLITE_IOERR: 10,
  SQLITE_CORRUPT: 11,
  SQLITE_NOTFOUND: 12,
  SQLITE_FULL: 13,
  SQLITE_CANTOPEN: 14,
  SQLITE_PROTOCOL: 15,
  SQLITE_EMPTY: 16,
  SQLITE_SCHEMA: 17,
  SQLITE_TOOBIG: 18,
  SQLITE_CONSTRAINT: 19,
  SQLITE_MISMATCH: 20,
  SQLITE_MISUSE: 21,
  SQLITE_NOLFS: 22,
  SQLITE_AUTH: 23,
  SQLITE_FORMAT: 24,
  SQLITE_RANGE: 25,
  SQLITE_NOTADB: 26,
  SQLITE_ABORT_ROLLBACK: 4 | (2 << 8),
  SQLITE_IOERR_READ: 10 | (1 << 8),
  SQLITE_IOERR_SHORT_READ: 10 | (2 << 8),
  SQLITE_IOERR_WRITE: 10 | (3 << 8),
  SQLITE_IOERR_FSYNC: 10 | (4 << 8),
  SQLITE_IOERR_TRUNCATE: 10 | (6 << 8),
  SQLITE_IOERR_FSTAT: 10 | (7 << 8),
  SQLITE_IOERR_UNLOCK: 10 | (8 << 8),
  SQLITE_IOERR_RDLOCK: 10 | (9 << 8),
  SQLITE_IOERR_DELETE: 10 | (10 << 8),
  SQLITE_IOERR_LOCK: 10 | (15 << 8),
  SQLITE_BUSY_RECOVERY: 5 | (1 << 8),
  SQLITE_BUSY_SNAPSHOT: 5 | (2 << 8),
  SQLITE_BUSY_TIMEOUT: 5 | (3 << 8),
  SQLITE_CANTOPEN_ISDIR: 14 | (2 << 8),
  SQLITE_CORRUPT_INDEX: 11 | (3 << 8),
  SQLITE_READONLY_DBMOVED: 8 | (4 << 8),
  SQLITE_CONSTRAINT_CHECK: 19 | (1 << 8),
  SQLITE_CONSTRAINT_FOREIGNKEY: 19 | (3 << 8),
  SQLITE_CONSTRAINT_NOTNULL: 19 | (5 << 8),
  SQLITE_CONSTRAINT_PRIMARYKEY: 19 | (6 << 8),
  SQLITE_CONSTRAINT_UNIQUE: 19 | (8 << 8),
  SQLITE_CONSTRAINT_ROWID: 19 | (10 << 8),
  SQLITE_CONSTRAINT_DATATYPE: 19 | (12 << 8),
} as const;

/** The name of a SQLite result code, e.g. `"SQLITE_CONSTRAINT_UNIQUE"`. */
export type ResultCodeName = keyof typeof ResultCode;

/**
 * The error thrown for every failure the engine detects.
 *
 * `code` is the result-code name and `errcode` SQLite's numeric (extended) code.
 *
 * @example
 * ```ts
 * try {
 *   db.exec("INSERT INTO users(email) VALUES ('a@b')");
 * } catch (e) {
 *   if (e instanceof SqliteError && e.code === "SQLITE_CONSTRAINT_UNIQUE") { }
 * }
 * ```
 */
export class SqliteError extends Error {
  /** The result-code name, e.g. `SQLITE_CORRUPT`. */
  readonly code: ResultCodeName;
  /** SQLite's numeric extended result code. */
  readonly errcode: number;

  /** Creates an error with a result-code name and a message worded like SQLite's. */
  constructor(code: ResultCodeName, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "SqliteError";
    this.code = code;
    this.errcode = ResultCode[code];
  }
}

/** Shorthand for a `SQLITE_CORRUPT` error naming where the damage was found. */
export function corrupt(where: string): SqliteError {
  return new SqliteError("SQLITE_CORRUPT", `database disk image is malformed (${where})`);
}
