/**
 * The abstract syntax tree the SQL parser produces and the planner/executor consumes.
 *
 * Every node is a plain object in a discriminated union keyed by `kind`. The tree
 * follows SQLite's grammar (lang_*.html) closely, and keeps a few facts the
 * executor needs to behave like SQLite (double-quoted identifiers, declared type
 * text, default-value source text, the normalized CREATE text for sqlite_schema).
 *
 * Conventions:
 * - Optional clauses that are absent are `undefined` (never `null`), except where noted.
 * - Identifiers are dequoted; keywords are upper case (`"ASC"`, `"REPLACE"`).
 * - Parentheses do not produce nodes (as in SQLite), except that a parenthesised
 *   list of two or more expressions is a {@link RowExpr}.
 * @module
 */

import type { SqlValue } from "../record/value.ts";

// ---------------------------------------------------------------------------
// Expressions
// ---------------------------------------------------------------------------

/** Any SQL expression. */
export type Expr =
  | LiteralExpr
  | CurrentTimeExpr
  | ColumnExpr
  | ParamExpr
  | UnaryExpr
  | BinaryExpr
  | LikeExpr
  | BetweenExpr
  | InListExpr
  | InSelectExpr
  | InTableExpr
  | IsNullExpr
  | CollateExpr
  | CastExpr
  | CaseExpr
  | ExistsExpr
  | SubqueryExpr
  | FunctionExpr
  | RowExpr
  | RaiseExpr;

/**
 * A literal value: INTEGER (number or bigint), REAL (number or Real box),
 * TEXT (string), BLOB (Uint8Array) or NULL.
 *
 * TRUE and FALSE are integer literals 1 and 0. An integer literal too large for
 * a 64-bit integer is a REAL, except that `-9223372036854775808` (minus applied
 * directly to that literal) is folded to the INTEGER minimum, as SQLite does.
 */
export interface LiteralExpr {
  kind: "literal";
  /** The value, in the engine's representation (see record/value.ts). */
  value: SqlValue;
  /**
   * Set when written as the keyword TRUE or FALSE (value 1 or 0). SQLite reads
   * `x IS [NOT] TRUE` / `x IS [NOT] FALSE` as a truth test of x, not a comparison with 1/0.
   */
  bool?: boolean;
}

/** CURRENT_TIME, CURRENT_DATE or CURRENT_TIMESTAMP. */
export interface CurrentTimeExpr {
  kind: "currentTime";
  /** Which of the three keywords. */
  which: "TIME" | "DATE" | "TIMESTAMP";
}

/** A column reference: `a`, `t.a` or `s.t.a`. */
export interface ColumnExpr {
  kind: "column";
  /** Schema qualifier (`s` in `s.t.a`). */
  schema?: string;
  /** Table qualifier (`t` in `t.a`). */
  table?: string;
  /** The column name, dequoted. */
  name: string;
  /**
   * True when the (unqualified) name was written "double-quoted". SQLite treats
   * such an identifier as a string literal when it does not resolve to a column.
   */
  doubleQuoted: boolean;
}

/** A bound parameter: `?`, `?NNN`, `:name`, `@name`, `$name`. */
export interface ParamExpr {
  kind: "param";
  /** 1-based parameter index, numbered as SQLite does. */
  index: number;
  /** The parameter's name including its prefix (`:a`, `?5`), absent for a bare `?`. */
  name?: string;
}

/** A unary operator application. */
export interface UnaryExpr {
  kind: "unary";
  /** `-`, `+`, `~` or `NOT`. */
  op: "-" | "+" | "~" | "NOT";
  /** The operand. */
  expr: Expr;
}

/**
 * The binary operators. Synonyms are normalized: `==` is `=`, `<>` is `!=`,
 * `IS NOT DISTINCT FROM` is `IS`, `IS DISTINCT FROM` is `IS NOT`.
 */
