/**
 * Evaluates a `--where` filter on decoded row images (binlog/columns/values.ts) with MySQL's
 * semantics, so that a row matches here exactly when `SELECT … WHERE EXPR` would return it on the
 * server (where-filter.server.test.ts checks that against a real server):
 *  - three-valued logic: NULL propagates through comparisons and arithmetic; AND/OR/XOR/NOT follow
 *    the SQL truth tables; a row matches only when the filter is TRUE;
 *  - comparisons convert as https://dev.mysql.com/doc/refman/8.0/en/type-conversion.html says:
 *    two strings compare as text under their collation (coercibility decides whose: COLLATE >
 *    column > literal), two integers as integers, DECIMAL with an integer or DECIMAL exactly, a
 *    temporal column with a string as dates/times, hex/bit literals as binary strings unless the
 *    other side is a number, and everything else as DOUBLE (so `id = '7abc'` is true for 7);
 *  - DECIMAL arithmetic is exact (scaled bigint; `/` gives the first operand's scale + 4, rounded
 *    half up, like div_precision_increment=4); integer overflow is an error as on the server;
 *    division by zero is NULL;
 *  - ENUM/SET compare by member text with strings and by index/bitmap with numbers; BIT as its
 *    number with numbers; TIMESTAMP as its wall-clock text in the given zone (the session
 *    time_zone's role; default UTC); DATE/TIME/DATETIME as stored, with all fraction digits;
 *  - text under a collation pitr does not model is an error, never a guess (text-collation.ts).
 */
import {
  type ColumnDef,
  type ColumnValue,
  ColumnTypes,
  type Flavor,
  PitrError,
  type RowImage,
  realColumnType,
  wallClock,
} from '@pitr/core';
import { parseWhere } from './where-parser.js';
import type { WhereExpr, WhereLiteral } from './where-expr.js';
import {
  type BinValue,
  COERCIBILITY,
  type DecValue,
  type DblValue,
  type IntValue,
  type SqlValue,
  type StrValue,
  type TemporalValue,
  FALSE_VALUE,
  TRUE_VALUE,
  bool,
  bytesText,
  bytesToBigint,
  dateTimeKey,
  decimalText,
  parseDecimal,
  pow10,
  rescale,
  stringToDouble,
  temporalNumber,
  timeMicros,
  valueText,
} from './sql-value.js';
import { type TextCollation, compareCodePoints, compareText, likeCharKey, textCollationById, textCollationByName } from './text-collation.js';

export interface WhereFilterOptions {
  /** Server kind: collation names and the collation of string literals (MariaDB utf8mb4_general_ci, MySQL utf8mb4_0900_ai_ci). Default 'mariadb'. */
  readonly flavor?: Flavor;
  /** Zone TIMESTAMP values are read in, as the session time_zone would (IANA name or ±HH:MM). Default UTC. */
  readonly timeZone?: string;
  /**
   * A column the layout does not have: an error (default), or 'unevaluable' — every row of this
   * layout evaluates to undefined (a history across ALTER TABLE … ADD/DROP COLUMN).
   */
  readonly unknownColumns?: 'error' | 'unevaluable';
}

/** true/false/NULL as SQL says; undefined when the image lacks a column the filter reads (binlog_row_image=MINIMAL/NOBLOB). */
export type RowMatch = boolean | null | undefined;

export interface WhereTable {
  readonly db: string;
  readonly table: string;
  readonly columns: readonly ColumnDef[];
}

export type RowPredicate = (row: RowImage) => RowMatch;

/** A parsed `--where` filter; compile it for a table's column layout to evaluate row images. */
export class WhereFilter {
  readonly text: string;
  readonly expr: WhereExpr;
  private readonly compiled = new WeakMap<readonly ColumnDef[], RowPredicate>();

  private constructor(text: string, expr: WhereExpr) {
    this.text = text;
    this.expr = expr;
  }

  /** Parses the filter text (USAGE error naming any syntax error or unsupported construct). */
  static parse(text: string): WhereFilter {
    return new WhereFilter(text, parseWhere(text));
  }

  /** The column names the filter reads, as written (for checks against a table definition before any row). */
  columnNames(): string[] {
    const names = new Set<string>();
    const walk = (e: WhereExpr): void => {
      switch (e.kind) {
        case 'column':
          names.add(e.name);
          return;
        case 'literal':
          return;
        case 'not':
        case 'negate':
          return walk(e.arg);
        case 'logical':
        case 'compare':
        case 'arith':
          walk(e.left);
          return walk(e.right);
        case 'is':
          return walk(e.arg);
        case 'between':
          walk(e.arg);
          walk(e.low);
          return walk(e.high);
        case 'in':
          walk(e.arg);
          return e.list.forEach(walk);
        case 'like':
          walk(e.arg);
          walk(e.pattern);
          if (e.escape !== undefined) walk(e.escape);
          return;
        case 'function':
          return e.args.forEach(walk);
        case 'case':
          if (e.operand !== undefined) walk(e.operand);
          for (const w of e.whens) {
            walk(w.when);
            walk(w.then);
          }
          if (e.otherwise !== undefined) walk(e.otherwise);
          return;
      }
    };
    walk(this.expr);
    return [...names];
  }

