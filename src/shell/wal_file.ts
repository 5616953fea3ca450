/**
 * A read-only parse of a `-wal` file (walformat.html, fileformat2.html section 4): the
 * header, every frame with its salts and checksum, which commit each frame belongs to, and
 * where the valid log ends. Written independently of the pager's WAL code, so the shell
 * can check it.
 * @module
 */

/** The 32-byte WAL header. */
export interface WalFileHeader {
  /** 0x377f0682 (little-endian checksums) or 0x377f0683 (big-endian). */
  magic: number;
  /** File format version (3007000). */
  version: number;
  /** Database page size. */
  pageSize: number;
  /** Checkpoint sequence number. */
  checkpointSeq: number;
  /** Salt-1. */
  salt1: number;
  /** Salt-2. */
  salt2: number;
  /** Checksum over the first 24 bytes. */
  checksum1: number;
  /** Second checksum word. */
  checksum2: number;
  /** The stored checksum matches the header's bytes. */
  checksumOk: boolean;
}

/** One frame of the log. */
export interface WalFrame {
  /** 1-based frame number. */
  index: number;
  /** Byte offset of the frame header in the file. */
  offset: number;
  /** Database page the frame holds. */
  pgno: number;
  /** For a commit frame, the database size in pages after the commit; else 0. */
  dbSize: number;
  /** Salt-1 of the frame. */
  salt1: number;
  /** Salt-2 of the frame. */
  salt2: number;
  /** The salts equal the header's. */
  saltOk: boolean;
  /** The cumulative checksum holds (computed over the valid frames before it). */
  checksumOk: boolean;
  /** The 1-based commit this frame belongs to, or null when it is past the valid log. */
  commit: number | null;
}

/** A parsed WAL file. */
export interface WalFile {
  /** The header, or null when the file is shorter than 32 bytes or has a bad magic. */
  header: WalFileHeader | null;
  /** All whole frames in the file. */
  frames: WalFrame[];
  /** Number of frames in the valid log (up to and including the last valid commit). */
  validFrames: number;
  /** Number of commits in the valid log. */
  commits: number;
  /** Database size in pages after the last valid commit (0 when none). */
  dbSize: number;
  /** Bytes in the file. */
  fileSize: number;
}

function be32(b: Uint8Array, o: number): number {
  return ((b[o] << 24) | (b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3]) >>> 0;
}

/**
 * SQLite's WAL checksum over `b[start, end)` (a multiple of 8 bytes), continuing from
 * (s0, s1); words are big-endian when `bigEndian`, else little-endian.
 */
export function walChecksumOf(
  b: Uint8Array,
  start: number,
  end: number,
  bigEndian: boolean,
  s0: number,
  s1: number,
): [number, number] {
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  for (let i = start; i < end; i += 8) {
    const x0 = dv.getUint32(i, !bigEndian);
    const x1 = dv.getUint32(i + 4, !bigEndian);
    s0 = (s0 + x0 + s1) >>> 0;
    s1 = (s1 + x1 + s0) >>> 0;
  }
  return [s0, s1];
}

/** Parses the bytes of a WAL file. */
export function parseWalFile(b: Uint8Array): WalFile {
  const empty: WalFile = {
    header: null,
    frames: [],
    validFrames: 0,
    commits: 0,
    dbSize: 0,
    fileSize: b.length,
  };
  if (b.length < 32) return empty;
  const magic = be32(b, 0);
  if (magic !== 0x377f0682 && magic !== 0x377f0683) return empty;
  const bigEndian = (magic & 1) === 1;
  const [h0, h1] = walChecksumOf(b, 0, 24, bigEndian, 0, 0);
  const header: WalFileHeader = {
    magic,
    version: be32(b, 4),
    pageSize: be32(b, 8),
    checkpointSeq: be32(b, 12),
    salt1: be32(b, 16),
    salt2: be32(b, 20),
    checksum1: be32(b, 24),
    checksum2: be32(b, 28),
    checksumOk: false,
  };
  header.checksumOk = h0 === header.checksum1 && h1 === header.checksum2;
  const ps = header.pageSize;
  const validPageSize = ps >= 512 && ps <= 65536 && (ps & (ps - 1)) === 0;
  const frames: WalFrame[] = [];
  if (!validPageSize) return { ...empty, header };
  let s0 = h0;
  let s1 = h1;
  let chainOk = header.checksumOk && header.version === 3007000;
  let validFrames = 0;
  let commits = 0;
  let dbSize = 0;
  const frameSize = 24 + ps;
  for (let off = 32, index = 1; off + frameSize <= b.length; off += frameSize, index++) {
    const frame: WalFrame = {
      index,
      offset: off,
      pgno: be32(b, off),
      dbSize: be32(b, off + 4),
      salt1: be32(b, off + 8),
      salt2: be32(b, off + 12),
      saltOk: false,
      checksumOk: false,
      commit: null,
    };
    frame.saltOk = frame.salt1 === header.salt1 && frame.salt2 === header.salt2;
    // The checksum chains through the frame's first 8 header bytes and its page.
    let [c0, c1] = walChecksumOf(b, off, off + 8, bigEndian, s0, s1);
    [c0, c1] = walChecksumOf(b, off + 24, off + 24 + ps, bigEndian, c0, c1);
    frame.checksumOk = c0 === be32(b, off + 16) && c1 === be32(b, off + 20);
    if (chainOk && frame.saltOk && frame.checksumOk && frame.pgno !== 0) {
      s0 = c0;
      s1 = c1;
      if (frame.dbSize !== 0) {
        commits++;
        validFrames = index;
        dbSize = frame.dbSize;
      }
    } else {
      chainOk = false;
    }
    frames.push(frame);
  }
  // Frames of the valid log belong to the commit that ends their group.
  let commit = 1;
  for (const f of frames) {
    if (f.index > validFrames) break;
    f.commit = commit;
    if (f.dbSize !== 0) commit++;
  }
  return { header, frames, validFrames, commits, dbSize, fileSize: b.length };
}
