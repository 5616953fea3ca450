/**
 * Binary <-> decimal conversion of doubles exactly as SQLite 3.53 does it (util.c:
 * powerOfTen, sqlite3Fp2Convert10, sqlite3Fp10Convert2, sqlite3FpDecode, sqlite3AtoF).
 *
 * SQLite's algorithms are not JavaScript's: REAL -> TEXT first produces 18 significant digits
 * and then rounds them to 17 (a double rounding, so 1.0/3 prints as 0.33333333333333332 where
 * the shortest round-trip form is 0.3333333333333333), and TEXT -> REAL only looks at the first
 * ~19 significant digits. Text a user sees must match SQLite's byte for byte, so these are
 * transcriptions, with bigint standing in for u64 arithmetic. None of this is on a hot path
 * except {@link atof}, which has an exact fast path for short inputs.
 * @module
 */

const M64 = (1n << 64n) - 1n;
const M32 = 0xffffffffn;

// Most significant 64 bits of 10^p, p = 0..26 (mkfptab.c --round).
const BASE: readonly bigint[] = [
  0x8000000000000000n,
  0xa000000000000000n,
  0xc800000000000000n,
  0xfa00000000000000n,
  0x9c40000000000000n,
  0xc350000000000000n,
  0xf424000000000000n,
  0x9896800000000000n,
  0xbebc200000000000n,
  0xee6b280000000000n,
  0x9502f90000000000n,
  0xba43b74000000000n,
  0xe8d4a51000000000n,
  0x9184e72a00000000n,
  0xb5e620f480000000n,
  0xe35fa931a0000000n,
  0x8e1bc9bf04000000n,
  0xb1a2bc2ec5000000n,
  0xde0b6b3a76400000n,
  0x8ac7230489e80000n,
  0xad78ebc5ac620000n,
  0xd8d726b7177a8000n,
  0x878678326eac9000n,
  0xa968163f0a57b400n,
  0xd3c21bcecceda100n,
  0x84595161401484a0n,
  0xa56fa5b99019a5c8n,
];
// Most significant 64 bits of 10^(27*(i-13)) (index 13 is the special case 10^-1).
const SCALE: readonly bigint[] = [
  0x8049a4ac0c5811aen,
  0xcf42894a5dce35ean,
  0xa76c582338ed2621n,
  0x873e4f75e2224e68n,
  0xda7f5bf590966848n,
  0xb080392cc4349decn,
  0x8e938662882af53en,
  0xe65829b3046b0afan,
  0xba121a4650e4ddebn,
  0x964e858c91ba2655n,
  0xf2d56790ab41c2a2n,
  0xc428d05aa4751e4cn,
  0x9e74d1b791e07e48n,
  0xccccccccccccccccn,
  0xcecb8f27f4200f3an,
  0xa70c3c40a64e6c51n,
  0x86f0ac99b4e8dafdn,
  0xda01ee641a708de9n,
  0xb01ae745b101e9e4n,
  0x8e41ade9fbebc27dn,
  0xe5d3ef282a242e81n,
  0xb9a74a0637ce2ee1n,
  0x95f83d0a1fb69cd9n,
  0xf24a01a73cf2dccfn,
  0xc3b8358109e84f07n,
  0x9e19db92b4e31ba9n,
];
// The next 32 bits after SCALE[i].
const SCALE_LO: readonly bigint[] = [
  0x205b896dn,
  0x52064cadn,
  0xaf2af2b8n,
  0x5a7744a7n,
  0xaf39a475n,
  0xbd8d794en,
  0x547eb47bn,
  0x0cb4a5a3n,
  0x92f34d62n,
  0x3a6a07f9n,
  0xfae27299n,
  0xaa97e14cn,
  0x775ea265n,
  0xccccccccn,
  0x00000000n,
  0x999090b6n,
  0x69a028bbn,
  0xe80e6f48n,
  0x5ec05dd0n,
  0x14588f14n,
  0x8f1668c9n,
  0x6d953e2cn,
  0x4abdaf10n,
  0xbc633b39n,
  0x0a862f81n,
  0x6c07a2c2n,
];

