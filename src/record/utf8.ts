/**
 * UTF-8 helpers for records: length, encoding into a caller's buffer, decoding.
 *
 * Hand-written rather than TextEncoder.encodeInto because records hold many short strings and
 * a plain loop avoids the per-call subarray and result object. Lone surrogates encode as
 * U+FFFD, as TextEncoder does.
 * @module
 */

const decoder = new TextDecoder("utf-8");
const encoder = new TextEncoder();

/** The number of bytes `s` takes in UTF-8. */
export function utf8Length(s: string): number {
  const n = s.length;
  let len = n;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) continue;
    if (c < 0x800) {
      len += 1;
    } else if (c >= 0xd800 && c <= 0xdbff && i + 1 < n) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        len += 2; // 4 bytes for 2 code units
        i++;
      } else {
        len += 2;
      }
    } else {
      len += 2;
    }
  }
  return len;
}

/** Writes `s` as UTF-8 at `offset` (the caller sized the buffer); returns the bytes written. */
export function writeUtf8(s: string, buf: Uint8Array, offset: number): number {
  const n = s.length;
  let o = offset;
  for (let i = 0; i < n; i++) {
    let c = s.charCodeAt(i);
    if (c < 0x80) {
      buf[o++] = c;
    } else if (c < 0x800) {
      buf[o++] = 0xc0 | (c >> 6);
      buf[o++] = 0x80 | (c & 0x3f);
    } else {
      if (c >= 0xd800 && c <= 0xdfff) {
        const d = i + 1 < n ? s.charCodeAt(i + 1) : 0;
        if (c <= 0xdbff && d >= 0xdc00 && d <= 0xdfff) {
          const cp = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
          buf[o++] = 0xf0 | (cp >> 18);
          buf[o++] = 0x80 | ((cp >> 12) & 0x3f);
          buf[o++] = 0x80 | ((cp >> 6) & 0x3f);
          buf[o++] = 0x80 | (cp & 0x3f);
          i++;
          continue;
        }
        c = 0xfffd;
      }
      buf[o++] = 0xe0 | (c >> 12);
      buf[o++] = 0x80 | ((c >> 6) & 0x3f);
      buf[o++] = 0x80 | (c & 0x3f);
    }
  }
  return o - offset;
}

/** `s` as a new UTF-8 byte array. */
export function encodeUtf8(s: string): Uint8Array {
  return encoder.encode(s);
}

/**
 * Up to this many bytes, ASCII is decoded in JS; above it TextDecoder is faster despite its
 * per-call cost (measured on Deno 2.9: 8-byte chunks beat it 3x at 10 bytes, tie near 30
 * bytes, and lose 1.7x at 100 and 4x at 256 bytes, counting a read of the result).
 */
const JS_DECODE_MAX = 32;

/** Decodes bytes [start, end) as UTF-8 (invalid sequences become U+FFFD). */
export function decodeUtf8(buf: Uint8Array, start: number, end: number): string {
  // Short ASCII strings are the common case; building them directly avoids a view object.
  if (end - start <= JS_DECODE_MAX) {
    let s = "";
    let i = start;
    // Eight characters per fromCharCode call: a quarter of the concatenations.
    for (; i + 8 <= end; i += 8) {
      const c0 = buf[i], c1 = buf[i + 1], c2 = buf[i + 2], c3 = buf[i + 3];
      const c4 = buf[i + 4], c5 = buf[i + 5], c6 = buf[i + 6], c7 = buf[i + 7];
      if (((c0 | c1 | c2 | c3 | c4 | c5 | c6 | c7) & 0x80) !== 0) {
        return decoder.decode(buf.subarray(start, end));
      }
      s += String.fromCharCode(c0, c1, c2, c3, c4, c5, c6, c7);
    }
    for (; i < end; i++) {
      const c = buf[i];
      if (c >= 0x80) return decoder.decode(buf.subarray(start, end));
      s += String.fromCharCode(c);
    }
    return s;
  }
  const n = end - start;
  if (n <= SCRATCH_MAX) {
    // Copied into a view of exactly n bytes kept for that length: TextDecoder needs a view
    // of the range, and a subarray per value (a scan decodes one per row) made a text
    // column allocate about twice what the string itself takes.
    const view = scratchViews[n] ??= new Uint8Array(scratch.buffer, 0, n);
    for (let i = 0; i < n; i++) view[i] = buf[start + i];
    return decoder.decode(view);
  }
  return decoder.decode(buf.subarray(start, end));
}

/** Longest text {@link decodeUtf8} decodes through {@link scratch}. */
const SCRATCH_MAX = 256;
const scratch = new Uint8Array(SCRATCH_MAX);
const scratchViews: Uint8Array[] = [];

/** The last buffer counted in, its byteOffset, and a Uint32Array over its whole ArrayBuffer. */
let lastBuf: Uint8Array | undefined;
let lastBase = 0;
let words: Uint32Array<ArrayBufferLike> = new Uint32Array(0);

/**
 * The number of characters in the UTF-8 bytes [start, end) before the first NUL, as SQLite's
 * length() counts TEXT.
 *
 * Long runs are scanned eight bytes at a time while they are ASCII without NUL: length() of a
 * long TEXT column is counted per row in aggregate scans, and a byte loop was most of it. The
 * word view is kept per buffer (rows of one page follow each other), as `buffer` and
 * `byteOffset` cost more per call than the comparison.
 */
export function utf8CharCount(buf: Uint8Array, start: number, end: number): number {
  let p = start;
  if (end - start >= 16) {
    if (buf !== lastBuf) {
      const ab = buf.buffer;
      if (ab !== words.buffer) words = new Uint32Array(ab, 0, ab.byteLength >>> 2);
      lastBuf = buf;
      lastBase = buf.byteOffset;
    }
    const base = lastBase;
    while (((base + p) & 3) !== 0) {
      const c = buf[p];
      if (c === 0 || c >= 0x80) break;
      p++;
    }
    if (((base + p) & 3) === 0) {
      const w32 = words;
      let w = (base + p) >>> 2;
      const wEnd = (base + end) >>> 2;
      if (wEnd <= w32.length) {
        // Words go on only while no byte has its high bit set (ASCII) and none is 0.
        for (; w + 2 <= wEnd; w += 2) {
          const a = w32[w];
          const b = w32[w + 1];
          if (((a | b | ((a - 0x01010101) & ~a) | ((b - 0x01010101) & ~b)) & 0x80808080) !== 0) {
            break;
          }
        }
        for (; w < wEnd; w++) {
          const x = w32[w];
          if (((x | ((x - 0x01010101) & ~x)) & 0x80808080) !== 0) break;
        }
        p = (w << 2) - base;
      }
    }
  }
  // SQLite's loop (func.c lengthFunc): a lead byte from 0xc0 takes the continuation bytes
  // after it; any other byte, a stray continuation byte too, is one character.
  let n = p - start;
  while (p < end) {
    const c = buf[p++];
    if (c === 0) break;
    n++;
    if (c >= 0xc0) { while (p < end && (buf[p] & 0xc0) === 0x80) p++; }
  }
  return n;
}
