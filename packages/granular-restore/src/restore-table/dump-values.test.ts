import type { ColumnValue, RowImage, SchemaColumn } from '@pitr/core';
import { describe, expect, it } from 'vitest';
import { columnCodecs, normalizeDecimal, parseUtcTimestamp, typedBytes } from './column-codec.js';
import { parseInsertRows } from './dump-values.js';
import { FloatFixups } from './float-fixups.js';
import { RowChanges } from './table-lineage.js';
import { rowKey } from './row-key.js';

function col(name: string, sqlType: string, extra: Partial<SchemaColumn> = {}): SchemaColumn {
  const baseType = /^[a-z]+/.exec(sqlType)![0];
  return { name, sqlType, baseType, unsigned: / unsigned/.test(sqlType), nullable: true, collationId: undefined, enumValues: undefined, setValues: undefined, generated: false, primaryKey: false, ...extra };
}

const COLUMNS: SchemaColumn[] = [
  col('id', 'int(11)', { primaryKey: true, nullable: false }),
  col('bi', 'bigint(20)'),
  col('d', 'decimal(12,3)'),
  col('f', 'float'),
  col('dbl', 'double'),
  col('dt', 'datetime(6)'),
  col('ts', 'timestamp(3)'),
  col('tm', 'time(2)'),
  col('vc', 'varchar(40)', { collationId: 45 }),
  col('bin', 'binary(4)', { collationId: 63 }),
  col('vb', 'varbinary(10)', { collationId: 63 }),
  col('bt', 'bit(10)'),
  col('e', "enum('a','b','c')", { enumValues: ['a', 'b', 'c'], collationId: 45 }),
  col('st', "set('x','y','z')", { setValues: ['x', 'y', 'z'], collationId: 45 }),
  col('u', 'uuid', { collationId: 63 }),
  col('gen', 'int(11)', { generated: true }),
];
const codecs = columnCodecs(COLUMNS);

function parse(sql: string): RowImage[] {
  const out: RowImage[] = [];
  parseInsertRows(Buffer.from(sql, 'utf8'), codecs, { line: 1, table: 'db.t' }, (r) => out.push(r));
  return out;
}

describe('parseInsertRows', () => {
  it('reads every literal form a dump writes into decoder values', () => {
    const [r] = parse(
      "INSERT INTO `t` VALUES (-7,-9223372036854775808,-0.500,1.17549e-38,-1.5e-300,'2026-05-25 14:30:00.123456','2026-05-25 12:00:00.500','-838:59:59.00'," +
        "'it\\'s \\\"q\\\" \\\\ \\0\\n\\r\\t\\Z \\% \\_ ''x'' 😀',0x01020000,0x00FF,0x0155,'b','x,z','6ccd780c-baba-4026-9564-5b8c656024db',DEFAULT)",
    );
    expect(r).toEqual([
      -7,
      -9223372036854775808n,
      '-0.500',
      Math.fround(1.17549e-38),
      -1.5e-300,
      '2026-05-25 14:30:00.123456',
      { kind: 'timestamp', seconds: Date.UTC(2026, 4, 25, 12) / 1000, micros: 500000, fsp: 3 },
      '-838:59:59.00',
      "it's \"q\" \\ \0\n\r\t\x1a \\% \\_ 'x' 😀",
      new Uint8Array([1, 2]), // BINARY(n): trailing zeros stripped, as the binlog logs it
      new Uint8Array([0, 0xff]),
      new Uint8Array([1, 0x55]),
      { kind: 'enum', index: 2, name: 'b' },
      { kind: 'set', bits: 5n, names: ['x', 'z'] },
      new Uint8Array(Buffer.from('6ccd780cbaba402695645b8c656024db', 'hex')),
      undefined,
    ] satisfies (ColumnValue | undefined)[]);
  });

  it('reads NULLs, several rows, a column list, b\'…\' bits and exponent numbers', () => {
    const rows = parse("INSERT INTO `t` (`id`, `d`, `dbl`, `bt`, `vc`) VALUES (1,NULL,1e3,b'1010',NULL),\n(2,12.5,-2.5E-3,b'',''),(3,.5,0,0x03FF,'a')");
    expect(rows.map((r) => [r[0], r[2], r[4], r[11], r[8], r[1]])).toEqual([
      [1, null, 1000, new Uint8Array([0, 10]), null, undefined],
      [2, '12.500', -0.0025, new Uint8Array([0, 0]), '', undefined],
      [3, '0.500', 0, new Uint8Array([3, 0xff]), 'a', undefined],
    ]);
  });

  it('refuses what is not dump syntax, naming the line', () => {
    expect(() => parse('INSERT INTO `t` VALUES (1,2')).toThrow(/line 1 of the dump/);
    expect(() => parse('INSERT INTO `t` VALUES (1) ON DUPLICATE KEY UPDATE id = 1')).toThrow(/values for 16 columns|unexpected text/);
    expect(() => parse("INSERT INTO `t` (`nope`) VALUES (1)")).toThrow(/`nope` is not in the table/);
  });
});

