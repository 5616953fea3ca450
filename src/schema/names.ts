/** Name handling shared by the catalog and the SQL layer. @module */

/**
 * Folds ASCII letters to lower case, as SQLite compares identifiers (sqlite3StrICmp):
 * non-ASCII letters are compared exactly.
 */
export function foldName(name: string): string {
  let ascii = true;
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if (c >= 65 && c <= 90) {
      ascii = false;
      break;
    }
  }
  return ascii ? name : name.replace(/[A-Z]+/g, (m) => m.toLowerCase());
}

/** True when two identifiers name the same thing. */
export function sameName(a: string, b: string): boolean {
  return a.length === b.length && foldName(a) === foldName(b);
}