  /**
   * The predicate for rows of `table` (cached per column layout). Unknown columns, a qualifier that
   * names another table, unknown collations and invalid date literals fail here, before any row.
   */
  compile(table: WhereTable, options: WhereFilterOptions = {}): RowPredicate {
    let p = this.compiled.get(table.columns);
    if (p === undefined) {
      const ev = new Compiler(table, options).expr(this.expr);
      p = (row: RowImage): RowMatch => {
        try {
          return truth(ev(row));
        } catch (e) {
          if (e === MISSING) return undefined;
          throw e;
        }
      };
      this.compiled.set(table.columns, p);
    }
    return p;
  }
}

type Ev = (row: RowImage) => SqlValue;

/** Thrown inside evaluation when the image lacks a column the filter reads. */
const MISSING: unique symbol = Symbol('missing column');

const T = ColumnTypes;

class Compiler {
  private readonly flavor: Flavor;
  private readonly tz: string;
  private readonly literalCollation: TextCollation;
  private readonly unknownColumns: 'error' | 'unevaluable';

  constructor(
    private readonly table: WhereTable,
    options: WhereFilterOptions,
  ) {
    this.flavor = options.flavor ?? 'mariadb';
    this.unknownColumns = options.unknownColumns ?? 'error';
    this.tz = options.timeZone ?? '+00:00';
    this.literalCollation = textCollationByName(this.flavor === 'mysql' ? 'utf8mb4_0900_ai_ci' : 'utf8mb4_general_ci', this.flavor)!;
  }

  expr(e: WhereExpr): Ev {
    switch (e.kind) {
      case 'column':
        return this.column(e);
      case 'literal': {
        const v = this.literal(e.value);
        return () => v;
      }
      case 'not': {
        const a = this.expr(e.arg);
        return (r) => {
          const t = truth(a(r));
          return t === null ? null : t ? FALSE_VALUE : TRUE_VALUE;
        };
      }
      case 'negate': {
        const a = this.expr(e.arg);
        return (r) => negate(a(r));
      }
      case 'logical':
        return this.logical(e.op, this.expr(e.left), this.expr(e.right));
      case 'compare': {
        this.checkTemporalLiteral(e.left, e.right);
        const a = this.expr(e.left);
        const b = this.expr(e.right);
        const test = COMPARE[e.op];
        const ordering = e.op !== '=' && e.op !== '<>';
        return (r) => {
          const c = compareValues(a(r), b(r), ordering);
          return c === null ? null : test(c) ? TRUE_VALUE : FALSE_VALUE;
        };
      }
      case 'arith': {
        const a = this.expr(e.left);
        const b = this.expr(e.right);
        const op = e.op;
        return (r) => arith(op, a(r), b(r));
      }
      case 'is': {
        const a = this.expr(e.arg);
        const { test, not } = e;
        return (r) => {
          const v = a(r);
          const t = test === 'NULL' ? v === null : test === 'UNKNOWN' ? truth(v) === null : truth(v) === (test === 'TRUE');
          return t !== not ? TRUE_VALUE : FALSE_VALUE;
        };
      }
      case 'between': {
        this.checkTemporalLiteral(e.arg, e.low);
        this.checkTemporalLiteral(e.arg, e.high);
        const a = this.expr(e.arg);
        const lo = this.expr(e.low);
        const hi = this.expr(e.high);
        const not = e.not;
        return (r) => {
          const v = a(r);
          const c1 = compareValues(v, lo(r), true);
          const c2 = compareValues(v, hi(r), true);
          const t = and3(c1 === null ? null : c1 >= 0, c2 === null ? null : c2 <= 0);
          return bool(t === null ? null : t !== not);
        };
      }
      case 'in': {
        for (const x of e.list) this.checkTemporalLiteral(e.arg, x);
        const a = this.expr(e.arg);
        const list = e.list.map((x) => this.expr(x));
        const not = e.not;
        return (r) => {
          const v = a(r);
          if (v === null) return null;
          let sawNull = false;
          for (const x of list) {
            const c = compareValues(v, x(r), false);
            if (c === 0) return bool(!not);
            if (c === null) sawNull = true;
          }
          return sawNull ? null : bool(not);
        };
      }
      case 'like':
        return this.like(e);
      case 'function':
        return this.func(e.name, e.args.map((x) => this.expr(x)));
      case 'case':
        return this.caseExpr(e);
    }
  }

