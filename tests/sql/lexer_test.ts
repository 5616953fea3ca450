import { assertEquals } from "@std/assert";
import fc from "fast-check";
import { dequote, Lexer, tokenize } from "../../src/sql/lexer.ts";
import { Tok, type TokenType } from "../../src/sql/tokens.ts";

const NAMES = Object.fromEntries(Object.entries(Tok).map(([k, v]) => [v, k])) as Record<
  number,
  string
>;

/** `TYPE:text` for each token, so failures read well. */
function lex(sql: string): string[] {
  return tokenize(sql).map((t) => `${NAMES[t.type]}:${sql.slice(t.start, t.end)}`);
}

function one(sql: string): string {
  const toks = lex(sql);
  assertEquals(toks.length, 1, `${sql} -> ${toks.join(" ")}`);
  return toks[0];
}

Deno.test("lexer: punctuation and operators", () => {
  const cases: [string, keyof typeof Tok][] = [
    [";", "SEMI"],
    ["(", "LP"],
    [")", "RP"],
    [",", "COMMA"],
    [".", "DOT"],
    ["+", "PLUS"],
    ["-", "MINUS"],
    ["*", "STAR"],
    ["/", "SLASH"],
    ["%", "REM"],
    ["=", "EQ"],
    ["==", "EQ"],
    ["!=", "NE"],
    ["<>", "NE"],
    ["<", "LT"],
    ["<=", "LE"],
    [">", "GT"],
    [">=", "GE"],
    ["&", "BITAND"],
    ["|", "BITOR"],
    ["~", "BITNOT"],
    ["<<", "LSHIFT"],
    [">>", "RSHIFT"],
    ["||", "CONCAT"],
    ["->", "PTR"],
    ["->>", "PTR"],
    ["!", "ILLEGAL"],
  ];
  for (const [text, type] of cases) assertEquals(one(text), `${type}:${text}`);
  assertEquals(lex("a<=b<>c>>d->>e"), [
    "ID:a",
    "LE:<=",
    "ID:b",
    "NE:<>",
    "ID:c",
    "RSHIFT:>>",
    "ID:d",
    "PTR:->>",
    "ID:e",
  ]);
  assertEquals(lex("1-2"), ["INTEGER:1", "MINUS:-", "INTEGER:2"]);
});

Deno.test("lexer: numbers", () => {
  for (const n of ["0", "1", "123", "0x1F", "0XaB", "1_000", "0x1_f"]) {
    assertEquals(one(n), `INTEGER:${n}`);
  }
  for (const n of ["1.5", ".5", "1.", "1e10", "1E+5", "1.5e-3", "1.5_5e1_0"]) {
    assertEquals(one(n), `FLOAT:${n}`);
  }
  assertEquals(lex("1e+"), ["ILLEGAL:1e", "PLUS:+"]);
  for (const n of ["1e", "12abc", "1__0", "1_", "0x", "1.5x", "0x1g"]) {
    assertEquals(one(n), `ILLEGAL:${n}`);
  }
  assertEquals(lex("1.e5"), ["FLOAT:1.e5"]);
  assertEquals(lex("a.5"), ["ID:a", "FLOAT:.5"]);
  assertEquals(lex("t.a"), ["ID:t", "DOT:.", "ID:a"]);
});

Deno.test("lexer: strings, identifiers, blobs", () => {
  assertEquals(one("'it''s'"), "STRING:'it''s'");
  assertEquals(one("''"), "STRING:''");
  assertEquals(one("'abc"), "ILLEGAL:'abc");
  assertEquals(one('"a""b"'), 'ID:"a""b"');
  assertEquals(one('"abc'), 'ILLEGAL:"abc');
  assertEquals(one("[a b]"), "ID:[a b]");
  assertEquals(one("[abc"), "ILLEGAL:[abc");
  assertEquals(one("`x``y`"), "ID:`x``y`");
  assertEquals(one("_a$1"), "ID:_a$1");
  assertEquals(one("café"), "ID:café");
  assertEquals(one("日本語"), "ID:日本語");
  assertEquals(one("x'0aFF'"), "BLOB:x'0aFF'");
  assertEquals(one("X''"), "BLOB:X''");
  assertEquals(one("x'abc'"), "ILLEGAL:x'abc'");
  assertEquals(one("x'zz'"), "ILLEGAL:x'zz'");
  assertEquals(one("x'ab"), "ILLEGAL:x'ab");
  assertEquals(one("xyz"), "ID:xyz");
});

