/**
 * Token types produced by the SQL lexer, and SQLite's keyword tables.
 * @module
 */

/** Token type codes. */
export const Tok = {
  /** End of input. */
  EOF: 0,
  /** `;` */
  SEMI: 1,
  /** A bare word (identifier or keyword; see {@link Token.kw}) or a quoted identifier. */
  ID: 2,
  /** A single-quoted string literal. */
  STRING: 3,
  /** An integer literal (decimal or hex). */
  INTEGER: 4,
  /** A floating-point literal. */
  FLOAT: 5,
  /** A blob literal `x'..'`. */
  BLOB: 6,
  /** A parameter: `?`, `?NNN`, `:name`, `@name`, `$name`, `#name`. */
  VARIABLE: 7,
  /** `(` */
  LP: 8,
  /** `)` */
  RP: 9,
  /** `,` */
  COMMA: 10,
  /** `.` */
  DOT: 11,
  /** `+` */
  PLUS: 12,
  /** `-` */
  MINUS: 13,
  /** `*` */
  STAR: 14,
  /** `/` */
  SLASH: 15,
  /** `%` */
  REM: 16,
  /** `=` or `==` */
  EQ: 17,
  /** `!=` or `<>` */
  NE: 18,
  /** `<` */
  LT: 19,
  /** `<=` */
  LE: 20,
  /** `>` */
  GT: 21,
  /** `>=` */
  GE: 22,
  /** `&` */
  BITAND: 23,
  /** `|` */
  BITOR: 24,
  /** `~` */
  BITNOT: 25,
  /** `<<` */
  LSHIFT: 26,
  /** `>>` */
  RSHIFT: 27,
  /** `||` */
  CONCAT: 28,
  /** `->` or `->>` */
  PTR: 29,
  /** Text the tokenizer cannot make sense of (unterminated string, `!`, `12abc`...). */
  ILLEGAL: 30,
} as const;

/** A token type code (a value of {@link Tok}). */
export type TokenType = typeof Tok[keyof typeof Tok];

/** A token: its type and where it is in the source. */
export interface Token {
  /** Token type. */
  type: TokenType;
  /** Offset of the first character. */
  start: number;
  /** Offset just past the last character. */
  end: number;
  /**
   * For a bare word that is an SQLite keyword: the keyword in upper case
   * (TEMPORARY is reported as TEMP). Otherwise "".
   */
  kw: string;
}

/** SQLite's keywords (lang_keywords.html). */
export const KEYWORDS: ReadonlySet<string> = new Set(
  ("ABORT ACTION ADD AFTER ALL ALTER ALWAYS ANALYZE AND AS ASC ATTACH AUTOINCREMENT BEFORE " +
    "BEGIN BETWEEN BY CASCADE CASE CAST CHECK COLLATE COLUMN COMMIT CONFLICT CONSTRAINT " +
    "CREATE CROSS CURRENT CURRENT_DATE CURRENT_TIME CURRENT_TIMESTAMP DATABASE DEFAULT " +
    "DEFERRABLE DEFERRED DELETE DESC DETACH DISTINCT DO DROP EACH ELSE END ESCAPE EXCEPT " +
    "EXCLUDE EXCLUSIVE EXISTS EXPLAIN FAIL FILTER FIRST FOLLOWING FOR FOREIGN FROM FULL " +
    "GENERATED GLOB GROUP GROUPS HAVING IF IGNORE IMMEDIATE IN INDEX INDEXED INITIALLY INNER " +
    "INSERT INSTEAD INTERSECT INTO IS ISNULL JOIN KEY LAST LEFT LIKE LIMIT MATCH MATERIALIZED " +
    "NATURAL NO NOT NOTHING NOTNULL NULL NULLS OF OFFSET ON OR ORDER OTHERS OUTER OVER " +
    "PARTITION PLAN PRAGMA PRECEDING PRIMARY QUERY RAISE RANGE RECURSIVE REFERENCES REGEXP " +
    "REINDEX RELEASE RENAME REPLACE RESTRICT RETURNING RIGHT ROLLBACK ROW ROWS SAVEPOINT " +
    "SELECT SET TABLE TEMP TEMPORARY THEN TIES TO TRANSACTION TRIGGER UNBOUNDED UNION UNIQUE " +
    "UPDATE USING VACUUM VALUES VIEW VIRTUAL WHEN WHERE WINDOW WITH WITHOUT").split(" "),
);

/**
 * Keywords that SQLite's parser turns back into an identifier where a keyword
 * cannot appear (the `%fallback ID` list of parse.y). WINDOW, OVER and FILTER
 * are not here: SQLite's tokenizer decides those from context, and so does our parser.
 */
export const FALLBACK_ID: ReadonlySet<string> = new Set(
  ("ABORT ACTION AFTER ANALYZE ASC ATTACH BEFORE BEGIN BY CASCADE CAST COLUMN CONFLICT " +
    "DATABASE DEFERRED DESC DETACH DO EACH END EXCLUSIVE EXPLAIN FAIL FOR IGNORE IMMEDIATE " +
    "INITIALLY INSTEAD LIKE GLOB REGEXP MATCH NO PLAN QUERY KEY OF OFFSET PRAGMA RAISE " +
    "RECURSIVE RELEASE REPLACE RESTRICT ROW ROWS ROLLBACK SAVEPOINT TEMP TRIGGER VACUUM VIEW " +
    "VIRTUAL WITH WITHOUT NULLS FIRST LAST CURRENT FOLLOWING PARTITION PRECEDING RANGE " +
    "UNBOUNDED EXCLUDE GROUPS OTHERS TIES GENERATED ALWAYS MATERIALIZED REINDEX RENAME " +
    "CURRENT_TIME CURRENT_DATE CURRENT_TIMESTAMP IF").split(" "),
);

/**
 * Keywords that SQLite's tokenizer only treats as keywords in context (WINDOW
 * before a name, OVER after `)`, FILTER before `(`); elsewhere they are identifiers.
 */
export const CONTEXT_KW: ReadonlySet<string> = new Set(["WINDOW", "OVER", "FILTER"]);

/** The join keywords (SQLite's JOIN_KW class), usable as names in some places. */
export const JOIN_KW: ReadonlySet<string> = new Set([
  "NATURAL",
  "LEFT",
  "RIGHT",
  "FULL",
  "OUTER",
  "INNER",
  "CROSS",
]);