export type BinaryOp =
  | "OR"
  | "AND"
  | "="
  | "!="
  | "IS"
  | "IS NOT"
  | "<"
  | "<="
  | ">"
  | ">="
  | "&"
  | "|"
  | "<<"
  | ">>"
  | "+"
  | "-"
  | "*"
  | "/"
  | "%"
  | "||"
  | "->"
  | "->>";

/** A binary operator application. */
export interface BinaryExpr {
  kind: "binary";
  /** The operator. */
  op: BinaryOp;
  /** Left operand. */
  left: Expr;
  /** Right operand. */
  right: Expr;
}

/** `expr [NOT] LIKE|GLOB|MATCH|REGEXP pattern [ESCAPE escape]`. */
export interface LikeExpr {
  kind: "like";
  /** Which operator. */
  op: "LIKE" | "GLOB" | "MATCH" | "REGEXP";
  /** True for the NOT form. */
  not: boolean;
  /** The value tested. */
  expr: Expr;
  /** The pattern. */
  pattern: Expr;
  /** The ESCAPE expression, if any. */
  escape?: Expr;
}

/** `expr [NOT] BETWEEN low AND high`. */
export interface BetweenExpr {
  kind: "between";
  /** True for NOT BETWEEN. */
  not: boolean;
  /** The value tested. */
  expr: Expr;
  /** Lower bound. */
  low: Expr;
  /** Upper bound. */
  high: Expr;
}

/** `expr [NOT] IN (e1, e2, ...)` (the list may be empty). */
export interface InListExpr {
  kind: "inList";
  /** True for NOT IN. */
  not: boolean;
  /** The value tested. */
  expr: Expr;
  /** The list items. */
  list: Expr[];
}

/** `expr [NOT] IN (select)`. */
export interface InSelectExpr {
  kind: "inSelect";
  /** True for NOT IN. */
  not: boolean;
  /** The value tested. */
  expr: Expr;
  /** The subquery. */
  select: Select;
}

/** `expr [NOT] IN [schema.]table` or `expr [NOT] IN [schema.]func(args)`. */
export interface InTableExpr {
  kind: "inTable";
  /** True for NOT IN. */
  not: boolean;
  /** The value tested. */
  expr: Expr;
  /** Schema qualifier. */
  schema?: string;
  /** Table (or table-valued function) name. */
  name: string;
  /** Arguments when the target is a table-valued function call. */
  args?: Expr[];
}

/** `expr ISNULL`, `expr NOTNULL`, `expr NOT NULL` (`IS NULL` is a binary IS). */
export interface IsNullExpr {
  kind: "isNull";
  /** True for NOTNULL / NOT NULL. */
  not: boolean;
  /** The operand. */
  expr: Expr;
}

/** `expr COLLATE name`. */
export interface CollateExpr {
  kind: "collate";
  /** The operand. */
  expr: Expr;
  /** The collation name, dequoted, as written. */
  collation: string;
}

/** `CAST(expr AS type)`. */
export interface CastExpr {
  kind: "cast";
  /** The operand. */
  expr: Expr;
  /** The type name text (see {@link ColumnDef.type} for how it is derived); may be "". */
  type: string;
}

/** `CASE [operand] WHEN w THEN t ... [ELSE e] END`. */
export interface CaseExpr {
  kind: "case";
  /** The base expression of the simple form. */
  operand?: Expr;
  /** The WHEN/THEN pairs, at least one. */
  whens: { when: Expr; then: Expr }[];
  /** The ELSE branch. */
  else?: Expr;
}

/** `EXISTS (select)`; `NOT EXISTS` is a unary NOT around it. */
export interface ExistsExpr {
  kind: "exists";
  /** The subquery. */
  select: Select;
}

/** A scalar subquery `(select)`. */
export interface SubqueryExpr {
  kind: "subquery";
  /** The subquery. */
  select: Select;
}

