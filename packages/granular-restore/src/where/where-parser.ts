/**
 * `--where EXPR` text → WhereExpr. The text is parsed by node-sql-parser (MySQL grammar) as the
 * WHERE clause of `SELECT * FROM t WHERE …`, and only its `.where` is used; every node is then
 * checked against the closed set of where-expr.ts. The text is never sent to a server, so an
 * injection attempt (`1; DROP TABLE x`) is just a filter we refuse: a second statement, a UNION,
 * ORDER BY/LIMIT, subqueries, variables and unknown functions are errors that name the construct.
 *
 * node-sql-parser builds its AST for formatting, not evaluation, and loses facts MySQL cares about;
 * those places are handled here against the original text:
 *  - string values come raw (`'it''s'` → `it''s`, backslash escapes unresolved): resolved here
 *    with MySQL's rules (https://dev.mysql.com/doc/refman/8.0/en/string-literals.html), `\%` and
 *    `\_` kept as two characters (LIKE reads them);
 *  - numbers come lossy (`-9223372036854775807` as a JS number) or misread (`1e-1` as the column
 *    `1e` minus 1): every numeric literal is therefore replaced by a placeholder identifier before
 *    parsing and read back exactly from its own text (integer → BIGINT, or DECIMAL beyond 2^64;
 *    with a point → DECIMAL; with an exponent → DOUBLE, as MySQL types literals);
 *  - XOR binds tighter than `=` in the grammar (MySQL: between AND and OR): XOR is accepted only
 *    where the grouping is explicit (its operands parenthesized);
 *  - `||` is parsed as concatenation (sql_mode PIPES_AS_CONCAT) while MySQL's default reads it as
 *    OR: refused, since either reading may be wrong;
 *  - text after the expression that the grammar swallowed into other clauses is refused.
 */
import { PitrError } from '@pitr/core';
import nodeSqlParser from 'node-sql-parser/build/mysql.js';
import { WHERE_FUNCTIONS, type WhereExpr, type WhereFunctionName, type WhereLiteral } from './where-expr.js';

const PREFIX = 'SELECT * FROM t WHERE ';
/** Longer filters are refused: a filter names rows, it is not a program. */
const MAX_WHERE_CHARS = 16_384;
const SUPPORTED_HINT =
  'supported: column names, literals, = <> != < > <= >=, AND OR XOR NOT, IS [NOT] NULL/TRUE/FALSE/UNKNOWN, [NOT] BETWEEN, [NOT] IN (…), [NOT] LIKE … [ESCAPE …], + - * / DIV MOD %, CASE, COLLATE, and the functions ' +
  Object.keys(WHERE_FUNCTIONS).join(', ');

let parser: InstanceType<typeof nodeSqlParser.Parser> | undefined;

/** Node shapes of node-sql-parser we read (the library's own types are too loose to help). */
interface AstNode {
  readonly type?: string;
  readonly [key: string]: unknown;
}
interface Loc {
  readonly start: { readonly offset: number };
  readonly end: { readonly offset: number };
}