  private column(e: Extract<WhereExpr, { kind: 'column' }>): Ev {
    const t = this.table;
    if (e.table !== undefined && e.table.toLowerCase() !== t.table.toLowerCase()) {
      throw new PitrError('USAGE', `--where names the table ${e.table}, but the filter applies to ${t.db}.${t.table}`, { hints: [`write the column without a table name, or as ${t.table}.${e.name}`] });
    }
    const lower = e.name.toLowerCase();
    const index = t.columns.findIndex((c) => c.name !== undefined && c.name.toLowerCase() === lower);
    if (index < 0 && this.unknownColumns === 'unevaluable' && !t.columns.some((c) => c.name === undefined)) {
      return () => {
        throw MISSING;
      };
    }
    if (index < 0) {
      if (t.columns.some((c) => c.name === undefined)) {
        throw new PitrError('SCHEMA', `--where reads the column ${e.name}, but the column names of ${t.db}.${t.table} are not known here`, {
          hints: ['the names come from the backup\'s CREATE TABLE and the DDL in the binlogs; a statement pitr could not follow leaves them unknown (see the warnings)'],
        });
      }
      throw new PitrError('USAGE', `unknown column ${quoteName(e.name)} in --where: ${t.db}.${t.table} has ${t.columns.map((c) => quoteName(c.name!)).join(', ')}`, {
        hints: ['column names are those of the table at the time of each change (after any ALTER TABLE in the binlogs)'],
      });
    }
    const col = t.columns[index]!;
    const convert = this.columnConverter(col);
    const explicit = e.collation === undefined ? undefined : this.collation(e.collation);
    if (explicit === undefined) {
      return (r) => {
        const v = r[index];
        if (v === undefined) throw MISSING;
        return convert(v);
      };
    }
    return (r) => {
      const v = r[index];
      if (v === undefined) throw MISSING;
      return withCollation(convert(v), explicit);
    };
  }

  private collation(name: string): TextCollation {
    const c = textCollationByName(name, this.flavor);
    if (c === undefined) throw new PitrError('USAGE', `unknown collation ${name} in --where`, { hints: ['e.g. COLLATE utf8mb4_bin (exact), COLLATE utf8mb4_general_ci (case-insensitive)'] });
    return c;
  }

  /** Decoded column value → SqlValue, specialised once per column. */
  private columnConverter(col: ColumnDef): (v: ColumnValue) => SqlValue {
    const type = realColumnType(col.type, col.meta);
    const coll = col.collationId === undefined || col.collationId === 63 ? undefined : textCollationById(col.collationId, this.flavor);
    const textColl = coll ?? (type === T.MYSQL_TYPE_JSON ? textCollationByName('utf8mb4_bin', this.flavor)! : this.literalCollation);
    const unsigned = col.unsigned === true;
    const sqlBase = col.sqlType === undefined ? '' : (/^[a-z0-9_]+/i.exec(col.sqlType)?.[0] ?? '').toLowerCase();
    if (sqlBase === 'inet6') {
      throw new PitrError('USAGE', `--where does not support INET6 columns (${col.name ?? `@${col.index + 1}`})`, { hints: ['filter on another column, e.g. the primary key'] });
    }
    const binaryLength = type === T.MYSQL_TYPE_STRING && coll === undefined ? stringFieldLength(col.meta) : 0;
    const tz = this.tz;
    return (v) => {
      if (v === null) return null;
      switch (typeof v) {
        case 'number':
          return type === T.MYSQL_TYPE_FLOAT || type === T.MYSQL_TYPE_DOUBLE ? ({ k: 'dbl', v } satisfies DblValue) : ({ k: 'int', v: BigInt(v), u: unsigned } satisfies IntValue);
        case 'bigint':
          return { k: 'int', v, u: unsigned };
        case 'string':
          switch (type) {
            case T.MYSQL_TYPE_DECIMAL:
            case T.MYSQL_TYPE_NEWDECIMAL:
              return parseDecimal(v);
            case T.MYSQL_TYPE_DATE:
            case T.MYSQL_TYPE_NEWDATE:
              return { k: 'tmp', t: 'date', text: v };
            case T.MYSQL_TYPE_TIME:
            case T.MYSQL_TYPE_TIME2:
              return { k: 'tmp', t: 'time', text: v };
            case T.MYSQL_TYPE_DATETIME:
            case T.MYSQL_TYPE_DATETIME2:
              return { k: 'tmp', t: 'datetime', text: v };
            default:
              return { k: 'str', v, c: textColl, co: COERCIBILITY.column };
          }
        default:
          break;
      }
      if (v instanceof Uint8Array) {
        if (type === T.MYSQL_TYPE_BIT) return { k: 'bin', v, n: bytesToBigint(v) };
        if (sqlBase === 'uuid' || sqlBase === 'inet4') return { k: 'str', v: typedText(v, sqlBase), c: this.literalCollation, co: COERCIBILITY.column };
        if (binaryLength > v.length) {
          const padded = new Uint8Array(binaryLength);
          padded.set(v);
          return { k: 'bin', v: padded };
        }
        return { k: 'bin', v };
      }
      switch (v.kind) {
        case 'timestamp':
          return { k: 'tmp', t: 'datetime', text: timestampText(v.seconds, v.micros, v.fsp, tz) };
        case 'enum':
          return v.name === undefined ? { k: 'int', v: BigInt(v.index), u: true } : { k: 'str', v: v.name, c: textColl, co: COERCIBILITY.column, n: BigInt(v.index) };
        case 'set':
          return v.names === undefined ? { k: 'int', v: v.bits, u: true } : { k: 'str', v: v.names.join(','), c: textColl, co: COERCIBILITY.column, n: v.bits };
      }
    };
  }

