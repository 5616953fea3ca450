/**
 * The bytes of a `-wal` file (walformat.html, fileformat2.html section 4): the 32-byte
 * header, the 24-byte frame headers and SQLite's cumulative checksum.
 *
 * All header fields are big-endian. The checksum reads the data as 32-bit words in the
 * byte order the magic number names: 0x377f0682 little-endian, 0x377f0683 big-endian.
 * We write 0x377f0682, as SQLite does on little-endian machines, and read both.
 * @module
 */

import { get4, put4 } from "./header.ts";

/** Size of the WAL header. */
export const WAL_HEADER_SIZE = 32;
/** Size of a frame header. */
export const FRAME_HEADER_SIZE = 24;
/** Magic number with little-endian checksums (what we write). */
export const WAL_MAGIC_LE = 0x377f0682;
/** Magic number with big-endian checksums. */
export const WAL_MAGIC_BE = 0x377f0683;
/** The only WAL format version. */
export const WAL_VERSION = 3007000;

/** A decoded, valid WAL header. */
export interface WalHeader {
  /** Checksums read words big-endian (magic 0x377f0683). */
  bigEndian: boolean;
  /** Database page size. */
  pageSize: number;
  /** Checkpoint sequence number. */
  checkpointSeq: number;
  /** Salt-1, incremented at each restart. */
  salt1: number;
  /** Salt-2, random at each restart. */
  salt2: number;
  /** Checksum of the first 24 header bytes (part 1). */
  cksum1: number;
  /** Checksum part 2. */
  cksum2: number;
}

/**
 * SQLite's WAL checksum over `data[start, end)` (a multiple of 8 bytes), continuing from
 * (s1, s2). Writes the result into `out[0..1]`.
 */
export function walChecksum(
  data: Uint8Array,
  start: number,
  end: number,
  bigEndian: boolean,
  s1: number,
  s2: number,
  out: Uint32Array,
): void {
  const dv = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const le = !bigEndian;
  for (let i = start; i < end; i += 8) {
    s1 = (s1 + dv.getUint32(i, le) + s2) >>> 0;
    s2 = (s2 + dv.getUint32(i + 4, le) + s1) >>> 0;
  }
  out[0] = s1;
  out[1] = s2;
}

/** Decodes a WAL header; null when its magic, version, page size or checksum is wrong. */
export function parseWalHeader(b: Uint8Array): WalHeader | null {
  if (b.length < WAL_HEADER_SIZE) return null;
  const magic = get4(b, 0);
  if (magic !== WAL_MAGIC_LE && magic !== WAL_MAGIC_BE) return null;
  if (get4(b, 4) !== WAL_VERSION) return null;
  const pageSize = get4(b, 8);
  if (pageSize < 512 || pageSize > 65536 || (pageSize & (pageSize - 1)) !== 0) return null;
  const bigEndian = magic === WAL_MAGIC_BE;
  const ck = new Uint32Array(2);
  walChecksum(b, 0, 24, bigEndian, 0, 0, ck);
  if (ck[0] !== get4(b, 24) || ck[1] !== get4(b, 28)) return null;
  return {
    bigEndian,
    pageSize,
    checkpointSeq: get4(b, 12),
    salt1: get4(b, 16),
    salt2: get4(b, 20),
    cksum1: ck[0],
    cksum2: ck[1],
  };
}

/** Encodes a header (little-endian checksums) into `b[0..32)` and returns it decoded. */
export function writeWalHeader(
  b: Uint8Array,
  pageSize: number,
  checkpointSeq: number,
  salt1: number,
  salt2: number,
): WalHeader {
  put4(b, 0, WAL_MAGIC_LE);
  put4(b, 4, WAL_VERSION);
  put4(b, 8, pageSize);
  put4(b, 12, checkpointSeq);
  put4(b, 16, salt1);
  put4(b, 20, salt2);
  const ck = new Uint32Array(2);
  walChecksum(b, 0, 24, false, 0, 0, ck);
  put4(b, 24, ck[0]);
  put4(b, 28, ck[1]);
  return {
    bigEndian: false,
    pageSize,
    checkpointSeq,
    salt1: salt1 >>> 0,
    salt2: salt2 >>> 0,
    cksum1: ck[0],
    cksum2: ck[1],
  };
}

/** Byte offset of frame `n` (1-based) in a WAL of `pageSize` pages. */
export function frameOffset(n: number, pageSize: number): number {
  return WAL_HEADER_SIZE + (n - 1) * (FRAME_HEADER_SIZE + pageSize);
}

/**
 * Encodes a frame at `b[at..]`: header then `page`, chaining the checksum from `ck`
 * (updated in place to the frame's checksum).
 */
export function writeFrame(
  b: Uint8Array,
  at: number,
  hdr: WalHeader,
  pgno: number,
  commitSize: number,
  page: Uint8Array,
  ck: Uint32Array,
): void {
  put4(b, at, pgno);
  put4(b, at + 4, commitSize);
  put4(b, at + 8, hdr.salt1);
  put4(b, at + 12, hdr.salt2);
  b.set(page, at + FRAME_HEADER_SIZE);
  walChecksum(b, at, at + 8, hdr.bigEndian, ck[0], ck[1], ck);
  walChecksum(
    b,
    at + FRAME_HEADER_SIZE,
    at + FRAME_HEADER_SIZE + page.length,
    hdr.bigEndian,
    ck[0],
    ck[1],
    ck,
  );
  put4(b, at + 16, ck[0]);
  put4(b, at + 20, ck[1]);
}

/**
 * Checks the frame in `b[at..at+24+pageSize)` against the header's salts and the running
 * checksum `ck` (updated in place when valid). Returns the page number, or 0 when the
 * frame is not valid (which ends the log).
 */
export function checkFrame(
  b: Uint8Array,
  at: number,
  hdr: WalHeader,
  ck: Uint32Array,
  scratch: Uint32Array,
): number {
  const pgno = get4(b, at);
  if (pgno === 0) return 0;
  if (get4(b, at + 8) !== hdr.salt1 || get4(b, at + 12) !== hdr.salt2) return 0;
  walChecksum(b, at, at + 8, hdr.bigEndian, ck[0], ck[1], scratch);
  walChecksum(
    b,
    at + FRAME_HEADER_SIZE,
    at + FRAME_HEADER_SIZE + hdr.pageSize,
    hdr.bigEndian,
    scratch[0],
    scratch[1],
    scratch,
  );
  if (scratch[0] !== get4(b, at + 16) || scratch[1] !== get4(b, at + 20)) return 0;
  ck[0] = scratch[0];
  ck[1] = scratch[1];
  return pgno;
}
