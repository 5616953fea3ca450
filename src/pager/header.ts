/**
 * The 100-byte database header at the start of page 1 (fileformat2.html section 1.3).
 *
 * The pager owns the change counter (24), the in-header database size (28), the
 * version-valid-for number (92) and the SQLite version number (96); it updates them on
 * every commit. Everything else is written by the layers above through page 1.
 * @module
 */

import { SqliteError } from "../errors.ts";

/** Size of the database header. */
export const HEADER_SIZE = 100;

/** "SQLite format 3\0". */
export const HEADER_MAGIC: Uint8Array = new TextEncoder().encode("SQLite format 3\0");

/** The SQLITE_VERSION_NUMBER written at offset 96 (we write files like SQLite 3.53.2). */
export const SQLITE_VERSION_NUMBER = 3053002;

/** The default page size for new databases (SQLite's SQLITE_DEFAULT_PAGE_SIZE). */
export const DEFAULT_PAGE_SIZE = 4096;

/** Offsets of the header fields. */
export const HeaderOffset = {
  PAGE_SIZE: 16,
  WRITE_VERSION: 18,
  READ_VERSION: 19,
  RESERVED_BYTES: 20,
  MAX_PAYLOAD_FRACTION: 21,
  MIN_PAYLOAD_FRACTION: 22,
  LEAF_PAYLOAD_FRACTION: 23,
  CHANGE_COUNTER: 24,
  DATABASE_SIZE: 28,
  FREELIST_TRUNK: 32,
  FREELIST_COUNT: 36,
  SCHEMA_COOKIE: 40,
  SCHEMA_FORMAT: 44,
  DEFAULT_CACHE_SIZE: 48,
  LARGEST_ROOT_PAGE: 52,
  TEXT_ENCODING: 56,
  USER_VERSION: 60,
  INCREMENTAL_VACUUM: 64,
  APPLICATION_ID: 68,
  VERSION_VALID_FOR: 92,
  SQLITE_VERSION: 96,
} as const;

/** The decoded header. */
export interface DatabaseHeader {
  /** Page size in bytes (65536 is stored as 1). */
  pageSize: number;
  /** File format write version: 1 legacy (rollback journal), 2 WAL. */
  writeVersion: number;
  /** File format read version: 1 legacy, 2 WAL. */
  readVersion: number;
  /** Bytes reserved at the end of every page. */
  reservedBytes: number;
  /** File change counter. */
  changeCounter: number;
  /** In-header database size in pages (trust it only when {@link headerSizeValid}). */
  databaseSize: number;
  /** First freelist trunk page (0 = none). */
  freelistTrunk: number;
  /** Number of freelist pages. */
  freelistCount: number;
  /** Schema cookie. */
  schemaCookie: number;
  /** Schema format number (1..4). */
  schemaFormat: number;
  /** Default page cache size. */
  defaultCacheSize: number;
  /** Largest root b-tree page (auto/incremental vacuum), else 0. */
  largestRootPage: number;
  /** Text encoding: 1 UTF-8, 2 UTF-16le, 3 UTF-16be (0 on a database without a schema). */
  textEncoding: number;
  /** PRAGMA user_version. */
  userVersion: number;
  /** Non-zero for incremental vacuum mode. */
  incrementalVacuum: number;
  /** PRAGMA application_id. */
  applicationId: number;
  /** Change counter value the in-header size is valid for. */
  versionValidFor: number;
  /** SQLITE_VERSION_NUMBER of the last writer. */
  sqliteVersion: number;
}

function u32(b: Uint8Array, o: number): number {
  return ((b[o] << 24) | (b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3]) >>> 0;
}

/** Big-endian unsigned 32-bit read. */
export function get4(b: Uint8Array, o: number): number {
  return u32(b, o);
}

/** Big-endian 32-bit write. */
export function put4(b: Uint8Array, o: number, v: number): void {
  b[o] = v >>> 24;
  b[o + 1] = v >>> 16;
  b[o + 2] = v >>> 8;
  b[o + 3] = v;
}

/** True for a valid page size (a power of two from 512 to 65536). */
export function isValidPageSize(n: number): boolean {
  return Number.isInteger(n) && n >= 512 && n <= 65536 && (n & (n - 1)) === 0;
}

/** True when the first 16 bytes are "SQLite format 3\0". */
export function hasMagic(b: Uint8Array): boolean {
  if (b.length < 16) return false;
  for (let i = 0; i < 16; i++) if (b[i] !== HEADER_MAGIC[i]) return false;
  return true;
}

/** The page size stored in `b` (bytes 16..17, 1 meaning 65536), without validation. */
export function rawPageSize(b: Uint8Array): number {
  const v = (b[16] << 8) | b[17];
  return v === 1 ? 65536 : v;
}

function notADb(): SqliteError {
  return new SqliteError("SQLITE_NOTADB", "file is not a database");
}

