/**
 * SQLite's printf()/format() SQL function (printf.html; printf.c sqlite3_str_vappendf with
 * SQLITE_PRINTF_SQLFUNC). Widths and precisions count UTF-8 bytes, except with the `!` flag
 * where they count characters; arguments are converted as sqlite3_value_int64/double/text do,
 * and missing arguments read as 0, 0.0 or NULL.
 * @module
 */

import { SqliteError } from "../../errors.ts";
import type { SqlValue } from "../../record/value.ts";
import { castToInteger, toReal, valueToText } from "../../record/conversion.ts";
import { fpDecode } from "../../record/float_decimal.ts";
import { encodeUtf8, utf8Length } from "../../record/utf8.ts";

/**
 * SQLITE_LIMIT_LENGTH's default is 1e9 bytes; V8 strings stop at 2^29-24 code units, so
 * results longer than that are SQLITE_TOOBIG here (SQLite would build them).
 */
const MAX_LENGTH = 0x1fffffe8;
/** SQLITE_FP_PRECISION_LIMIT. */
const FP_PRECISION_LIMIT = 100000000;

const enum T {
  RADIX,
  FLOAT,
  EXP,
  GENERIC,
  SIZE,
  STRING,
  PERCENT,
  CHARX,
  SQLESCAPE,
  SQLESCAPE2,
  SQLESCAPE3,
  POINTER,
  ORDINAL,
  DECIMAL,
  STOP,
  INVALID,
}

interface FmtInfo {
  base: number;
  signed: boolean;
  type: T;
  /** Upper-case digits (and "E") when true. */
  upper: boolean;
  /** The "#" prefix: "", "0x", "0", "0X". */
  prefix: string;
}

const FMT: Record<string, FmtInfo> = {
  d: { base: 10, signed: true, type: T.DECIMAL, upper: true, prefix: "" },
  s: { base: 0, signed: false, type: T.STRING, upper: true, prefix: "" },
  g: { base: 0, signed: true, type: T.GENERIC, upper: false, prefix: "" },
  z: { base: 0, signed: false, type: T.STRING, upper: true, prefix: "" },
  q: { base: 0, signed: false, type: T.SQLESCAPE, upper: true, prefix: "" },
  Q: { base: 0, signed: false, type: T.SQLESCAPE2, upper: true, prefix: "" },
  w: { base: 0, signed: false, type: T.SQLESCAPE3, upper: true, prefix: "" },
  c: { base: 0, signed: false, type: T.CHARX, upper: true, prefix: "" },
  o: { base: 8, signed: false, type: T.RADIX, upper: true, prefix: "0" },
  u: { base: 10, signed: false, type: T.DECIMAL, upper: true, prefix: "" },
  x: { base: 16, signed: false, type: T.RADIX, upper: false, prefix: "0x" },
  X: { base: 16, signed: false, type: T.RADIX, upper: true, prefix: "0X" },
  f: { base: 0, signed: true, type: T.FLOAT, upper: true, prefix: "" },
  e: { base: 0, signed: true, type: T.EXP, upper: false, prefix: "" },
  E: { base: 0, signed: true, type: T.EXP, upper: true, prefix: "" },
  G: { base: 0, signed: true, type: T.GENERIC, upper: true, prefix: "" },
  i: { base: 10, signed: true, type: T.DECIMAL, upper: true, prefix: "" },
  n: { base: 0, signed: false, type: T.SIZE, upper: true, prefix: "" },
  "%": { base: 0, signed: false, type: T.PERCENT, upper: true, prefix: "" },
  p: { base: 16, signed: false, type: T.POINTER, upper: true, prefix: "0x" },
  T: { base: 0, signed: false, type: T.STOP, upper: true, prefix: "" },
  S: { base: 0, signed: false, type: T.STOP, upper: true, prefix: "" },
  r: { base: 10, signed: true, type: T.ORDINAL, upper: true, prefix: "" },
};

const ORD = ["th", "st", "nd", "rd"];

function tooBig(): SqliteError {
  return new SqliteError("SQLITE_TOOBIG", "string or blob too big");
}

/** The C string of a text (up to the first NUL). */
function cstr(s: string): string {
  const z = s.indexOf("\0");
  return z < 0 ? s : s.slice(0, z);
}

/** Converts to a C int (low 32 bits, signed). */
function toInt32(v: number | bigint): number {
  return typeof v === "number" && v >= -0x80000000 && v <= 0x7fffffff
    ? v
    : Number(BigInt.asIntN(32, BigInt(v)));
}