/** Parses a `--where` expression. Throws PitrError USAGE naming what is wrong or unsupported. */
export function parseWhere(text: string): WhereExpr {
  if (text.trim() === '') throw usage('the --where expression is empty', ['e.g. --where "id = 7" or --where "email LIKE \'%@example.com\'"']);
  if (text.length > MAX_WHERE_CHARS) throw usage(`the --where expression is ${text.length} characters long (at most ${MAX_WHERE_CHARS})`);
  if (text.includes(PLACEHOLDER)) throw usage(`the --where expression contains ${PLACEHOLDER}, a name pitr reserves`);
  parser ??= new nodeSqlParser.Parser();
  const { rewritten, numbers } = replaceNumbers(text);
  let ast: unknown;
  try {
    ast = parser.astify(PREFIX + rewritten, { database: 'MySQL', parseOptions: { includeLocations: true } });
  } catch (e) {
    // report the position in the user's own text
    try {
      parser.astify(PREFIX + text, { database: 'MySQL' });
    } catch (original) {
      throw syntaxError(text, original);
    }
    throw syntaxError(rewritten, e);
  }
  if (Array.isArray(ast)) {
    throw usage('the --where expression holds more than one statement (a ";" ends the expression)', ['give one expression, e.g. --where "id = 7"; nothing in it is ever run on a server']);
  }
  const select = ast as AstNode;
  if (select.type !== 'select') throw internal(`node-sql-parser returned a ${String(select.type)} statement`);
  if (select._next !== undefined && select._next !== null) throw usage(`the --where expression continues with ${String(select.set_op ?? 'a set operation').toUpperCase()}: only an expression is allowed`);
  for (const [key, label] of [
    ['groupby', 'GROUP BY'],
    ['having', 'HAVING'],
    ['orderby', 'ORDER BY'],
    ['limit', 'LIMIT'],
    ['window', 'WINDOW'],
    ['locking_read', 'FOR UPDATE / LOCK IN SHARE MODE'],
  ] as const) {
    const v = select[key];
    if (v !== null && v !== undefined && !(key === 'limit' && isEmptyLimit(v))) throw usage(`the --where expression continues with ${label}: only an expression is allowed`);
  }
  const into = select.into as AstNode | null | undefined;
  if (into !== null && into !== undefined && into.position !== null && into.position !== undefined) throw usage('the --where expression continues with INTO: only an expression is allowed');
  const where = select.where as AstNode | null | undefined;
  if (where === null || where === undefined) throw usage('the --where expression is empty');
  checkNothingAfter(rewritten, where);
  return new Converter(rewritten, numbers).expr(where);
}