  private literal(l: WhereLiteral): SqlValue {
    switch (l.t) {
      case 'null':
        return null;
      case 'int':
        return { k: 'int', v: l.v, u: l.v > 9223372036854775807n };
      case 'dec':
        return { k: 'dec', v: l.v, s: l.s };
      case 'dbl':
        return { k: 'dbl', v: l.v };
      case 'str':
        return l.collation === undefined
          ? { k: 'str', v: l.v, c: this.literalCollation, co: COERCIBILITY.literal }
          : { k: 'str', v: l.v, c: this.collation(l.collation), co: COERCIBILITY.explicit };
      case 'hex':
        return { k: 'bin', v: l.bytes, n: bytesToBigint(l.bytes) };
      case 'bool':
        return l.v ? TRUE_VALUE : FALSE_VALUE;
      case 'temporal':
        return l.kind === 'time' ? { k: 'tmp', t: 'time', text: l.text } : { k: 'tmp', t: l.kind, text: normalizeTemporalLiteral(l.text, l.kind) };
    }
  }

  /** `created_at = '2026-13-01'`: refused before any row, as the user surely meant a valid date. */
  private checkTemporalLiteral(a: WhereExpr, b: WhereExpr): void {
    const [col, lit] = a.kind === 'column' && b.kind === 'literal' ? [a, b] : b.kind === 'column' && a.kind === 'literal' ? [b, a] : [undefined, undefined];
    if (col === undefined || lit === undefined || lit.value.t !== 'str') return;
    const c = this.table.columns.find((x) => x.name !== undefined && x.name.toLowerCase() === col.name.toLowerCase());
    if (c === undefined) return;
    const type = realColumnType(c.type, c.meta);
    const text = lit.value.v;
    const isTime = type === T.MYSQL_TYPE_TIME || type === T.MYSQL_TYPE_TIME2;
    const isDate = [T.MYSQL_TYPE_DATE, T.MYSQL_TYPE_NEWDATE, T.MYSQL_TYPE_DATETIME, T.MYSQL_TYPE_DATETIME2, T.MYSQL_TYPE_TIMESTAMP, T.MYSQL_TYPE_TIMESTAMP2].includes(type as never);
    if ((isTime && timeMicros(text) === undefined) || (isDate && dateTimeKey(text) === undefined)) {
      throw new PitrError('USAGE', `--where compares the ${isTime ? 'TIME' : 'date/time'} column ${quoteName(c.name!)} with '${text}', which is not a valid ${isTime ? 'time' : 'date or date and time'}`, {
        hints: [isTime ? "write times as 'HH:MM:SS[.ffffff]'" : "write dates as 'YYYY-MM-DD' or 'YYYY-MM-DD HH:MM:SS[.ffffff]'"],
      });
    }
  }

  private logical(op: 'AND' | 'OR' | 'XOR', a: Ev, b: Ev): Ev {
    switch (op) {
      case 'AND':
        return (r) => {
          const x = truth(a(r));
          if (x === false) return FALSE_VALUE;
          return bool(and3(x, truth(b(r))));
        };
      case 'OR':
        return (r) => {
          const x = truth(a(r));
          if (x === true) return TRUE_VALUE;
          const y = truth(b(r));
          return y === true ? TRUE_VALUE : x === null || y === null ? null : FALSE_VALUE;
        };
      case 'XOR':
        return (r) => {
          const x = truth(a(r));
          const y = truth(b(r));
          return x === null || y === null ? null : bool(x !== y);
        };
    }
  }

  private like(e: Extract<WhereExpr, { kind: 'like' }>): Ev {
    const a = this.expr(e.arg);
    const p = this.expr(e.pattern);
    const esc = e.escape === undefined ? undefined : this.expr(e.escape);
    const not = e.not;
    return (r) => {
      const v = a(r);
      const pat = p(r);
      if (v === null || pat === null) return null;
      let escapeChar = '\\';
      if (esc !== undefined) {
        const x = esc(r);
        const t = x === null ? '' : valueText(x);
        if ([...t].length > 1) throw new PitrError('USAGE', `--where: the ESCAPE of LIKE must be one character, not '${t}'`);
        escapeChar = t;
      }
      const coll = likeCollation(v, pat);
      const m = likeMatch(valueText(v), valueText(pat), escapeChar, coll);
      return bool(m !== not);
    };
  }