/** A function call, possibly an aggregate or window function. */
export interface FunctionExpr {
  kind: "function";
  /** Function name as written (dequoted, original case). */
  name: string;
  /** Arguments (empty for `f()` and `f(*)`). */
  args: Expr[];
  /** True for `f(*)`. */
  star: boolean;
  /** True for `f(DISTINCT x)`. */
  distinct: boolean;
  /** `f(x ORDER BY y)` (aggregate ORDER BY). */
  orderBy?: OrderingTerm[];
  /** `FILTER (WHERE expr)`. */
  filter?: Expr;
  /** `OVER window-name` (a string) or `OVER (window-spec)`. */
  over?: WindowSpec | string;
}

/** A row value `(a, b, ...)` with two or more items. */
export interface RowExpr {
  kind: "row";
  /** The items. */
  items: Expr[];
}

/** `RAISE(IGNORE)` or `RAISE(ROLLBACK|ABORT|FAIL, message)`. */
export interface RaiseExpr {
  kind: "raise";
  /** The action. */
  action: "IGNORE" | "ROLLBACK" | "ABORT" | "FAIL";
  /** The error message expression (absent for IGNORE). */
  message?: Expr;
}

// ---------------------------------------------------------------------------
// SELECT
// ---------------------------------------------------------------------------

/** `expr [COLLATE c] [ASC|DESC] [NULLS FIRST|LAST]` in ORDER BY; COLLATE stays in `expr`. */
export interface OrderingTerm {
  /** The sort key. */
  expr: Expr;
  /** Explicit direction, if written. */
  order?: "ASC" | "DESC";
  /** Explicit NULLS placement, if written. */
  nulls?: "FIRST" | "LAST";
}

/** A common table expression in a WITH clause. */
export interface Cte {
  /** The CTE's name. */
  name: string;
  /** Explicit column names. */
  columns?: string[];
  /** `AS MATERIALIZED` (true) / `AS NOT MATERIALIZED` (false). */
  materialized?: boolean;
  /** The CTE body. */
  select: Select;
}

/** `WITH [RECURSIVE] cte, ...`. */
export interface WithClause {
  /** True when RECURSIVE was written. */
  recursive: boolean;
  /** The CTEs, in order. */
  ctes: Cte[];
}

/** One item of a SELECT's result-column list. */
export type ResultColumn =
  | {
    kind: "expr";
    expr: Expr;
    alias?: string;
    /** The expression's source text (SQLite names an unaliased result column by it). */
    text?: string;
  }
  | { kind: "star" }
  | { kind: "tableStar"; table: string };

/** A table in FROM: `[schema.]name [[AS] alias] [INDEXED BY i | NOT INDEXED]`. */
export interface TableSource {
  kind: "table";
  /** Schema qualifier. */
  schema?: string;
  /** Table name. */
  name: string;
  /** Alias. */
  alias?: string;
  /** `INDEXED BY` index name. */
  indexedBy?: string;
  /** True for `NOT INDEXED`. */
  notIndexed?: boolean;
}

/** A subquery in FROM: `(select) [[AS] alias]`. */
export interface SubquerySource {
  kind: "subquery";
  /** The subquery. */
  select: Select;
  /** Alias. */
  alias?: string;
}

/** A table-valued function in FROM: `[schema.]f(args) [[AS] alias]`. */
export interface FunctionSource {
  kind: "function";
  /** Schema qualifier. */
  schema?: string;
  /** Function name. */
  name: string;
  /** Arguments. */
  args: Expr[];
  /** Alias. */
  alias?: string;
}

/** The join operators. `comma` is `a, b`; all others are written with JOIN. */
export type JoinType = "comma" | "inner" | "cross" | "left" | "right" | "full";

/**
 * A join of two FROM items. Joins are left-deep (`a JOIN b JOIN c` is
 * `join(join(a, b), c)`); a parenthesised join list `(a JOIN b)` nests as written.
 */
export interface JoinSource {
  kind: "join";
  /** The join operator. `LEFT OUTER` is `left`; plain `JOIN` is `inner`. */
  type: JoinType;
  /** True for NATURAL joins. */
  natural: boolean;
  /** Left side. */
  left: FromItem;
  /** Right side. */
  right: FromItem;
  /** ON condition. */
  on?: Expr;
  /** USING column list. */
  using?: string[];
}