const POW10_FIRST = -348;
const POW10_LAST = 347;

let pow10Lo = 0n;

/** The top 64 bits of 10^p (normalised so bit 63 is set); the next 32 bits go to pow10Lo. */
function powerOfTen(p: number): bigint {
  let g: number, n: number;
  if (p < 0) {
    if (p === -1) {
      pow10Lo = SCALE_LO[13];
      return SCALE[13];
    }
    g = Math.trunc(p / 27);
    n = p % 27;
    if (n) {
      g--;
      n += 27;
    }
  } else if (p < 27) {
    pow10Lo = 0n;
    return BASE[p];
  } else {
    g = Math.trunc(p / 27);
    n = p % 27;
  }
  const s = SCALE[g + 13];
  if (n === 0) {
    pow10Lo = SCALE_LO[g + 13];
    return s;
  }
  // sqlite3Multiply160: upper 96 bits of (s:lo96) * base.
  const b = BASE[n];
  let r = s * b + ((SCALE_LO[g + 13] * b) >> 32n);
  let lo = (r >> 32n) & M32;
  let x = (r >> 64n) & M64;
  if ((x & (1n << 63n)) === 0n) {
    x = ((x << 1n) | ((lo >> 31n) & 1n)) & M64;
    lo = ((lo << 1n) | 1n) & M32;
  }
  r = 0n;
  pow10Lo = lo;
  return x;
}

const pwr10to2 = (p: number): number => (p * 108853) >> 15;
const pwr2to10 = (p: number): number => (p * 78913) >> 18;

function bitLength(d: bigint): number {
  return d.toString(2).length;
}

const f64 = new Float64Array(1);
const u64 = new BigUint64Array(f64.buffer);

/** sqlite3Fp10Convert2: the double nearest d * 10^p (d a u64 > 0). */
export function fp10Convert2(d: bigint, p: number): number {
  if (p < POW10_FIRST) return 0;
  if (p > POW10_LAST) return Infinity;
  const b = bitLength(d);
  const lp = pwr10to2(p);
  let e = 53 - b - lp;
  if (e > 1074) {
    if (e >= 1130) return 0;
    e = 1074;
  }
  const s = BigInt(-(e - (64 - b) + lp + 3));
  let pwr10h = powerOfTen(p);
  let pwr10l = pow10Lo;
  if (pwr10l !== 0n) {
    pwr10h = (pwr10h + 1n) & M64;
    pwr10l = ~pwr10l & M32;
  }
  const x = (d << BigInt(64 - b)) & M64;
  const prod = x * pwr10h;
  let hi = prod >> 64n;
  const lo = prod & M64;
  const mid1 = lo >> 32n;
  let sticky = 1n;
  if ((hi & ((1n << s) - 1n)) === 0n) {
    const mid2 = ((x * (pwr10l << 32n)) >> 64n) >> 32n & M32;
    sticky = ((mid1 - mid2) & M32) > 1n ? 1n : 0n;
    if (mid1 < mid2) hi = (hi - 1n) & M64;
  }
  let u = (hi >> s) | sticky;
  if (u >= (1n << 55n) - 2n) {
    u = (u >> 1n) | (u & 1n);
    e -= 1;
  }
  let m = (u + 1n + ((u >> 2n) & 1n)) >> 2n;
  if (e <= -972) return Infinity;
  if ((m & (1n << 52n)) !== 0n) {
    m = (m & ~(1n << 52n)) | (BigInt(1075 - e) << 52n);
  }
  u64[0] = m;
  return f64[0];
}