  private func(name: Extract<WhereExpr, { kind: 'function' }>['name'], args: readonly Ev[]): Ev {
    const [a, b, c] = args as [Ev, Ev | undefined, Ev | undefined];
    switch (name) {
      case 'LOWER':
      case 'LCASE':
      case 'UPPER':
      case 'UCASE': {
        const upper = name === 'UPPER' || name === 'UCASE';
        return (r) => {
          const v = a(r);
          if (v === null || v.k === 'bin') return v; // binary strings have no letter case
          const s = valueText(v);
          const out = upper ? s.toUpperCase() : s.toLowerCase();
          return v.k === 'str' ? { ...v, v: out, n: undefined } : { k: 'str', v: out, c: this.literalCollation, co: COERCIBILITY.column };
        };
      }
      case 'LENGTH':
      case 'OCTET_LENGTH':
        return (r) => {
          const v = a(r);
          if (v === null) return null;
          if (v.k === 'bin') return int(v.v.length);
          const s = valueText(v);
          return int(v.k === 'str' ? byteLength(s, v.c) : s.length);
        };
      case 'CHAR_LENGTH':
      case 'CHARACTER_LENGTH':
        return (r) => {
          const v = a(r);
          if (v === null) return null;
          return int(v.k === 'bin' ? v.v.length : [...valueText(v)].length);
        };
      case 'TRIM':
      case 'LTRIM':
      case 'RTRIM':
        return (r) => {
          const v = a(r);
          if (v === null) return null;
          const s = valueText(v);
          const out = name === 'LTRIM' ? s.replace(/^ +/, '') : name === 'RTRIM' ? s.replace(/ +$/, '') : s.replace(/^ +| +$/g, '');
          return v.k === 'str' ? { ...v, v: out, n: undefined } : v.k === 'bin' ? { k: 'bin', v: Buffer.from(out, 'utf8') } : { k: 'str', v: out, c: this.literalCollation, co: COERCIBILITY.column };
        };
      case 'CONCAT':
        return (r) => {
          let out = '';
          let coll: StrValue | undefined;
          let binary = false;
          for (const x of args) {
            const v = x(r);
            if (v === null) return null;
            if (v.k === 'bin') binary = true;
            if (v.k === 'str' && (coll === undefined || v.co < coll.co)) coll = v;
            out += valueText(v);
          }
          if (binary) return { k: 'bin', v: Buffer.from(out, 'utf8') };
          return { k: 'str', v: out, c: coll?.c ?? this.literalCollation, co: coll?.co ?? COERCIBILITY.literal };
        };
      case 'COALESCE':
        return (r) => {
          for (const x of args) {
            const v = x(r);
            if (v !== null) return v;
          }
          return null;
        };
      case 'IFNULL':
        return (r) => a(r) ?? b!(r);
      case 'NULLIF':
        return (r) => {
          const v = a(r);
          return compareValues(v, b!(r), false) === 0 ? null : v;
        };
      case 'IF':
        return (r) => (truth(a(r)) === true ? b!(r) : c!(r));
      case 'ABS':
        return (r) => {
          const v = a(r);
          if (v === null) return null;
          const n = numeric(v);
          if (n.k === 'dbl') return { k: 'dbl', v: Math.abs(n.v) };
          return n.v < 0n ? negate(n) : n;
        };
      case 'HEX':
        return (r) => {
          const v = a(r);
          if (v === null) return null;
          let h: string;
          if (v.k === 'bin') h = Buffer.from(v.v).toString('hex');
          else if (v.k === 'str') h = Buffer.from(v.v, 'utf8').toString('hex');
          else {
            const n = numeric(v);
            const i = n.k === 'int' ? n.v : n.k === 'dec' ? roundDecimal(n.v, n.s) : BigInt(Math.round(n.v));
            h = (i < 0n ? (1n << 64n) + i : i).toString(16);
          }
          return { k: 'str', v: h.toUpperCase(), c: this.literalCollation, co: COERCIBILITY.literal };
        };
    }
  }

  private caseExpr(e: Extract<WhereExpr, { kind: 'case' }>): Ev {
    const operand = e.operand === undefined ? undefined : this.expr(e.operand);
    const whens = e.whens.map((w) => ({ when: this.expr(w.when), then: this.expr(w.then) }));
    const otherwise = e.otherwise === undefined ? undefined : this.expr(e.otherwise);
    return (r) => {
      const v = operand === undefined ? undefined : operand(r);
      for (const w of whens) {
        const hit = operand === undefined ? truth(w.when(r)) === true : compareValues(v!, w.when(r), false) === 0;
        if (hit) return w.then(r);
      }
      return otherwise === undefined ? null : otherwise(r);
    };
  }
}

const COMPARE: Record<Extract<WhereExpr, { kind: 'compare' }>['op'], (c: number) => boolean> = {
  '=': (c) => c === 0,
  '<>': (c) => c !== 0,
  '<': (c) => c < 0,
  '>': (c) => c > 0,
  '<=': (c) => c <= 0,
  '>=': (c) => c >= 0,
};

function and3(x: boolean | null, y: boolean | null): boolean | null {
  if (x === false || y === false) return false;
  if (x === null || y === null) return null;
  return true;
}

function int(n: number): IntValue {
  return { k: 'int', v: BigInt(n), u: false };
}

function quoteName(name: string): string {
  return `\`${name.replace(/`/g, '``')}\``;
}

function withCollation(v: SqlValue, c: TextCollation): SqlValue {
  if (v === null) return null;
  if (v.k === 'str') return { ...v, c, co: COERCIBILITY.explicit };
  return { k: 'str', v: valueText(v), c, co: COERCIBILITY.explicit };
}

/** TRUE, FALSE or NULL of a value in boolean context (WHERE, AND, IF): non-zero is true. */
export function truth(v: SqlValue): boolean | null {
  if (v === null) return null;
  switch (v.k) {
    case 'int':
    case 'dec':
      return v.v !== 0n;
    case 'dbl':
      return v.v !== 0;
    default: {
      const n = numeric(v);
      return n.k === 'dbl' ? n.v !== 0 : n.v !== 0n;
    }
  }
}

