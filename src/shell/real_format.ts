/**
 * REAL values as the sqlite3 3.40 shell prints them.
 *
 * Most output modes show `sqlite3_column_text()`, which is SQLite's `%!.15g`. The json and
 * insert modes (and `.dump`) print `%!.20g`, and SQLite 3.40 computed those extra digits with
 * x87 80-bit `long double` arithmetic, so they are not the exact decimal expansion
 * (1.7976931348623157e308 prints as 1.7976931348623156223e+308). To match the program byte
 * for byte we replay its printf algorithm on a software 64-bit-mantissa float.
 * @module
 */

import { formatRealG } from "../record/float_decimal.ts";

/** A REAL as `sqlite3_column_text()` renders it in SQLite 3.40 (`%!.15g`). */
export function realText15(r: number): string {
  return formatRealG(r, 15);
}

/** An extended-precision value: `m * 2^e` with a 64-bit normalized mantissa (or m = 0). */
interface Ld {
  m: bigint;
  e: number;
}

const F64 = new Float64Array(1);
const U64 = new BigUint64Array(F64.buffer);
const ZERO: Ld = { m: 0n, e: 0 };

function bitLength(m: bigint): number {
  return m.toString(2).length;
}

/** Rounds an exact positive value `m * 2^e` to 64 bits, to nearest, ties to even. */
function round64(m: bigint, e: number, sticky = false): Ld {
  if (m === 0n) return ZERO;
  const bl = bitLength(m);
  if (bl <= 64) return { m: m << BigInt(64 - bl), e: e - (64 - bl) };
  const shift = BigInt(bl - 64);
  const rem = m & ((1n << shift) - 1n);
  const half = 1n << (shift - 1n);
  let q = m >> shift;
  if (rem > half || (rem === half && (sticky || (q & 1n) === 1n))) q++;
  let ex = e + Number(shift);
  if (q === 1n << 64n) {
    q >>= 1n;
    ex++;
  }
  return { m: q, e: ex };
}

function fromDouble(d: number): Ld {
  if (d === 0) return ZERO;
  F64[0] = d;
  const bits = U64[0];
  const bexp = Number((bits >> 52n) & 0x7ffn);
  let frac = bits & 0xfffffffffffffn;
  let e: number;
  if (bexp === 0) {
    e = -1074;
  } else {
    frac |= 1n << 52n;
    e = bexp - 1075;
  }
  return round64(frac, e);
}

function mul(a: Ld, b: Ld): Ld {
  if (a.m === 0n || b.m === 0n) return ZERO;
  return round64(a.m * b.m, a.e + b.e);
}

function div(a: Ld, b: Ld): Ld {
  if (a.m === 0n) return ZERO;
  const num = a.m << 130n;
  const q = num / b.m;
  return round64(q, a.e - b.e - 130, q * b.m !== num);
}

/** `a + sign * b` for non-negative a, b, with `a >= b` when subtracting. */
function addSub(a: Ld, b: Ld, sign: 1 | -1): Ld {
  if (b.m === 0n) return a;
  if (a.m === 0n) return b;
  const e = Math.min(a.e, b.e);
  const x = a.m << BigInt(a.e - e);
  const y = b.m << BigInt(b.e - e);
  return round64(sign === 1 ? x + y : x - y, e);
}

function cmp(a: Ld, b: Ld): number {
  if (a.m === 0n || b.m === 0n) return a.m === b.m ? 0 : a.m === 0n ? -1 : 1;
  const e = Math.min(a.e, b.e);
  const x = a.m << BigInt(a.e - e);
  const y = b.m << BigInt(b.e - e);
  return x < y ? -1 : x > y ? 1 : 0;
}

/** The integer part of a value below 2^53. */
function trunc(a: Ld): number {
  if (a.m === 0n) return 0;
  return a.e >= 0 ? Number(a.m << BigInt(a.e)) : Number(a.m >> BigInt(-a.e));
}

const TEN = fromDouble(10);
const ONE = fromDouble(1);

/**
 * `r` formatted with SQLite 3.40's `%!.<precision>g` (the "!" flag keeps ".0" and allows up
 * to 26 significant digits), reproducing its long double arithmetic. Infinities print as
 * "Inf"/"-Inf", NaN as "NaN".
 */
export function realTextLongDouble(r: number, precision = 20): string {
  if (Number.isNaN(r)) return "NaN";
  let prefix = "";
  if (r < 0) {
    r = -r;
    prefix = "-";
  }
  if (r === Infinity) return prefix + "Inf";
  if (precision > 0) precision--;
  let idx = precision & 0xfff;
  let rounder = 0.5 * [1, 1e-1, 1e-2, 1e-3, 1e-4, 1e-5, 1e-6, 1e-7, 1e-8, 1e-9][idx % 10];
  while (idx >= 10) {
    rounder *= 1.0e-10;
    idx -= 10;
  }
  let v = fromDouble(r);
  let exp = 0;
  if (v.m !== 0n) {
    let scale = ONE;
    const e100 = fromDouble(1e100);
    const e10 = fromDouble(1e10);
    while (cmp(v, mul(e100, scale)) >= 0 && exp <= 350) {
      scale = mul(scale, e100);
      exp += 100;
    }
    while (cmp(v, mul(e10, scale)) >= 0 && exp <= 350) {
      scale = mul(scale, e10);
      exp += 10;
    }
    while (cmp(v, mul(TEN, scale)) >= 0 && exp <= 350) {
      scale = mul(scale, TEN);
      exp++;
    }
    v = div(v, scale);
    const e8 = fromDouble(1e-8);
    const m8 = fromDouble(1e8);
    while (cmp(v, e8) < 0) {
      v = mul(v, m8);
      exp -= 8;
    }
    while (cmp(v, ONE) < 0) {
      v = mul(v, TEN);
      exp--;
    }
    if (exp > 350) return prefix + "Inf";
  }
  v = addSub(v, fromDouble(rounder), 1);
  if (cmp(v, TEN) >= 0) {
    v = mul(v, fromDouble(0.1));
    exp++;
  }
  let expForm: boolean;
  if (exp < -4 || exp > precision) {
    expForm = true;
  } else {
    precision = precision - exp;
    expForm = false;
  }
  let e2 = expForm ? 0 : exp;
  let nsd = 26;
  const digit = (): string => {
    if (nsd <= 0) return "0";
    nsd--;
    const d = trunc(v);
    v = mul(addSub(v, fromDouble(d), -1), TEN);
    return String.fromCharCode(48 + d);
  };
  let out = prefix;
  if (e2 < 0) {
    out += "0";
  } else {
    for (; e2 >= 0; e2--) out += digit();
  }
  out += ".";
  for (e2++; e2 < 0; precision--, e2++) out += "0";
  while (precision-- > 0) out += digit();
  let end = out.length;
  while (out.charCodeAt(end - 1) === 48) end--;
  out = out.slice(0, end);
  if (out.endsWith(".")) out += "0";
  if (expForm) {
    out += "e";
    if (exp < 0) {
      out += "-";
      exp = -exp;
    } else {
      out += "+";
    }
    if (exp >= 100) {
      out += String.fromCharCode(48 + Math.floor(exp / 100));
      exp %= 100;
    }
    out += String.fromCharCode(48 + Math.floor(exp / 10), 48 + (exp % 10));
  }
  return out;
}