Deno.test("lexer: parameters", () => {
  for (const v of ["?", "?12", ":a", "@b", "$c", "$a::b(c)", "#x", ":a1$"]) {
    assertEquals(one(v), `VARIABLE:${v}`);
  }
  for (const v of ["$", ":", "@", "#"]) assertEquals(one(v), `ILLEGAL:${v}`);
  assertEquals(lex("$a(b c)"), ["ILLEGAL:$a(b", "ID:c", "RP:)"]);
});

Deno.test("lexer: whitespace and comments are skipped", () => {
  assertEquals(lex(" \t\n\r\f\va -- comment\n b /* c */ c /* open"), ["ID:a", "ID:b", "ID:c"]);
  assertEquals(lex("--only"), []);
  assertEquals(lex("a/**/b"), ["ID:a", "ID:b"]);
  assertEquals(lex("a-/b"), ["ID:a", "MINUS:-", "SLASH:/", "ID:b"]);
});

Deno.test("lexer: keywords are recognised case-insensitively, quoted names are not", () => {
  const toks = tokenize('select From temporary TEMP "select" [from] selects current_timestamp');
  assertEquals(toks.map((t) => t.kw), [
    "SELECT",
    "FROM",
    "TEMP",
    "TEMP",
    "",
    "",
    "",
    "CURRENT_TIMESTAMP",
  ]);
});

Deno.test("lexer: positions and EOF", () => {
  const lexer = new Lexer("  ab, 'c'  ", 0);
  const a = lexer.next();
  assertEquals([a.type, a.start, a.end], [Tok.ID, 2, 4]);
  const comma = lexer.next();
  assertEquals([comma.type, comma.start, comma.end], [Tok.COMMA, 4, 5]);
  const s = lexer.next();
  assertEquals([s.type, s.start, s.end], [Tok.STRING, 6, 9]);
  for (let i = 0; i < 2; i++) {
    const eof = lexer.next();
    assertEquals([eof.type, eof.start, eof.end], [Tok.EOF, 11, 11]);
  }
  const fromOffset = new Lexer("abc def", 3).next();
  assertEquals([fromOffset.start, fromOffset.end], [4, 7]);
});

Deno.test("dequote", () => {
  assertEquals(dequote("'it''s'"), "it's");
  assertEquals(dequote('"a""b"'), 'a"b');
  assertEquals(dequote("[a]]b]"), "a]]b");
  assertEquals(dequote("`x``y`"), "x`y");
  assertEquals(dequote("plain"), "plain");
});

Deno.test("lexer property: tokens tile the input with only blanks and comments between", () => {
  const piece = fc.constantFrom(
    "a",
    "SELECT",
    "1",
    "1.5e3",
    "'s''q'",
    '"i"',
    "[b]",
    "x'00'",
    "?1",
    ":p",
    "(",
    ")",
    "||",
    "->>",
    "<=",
    "-",
    "/",
    "*",
    ".",
    " ",
    "\n",
    "-- c\n",
    "/* c */",
    "é",
    "!",
    "'",
    "12ab",
  );
  fc.assert(
    fc.property(fc.array(piece, { maxLength: 30 }), (parts) => {
      const sql = parts.join("");
      const toks = tokenize(sql);
      let pos = 0;
      for (const t of toks) {
        const gap = sql.slice(pos, t.start);
        // What lies between tokens must itself lex to nothing.
        assertEquals(tokenize(gap).length, 0, `gap ${JSON.stringify(gap)} in ${sql}`);
        if (!(t.end > t.start)) throw new Error(`empty token in ${sql}`);
        pos = t.end;
      }
      assertEquals(tokenize(sql.slice(pos)).length, 0);
      // Re-lexing each token's text alone gives the same single token.
      for (const t of toks) {
        const text = sql.slice(t.start, t.end);
        const again = tokenize(text);
        const types: TokenType[] = again.map((x) => x.type);
        if (t.type !== Tok.ILLEGAL) assertEquals(types, [t.type], `${text} in ${sql}`);
      }
    }),
    { seed: 42, numRuns: 500 },
  );
});