/** A value in numeric context. */
function numeric(v: Exclude<SqlValue, null>): IntValue | DecValue | DblValue {
  switch (v.k) {
    case 'int':
    case 'dec':
    case 'dbl':
      return v;
    case 'str':
      return v.n !== undefined ? { k: 'int', v: v.n, u: true } : { k: 'dbl', v: stringToDouble(v.v) };
    case 'bin':
      return v.n !== undefined ? { k: 'int', v: v.n, u: true } : { k: 'dbl', v: stringToDouble(bytesText(v.v)) };
    case 'tmp':
      return temporalNumber(v);
  }
}

function toDouble(v: IntValue | DecValue | DblValue): number {
  return v.k === 'dbl' ? v.v : v.k === 'int' ? Number(v.v) : Number(decimalText(v.v, v.s));
}

function isStringLike(v: Exclude<SqlValue, null>): v is StrValue | BinValue {
  return v.k === 'str' || v.k === 'bin';
}

/**
 * Compares two values with MySQL's conversion rules: negative, 0, positive, or null when either is
 * NULL. `ordering`: the comparison is < > <= >= BETWEEN (not = <> IN), which some collations do not model.
 */
export function compareValues(a: SqlValue, b: SqlValue, ordering: boolean): number | null {
  if (a === null || b === null) return null;
  if (a.k === 'str' && b.k === 'str') return compareText(a.v, b.v, pickCollation(a, b), ordering);
  if (a.k === 'tmp' || b.k === 'tmp') {
    const r = compareTemporal(a, b, ordering);
    if (r !== undefined) return r;
  }
  if (isStringLike(a) && isStringLike(b)) return compareBytes(bytesOf(a), bytesOf(b));
  if (a.k === 'tmp' && isStringLike(b)) return b.k === 'str' ? compareText(a.text, b.v, b.c, ordering) : compareBytes(bytesOf(a), b.v);
  if (b.k === 'tmp' && isStringLike(a)) return a.k === 'str' ? compareText(a.v, b.text, a.c, ordering) : compareBytes(a.v, bytesOf(b));
  return compareNumbers(numeric(a), numeric(b));
}

function compareNumbers(x: IntValue | DecValue | DblValue, y: IntValue | DecValue | DblValue): number {
  if (x.k === 'int' && y.k === 'int') return x.v < y.v ? -1 : x.v > y.v ? 1 : 0;
  if (x.k !== 'dbl' && y.k !== 'dbl') {
    const sx = x.k === 'dec' ? x.s : 0;
    const sy = y.k === 'dec' ? y.s : 0;
    const s = Math.max(sx, sy);
    const vx = rescale(x.v, sx, s);
    const vy = rescale(y.v, sy, s);
    return vx < vy ? -1 : vx > vy ? 1 : 0;
  }
  const dx = toDouble(x);
  const dy = toDouble(y);
  return dx < dy ? -1 : dx > dy ? 1 : 0;
}

/** Temporal comparisons; undefined when the pair is compared another way (numbers, binary strings). */
function compareTemporal(a: Exclude<SqlValue, null>, b: Exclude<SqlValue, null>, ordering: boolean): number | undefined {
  if (a.k === 'tmp' && b.k === 'tmp') {
    if (a.t === 'time' && b.t === 'time') return cmpBig(timeMicros(a.text), timeMicros(b.text));
    if (a.t !== 'time' && b.t !== 'time') return cmpKey(dateTimeKey(a.text), dateTimeKey(b.text), a.text, b.text);
    return compareCodePoints(a.text, b.text);
  }
  const t = (a.k === 'tmp' ? a : b) as TemporalValue;
  const other = a.k === 'tmp' ? b : a;
  const flip = a.k === 'tmp' ? 1 : -1;
  if (other.k !== 'str') return undefined;
  if (t.t === 'time') {
    const x = timeMicros(t.text);
    const y = timeMicros(other.v);
    if (x === undefined || y === undefined) return flip * compareText(t.text, other.v, other.c, ordering);
    return flip * cmpBig(x, y);
  }
  const x = dateTimeKey(t.text);
  const y = dateTimeKey(other.v);
  if (x === undefined || y === undefined) return flip * compareText(t.text, other.v, other.c, ordering);
  return flip * compareCodePoints(x, y);
}

function cmpBig(x: bigint | undefined, y: bigint | undefined): number {
  if (x === undefined || y === undefined) return 0;
  return x < y ? -1 : x > y ? 1 : 0;
}

function cmpKey(x: string | undefined, y: string | undefined, tx: string, ty: string): number {
  return x === undefined || y === undefined ? compareCodePoints(tx, ty) : compareCodePoints(x, y);
}

function bytesOf(v: StrValue | BinValue | TemporalValue): Uint8Array {
  return v.k === 'bin' ? v.v : Buffer.from(v.k === 'str' ? v.v : v.text, 'utf8');
}

function compareBytes(x: Uint8Array, y: Uint8Array): number {
  return Buffer.compare(Buffer.from(x.buffer, x.byteOffset, x.byteLength), Buffer.from(y.buffer, y.byteOffset, y.byteLength));
}

