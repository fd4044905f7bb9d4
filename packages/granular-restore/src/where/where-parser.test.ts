import { type ColumnDef, PitrError } from '@pitr/core';
import { describe, expect, it } from 'vitest';
import { WhereFilter } from './where-filter.js';
import { parseWhere, unescapeString } from './where-parser.js';

function usageError(fn: () => unknown): PitrError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(PitrError);
    expect((e as PitrError).code).toBe('USAGE');
    return e as PitrError;
  }
  throw new Error('expected a USAGE error');
}

const col = (index: number, name: string, type: number, extra: Partial<ColumnDef> = {}): ColumnDef => ({
  index,
  type,
  meta: 0,
  nullable: true,
  name,
  unsigned: false,
  collationId: undefined,
  enumValues: undefined,
  setValues: undefined,
  geometryType: undefined,
  sqlType: undefined,
  generated: false,
  primaryKey: index === 0,
  ...extra,
});

// id INT, b BIGINT, d DECIMAL, s VARCHAR utf8mb4_general_ci
const COLUMNS = [col(0, 'id', 3), col(1, 'b', 8), col(2, 'd', 246), col(3, 's', 15, { collationId: 45 })];
const match = (expr: string, row: unknown[]): boolean | null | undefined => WhereFilter.parse(expr).compile({ db: 'db', table: 't', columns: COLUMNS })(row as never);

describe('parseWhere', () => {
  it('refuses anything but one expression: injections are errors, not statements', () => {
    expect(usageError(() => parseWhere('1; DROP TABLE x')).message).toMatch(/more than one statement/);
    expect(usageError(() => parseWhere('id = 1 UNION SELECT 1')).message).toMatch(/UNION/);
    expect(usageError(() => parseWhere('id = 1 ORDER BY id')).message).toMatch(/ORDER BY/);
    expect(usageError(() => parseWhere('id = 1 LIMIT 1')).message).toMatch(/LIMIT|cannot parse/);
    expect(usageError(() => parseWhere('id IN (SELECT id FROM x)')).message).toMatch(/subqueries/);
    expect(usageError(() => parseWhere('EXISTS (SELECT 1)')).message).toMatch(/subqueries/);
    expect(usageError(() => parseWhere("id = 1' OR '1'='1")).message).toMatch(/cannot parse/);
    expect(usageError(() => parseWhere('')).message).toMatch(/empty/);
  });

  it('names unsupported constructs', () => {
    expect(usageError(() => parseWhere('NOW() > 1')).message).toMatch(/the function NOW\(\)/);
    expect(usageError(() => parseWhere('id = @x')).message).toMatch(/variables \(@x\)/);
    expect(usageError(() => parseWhere("s REGEXP 'a'")).message).toMatch(/the operator REGEXP/);
    expect(usageError(() => parseWhere('CAST(s AS CHAR) = 1')).message).toMatch(/CAST/);
    expect(usageError(() => parseWhere('id = 1 || id = 2')).message).toMatch(/\|\| is ambiguous/);
    expect(usageError(() => parseWhere('id = 1 XOR id = 2')).message).toMatch(/XOR needs parentheses/);
    const nullSafe = usageError(() => parseWhere('id <=> NULL'));
    expect(nullSafe.hints.join('\n')).toMatch(/NULL-safe <=> is not supported/);
    expect(usageError(() => parseWhere('LOWER(a, b) = 1')).message).toMatch(/LOWER\(\) takes 1 argument, not 2/);
  });

  it('reads numbers exactly, as MySQL types them', () => {
    expect(parseWhere('b = -9223372036854775808')).toEqual({ kind: 'compare', op: '=', left: { kind: 'column', name: 'b', collation: undefined, table: undefined }, right: { kind: 'negate', arg: { kind: 'literal', value: { t: 'int', v: 9223372036854775808n } } } });
    expect(parseWhere('d = 1e-1')).toMatchObject({ right: { kind: 'literal', value: { t: 'dbl', v: 0.1 } } });
    expect(parseWhere('d = 12.50')).toMatchObject({ right: { kind: 'literal', value: { t: 'dec', v: 1250n, s: 2 } } });
    expect(parseWhere('d = .5')).toMatchObject({ right: { kind: 'literal', value: { t: 'dec', v: 5n, s: 1 } } });
    expect(parseWhere('d = 99999999999999999999999')).toMatchObject({ right: { kind: 'literal', value: { t: 'dec', v: 99999999999999999999999n, s: 0 } } });
    // names with digits are names; numbers inside strings and quoted names stay as written
    expect(parseWhere('col1 = `2x` AND s = \'1e3\'')).toMatchObject({ left: { left: { name: 'col1' }, right: { name: '2x' } }, right: { right: { value: { t: 'str', v: '1e3' } } } });
    expect(parseWhere('b = 0x1F')).toMatchObject({ right: { kind: 'literal', value: { t: 'hex' } } });
  });

  it('resolves string escapes and doubled quotes', () => {
    expect(unescapeString("it''s", "'")).toBe("it's");
    expect(unescapeString('a\\nb\\\\c\\%d\\_e\\\'f', "'")).toBe("a\nb\\c\\%d\\_e'f");
    expect(parseWhere("s = 'it''s'")).toMatchObject({ right: { value: { t: 'str', v: "it's" } } });
    expect(parseWhere('`we``ird` = 1')).toMatchObject({ left: { kind: 'column', name: 'we`ird' } });
  });

  it('gives AND precedence over OR, whatever the grammar does', () => {
    // a OR b AND c = a OR (b AND c): true for id = 1 whatever s is
    expect(match("id = 1 OR id = 2 AND s = 'x'", [1, 0n, '0', 'y'])).toBe(true);
    expect(match("id = 2 AND s = 'x' OR id = 1", [1, 0n, '0', 'y'])).toBe(true);
    expect(match("(id = 1 OR id = 2) AND s = 'x'", [1, 0n, '0', 'y'])).toBe(false);
    expect(match('NOT id = 1 OR id = 1', [1, 0n, '0', 'y'])).toBe(true);
  });

  it('evaluates with three-valued logic and exact numbers', () => {
    expect(match('s = NULL', [1, 0n, '0', null])).toBe(null);
    expect(match('s IS NULL AND id = 1', [1, 0n, '0', null])).toBe(true);
    expect(match('NOT (s = 1)', [1, 0n, '0', null])).toBe(null);
    expect(match('b = 9007199254740993', [1, 9007199254740993n, '0', 'x'])).toBe(true);
    expect(match('b = 9007199254740992', [1, 9007199254740993n, '0', 'x'])).toBe(false);
    expect(match('d * 3 = 0.3', [1, 0n, '0.1', 'x'])).toBe(true);
    expect(match('d / 3 = 0.03333', [1, 0n, '0.1', 'x'])).toBe(true);
    expect(match("s = 'ABC  '", [1, 0n, '0', 'abc'])).toBe(true);
    // a column missing from the image (binlog_row_image=MINIMAL): cannot tell
    expect(match("s = 'abc'", [1, 0n, '0', undefined])).toBe(undefined);
  });
});