/** Anything that can appear in a FROM clause. */
export type FromItem = TableSource | SubquerySource | FunctionSource | JoinSource;

/** A window frame boundary. */
export interface FrameBound {
  /** The boundary kind. */
  type: "UNBOUNDED PRECEDING" | "PRECEDING" | "CURRENT ROW" | "FOLLOWING" | "UNBOUNDED FOLLOWING";
  /** The offset expression for `expr PRECEDING` / `expr FOLLOWING`. */
  expr?: Expr;
}

/** A window frame specification. */
export interface WindowFrame {
  /** Frame units. */
  units: "ROWS" | "RANGE" | "GROUPS";
  /** Start bound (the only bound when BETWEEN is not used). */
  start: FrameBound;
  /** End bound, present for `BETWEEN start AND end`. */
  end?: FrameBound;
  /** EXCLUDE clause. */
  exclude?: "NO OTHERS" | "CURRENT ROW" | "GROUP" | "TIES";
}

/** A window definition: `([base] [PARTITION BY ...] [ORDER BY ...] [frame])`. */
export interface WindowSpec {
  /** Name of the window this one is based on. */
  base?: string;
  /** PARTITION BY expressions. */
  partitionBy?: Expr[];
  /** ORDER BY terms. */
  orderBy?: OrderingTerm[];
  /** Frame specification. */
  frame?: WindowFrame;
}

/** A SELECT core: `SELECT [DISTINCT|ALL] cols [FROM] [WHERE] [GROUP BY [HAVING]] [WINDOW]`. */
export interface SelectCore {
  kind: "core";
  /** True for SELECT DISTINCT. */
  distinct: boolean;
  /** Result columns. */
  columns: ResultColumn[];
  /** FROM clause. */
  from?: FromItem;
  /** WHERE condition. */
  where?: Expr;
  /** GROUP BY expressions. */
  groupBy?: Expr[];
  /** HAVING condition. */
  having?: Expr;
  /** WINDOW definitions. */
  windows?: { name: string; spec: WindowSpec }[];
}

/** `VALUES (..), (..)` used as a select core; all rows have the same length. */
export interface ValuesCore {
  kind: "values";
  /** The rows. */
  rows: Expr[][];
}

/** The compound operators, applied left to right with equal precedence. */
export type CompoundOp = "UNION" | "UNION ALL" | "INTERSECT" | "EXCEPT";

/**
 * A full SELECT: `[WITH] core [op core]... [ORDER BY] [LIMIT]`.
 *
 * `LIMIT a OFFSET b` and `LIMIT b, a` both give `limit: a, offset: b`.
 */
export interface Select {
  kind: "select";
  /** WITH clause. */
  with?: WithClause;
  /** The first core. */
  core: SelectCore | ValuesCore;
  /** Further cores combined with compound operators, left-associative. */
  compound: { op: CompoundOp; core: SelectCore | ValuesCore }[];
  /** ORDER BY of the whole (compound) select. */
  orderBy?: OrderingTerm[];
  /** LIMIT expression. */
  limit?: Expr;
  /** OFFSET expression. */
  offset?: Expr;
}

// ---------------------------------------------------------------------------
// Schema definitions
// ---------------------------------------------------------------------------

/** The ON CONFLICT resolution algorithms. */
export type ConflictAction = "ROLLBACK" | "ABORT" | "FAIL" | "IGNORE" | "REPLACE";

/** Foreign-key ON DELETE / ON UPDATE actions. */
export type FkAction = "SET NULL" | "SET DEFAULT" | "CASCADE" | "RESTRICT" | "NO ACTION";

/** `REFERENCES table [(cols)] [ON DELETE/UPDATE action] [MATCH name] [[NOT] DEFERRABLE ...]`. */
export interface ForeignKeyClause {
  /** Parent table. */
  table: string;
  /** Parent columns. */
  columns?: string[];
  /** ON DELETE action. */
  onDelete?: FkAction;
  /** ON UPDATE action. */
  onUpdate?: FkAction;
  /** MATCH name. */
  match?: string;
  /** Deferrability clause. */
  deferrable?: { not: boolean; initially?: "DEFERRED" | "IMMEDIATE" };
}