/** The collation two strings compare under (coercibility rules); an unresolvable mix is an error, as on the server. */
function pickCollation(a: StrValue, b: StrValue): TextCollation {
  if (a.c === b.c) return a.c;
  if (a.co !== b.co) return a.co < b.co ? a.c : b.c;
  if (a.c.charset === 'binary') return a.c;
  if (b.c.charset === 'binary') return b.c;
  if (a.c.charset !== b.c.charset) {
    if (a.c.charset === 'utf8mb4') return a.c;
    if (b.c.charset === 'utf8mb4') return b.c;
  }
  throw new PitrError('USAGE', `--where compares text of the collations ${a.c.name} and ${b.c.name} (illegal mix of collations, as the server would say)`, {
    hints: [`add COLLATE to one side, e.g. … COLLATE ${a.c.name}`],
  });
}

function likeCollation(v: Exclude<SqlValue, null>, p: Exclude<SqlValue, null>): TextCollation {
  if (v.k === 'bin' || p.k === 'bin') return BINARY;
  if (v.k === 'str' && p.k === 'str') return pickCollation(v, p);
  if (v.k === 'str') return v.c;
  if (p.k === 'str') return p.c;
  return BINARY;
}

const BINARY = textCollationByName('binary', 'mariadb')!;

/** SQL LIKE: % any sequence, _ one character, the escape character quotes the next one; per character under the collation. */
function likeMatch(text: string, pattern: string, escape: string, c: TextCollation): boolean {
  const s = [...text].map((ch) => likeCharKey(ch, c));
  // pattern tokens: a character key, or the wildcards as symbols
  const p: (string | typeof ANY | typeof ONE)[] = [];
  const chars = [...pattern];
  for (let i = 0; i < chars.length; i++) {
    const ch = chars[i]!;
    if (escape !== '' && ch === escape && i + 1 < chars.length) p.push(likeCharKey(chars[++i]!, c));
    else if (ch === '%') p.push(ANY);
    else if (ch === '_') p.push(ONE);
    else p.push(likeCharKey(ch, c));
  }
  // iterative wildcard matching with backtracking to the last %
  let si = 0;
  let pi = 0;
  let star = -1;
  let mark = 0;
  while (si < s.length) {
    const t = p[pi];
    if (pi < p.length && (t === ONE || t === s[si])) {
      si++;
      pi++;
    } else if (pi < p.length && t === ANY) {
      star = pi++;
      mark = si;
    } else if (star >= 0) {
      pi = star + 1;
      si = ++mark;
    } else return false;
  }
  while (pi < p.length && p[pi] === ANY) pi++;
  return pi === p.length;
}

const ANY: unique symbol = Symbol('%');
const ONE: unique symbol = Symbol('_');

const INT64_MIN = -(1n << 63n);
const INT64_MAX = (1n << 63n) - 1n;
const UINT64_MAX = (1n << 64n) - 1n;

function negate(v: SqlValue): SqlValue {
  if (v === null) return null;
  const n = numeric(v);
  switch (n.k) {
    case 'int':
      return checkedInt(-n.v, false, '-');
    case 'dec':
      return { k: 'dec', v: -n.v, s: n.s };
    case 'dbl':
      return { k: 'dbl', v: -n.v };
  }
}

function checkedInt(v: bigint, unsigned: boolean, op: string): IntValue | DecValue {
  if (unsigned ? v < 0n || v > UINT64_MAX : v < INT64_MIN || v > INT64_MAX) {
    throw new PitrError('USAGE', `--where: ${unsigned ? 'BIGINT UNSIGNED' : 'BIGINT'} value is out of range in ${op} (${v}), as the server would report`, {
      hints: ['the server refuses such a query too; rewrite the arithmetic (e.g. compare instead of subtracting from an UNSIGNED column)'],
    });
  }
  return { k: 'int', v, u: unsigned };
}

function checkedDouble(v: number, op: string): DblValue {
  if (!Number.isFinite(v)) throw new PitrError('USAGE', `--where: DOUBLE value is out of range in ${op}, as the server would report`);
  return { k: 'dbl', v };
}

/** Rounds v/10^s to an integer, half away from zero. */
function roundDecimal(v: bigint, s: number): bigint {
  if (s === 0) return v;
  const d = pow10(s);
  const q = v / d;
  const rem = v % d;
  const twice = (rem < 0n ? -rem : rem) * 2n;
  return twice >= d ? q + (v < 0n ? -1n : 1n) : q;
}

/** Integer division rounded half away from zero (MySQL's DECIMAL rounding). */
function divRound(num: bigint, den: bigint): bigint {
  const q = num / den;
  const rem = num % den;
  const twice = (rem < 0n ? -rem : rem) * 2n;
  const absDen = den < 0n ? -den : den;
  if (twice >= absDen) return q + ((num < 0n) !== (den < 0n) ? -1n : 1n);
  return q;
}

/** Scale of `/` beyond the dividend's (MySQL's div_precision_increment default). */
const DIV_PRECISION_INCREMENT = 4;