/**
 * Decodes and validates a header, as SQLite does when it opens page 1: bad magic, page
 * size, payload fractions, read version above 2 or usable size below 480 are
 * SQLITE_NOTADB "file is not a database"; a UTF-16 text encoding is SQLITE_ERROR (not
 * supported); a schema format above 4 is SQLITE_ERROR "unsupported file format".
 */
export function parseHeader(b: Uint8Array): DatabaseHeader {
  if (b.length < HEADER_SIZE || !hasMagic(b)) throw notADb();
  const pageSize = rawPageSize(b);
  if (!isValidPageSize(pageSize)) throw notADb();
  if (b[21] !== 64 || b[22] !== 32 || b[23] !== 32) throw notADb();
  if (b[19] > 2) throw notADb();
  const reservedBytes = b[20];
  if (pageSize - reservedBytes < 480) throw notADb();
  const textEncoding = u32(b, 56);
  const enc = textEncoding & 3;
  if (enc === 2 || enc === 3) {
    throw new SqliteError(
      "SQLITE_ERROR",
      `unsupported file format: UTF-16${
        enc === 2 ? "le" : "be"
      } databases are not supported (only UTF-8)`,
    );
  }
  const schemaFormat = u32(b, 44);
  if (schemaFormat > 4) throw new SqliteError("SQLITE_ERROR", "unsupported file format");
  return {
    pageSize,
    writeVersion: b[18],
    readVersion: b[19],
    reservedBytes,
    changeCounter: u32(b, 24),
    databaseSize: u32(b, 28),
    freelistTrunk: u32(b, 32),
    freelistCount: u32(b, 36),
    schemaCookie: u32(b, 40),
    schemaFormat,
    defaultCacheSize: u32(b, 48) | 0,
    largestRootPage: u32(b, 52),
    textEncoding,
    userVersion: u32(b, 60) | 0,
    incrementalVacuum: u32(b, 64),
    applicationId: u32(b, 68) | 0,
    versionValidFor: u32(b, 92),
    sqliteVersion: u32(b, 96),
  };
}

/**
 * True when the in-header database size can be trusted: non-zero and written by a
 * version that also bumped the change counter (version-valid-for == change counter).
 */
export function headerSizeValid(h: DatabaseHeader): boolean {
  return h.databaseSize !== 0 && h.versionValidFor === h.changeCounter;
}

/**
 * Writes every field of `h` into `b` (at least 100 bytes). Bytes 72..91 (reserved for
 * expansion) are zeroed.
 */
export function writeHeader(b: Uint8Array, h: DatabaseHeader): void {
  b.set(HEADER_MAGIC, 0);
  const ps = h.pageSize === 65536 ? 1 : h.pageSize;
  b[16] = ps >>> 8;
  b[17] = ps & 0xff;
  b[18] = h.writeVersion;
  b[19] = h.readVersion;
  b[20] = h.reservedBytes;
  b[21] = 64;
  b[22] = 32;
  b[23] = 32;
  put4(b, 24, h.changeCounter);
  put4(b, 28, h.databaseSize);
  put4(b, 32, h.freelistTrunk);
  put4(b, 36, h.freelistCount);
  put4(b, 40, h.schemaCookie);
  put4(b, 44, h.schemaFormat);
  put4(b, 48, h.defaultCacheSize);
  put4(b, 52, h.largestRootPage);
  put4(b, 56, h.textEncoding);
  put4(b, 60, h.userVersion);
  put4(b, 64, h.incrementalVacuum);
  put4(b, 68, h.applicationId);
  b.fill(0, 72, 92);
  put4(b, 92, h.versionValidFor);
  put4(b, 96, h.sqliteVersion);
}

/**
 * The header of a new, empty database as SQLite writes it: legacy file format (1/1),
 * payload fractions 64/32/32, schema format 4, UTF-8, one page.
 */
export function newHeader(pageSize: number, reservedBytes = 0): DatabaseHeader {
  return {
    pageSize,
    writeVersion: 1,
    readVersion: 1,
    reservedBytes,
    changeCounter: 0,
    databaseSize: 1,
    freelistTrunk: 0,
    freelistCount: 0,
    schemaCookie: 0,
    schemaFormat: 4,
    defaultCacheSize: 0,
    largestRootPage: 0,
    textEncoding: 1,
    userVersion: 0,
    incrementalVacuum: 0,
    applicationId: 0,
    versionValidFor: 0,
    sqliteVersion: SQLITE_VERSION_NUMBER,
  };
}

/**
 * Stamps the fields the pager owns before a commit writes page 1: change counter + 1,
 * database size, version-valid-for = the new counter, our version number.
 */
export function stampCommit(page1: Uint8Array, pageCount: number): void {
  const counter = (u32(page1, 24) + 1) >>> 0;
  put4(page1, 24, counter);
  put4(page1, 28, pageCount);
  put4(page1, 92, counter);
  put4(page1, 96, SQLITE_VERSION_NUMBER);
}