/**
 * A column in an index, PRIMARY KEY(...), UNIQUE(...) or ON CONFLICT target:
 * `expr [COLLATE c] [ASC|DESC]`.
 */
export interface IndexedColumn {
  /** The indexed expression, without a top-level COLLATE. */
  expr: Expr;
  /** The column name when `expr` is a plain unqualified column reference. */
  name?: string;
  /** Top-level COLLATE name. */
  collation?: string;
  /** Explicit sort order. */
  order?: "ASC" | "DESC";
}

/** A column constraint. `name` is the CONSTRAINT name, if given. */
export type ColumnConstraint =
  & { name?: string }
  & (
    | {
      kind: "primaryKey";
      order?: "ASC" | "DESC";
      onConflict?: ConflictAction;
      autoincrement: boolean;
    }
    | { kind: "notNull"; onConflict?: ConflictAction }
    | { kind: "null" }
    | { kind: "unique"; onConflict?: ConflictAction }
    | { kind: "check"; expr: Expr }
    | {
      kind: "default";
      /** The default value expression (`DEFAULT abc` is the string literal 'abc'). */
      expr: Expr;
      /**
       * The source text as SQLite reports it in PRAGMA table_info's dflt_value:
       * `-5`, `'abc'`, `1+2` (inside the parentheses of `DEFAULT (1+2)`), `current_time`.
       */
      text: string;
    }
    | { kind: "collate"; collation: string }
    | { kind: "references"; fk: ForeignKeyClause }
    | { kind: "generated"; expr: Expr; stored: boolean }
  );

/** A column definition in CREATE TABLE or ALTER TABLE ADD COLUMN. */
export interface ColumnDef {
  /** Column name, dequoted. */
  name: string;
  /**
   * Declared type as SQLite records it: the type tokens' source text (inner
   * spacing kept, e.g. `VARCHAR ( 10 )`), dequoted; the standard names INT,
   * INTEGER, REAL, TEXT, BLOB, ANY are upper-cased. Absent when no type was given.
   */
  type?: string;
  /** Constraints in source order. */
  constraints: ColumnConstraint[];
}

/** A table constraint. `name` is the CONSTRAINT name, if given. */
export type TableConstraint =
  & { name?: string }
  & (
    | {
      kind: "primaryKey";
      columns: IndexedColumn[];
      onConflict?: ConflictAction;
      autoincrement: boolean;
    }
    | { kind: "unique"; columns: IndexedColumn[]; onConflict?: ConflictAction }
    | { kind: "check"; expr: Expr }
    | { kind: "foreignKey"; columns: string[]; fk: ForeignKeyClause }
  );

// ---------------------------------------------------------------------------
// Statements
// ---------------------------------------------------------------------------

/** Fields every top-level statement carries. */
export interface StmtBase {
  /** The statement's source text, first token to last token (no trailing `;`). */
  sql: string;
  /** Offset of the statement's first token in the parsed string. */
  start: number;
  /** Offset just past the statement's last token (before any `;`). */
  end: number;
  /** Number of parameters (the largest parameter index used; 0 if none). */
  paramCount: number;
  /** Named parameters (`:a`, `@b`, `$c`, `?5`) to their 1-based index. */
  paramNames: Map<string, number>;
}

/** CREATE [TEMP] TABLE. */
export interface CreateTableStmt extends StmtBase {
  kind: "createTable";
  /** TEMP or TEMPORARY was written. */
  temp: boolean;
  /** IF NOT EXISTS was written. */
  ifNotExists: boolean;
  /** Schema qualifier. */
  schema?: string;
  /** Table name. */
  name: string;
  /** Column definitions (empty for CREATE TABLE ... AS SELECT). */
  columns: ColumnDef[];
  /** Table constraints. */
  constraints: TableConstraint[];
  /** WITHOUT ROWID was given. */
  withoutRowid: boolean;
  /** STRICT was given. */
  strict: boolean;
  /** The SELECT of CREATE TABLE ... AS SELECT. */
  asSelect?: Select;
  /**
   * The text SQLite stores in sqlite_schema.sql: `CREATE TABLE ` followed by the
   * source from the table name (without schema qualifier) to the end.
   */
  schemaSql: string;
}