function arith(op: Extract<WhereExpr, { kind: 'arith' }>['op'], a: SqlValue, b: SqlValue): SqlValue {
  if (a === null || b === null) return null;
  const x = numeric(a);
  const y = numeric(b);
  if (x.k === 'dbl' || y.k === 'dbl') {
    const dx = toDouble(x);
    const dy = toDouble(y);
    switch (op) {
      case '+':
        return checkedDouble(dx + dy, '+');
      case '-':
        return checkedDouble(dx - dy, '-');
      case '*':
        return checkedDouble(dx * dy, '*');
      case '/':
        return dy === 0 ? null : checkedDouble(dx / dy, '/');
      case 'DIV': {
        if (dy === 0) return null;
        const q = Math.trunc(dx / dy);
        if (!Number.isFinite(q) || Math.abs(q) > 9.223372036854776e18) throw new PitrError('USAGE', '--where: BIGINT value is out of range in DIV, as the server would report');
        return { k: 'int', v: BigInt(q), u: false };
      }
      case 'MOD':
        return dy === 0 ? null : { k: 'dbl', v: dx % dy };
    }
  }
  if (x.k === 'int' && y.k === 'int') {
    const unsigned = x.u || y.u;
    switch (op) {
      case '+':
        return checkedInt(x.v + y.v, unsigned, '+');
      case '-':
        return checkedInt(x.v - y.v, unsigned, '-');
      case '*':
        return checkedInt(x.v * y.v, unsigned, '*');
      case 'DIV':
        return y.v === 0n ? null : checkedInt(x.v / y.v, unsigned, 'DIV');
      case 'MOD':
        return y.v === 0n ? null : { k: 'int', v: x.v % y.v, u: x.u };
      case '/':
        break;
    }
  }
  // exact arithmetic on DECIMAL (and integers mixed with DECIMAL, and integer /)
  const sx = x.k === 'dec' ? x.s : 0;
  const sy = y.k === 'dec' ? y.s : 0;
  const s = Math.max(sx, sy);
  switch (op) {
    case '+':
      return { k: 'dec', v: rescale(x.v, sx, s) + rescale(y.v, sy, s), s };
    case '-':
      return { k: 'dec', v: rescale(x.v, sx, s) - rescale(y.v, sy, s), s };
    case '*':
      return { k: 'dec', v: x.v * y.v, s: sx + sy };
    case '/': {
      if (y.v === 0n) return null;
      // (X/10^sx) / (Y/10^sy) at scale sx + 4: X × 10^(sy + 4) / Y, rounded half up
      return { k: 'dec', v: divRound(x.v * pow10(sy + DIV_PRECISION_INCREMENT), y.v), s: sx + DIV_PRECISION_INCREMENT };
    }
    case 'DIV': {
      if (y.v === 0n) return null;
      return checkedInt(rescale(x.v, sx, s) / rescale(y.v, sy, s), false, 'DIV');
    }
    case 'MOD': {
      if (y.v === 0n) return null;
      return { k: 'dec', v: rescale(x.v, sx, s) % rescale(y.v, sy, s), s };
    }
  }
}

function byteLength(s: string, c: TextCollation): number {
  switch (c.charset) {
    case 'utf8mb4':
    case 'utf8mb3':
    case 'utf8':
      return Buffer.byteLength(s, 'utf8');
    case 'ucs2':
    case 'utf16':
    case 'utf16le':
      return Buffer.byteLength(s, 'utf16le');
    case 'utf32':
      return [...s].length * 4;
    default:
      if (/^[\u0000-\u00ff]*$/.test(s)) return s.length;
      throw new PitrError('USAGE', `--where: LENGTH() of ${c.charset} text is not modelled; use CHAR_LENGTH()`);
  }
}

/** A DATE/TIMESTAMP literal as the server prints it (1-digit parts padded). */
function normalizeTemporalLiteral(text: string, kind: 'date' | 'datetime'): string {
  const key = dateTimeKey(text)!;
  if (kind === 'date') return key.slice(0, 10);
  const frac = /\.(\d+)$/.exec(text)?.[1];
  return frac === undefined ? key.slice(0, 19) : `${key.slice(0, 20)}${frac}`;
}

/** TIMESTAMP (UTC epoch) → 'YYYY-MM-DD HH:MM:SS[.ffffff]' on the wall clock of `tz`, with the column's fraction digits. */
function timestampText(seconds: number, micros: number, fsp: number, tz: string): string {
  const frac = fsp > 0 ? `.${String(micros).padStart(6, '0').slice(0, fsp)}` : '';
  if (seconds === 0 && micros === 0) return `0000-00-00 00:00:00${frac}`;
  const w = wallClock(seconds, tz);
  const p = (n: number, l = 2): string => String(n).padStart(l, '0');
  return `${p(w.year, 4)}-${p(w.month)}-${p(w.day)} ${p(w.hour)}:${p(w.minute)}:${p(w.second)}${frac}`;
}

/** MariaDB UUID/INET4 (fixed binary in the image, trailing zero bytes stripped) → the text the server prints. */
function typedText(bytes: Uint8Array, type: 'uuid' | 'inet4'): string {
  const size = type === 'uuid' ? 16 : 4;
  const b = new Uint8Array(size);
  b.set(bytes.subarray(0, size));
  if (type === 'inet4') return `${b[0]}.${b[1]}.${b[2]}.${b[3]}`;
  const h = Buffer.from(b).toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/** Declared length of a MYSQL_TYPE_STRING column from TABLE_MAP metadata (real type and length share two bytes). */
function stringFieldLength(meta: number): number {
  const b0 = meta >>> 8;
  const b1 = meta & 0xff;
  return (b0 & 0x30) !== 0x30 ? b1 | (((b0 & 0x30) ^ 0x30) << 4) : b1;
}
