/**
 * The WHERE expression tree `--where` is compiled from: a small, closed set of node kinds that
 * where-parser.ts builds from node-sql-parser's AST after checking every node, and that
 * where-filter.ts evaluates with MySQL semantics. Anything outside this set is refused at parse
 * time with an error naming the construct, so the evaluator never meets a node it does not know.
 */

/** A literal as MySQL reads it: the type decides how comparisons and arithmetic treat it. */
export type WhereLiteral =
  | { readonly t: 'null' }
  /** Integer literal (exact; beyond 2^64 MySQL reads it as DECIMAL, so do we). */
  | { readonly t: 'int'; readonly v: bigint }
  /** Exact-value number with a fraction: v / 10^s (MySQL DECIMAL literal). */
  | { readonly t: 'dec'; readonly v: bigint; readonly s: number }
  /** Approximate-value number (written with an exponent: 1e3). */
  | { readonly t: 'dbl'; readonly v: number }
  /** Text, escapes resolved; `collation` from a COLLATE clause. */
  | { readonly t: 'str'; readonly v: string; readonly collation?: string | undefined }
  /** X'41', 0x41, b'1': a binary string, or its unsigned value in numeric context. */
  | { readonly t: 'hex'; readonly bytes: Uint8Array }
  | { readonly t: 'bool'; readonly v: boolean }
  /** DATE '…', TIME '…', TIMESTAMP '…' (standard SQL temporal literals). */
  | { readonly t: 'temporal'; readonly kind: 'date' | 'time' | 'datetime'; readonly text: string };

export type ComparisonOp = '=' | '<>' | '<' | '>' | '<=' | '>=';
export type ArithmeticOp = '+' | '-' | '*' | '/' | 'DIV' | 'MOD';

export type WhereExpr =
  /** `table` when written qualified (`t.col`): must name the filtered table. */
  | { readonly kind: 'column'; readonly name: string; readonly table?: string | undefined; readonly collation?: string | undefined }
  | { readonly kind: 'literal'; readonly value: WhereLiteral }
  | { readonly kind: 'not'; readonly arg: WhereExpr }
  | { readonly kind: 'negate'; readonly arg: WhereExpr }
  | { readonly kind: 'logical'; readonly op: 'AND' | 'OR' | 'XOR'; readonly left: WhereExpr; readonly right: WhereExpr }
  | { readonly kind: 'compare'; readonly op: ComparisonOp; readonly left: WhereExpr; readonly right: WhereExpr }
  | { readonly kind: 'arith'; readonly op: ArithmeticOp; readonly left: WhereExpr; readonly right: WhereExpr }
  | { readonly kind: 'is'; readonly arg: WhereExpr; readonly test: 'NULL' | 'TRUE' | 'FALSE' | 'UNKNOWN'; readonly not: boolean }
  | { readonly kind: 'between'; readonly arg: WhereExpr; readonly low: WhereExpr; readonly high: WhereExpr; readonly not: boolean }
  | { readonly kind: 'in'; readonly arg: WhereExpr; readonly list: readonly WhereExpr[]; readonly not: boolean }
  | { readonly kind: 'like'; readonly arg: WhereExpr; readonly pattern: WhereExpr; readonly escape: WhereExpr | undefined; readonly not: boolean }
  | { readonly kind: 'function'; readonly name: WhereFunctionName; readonly args: readonly WhereExpr[] }
  | {
      readonly kind: 'case';
      readonly operand: WhereExpr | undefined;
      readonly whens: readonly { readonly when: WhereExpr; readonly then: WhereExpr }[];
      readonly otherwise: WhereExpr | undefined;
    };

/** The functions --where supports (documented in the CLI help). */
export const WHERE_FUNCTIONS = {
  LOWER: [1, 1],
  LCASE: [1, 1],
  UPPER: [1, 1],
  UCASE: [1, 1],
  LENGTH: [1, 1],
  OCTET_LENGTH: [1, 1],
  CHAR_LENGTH: [1, 1],
  CHARACTER_LENGTH: [1, 1],
  TRIM: [1, 1],
  LTRIM: [1, 1],
  RTRIM: [1, 1],
  CONCAT: [1, Infinity],
  COALESCE: [1, Infinity],
  IFNULL: [2, 2],
  NULLIF: [2, 2],
  IF: [3, 3],
  ABS: [1, 1],
  HEX: [1, 1],
} as const satisfies Record<string, readonly [number, number]>;

export type WhereFunctionName = keyof typeof WHERE_FUNCTIONS;