/** The first `n` bytes of `s`'s UTF-8 (a cut character decodes as U+FFFD, as SQLite's bytes do). */
function byteSlice(s: string, n: number): string {
  let ascii = true;
  for (let i = 0; i < s.length && i < n; i++) {
    if (s.charCodeAt(i) >= 0x80) {
      ascii = false;
      break;
    }
  }
  if (ascii) return s.slice(0, n);
  return new TextDecoder().decode(encodeUtf8(s).subarray(0, n));
}

/** The first `n` characters (code points) of `s`. */
function charSlice(s: string, n: number): string {
  let i = 0;
  while (n-- > 0 && i < s.length) i += (s.codePointAt(i) as number) > 0xffff ? 2 : 1;
  return s.slice(0, i);
}

/** Number of UTF-8 continuation bytes in `s` (what "!" adds to a width). */
function continuationBytes(s: string): number {
  return utf8Length(s) - [...s].length;
}

function spaces(n: number): string {
  if (n > MAX_LENGTH) throw tooBig();
  return " ".repeat(n);
}

function zeros(n: number): string {
  if (n > MAX_LENGTH) throw tooBig();
  return "0".repeat(n);
}

/** Digits of a u64 in `base` (lower- or upper-case). */
function digitsOf(v: bigint, base: number, upper: boolean): string {
  const s = v.toString(base);
  return upper ? s.toUpperCase() : s;
}

function groupThousands(d: string): string {
  let out = "";
  const first = (d.length - 1) % 3 + 1;
  out = d.slice(0, first);
  for (let i = first; i < d.length; i += 3) out += "," + d.slice(i, i + 3);
  return out;
}

/**
 * Formats `format` with SQL values as printf()/format() does. NULL format gives NULL.
 * Throws SQLITE_TOOBIG when the result would exceed SQLITE_LIMIT_LENGTH.
 */
