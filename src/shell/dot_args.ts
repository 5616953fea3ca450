/**
 * Splitting a dot-command line into arguments the way sqlite3 does, and the small helpers
 * its commands share (booleans, backslash escapes, LIKE patterns).
 * @module
 */

/** sqlite3's resolve_backslashes: \n \t \r \\ \" \' \NNN (octal) and \xHH. */
export function resolveBackslashes(s: string): string {
  if (!s.includes("\\")) return s;
  let out = "";
  for (let i = 0; i < s.length; i++) {
    let c = s[i];
    if (c === "\\" && i + 1 < s.length) {
      c = s[++i];
      if (c === "a") c = "\x07";
      else if (c === "b") c = "\b";
      else if (c === "t") c = "\t";
      else if (c === "n") c = "\n";
      else if (c === "v") c = "\v";
      else if (c === "f") c = "\f";
      else if (c === "r") c = "\r";
      else if (c === '"' || c === "'" || c === "\\") {
        // the character itself
      } else if (c === "x" && /^[0-9a-fA-F]/.test(s[i + 1] ?? "")) {
        let v = 0;
        let k = 0;
        while (k < 2 && /^[0-9a-fA-F]$/.test(s[i + 1] ?? "")) {
          v = v * 16 + parseInt(s[++i], 16);
          k++;
        }
        c = String.fromCharCode(v);
      } else if (c >= "0" && c <= "7") {
        let v = c.charCodeAt(0) - 48;
        for (let k = 0; k < 2 && s[i + 1] >= "0" && s[i + 1] <= "7"; k++) {
          v = v * 8 + (s.charCodeAt(++i) - 48);
        }
        c = String.fromCharCode(v);
      } else {
        c = "\\" + c;
      }
    }
    out += c;
  }
  return out;
}

/** Splits a dot-command line into its words (quotes group; "..." resolves escapes). */
export function splitArgs(line: string): string[] {
  const args: string[] = [];
  let h = line.startsWith(".") ? 1 : 0;
  const n = line.length;
  const space = (c: string) => /\s/.test(c);
  while (h < n) {
    while (h < n && space(line[h])) h++;
    if (h >= n) break;
    const q = line[h];
    if (q === "'" || q === '"') {
      h++;
      let arg = "";
      while (h < n && line[h] !== q) {
        if (line[h] === "\\" && q === '"' && h + 1 < n) arg += line[h++];
        arg += line[h++];
      }
      if (h < n) h++;
      args.push(q === '"' ? resolveBackslashes(arg) : arg);
    } else {
      const start = h;
      while (h < n && !space(line[h])) h++;
      args.push(resolveBackslashes(line.slice(start, h)));
    }
  }
  return args;
}

/** sqlite3's booleanValue: on/yes/true/1 and off/no/false/0 (numbers: non-zero is true). */
export function booleanValue(arg: string): boolean | undefined {
  if (/^-?\d+$/.test(arg)) return Number(arg) !== 0;
  const a = arg.toLowerCase();
  if (a === "on" || a === "yes" || a === "true") return true;
  if (a === "off" || a === "no" || a === "false") return false;
  return undefined;
}

/** A LIKE pattern (ASCII case-insensitive, `%` and `_`, no escape) as a RegExp. */
export function likeRegExp(pattern: string): RegExp {
  let re = "^";
  for (const ch of pattern) {
    if (ch === "%") re += "[\\s\\S]*";
    else if (ch === "_") re += "[\\s\\S]";
    else re += ch.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
  }
  return new RegExp(re + "$", "i");
}