/** The result of {@link fpDecode}: `digits` holds `n` significant digits, no trailing zeros. */
export interface FpDecoded {
  /** "-" or "+". */
  sign: "-" | "+";
  /** The significant digits (no leading or trailing zeros; "0" for zero). */
  digits: string;
  /** Position of the decimal point relative to the first digit. */
  iDP: number;
  /** 0 for a finite value, 1 for ±Infinity, 2 for NaN. */
  isSpecial: 0 | 1 | 2;
}

/**
 * sqlite3FpDecode: the significant decimal digits of `r`, rounded to `iRound` significant
 * digits when `iRound > 0`, or to `-iRound` digits after the decimal point when `iRound <= 0`.
 */
export function fpDecode(r: number, iRound: number, mxRound: number): FpDecoded {
  let sign: "-" | "+" = "+";
  if (r < 0) {
    sign = "-";
    r = -r;
  } else if (r === 0) {
    return { sign: "+", digits: "0", iDP: 1, isSpecial: 0 };
  }
  if (r !== r) return { sign, digits: "", iDP: 0, isSpecial: 2 };
  if (r === Infinity) return { sign, digits: "", iDP: 0, isSpecial: 1 };
  f64[0] = r;
  const bits = u64[0];
  let e = Number((bits >> 52n) & 0x7ffn);
  let v = bits & 0x000fffffffffffffn;
  if (e === 0) {
    const nn = 64 - bitLength(v);
    v <<= BigInt(nn);
    e = -1074 - nn;
  } else {
    v = (v << 11n) | (1n << 63n);
    e -= 1086;
  }
  // sqlite3Fp2Convert10
  const nWant = iRound <= 0 || iRound >= 18 ? 18 : iRound + 1;
  const p = nWant - 1 - pwr2to10(e + 63);
  let h = (v * powerOfTen(p)) >> 64n;
  let d: bigint;
  if (nWant === 18) {
    h >>= BigInt(-(e + pwr10to2(p) + 2));
    d = (h + ((h << 1n) & 2n)) >> 1n;
  } else {
    d = h >> BigInt(-(e + pwr10to2(p) + 1));
  }
  const exp = -p;

  // z[] holds digit characters with one spare slot in front for a rounding carry.
  const z: number[] = [0];
  for (const ch of d.toString()) z.push(ch.charCodeAt(0));
  let start = 1;
  let n = z.length - 1;
  let iDP = n + exp;
  if (iRound <= 0) {
    iRound = iDP - iRound;
    if (iRound === 0 && z[start] >= 0x35) {
      iRound = 1;
      z[0] = 0x30;
      start = 0;
      n++;
      iDP++;
    }
  }
  const at = (i: number): number => z[start + i] ?? 0;
  if (iRound > 0 && (iRound < n || n > mxRound)) {
    if (iRound > mxRound) iRound = mxRound;
    if (iRound === 17) {
      // Try fewer digits when they still round-trip (49.47 rather than 49.469999999999999).
      if (at(15) === 0x39 && at(14) === 0x39) {
        let jj = 14;
        while (jj > 0 && at(jj - 1) === 0x39) jj--;
        let v2: bigint;
        if (jj === 0) {
          v2 = 1n;
        } else {
          v2 = BigInt(at(0) - 0x30);
          for (let kk = 1; kk < jj; kk++) v2 = v2 * 10n + BigInt(at(kk) - 0x30);
          v2++;
        }
        if (r === fp10Convert2(v2, exp + n - jj)) iRound = jj + 1;
      } else if (iDP >= n || (at(15) === 0x30 && at(14) === 0x30 && at(13) === 0x30)) {
        let jj = 13;
        while (at(jj - 1) === 0x30) jj--;
        let v2 = BigInt(at(0) - 0x30);
        for (let kk = 1; kk < jj; kk++) v2 = v2 * 10n + BigInt(at(kk) - 0x30);
        if (r === fp10Convert2(v2, exp + n - jj)) iRound = jj + 1;
      }
    }
    n = iRound;
    if (at(iRound) >= 0x35) {
      let j = iRound - 1;
      for (;;) {
        z[start + j]++;
        if (z[start + j] <= 0x39) break;
        z[start + j] = 0x30;
        if (j === 0) {
          start--;
          if (start < 0) {
            z.unshift(0);
            start = 0;
          }
          z[start] = 0x31;
          n++;
          iDP++;
          break;
        }
        j--;
      }
    }
  }
  while (n > 1 && z[start + n - 1] === 0x30) n--;
  return { sign, digits: String.fromCharCode(...z.slice(start, start + n)), iDP, isSpecial: 0 };
}