const PLACEHOLDER = '__pitr_number_';
const NUMBER_AT = /(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?(?![\w$])/y;

/**
 * Replaces each numeric literal by a backquoted placeholder name and returns the literals' texts.
 * Strings, quoted names and words that merely contain digits (col1, 1col, 0x1F) are left alone.
 */
function replaceNumbers(text: string): { rewritten: string; numbers: string[] } {
  const numbers: string[] = [];
  let out = '';
  let i = 0;
  const n = text.length;
  while (i < n) {
    const c = text[i]!;
    if (c === "'" || c === '"' || c === '`') {
      let j = i + 1;
      while (j < n) {
        if (text[j] === '\\' && c !== '`') j += 2;
        else if (text[j] === c) {
          if (text[j + 1] === c) j += 2;
          else break;
        } else j++;
      }
      out += text.slice(i, j + 1);
      i = j + 1;
      continue;
    }
    if (/[\w$]/.test(c)) {
      const prev = i > 0 ? text[i - 1]! : ' ';
      NUMBER_AT.lastIndex = i;
      const m = /[\w$.]/.test(prev) ? null : NUMBER_AT.exec(text);
      if (m !== null) {
        out += `\`${PLACEHOLDER}${numbers.length}\``;
        numbers.push(m[0]);
        i += m[0].length;
        continue;
      }
      let j = i;
      while (j < n && /[\w$]/.test(text[j]!)) j++;
      out += text.slice(i, j);
      i = j;
      continue;
    }
    if (c === '.' && /\d/.test(text[i + 1] ?? '') && !/[\w$`]/.test(text[i - 1] ?? ' ')) {
      NUMBER_AT.lastIndex = i;
      const m = NUMBER_AT.exec(text);
      if (m !== null) {
        out += `\`${PLACEHOLDER}${numbers.length}\``;
        numbers.push(m[0]);
        i += m[0].length;
        continue;
      }
    }
    out += c;
    i++;
  }
  return { rewritten: out, numbers };
}

function isEmptyLimit(v: unknown): boolean {
  const value = (v as AstNode).value;
  return Array.isArray(value) && value.length === 0;
}

/** The grammar stops at clauses it knows; text it did not read as part of the expression is an error. */
function checkNothingAfter(text: string, where: AstNode): void {
  const loc = where.loc as Loc | undefined;
  if (loc === undefined) return;
  const rest = stripComments(text.slice(loc.end.offset - PREFIX.length));
  if (rest !== '') throw usage(`unexpected text after the --where expression: ${JSON.stringify(rest.slice(0, 40))}`);
}

function stripComments(s: string): string {
  return s
    .replace(/\/\*[\s\S]*?\*\//g, ' ')
    .replace(/(?:--\s|#)[^\n]*/g, ' ')
    .trim();
}

class Converter {
  constructor(
    private readonly text: string,
    private readonly numbers: readonly string[],
  ) {}

  /** The user's text of a node, when the parser located it. */
  private source(node: AstNode): string | undefined {
    const loc = node.loc as Loc | undefined;
    if (loc === undefined) return undefined;
    return this.text.slice(loc.start.offset - PREFIX.length, loc.end.offset - PREFIX.length);
  }

  private named(node: AstNode, fallback: string): string {
    const s = this.source(node);
    return s === undefined || s.length > 60 ? fallback : `${fallback} (${s})`;
  }

  expr(node: AstNode): WhereExpr {
    if (node.ast !== undefined || node.type === 'select') throw unsupported('subqueries');
    switch (node.type) {
      case 'column_ref':
        return this.column(node);
      case 'number':
      case 'bigint':
        // numbers are placeholders by now; this is a number the grammar made up (none known)
        throw internal(`a number node ${JSON.stringify(node.value)} outside the placeholders`);
      case 'single_quote_string':
      case 'double_quote_string':
      case 'natural_string':
      case 'string':
        return { kind: 'literal', value: this.stringLiteral(node) };
      case 'hex_string':
      case 'full_hex_string':
        return { kind: 'literal', value: { t: 'hex', bytes: hexBytes(String(node.value), node.type === 'hex_string') } };
      case 'bit_string':
        return { kind: 'literal', value: { t: 'hex', bytes: bitBytes(String(node.value)) } };
      case 'null':
        return { kind: 'literal', value: { t: 'null' } };
      case 'bool':
        return { kind: 'literal', value: { t: 'bool', v: node.value === true } };
      case 'date':
      case 'time':
      case 'timestamp':
      case 'datetime':
        return { kind: 'literal', value: temporalLiteral(node.type, String(node.value)) };
      case 'unary_expr':
        return this.unary(node);
      case 'binary_expr':
        return this.binary(node);
      case 'function':
        return this.func(node);
      case 'case':
        return this.caseExpr(node);
      case 'cast':
        throw unsupported('CAST/CONVERT');
      case 'var':
        throw unsupported(`variables (${node.prefix === '@@' ? '@@' : '@'}${String(node.name)})`);
      case 'param':
      case 'origin':
        throw unsupported(`placeholders and bare keywords (${String(node.value)})`);
      case 'expr_list':
        throw unsupported('row constructors and parenthesized lists outside IN (…)');
      case 'interval':
        throw unsupported('INTERVAL');
      case 'aggr_func':
        throw unsupported(`aggregate functions (${String(node.name)})`);
      default:
        throw unsupported(this.named(node, `the construct ${String(node.type)}`));
    }
  }

  private column(node: AstNode): WhereExpr {
    if (node.db !== undefined && node.db !== null) throw unsupported(`database-qualified column names (${String(node.db)}.${String(node.table)}.${columnText(node.column)})`);
    const raw = columnText(node.column);
    const src = this.source(node);
    const quoted = src !== undefined && src.trimStart().startsWith('`');
    const placeholder = raw.startsWith(PLACEHOLDER) ? this.numbers[Number(raw.slice(PLACEHOLDER.length))] : undefined;
    if (placeholder !== undefined) {
      if (node.collate !== null && node.collate !== undefined) throw unsupported('COLLATE after a number');
      return { kind: 'literal', value: numberLiteral(placeholder) };
    }
    if (raw === '*') throw unsupported('*');
    if (!quoted && /^unknown$/i.test(raw)) throw unsupported('UNKNOWN outside IS [NOT] UNKNOWN');
    const name = raw.replace(/``/g, '`');
    const collation = collateName(node.collate);
    const table = node.table;
    return { kind: 'column', name, collation, table: table === null || table === undefined ? undefined : String(table).replace(/``/g, '`') };
  }

  private stringLiteral(node: AstNode): WhereLiteral {
    if (node.prefix !== undefined && node.prefix !== null) throw unsupported(`${String(node.prefix).toUpperCase()} before a string (use COLLATE …_bin for a binary comparison)`);
    const raw = String(node.value);
    const v = node.type === 'double_quote_string' ? unescapeString(raw, '"') : unescapeString(raw, "'");
    const suffix = node.suffix as AstNode | undefined;
    const collation = suffix === undefined || suffix === null ? undefined : collateName(suffix.collate);
    return { t: 'str', v, collation };
  }

  private unary(node: AstNode): WhereExpr {
    const arg = this.expr(this.operand(node.expr as AstNode));
    switch (String(node.operator).toUpperCase()) {
      case 'NOT':
      case '!':
        return { kind: 'not', arg };
      case '-':
        return { kind: 'negate', arg };
      case '+':
        return arg;
      default:
        throw unsupported(`the operator ${String(node.operator)}`);
    }
  }

  private binary(node: AstNode): WhereExpr {
    const op = String(node.operator).toUpperCase();
    const leftNode = op === 'XOR' ? (node.left as AstNode) : this.operand(node.left as AstNode);
    const rightNode = op === 'XOR' ? (node.right as AstNode) : this.operand(node.right as AstNode);
    switch (op) {
      case 'AND':
      case '&&':
      case 'OR':
        return this.andOr(node);
      case 'XOR':
        if (!grouped(leftNode) || !grouped(rightNode)) {
          throw usage('XOR needs parentheses around its operands here (the parser pitr uses groups XOR differently from MySQL): write (a = 1) XOR (b = 2)');
        }
        return { kind: 'logical', op: 'XOR', left: this.expr(leftNode), right: this.expr(rightNode) };
      case '||':
        throw usage('|| is ambiguous (OR, or string concatenation under sql_mode PIPES_AS_CONCAT): write OR, or CONCAT(a, b)');
      case '=':
      case '<>':
      case '<':
      case '>':
      case '<=':
      case '>=':
        return { kind: 'compare', op, left: this.expr(leftNode), right: this.expr(rightNode) };
      case '!=':
        return { kind: 'compare', op: '<>', left: this.expr(leftNode), right: this.expr(rightNode) };
      case '+':
      case '-':
      case '*':
      case '/':
      case 'DIV':
      case 'MOD':
        return { kind: 'arith', op, left: this.expr(leftNode), right: this.expr(rightNode) };
      case '%':
        return { kind: 'arith', op: 'MOD', left: this.expr(leftNode), right: this.expr(rightNode) };
      case 'IS':
      case 'IS NOT':
        return { kind: 'is', arg: this.expr(leftNode), test: isTest(rightNode), not: op === 'IS NOT' };
      case 'IN':
      case 'NOT IN': {
        if (rightNode.type !== 'expr_list' || !Array.isArray(rightNode.value)) throw unsupported('IN with a subquery');
        const list = (rightNode.value as AstNode[]).map((n) => this.expr(n));
        return { kind: 'in', arg: this.expr(leftNode), list, not: op === 'NOT IN' };
      }
      case 'BETWEEN':
      case 'NOT BETWEEN': {
        const bounds = rightNode.value as AstNode[] | undefined;
        if (rightNode.type !== 'expr_list' || !Array.isArray(bounds) || bounds.length !== 2) throw internal('BETWEEN without two bounds');
        return { kind: 'between', arg: this.expr(leftNode), low: this.expr(bounds[0]!), high: this.expr(bounds[1]!), not: op === 'NOT BETWEEN' };
      }
      case 'LIKE':
      case 'NOT LIKE': {
        const esc = rightNode.escape as AstNode | undefined;
        const escape = esc === undefined || esc === null ? undefined : this.expr(esc.value as AstNode);
        return { kind: 'like', arg: this.expr(leftNode), pattern: this.expr(rightNode), escape, not: op === 'NOT LIKE' };
      }
      default:
        throw unsupported(`the operator ${op}`);
    }
  }

  /**
   * An AND/OR chain. The grammar gives AND and OR the same precedence (`a OR b AND c` comes back as
   * `(a OR b) AND c`); MySQL binds AND tighter. The chain's operands and operators are read back in
   * text order (an in-order walk through the unparenthesized AND/OR nodes) and regrouped: OR of ANDs.
   */
  private andOr(node: AstNode): WhereExpr {
    const operands: AstNode[] = [];
    const ops: ('AND' | 'OR')[] = [];
    const walk = (n: AstNode): void => {
      // the chain's own root may be parenthesized: `(a OR b)` as a whole
      const op = n.type === 'binary_expr' && (n === node || n.parentheses !== true) ? String(n.operator).toUpperCase() : '';
      if (op === 'AND' || op === '&&' || op === 'OR') {
        walk(n.left as AstNode);
        ops.push(op === 'OR' ? 'OR' : 'AND');
        walk(n.right as AstNode);
      } else operands.push(this.operand(n));
    };
    walk(node);
    const terms: WhereExpr[] = [];
    let current = this.expr(operands[0]!);
    for (let i = 0; i < ops.length; i++) {
      const next = this.expr(operands[i + 1]!);
      if (ops[i] === 'AND') current = { kind: 'logical', op: 'AND', left: current, right: next };
      else {
        terms.push(current);
        current = next;
      }
    }
    terms.push(current);
    return terms.reduce((left, right) => ({ kind: 'logical', op: 'OR', left, right }));
  }

  /** Operands of binary operators: an XOR among them is unambiguous only when parenthesized. */
  private operand(node: AstNode): AstNode {
    if (isXor(node) && node.parentheses !== true) throw usage('XOR needs parentheses here (the parser pitr uses groups XOR differently from MySQL): write ((a = 1) XOR (b = 2)) AND …');
    return node;
  }

  private func(node: AstNode): WhereExpr {
    if (node.over !== undefined && node.over !== null) throw unsupported('window functions (OVER …)');
    const parts = ((node.name as AstNode | undefined)?.name as AstNode[] | undefined) ?? [];
    const name = parts.map((p) => String(p.value)).join('.').toUpperCase();
    const argNodes = ((node.args as AstNode | undefined)?.value as AstNode[] | undefined) ?? [];
    if (name === 'NOT' && argNodes.length === 1) return { kind: 'not', arg: this.expr(argNodes[0]!) };
    if (!Object.hasOwn(WHERE_FUNCTIONS, name)) {
      const hint = name === 'EXISTS' ? 'subqueries' : `the function ${name}()`;
      throw unsupported(hint);
    }
    if (argNodes.some((a) => a.type === 'origin')) throw unsupported(`${name}() with keywords (only ${name}(expr) is)`);
    const fn = name as WhereFunctionName;
    const [min, max] = WHERE_FUNCTIONS[fn];
    if (argNodes.length < min || argNodes.length > max) {
      throw usage(`${fn}() takes ${min === max ? min : `${min} or more`} argument${min === 1 && max === 1 ? '' : 's'}, not ${argNodes.length}`);
    }
    return { kind: 'function', name: fn, args: argNodes.map((a) => this.expr(a)) };
  }

  private caseExpr(node: AstNode): WhereExpr {
    const operand = node.expr === null || node.expr === undefined ? undefined : this.expr(node.expr as AstNode);
    const whens: { when: WhereExpr; then: WhereExpr }[] = [];
    let otherwise: WhereExpr | undefined;
    for (const a of (node.args as AstNode[] | undefined) ?? []) {
      if (a.type === 'when') whens.push({ when: this.expr(a.cond as AstNode), then: this.expr(a.result as AstNode) });
      else if (a.type === 'else') otherwise = this.expr(a.result as AstNode);
      else throw internal(`CASE part ${String(a.type)}`);
    }
    return { kind: 'case', operand, whens, otherwise };
  }
}

function isXor(node: AstNode): boolean {
  return node.type === 'binary_expr' && String(node.operator).toUpperCase() === 'XOR';
}

/** A node whose grouping is explicit: parenthesized, or an atom. */
function grouped(node: AstNode): boolean {
  return node.parentheses === true || node.type === 'column_ref' || node.type === 'function' || node.type === 'bool' || node.type === 'null';
}

function columnText(column: unknown): string {
  if (typeof column === 'string') return column;
  const expr = (column as AstNode | undefined)?.expr as AstNode | undefined;
  if (expr !== undefined && typeof expr.value === 'string') return expr.value;
  throw internal(`column name of shape ${JSON.stringify(column)}`);
}

function collateName(collate: unknown): string | undefined {
  if (collate === null || collate === undefined) return undefined;
  const inner = (collate as AstNode).collate as AstNode | undefined;
  const name = inner?.name;
  if (typeof name !== 'string') throw internal(`COLLATE of shape ${JSON.stringify(collate)}`);
  return name.replace(/^`|`$/g, '').toLowerCase();
}

function isTest(node: AstNode): 'NULL' | 'TRUE' | 'FALSE' | 'UNKNOWN' {
  if (node.type === 'null') return 'NULL';
  if (node.type === 'bool') return node.value === true ? 'TRUE' : 'FALSE';
  if (node.type === 'column_ref' && typeof node.column === 'string' && node.column.toUpperCase() === 'UNKNOWN') return 'UNKNOWN';
  throw usage('IS must be followed by NULL, TRUE, FALSE or UNKNOWN');
}

const INT_RE = /^[+-]?\d+$/;
const DEC_RE = /^([+-]?)(\d*)\.(\d*)$/;

const UINT64_MAX = (1n << 64n) - 1n;

/** A numeric literal's text as MySQL types it: integer (DECIMAL beyond 2^64), DECIMAL with a point, DOUBLE with an exponent. */
function numberLiteral(text: string): WhereLiteral {
  if (INT_RE.test(text)) {
    const v = BigInt(text);
    return v > UINT64_MAX ? { t: 'dec', v, s: 0 } : { t: 'int', v };
  }
  if (/e/i.test(text)) {
    const v = Number(text);
    if (!Number.isFinite(v)) throw usage(`the number ${text} is out of the DOUBLE range`);
    return { t: 'dbl', v };
  }
  return decimalLiteral(text);
}

function decimalLiteral(text: string): WhereLiteral {
  const m = DEC_RE.exec(text);
  if (m === null) throw internal(`number literal ${text}`);
  const digits = `${m[2]}${m[3]}`.replace(/^0+(?=\d)/, '') || '0';
  const v = BigInt(digits);
  return { t: 'dec', v: m[1] === '-' ? -v : v, s: m[3]!.length };
}

const ESCAPES: Record<string, string> = { '0': '\0', "'": "'", '"': '"', b: '\b', n: '\n', r: '\r', t: '\t', Z: '\x1a', '\\': '\\', '%': '\\%', _: '\\_' };

/** MySQL string-literal escapes (sql_mode without NO_BACKSLASH_ESCAPES) and the doubled quote. */
export function unescapeString(raw: string, quote: "'" | '"'): string {
  if (!raw.includes('\\') && !raw.includes(quote)) return raw;
  let out = '';
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i]!;
    if (c === '\\' && i + 1 < raw.length) {
      const n = raw[++i]!;
      out += ESCAPES[n] ?? n;
    } else if (c === quote && raw[i + 1] === quote) {
      out += quote;
      i++;
    } else out += c;
  }
  return out;
}

function hexBytes(digits: string, quotedForm: boolean): Uint8Array {
  if (!/^[0-9a-f]*$/i.test(digits)) throw usage(`X'${digits}' is not a hexadecimal literal`);
  if (digits.length % 2 === 1) {
    if (quotedForm) throw usage(`X'${digits}' has an odd number of hexadecimal digits`);
    digits = `0${digits}`; // 0xABC is 0x0ABC
  }
  return Uint8Array.from(Buffer.from(digits, 'hex'));
}

function bitBytes(bits: string): Uint8Array {
  if (!/^[01]*$/.test(bits)) throw usage(`b'${bits}' is not a bit-value literal`);
  const padded = bits.padStart(Math.max(8, Math.ceil(bits.length / 8) * 8), '0');
  const out = new Uint8Array(padded.length / 8);
  for (let i = 0; i < out.length; i++) out[i] = Number.parseInt(padded.slice(i * 8, i * 8 + 8), 2);
  return out;
}

function temporalLiteral(type: string, text: string): WhereLiteral {
  const kind = type === 'date' ? 'date' : type === 'time' ? 'time' : 'datetime';
  const ok =
    kind === 'date'
      ? /^\d{4}-\d{1,2}-\d{1,2}$/.test(text)
      : kind === 'time'
        ? /^-?\d{1,3}:\d{1,2}(:\d{1,2}(\.\d{1,6})?)?$/.test(text)
        : /^\d{4}-\d{1,2}-\d{1,2}[ T]\d{1,2}:\d{1,2}(:\d{1,2}(\.\d{1,6})?)?$/.test(text);
  if (!ok) throw usage(`${type.toUpperCase()} '${text}' is not a valid ${type} literal`);
  return { t: 'temporal', kind, text };
}

function syntaxError(text: string, e: unknown): PitrError {
  const err = e as { location?: Loc; found?: string | null; message?: string };
  if (err.location === undefined) throw e;
  const at = Math.max(0, err.location.start.offset - PREFIX.length);
  const near = text.slice(at, at + 20);
  const hints: string[] = [];
  if (/<=>/.test(text)) hints.push('the NULL-safe <=> is not supported: write (a = b OR (a IS NULL AND b IS NULL))');
  if (/\b_[a-z0-9]+\s*'/i.test(text)) hints.push("character set introducers (_latin1'…') are not supported: write the plain string, with COLLATE if needed");
  if (/\bbinary\s+[a-z`]/i.test(text)) hints.push('BINARY x is not supported: write x COLLATE utf8mb4_bin (or the column\'s _bin collation)');
  hints.push(`${text}\n      ${' '.repeat(at)}^`);
  hints.push(SUPPORTED_HINT);
  return new PitrError('USAGE', `cannot parse the --where expression at character ${at + 1}${err.found === null || err.found === undefined ? ' (it ends too early)' : `: unexpected ${JSON.stringify(near)}`}`, { hints, cause: e });
}

function usage(message: string, hints: string[] = []): PitrError {
  return new PitrError('USAGE', message, { hints });
}

function unsupported(what: string): PitrError {
  return new PitrError('USAGE', `--where does not support ${what}`, { hints: [SUPPORTED_HINT] });
}

function internal(what: string): PitrError {
  return new PitrError('INTERNAL', `unexpected --where parse tree: ${what}`, { hints: ['this is a bug in pitr; please report it with the --where text'] });
}