describe('column text forms', () => {
  it('normalizes DECIMAL text as the decoder prints it', () => {
    expect(normalizeDecimal('+007.5', 3)).toBe('7.500');
    expect(normalizeDecimal('-.5', 2)).toBe('-0.50');
    expect(normalizeDecimal('12', 0)).toBe('12');
  });
  it('reads TIMESTAMP text in UTC, the zero timestamp as 0', () => {
    expect(parseUtcTimestamp('1970-01-01 00:00:01.5', 1)).toEqual({ kind: 'timestamp', seconds: 1, micros: 500000, fsp: 1 });
    expect(parseUtcTimestamp('0000-00-00 00:00:00', 0)).toEqual({ kind: 'timestamp', seconds: 0, micros: 0, fsp: 0 });
  });
  it('reads INET4/INET6 text', () => {
    expect(typedBytes('192.168.1.2', 'inet4')).toEqual(new Uint8Array([192, 168, 1, 2]));
    expect(Buffer.from(typedBytes('2001:db8::ff00:42:8329', 'inet6')!).toString('hex')).toBe('20010db8000000000000ff0000428329');
    expect(Buffer.from(typedBytes('::ffff:1.2.3.4', 'inet6')!).toString('hex')).toBe('00000000000000000000ffff01020304');
    expect(typedBytes('1.2.3', 'inet4')).toBeUndefined();
  });
  it('reads live (SELECT) values into the same representation as dump values', () => {
    const [dumpRow] = parse("INSERT INTO `t` VALUES (1,5,1.500,2.5,1e300,'2026-01-01 00:00:00.000000','2026-05-25 12:00:00.500','01:00:00.00','a',0x0102,0x,0x0001,'c','y','6ccd780c-baba-4026-9564-5b8c656024db',DEFAULT)");
    const live = ['1', '5', '1.500', '2.5', '1e300', '2026-01-01 00:00:00.000000', '2026-05-25 12:00:00.500', '01:00:00.00', '61', '01020000', '', '1', '3', '2', '6CCD780CBABA402695645B8C656024DB', null];
    const liveRow = codecs.map((c, i) => c.fromLive(live[i]));
    const keep = codecs.flatMap((c, i) => (c.schema.generated ? [] : [i]));
    expect(rowKey(liveRow, keep)).toBe(rowKey(dumpRow!, keep));
  });
});

describe('FloatFixups', () => {
  it('reads both statement shapes and gives rows their exact FLOATs', () => {
    const f = new FloatFixups(codecs);
    f.add('UPDATE `t` AS `pitr_row` JOIN (SELECT 1 AS `k0`, 1.1754944e-38 AS `f0` UNION ALL SELECT 2, 16777217) AS `pitr_exact` ON `pitr_row`.`id` = `pitr_exact`.`k0` SET `pitr_row`.`f` = `pitr_exact`.`f0`');
    f.add('UPDATE `t` AS `pitr_row` SET `pitr_row`.`f` = -1e-50 WHERE `pitr_row`.`id` = 3');
    const rows = parse('INSERT INTO `t` (`id`,`f`) VALUES (1,1.17549e-38),(2,16777200),(3,0),(4,1.5)');
    for (const r of rows) f.apply(r);
    expect(rows.map((r) => r[3])).toEqual([Math.fround(1.1754944e-38), Math.fround(16777217), -0, 1.5]);
    expect(Object.is(rows[2]![3], -0)).toBe(true);
  });
});

describe('RowChanges', () => {
  it('folds changes into final states by key, following key changes', () => {
    const c = new RowChanges([0], [0, 1]);
    c.apply(undefined, [1, 'a']);
    c.apply([1, 'a'], [1, 'b']);
    c.apply([2, 'x'], [3, 'x']); // key change: 2 is gone, 3 holds the row
    c.apply([4, 'y'], undefined);
    expect([...c.byKey.entries()]).toEqual([
      ['n1', [1, 'b']],
      ['n2', null],
      ['n3', [3, 'x']],
      ['n4', null],
    ]);
  });
  it('without a key, keeps a multiset of whole rows', () => {
    const c = new RowChanges([], [0, 1]);
    c.apply([1, 'a'], [1, 'z']);
    c.apply(undefined, [3, 'c']);
    c.apply(undefined, [3, 'c']);
    c.apply([3, 'c'], undefined);
    expect([...c.multiset.values()].map((e) => [e.row, e.count])).toEqual([
      [[1, 'a'], -1],
      [[1, 'z'], 1],
      [[3, 'c'], 1],
    ]);
  });
});