/** CREATE [UNIQUE] INDEX. */
export interface CreateIndexStmt extends StmtBase {
  kind: "createIndex";
  /** UNIQUE was written. */
  unique: boolean;
  /** IF NOT EXISTS was written. */
  ifNotExists: boolean;
  /** Schema qualifier (of the index name). */
  schema?: string;
  /** Index name. */
  name: string;
  /** Indexed table. */
  table: string;
  /** Indexed columns / expressions. */
  columns: IndexedColumn[];
  /** Partial-index WHERE. */
  where?: Expr;
  /** Text for sqlite_schema.sql (`CREATE [UNIQUE ]INDEX name ...`). */
  schemaSql: string;
}

/** CREATE [TEMP] VIEW. */
export interface CreateViewStmt extends StmtBase {
  kind: "createView";
  /** TEMP was written. */
  temp: boolean;
  /** IF NOT EXISTS was written. */
  ifNotExists: boolean;
  /** Schema qualifier. */
  schema?: string;
  /** View name. */
  name: string;
  /** Explicit column names. */
  columns?: string[];
  /** The view's SELECT. */
  select: Select;
  /** Text for sqlite_schema.sql. */
  schemaSql: string;
}

/** CREATE [TEMP] TRIGGER. */
export interface CreateTriggerStmt extends StmtBase {
  kind: "createTrigger";
  /** TEMP was written. */
  temp: boolean;
  /** IF NOT EXISTS was written. */
  ifNotExists: boolean;
  /** Schema qualifier. */
  schema?: string;
  /** Trigger name. */
  name: string;
  /** When it fires; BEFORE when not written (SQLite's default). */
  timing: "BEFORE" | "AFTER" | "INSTEAD OF";
  /** Triggering event. */
  event: "DELETE" | "INSERT" | "UPDATE";
  /** `UPDATE OF cols`. */
  updateColumns?: string[];
  /** The table (or view) name. */
  table: string;
  /** FOR EACH ROW was written. */
  forEachRow: boolean;
  /** WHEN condition. */
  when?: Expr;
  /** The body statements (insert/update/delete/select). */
  body: (InsertStmt | UpdateStmt | DeleteStmt | SelectStmt)[];
  /** Text for sqlite_schema.sql. */
  schemaSql: string;
}

/** CREATE VIRTUAL TABLE name USING module(args). */
export interface CreateVirtualTableStmt extends StmtBase {
  kind: "createVirtualTable";
  /** IF NOT EXISTS was written. */
  ifNotExists: boolean;
  /** Schema qualifier. */
  schema?: string;
  /** Table name. */
  name: string;
  /** Module name. */
  module: string;
  /** Module arguments, as source text. */
  args: string[];
  /** Text for sqlite_schema.sql. */
  schemaSql: string;
}

/** DROP TABLE / INDEX / VIEW / TRIGGER. */
export interface DropStmt extends StmtBase {
  kind: "drop";
  /** What is dropped. */
  objectType: "table" | "index" | "view" | "trigger";
  /** IF EXISTS was written. */
  ifExists: boolean;
  /** Schema qualifier. */
  schema?: string;
  /** Object name. */
  name: string;
}