/**
 * Formats `r` as SQLite's printf `%!.<precision>g` does (the "!" flag: keep a ".0" on
 * integral values, e+NN exponents with at least two digits). With the default precision 17
 * this is how SQLite 3.53 renders every REAL as text (CAST, TEXT affinity, quote(), output).
 * Infinity is "Inf"/"-Inf" and NaN "NaN".
 */
export function formatRealG(r: number, precision = 17): string {
  if (precision === 0) precision = 1;
  const s = fpDecode(r, precision, 20);
  if (s.isSpecial === 2) return "NaN";
  if (s.isSpecial === 1) return s.sign === "-" ? "-Inf" : "Inf";
  let out = s.sign === "-" ? "-" : "";
  const exp = s.iDP - 1;
  let prec = precision - 1;
  let isExp: boolean;
  if (exp < -4 || exp > prec) {
    isExp = true;
  } else {
    prec = prec - exp;
    isExp = false;
  }
  let e2 = isExp ? 0 : s.iDP - 1;
  const z = s.digits;
  let j = 0;
  if (e2 < 0) {
    out += "0";
  } else {
    for (; e2 >= 0; e2--) out += j < z.length ? z[j++] : "0";
  }
  out += ".";
  for (e2++; e2 < 0 && prec > 0; prec--, e2++) out += "0";
  while (prec-- > 0) out += j < z.length ? z[j++] : "0";
  // Remove trailing zeros, but keep one digit after the point ("!" flag).
  let end = out.length;
  while (out.charCodeAt(end - 1) === 0x30) end--;
  out = out.slice(0, end);
  if (out.endsWith(".")) out += "0";
  if (isExp) {
    let x = s.iDP - 1;
    out += "e";
    if (x < 0) {
      out += "-";
      x = -x;
    } else {
      out += "+";
    }
    if (x >= 100) {
      out += String.fromCharCode(0x30 + Math.floor(x / 100));
      x %= 100;
    }
    out += String.fromCharCode(0x30 + Math.floor(x / 10), 0x30 + (x % 10));
  }
  return out;
}

/** Where {@link atof} leaves the value it parsed. */
export const atofResult: { value: number } = { value: 0 };

const S_LIMIT = 1844674407370955160n; // (LARGEST_UINT64-9)/10
const EXACT_POW10 = [
  1e0,
  1e1,
  1e2,
  1e3,
  1e4,
  1e5,
  1e6,
  1e7,
  1e8,
  1e9,
  1e10,
  1e11,
  1e12,
  1e13,
  1e14,
  1e15,
  1e16,
  1e17,
  1e18,
  1e19,
  1e20,
  1e21,
  1e22,
];

/** SQLite's isspace: space, \t, \n, \v, \f, \r. */
export function isSpace(c: number): boolean {
  return c === 0x20 || (c >= 0x09 && c <= 0x0d);
}

/**
 * sqlite3AtoF: parses the longest numeric prefix of `z` (leading and trailing whitespace
 * allowed) into {@link atofResult}.value. Returns SQLite's code: > 0 when the whole text is a
 * number (bit 1: has "." or exponent; bit 2: exactly zero; bit 3: more than ~19 significant
 * digits), 0 when no prefix is a number, < 0 when a numeric prefix is followed by other text.
 */