export function sqlPrintf(format: SqlValue, args: readonly SqlValue[]): string | null {
  if (format === null) return null;
  const fmt = cstr(valueToText(format) as string);
  let used = 0;
  const intArg = (): number | bigint => (used < args.length ? castToInteger(args[used++]) ?? 0 : 0);
  const doubleArg = (): number => (used < args.length ? toReal(args[used++]) : 0);
  const textArg = (): string | null => {
    if (used >= args.length) return null;
    const t = valueToText(args[used++]);
    return t === null ? null : cstr(t);
  };

  let out = "";
  let outBytes = 0;
  // SQLite's result is NULL when nothing at all was appended (even an empty append counts).
  let touched = false;
  const append = (s: string, bytes: number) => {
    touched = true;
    outBytes += bytes;
    if (outBytes > MAX_LENGTH) throw tooBig();
    out += s;
  };
  const n = fmt.length;
  let i = 0;
  while (i < n) {
    let c = fmt.charCodeAt(i);
    if (c !== 0x25) {
      let j = fmt.indexOf("%", i);
      if (j < 0) j = n;
      const lit = fmt.slice(i, j);
      append(lit, utf8Length(lit));
      i = j;
      continue;
    }
    i++;
    if (i >= n) {
      append("%", 1);
      break;
    }
    c = fmt.charCodeAt(i);
    let leftJustify = false;
    let flagPrefix = "";
    let altForm = false;
    let altForm2 = false;
    let zeroPad = false;
    let thousands = false;
    let width = 0;
    let precision = -1;
    let done = false;
    do {
      switch (c) {
        case 0x2d: // -
          leftJustify = true;
          break;
        case 0x2b: // +
          flagPrefix = "+";
          break;
        case 0x20: // space
          flagPrefix = " ";
          break;
        case 0x23: // #
          altForm = true;
          break;
        case 0x21: // !
          altForm2 = true;
          break;
        case 0x30: // 0
          zeroPad = true;
          break;
        case 0x2c: // ,
          thousands = true;
          break;
        case 0x6c: // l, ll
          c = ++i < n ? fmt.charCodeAt(i) : 0;
          if (c === 0x6c) c = ++i < n ? fmt.charCodeAt(i) : 0;
          done = true;
          break;
        case 0x31:
        case 0x32:
        case 0x33:
        case 0x34:
        case 0x35:
        case 0x36:
        case 0x37:
        case 0x38:
        case 0x39: {
          let wx = c - 0x30;
          while ((c = ++i < n ? fmt.charCodeAt(i) : 0) >= 0x30 && c <= 0x39) {
            wx = (wx * 10 + c - 0x30) % 4294967296;
          }
          width = wx & 0x7fffffff;
          if (c !== 0x2e && c !== 0x6c) done = true;
          else i--;
          break;
        }
        case 0x2a: { // *
          width = toInt32(intArg());
          if (width < 0) {
            leftJustify = true;
            width = width >= -2147483647 ? -width : 0;
          }
          const next = i + 1 < n ? fmt.charCodeAt(i + 1) : 0;
          if (next !== 0x2e && next !== 0x6c) {
            c = ++i < n ? fmt.charCodeAt(i) : 0;
            done = true;
          }
          break;
        }
        case 0x2e: { // .
          c = ++i < n ? fmt.charCodeAt(i) : 0;
          if (c === 0x2a) {
            precision = toInt32(intArg());
            if (precision < 0) precision = precision >= -2147483647 ? -precision : -1;
            c = ++i < n ? fmt.charCodeAt(i) : 0;
          } else {
            let px = 0;
            while (c >= 0x30 && c <= 0x39) {
              px = (px * 10 + c - 0x30) % 4294967296;
              c = ++i < n ? fmt.charCodeAt(i) : 0;
            }
            precision = px & 0x7fffffff;
          }
          if (c === 0x6c) i--;
          else done = true;
          break;
        }
        default:
          done = true;
      }
    } while (!done && (c = ++i < n ? fmt.charCodeAt(i) : 0) !== 0);
    // i is at the conversion character (or past the end).
    const info = c === 0 ? undefined : FMT[String.fromCharCode(c)];
    i++;
    if (info === undefined || info.type === T.STOP) break;

    let text: string; // the converted field
    let length: number; // its length in bytes
    switch (info.type) {
      case T.POINTER:
      case T.ORDINAL:
      case T.RADIX:
      case T.DECIMAL: {
        if (info.type !== T.DECIMAL) thousands = false;
        let v: bigint;
        let prefix = "";
        if (info.signed) {
          const x = intArg();
          if (x < 0) {
            v = -BigInt(x);
            prefix = "-";
          } else {
            v = BigInt(x);
            prefix = flagPrefix;
          }
        } else {
          v = BigInt.asUintN(64, BigInt(intArg()));
        }
        if (v === 0n) altForm = false;
        if (zeroPad && precision < width - (prefix ? 1 : 0)) {
          precision = width - (prefix ? 1 : 0);
        }
        if (precision > MAX_LENGTH) throw tooBig();
        let body = digitsOf(v, info.base, info.upper);
        if (info.type === T.ORDINAL) {
          let x = Number(v % 10n);
          if (x >= 4 || (v / 10n) % 10n === 1n) x = 0;
          body += ORD[x];
        }
        if (precision > body.length) body = zeros(precision - body.length) + body;
        if (thousands) body = groupThousands(body);
        text = prefix + (altForm ? info.prefix : "") + body;
        length = text.length;
        break;
      }
      case T.FLOAT:
      case T.EXP:
      case T.GENERIC: {
        const r = doubleArg();
        if (precision < 0) precision = 6;
        if (precision > FP_PRECISION_LIMIT) precision = FP_PRECISION_LIMIT;
        let xtype = info.type;
        if (xtype === T.GENERIC && precision === 0) precision = 1;
        const iRound = xtype === T.FLOAT
          ? -precision
          : xtype === T.GENERIC
          ? precision
          : precision + 1;
        const s = fpDecode(r, iRound, altForm2 ? 26 : 16);
        let digits = s.digits;
        let iDP = s.iDP;
        if (s.isSpecial === 2) {
          text = zeroPad ? "null" : "NaN";
          length = text.length;
          break;
        } else if (s.isSpecial === 1) {
          if (zeroPad) {
            digits = "9";
            iDP = 1000;
          } else {
            text = s.sign === "-" ? "-Inf" : flagPrefix + "Inf";
            length = text.length;
            break;
          }
        }
        // SQLite 3.53 drops the "-" of a %#f value that rounds to zero unless "+" or " " is given.
        const roundsToZero = info.type === T.FLOAT && iDP + precision <= 0;
        const prefix = s.sign === "-" && !(altForm && flagPrefix === "" && roundsToZero)
          ? "-"
          : flagPrefix;
        let exp = iDP - 1;
        if (xtype === T.GENERIC && precision > 0) precision--;
        let rtz: boolean;
        if (xtype === T.GENERIC) {
          rtz = !altForm;
          if (exp < -4 || exp > precision) {
            xtype = T.EXP;
          } else {
            precision = precision - exp;
            xtype = T.FLOAT;
          }
        } else {
          rtz = altForm2;
        }
        let e2 = xtype === T.EXP ? 0 : iDP - 1;
        if (Math.max(e2, 0) + precision + width + 15 > MAX_LENGTH) throw tooBig();
        const dp = precision > 0 || altForm || altForm2;
        const parts: string[] = [prefix];
        let j = 0;
        const nd = digits.length;
        if (e2 < 0) {
          parts.push("0");
        } else {
          for (; e2 >= 0; e2--) {
            parts.push(j < nd ? digits[j++] : "0");
            if (thousands && e2 % 3 === 0 && e2 > 1) parts.push(",");
          }
        }
        if (dp) parts.push(".");
        for (e2++; e2 < 0 && precision > 0; precision--, e2++) parts.push("0");
        if (precision > 0) {
          if (j < nd) {
            const take = Math.min(precision, nd - j);
            parts.push(digits.slice(j, j + take));
            j += take;
            precision -= take;
          }
          if (precision > 0) parts.push(zeros(precision));
          precision = 0;
        }
        let body = parts.join("");
        if (rtz && dp) {
          let end = body.length;
          while (body.charCodeAt(end - 1) === 0x30) end--;
          body = body.slice(0, end);
          if (body.endsWith(".")) body = altForm2 ? body + "0" : body.slice(0, -1);
        }
        if (xtype === T.EXP) {
          exp = iDP - 1;
          body += info.upper ? "E" : "e";
          if (exp < 0) {
            body += "-";
            exp = -exp;
          } else {
            body += "+";
          }
          if (exp >= 100) {
            body += String.fromCharCode(0x30 + Math.floor(exp / 100));
            exp %= 100;
          }
          body += String.fromCharCode(0x30 + Math.floor(exp / 10), 0x30 + (exp % 10));
        }
        if (zeroPad && !leftJustify && body.length < width) {
          const pad = zeros(width - body.length);
          body = prefix ? prefix + pad + body.slice(prefix.length) : pad + body;
        }
        text = body;
        length = body.length;
        break;
      }
      case T.SIZE:
        text = "";
        length = 0;
        width = 0;
        break;
      case T.PERCENT:
        text = "%";
        length = 1;
        break;
      case T.CHARX: {
        const t = textArg();
        let ch: string;
        if (t === null) {
          ch = "\0";
        } else if (t.length === 0) {
          ch = "\0";
        } else {
          ch = String.fromCodePoint(t.codePointAt(0) as number);
        }
        const chBytes = utf8Length(ch);
        if (precision > 1) {
          width -= precision - 1;
          if (width > 1 && !leftJustify) {
            append(spaces(width - 1), width - 1);
            width = 0;
          }
          if ((precision - 1) * chBytes > MAX_LENGTH) throw tooBig();
          append(ch.repeat(precision - 1), (precision - 1) * chBytes);
        }
        text = ch;
        length = chBytes;
        width += chBytes - 1;
        break;
      }
      case T.STRING: {
        const t = textArg() ?? "";
        if (precision >= 0) {
          text = altForm2 ? charSlice(t, precision) : byteSlice(t, precision);
        } else {
          text = t;
        }
        length = utf8Length(text);
        if (altForm2 && width > 0) width += continuationBytes(text);
        break;
      }
      case T.SQLESCAPE:
      case T.SQLESCAPE2:
      case T.SQLESCAPE3: {
        const q = info.type === T.SQLESCAPE3 ? '"' : "'";
        const t = textArg();
        const isNull = t === null;
        let arg = t ?? (info.type === T.SQLESCAPE2 ? "NULL" : "(NULL)");
        if (precision >= 0) arg = altForm2 ? charSlice(arg, precision) : byteSlice(arg, precision);
        let body = arg.split(q).join(q + q);
        if (!isNull && info.type === T.SQLESCAPE2) body = q + body + q;
        text = body;
        length = utf8Length(text);
        if (altForm2 && width > 0) width += continuationBytes(text);
        break;
      }
      default:
        text = "";
        length = 0;
    }
    width -= length;
    if (width > 0) {
      if (!leftJustify) append(spaces(width), width);
      append(text, length);
      if (leftJustify) append(spaces(width), width);
    } else {
      append(text, length);
    }
  }
  return touched ? out : null;
}