/** ALTER TABLE. */
export interface AlterTableStmt extends StmtBase {
  kind: "alterTable";
  /** Schema qualifier. */
  schema?: string;
  /** Table name. */
  table: string;
  /** What to do. */
  action:
    | { kind: "renameTable"; newName: string }
    | { kind: "renameColumn"; column: string; newName: string }
    | {
      kind: "addColumn";
      column: ColumnDef;
      /** Source text of the column definition (SQLite splices it into the CREATE text). */
      text: string;
    }
    | { kind: "dropColumn"; column: string }
    /** `ALTER [COLUMN] c SET NOT NULL [ON CONFLICT x]` (SQLite 3.5x). */
    | { kind: "setNotNull"; column: string; onConflict?: ConflictAction }
    /** `ALTER [COLUMN] c DROP NOT NULL` (SQLite 3.5x). */
    | { kind: "dropNotNull"; column: string }
    /**
     * `ADD [CONSTRAINT name] CHECK (expr) [ON CONFLICT x]` (SQLite 3.5x). `text` is
     * the constraint's source, which SQLite appends to the CREATE TABLE text.
     */
    | { kind: "addCheck"; name?: string; expr: Expr; onConflict?: ConflictAction; text: string }
    /** `DROP CONSTRAINT name` (SQLite 3.5x). */
    | { kind: "dropConstraint"; name: string };
}

/** One `col = expr` or `(c1, c2) = expr` assignment of UPDATE / DO UPDATE. */
export interface SetClause {
  /** Target columns (one unless the row-value form was used). */
  columns: string[];
  /** The value (a RowExpr or subquery for the multi-column form). */
  expr: Expr;
}

/** An ON CONFLICT clause of INSERT (upsert). */
export interface Upsert {
  /** Conflict target; absent when no target was written. */
  target?: { columns: IndexedColumn[]; where?: Expr };
  /** DO NOTHING or DO UPDATE. */
  action: { kind: "nothing" } | { kind: "update"; set: SetClause[]; where?: Expr };
}

/** INSERT / REPLACE. */
export interface InsertStmt extends StmtBase {
  kind: "insert";
  /** WITH clause. */
  with?: WithClause;
  /** `INSERT OR x`; `REPLACE INTO` gives "REPLACE". */
  orAction?: ConflictAction;
  /** Schema qualifier. */
  schema?: string;
  /** Target table. */
  table: string;
  /** `AS alias`. */
  alias?: string;
  /** Explicit column list. */
  columns?: string[];
  /** Row source: a SELECT (VALUES is a select whose core is ValuesCore); null for DEFAULT VALUES. */
  select: Select | null;
  /** ON CONFLICT clauses, in order (empty if none). */
  upsert: Upsert[];
  /** RETURNING list. */
  returning?: ResultColumn[];
}

/** UPDATE. */
export interface UpdateStmt extends StmtBase {
  kind: "update";
  /** WITH clause. */
  with?: WithClause;
  /** `UPDATE OR x`. */
  orAction?: ConflictAction;
  /** Schema qualifier. */
  schema?: string;
  /** Target table. */
  table: string;
  /** Alias. */
  alias?: string;
  /** INDEXED BY index. */
  indexedBy?: string;
  /** NOT INDEXED. */
  notIndexed?: boolean;
  /** Assignments. */
  set: SetClause[];
  /** UPDATE ... FROM. */
  from?: FromItem;
  /** WHERE. */
  where?: Expr;
  /** RETURNING list. */
  returning?: ResultColumn[];
  /** ORDER BY (SQLITE_ENABLE_UPDATE_DELETE_LIMIT). */
  orderBy?: OrderingTerm[];
  /** LIMIT. */
  limit?: Expr;
  /** OFFSET. */
  offset?: Expr;
}

/** DELETE. */
export interface DeleteStmt extends StmtBase {
  kind: "delete";
  /** WITH clause. */
  with?: WithClause;
  /** Schema qualifier. */
  schema?: string;
  /** Target table. */
  table: string;
  /** Alias. */
  alias?: string;
  /** INDEXED BY index. */
  indexedBy?: string;
  /** NOT INDEXED. */
  notIndexed?: boolean;
  /** WHERE. */
  where?: Expr;
  /** RETURNING list. */
  returning?: ResultColumn[];
  /** ORDER BY. */
  orderBy?: OrderingTerm[];
  /** LIMIT. */
  limit?: Expr;
  /** OFFSET. */
  offset?: Expr;
}