export function atof(z: string): number {
  const len = z.length;
  let i = 0;
  let neg = false;
  // s is kept as a double while it is exact (< 2^53), then as a bigint.
  let sn = 0;
  let sb: bigint | null = null;
  let d = 0;
  let mState = 0;
  let c = i < len ? z.charCodeAt(i) : 0;
  while (isSpace(c)) c = ++i < len ? z.charCodeAt(i) : 0;
  if (c === 0x2d || c === 0x2b) {
    neg = c === 0x2d;
    c = ++i < len ? z.charCodeAt(i) : 0;
  }
  if (c >= 0x30 && c <= 0x39) {
    mState = 1;
    while (c >= 0x30 && c <= 0x39) {
      if (sb === null) {
        sn = sn * 10 + (c - 0x30);
        if (sn >= 1e14) sb = BigInt(sn); // the next digit could pass 2^53
      } else {
        sb = sb * 10n + BigInt(c - 0x30);
      }
      c = ++i < len ? z.charCodeAt(i) : 0;
      if (sb !== null && sb >= S_LIMIT) {
        mState = 9;
        while (c >= 0x30 && c <= 0x39) {
          d++;
          c = ++i < len ? z.charCodeAt(i) : 0;
        }
        break;
      }
    }
  }
  if (c === 0x2e) {
    c = ++i < len ? z.charCodeAt(i) : 0;
    if (c >= 0x30 && c <= 0x39) {
      mState |= 1;
      do {
        if (sb === null || sb < S_LIMIT) {
          if (sb === null) {
            sn = sn * 10 + (c - 0x30);
            if (sn >= 1e14) sb = BigInt(sn); // the next digit could pass 2^53
          } else {
            sb = sb * 10n + BigInt(c - 0x30);
          }
          d--;
        } else {
          mState = 11;
        }
        c = ++i < len ? z.charCodeAt(i) : 0;
      } while (c >= 0x30 && c <= 0x39);
    } else if (mState === 0) {
      atofResult.value = 0;
      return 0;
    }
    mState |= 2;
  } else if (mState === 0) {
    atofResult.value = 0;
    return 0;
  }
  if (c === 0x65 || c === 0x45) {
    const ePos = i;
    c = ++i < len ? z.charCodeAt(i) : 0;
    let esign = 1;
    if (c === 0x2d) {
      esign = -1;
      c = ++i < len ? z.charCodeAt(i) : 0;
    } else if (c === 0x2b) {
      c = ++i < len ? z.charCodeAt(i) : 0;
    }
    if (c >= 0x30 && c <= 0x39) {
      let exp = 0;
      mState |= 2;
      while (c >= 0x30 && c <= 0x39) {
        exp = exp < 10000 ? exp * 10 + (c - 0x30) : 10000;
        c = ++i < len ? z.charCodeAt(i) : 0;
      }
      d += esign * exp;
    } else {
      // Leave the position on the "e" (or its sign) so that the text counts as extra.
      i = ePos;
      c = z.charCodeAt(i);
    }
  }
  let r: number;
  if (sb === null && sn === 0) {
    r = 0;
    mState |= 4;
  } else if (sb === null && d >= -22 && d <= 22) {
    // Exact operands and one correctly rounded operation: the same double as SQLite's.
    r = d >= 0 ? sn * EXACT_POW10[d] : sn / EXACT_POW10[-d];
  } else {
    // The decimal significand (at most 19 digits, as SQLite keeps) times 10^d, correctly
    // rounded: JS's decimal parser rounds exactly as SQLite 3.53's conversion does.
    r = Number(`${sb ?? sn}e${d}`);
  }
  atofResult.value = neg ? -r : r;
  if (i >= len || c === 0) return mState;
  while (isSpace(c)) c = ++i < len ? z.charCodeAt(i) : 0;
  if (i >= len || c === 0) return mState;
  return -16 | mState;
}