/** A SELECT statement (a {@link Select} with statement fields). */
export type SelectStmt = Select & StmtBase;

/** BEGIN. */
export interface BeginStmt extends StmtBase {
  kind: "begin";
  /** Transaction mode, if written. */
  mode?: "DEFERRED" | "IMMEDIATE" | "EXCLUSIVE";
}

/** COMMIT / END. */
export interface CommitStmt extends StmtBase {
  kind: "commit";
}

/** ROLLBACK [TO savepoint]. */
export interface RollbackStmt extends StmtBase {
  kind: "rollback";
  /** Savepoint name for ROLLBACK TO. */
  savepoint?: string;
}

/** SAVEPOINT name. */
export interface SavepointStmt extends StmtBase {
  kind: "savepoint";
  /** Savepoint name. */
  name: string;
}

/** RELEASE [SAVEPOINT] name. */
export interface ReleaseStmt extends StmtBase {
  kind: "release";
  /** Savepoint name. */
  name: string;
}

/**
 * PRAGMA [schema.]name [= value | (value)].
 *
 * `value` is the text SQLite hands the pragma: a dequoted name or string, or a
 * number's source text with its sign (`-2000`). ON/OFF/YES/... are left as written.
 */
export interface PragmaStmt extends StmtBase {
  kind: "pragma";
  /** Schema qualifier. */
  schema?: string;
  /** Pragma name, dequoted, original case. */
  name: string;
  /** The argument, if any. */
  value?: string;
}

/** EXPLAIN [QUERY PLAN] stmt. */
export interface ExplainStmt extends StmtBase {
  kind: "explain";
  /** True for EXPLAIN QUERY PLAN. */
  queryPlan: boolean;
  /** The explained statement. */
  stmt: Statement;
}

/** VACUUM [schema] [INTO expr]. */
export interface VacuumStmt extends StmtBase {
  kind: "vacuum";
  /** Schema name. */
  schema?: string;
  /** INTO filename expression. */
  into?: Expr;
}

/** ANALYZE [schema | [schema.]name]. */
export interface AnalyzeStmt extends StmtBase {
  kind: "analyze";
  /** Schema qualifier (or the only name, when `name` is absent it may be a schema or table). */
  schema?: string;
  /** Table or index name. */
  name?: string;
}

/** REINDEX [collation | [schema.]name]. */
export interface ReindexStmt extends StmtBase {
  kind: "reindex";
  /** Schema qualifier. */
  schema?: string;
  /** Collation, table or index name (absent for a bare REINDEX). */
  name?: string;
}

/** ATTACH [DATABASE] expr AS expr [KEY expr]. */
export interface AttachStmt extends StmtBase {
  kind: "attach";
  /** File name expression. */
  file: Expr;
  /** Schema name expression. */
  schema: Expr;
  /** KEY expression. */
  key?: Expr;
}

/** DETACH [DATABASE] expr. */
export interface DetachStmt extends StmtBase {
  kind: "detach";
  /** Schema name expression. */
  schema: Expr;
}

/** A statement the parser recognises but does not model. */
export interface UnsupportedStmt extends StmtBase {
  kind: "unsupported";
  /** The statement's name, e.g. "CREATE VIRTUAL TABLE". */
  name: string;
}

/** Any top-level statement. */
export type Statement =
  | SelectStmt
  | InsertStmt
  | UpdateStmt
  | DeleteStmt
  | CreateTableStmt
  | CreateIndexStmt
  | CreateViewStmt
  | CreateTriggerStmt
  | CreateVirtualTableStmt
  | DropStmt
  | AlterTableStmt
  | BeginStmt
  | CommitStmt
  | RollbackStmt
  | SavepointStmt
  | ReleaseStmt
  | PragmaStmt
  | ExplainStmt
  | VacuumStmt
  | AnalyzeStmt
  | ReindexStmt
  | AttachStmt
  | DetachStmt
  | UnsupportedStmt;
