import { renderFloat } from '@pitr/core';
import { describe, expect, it } from 'vitest';
import { FixupWriter, exactFloat, planFloatFixups, reloadedFloat } from './float-fixups.js';
import type { Inventory, InventoryColumn, InventoryTable } from './source-inventory.js';

describe('FLOAT text as mariadb-dump prints it', () => {
  it('detects the values the 6-digit text changes, including -0', () => {
    // [server text (6 digits), CAST(col AS DOUBLE) text, negative zero]
    const cases: [string, string, boolean, boolean][] = [
      ['1.17549e-38', '1.1754943508222875e-38', false, true],
      ['3.40282e38', '3.4028234663852886e38', false, true],
      ['16777200', '16777216', false, true],
      ['0.333333', '0.3333333432674408', false, true],
      ['0', '0', true, true], // -0 prints as 0
      ['0.1', '0.10000000149011612', false, false], // 0.1 reloads as the same float
      ['1.4013e-45', '1.401298464324817e-45', false, false], // the smallest denormal survives
      ['0', '0', false, false],
      ['-2.5', '-2.5', false, false],
    ];
    for (const [text, exactText, neg, changed] of cases) {
      const exact = exactFloat(exactText, neg);
      expect(Object.is(reloadedFloat(text), exact), `${text} vs ${exactText}`).toBe(!changed);
      // and the literal written instead reads back as the exact float
      const literal = renderFloat(exact);
      if (literal !== '-1e-50') expect(Object.is(Math.fround(Number(literal)), exact), literal).toBe(true);
    }
    expect(Object.is(exactFloat('0', true), -0)).toBe(true);
    expect(renderFloat(-0)).toBe('-1e-50');
  });
});

function table(name: string, extra: Partial<InventoryTable> = {}): InventoryTable {
  return { db: 'd', name, type: 'BASE TABLE', engine: 'InnoDB', transactional: true, rowsEstimate: 1, ...extra };
}

function col(tableName: string, name: string, dataType: string, extra: Partial<InventoryColumn> = {}): InventoryColumn {
  return {
    db: 'd',
    table: tableName,
    name,
    dataType,
    columnType: dataType,
    charset: /char|text|enum|set/.test(dataType) ? 'utf8mb4' : null,
    collation: /char|text|enum|set/.test(dataType) ? 'utf8mb4_general_ci' : null,
    nullable: false,
    extra: '',
    generated: false,
    ...extra,
  };
}

describe('planFloatFixups', () => {
  it('picks a usable unique key and explains every table it cannot repair', () => {
    const inventory: Inventory = {
      databases: ['d'],
      tables: [
        table('pk'),
        table('uk'),
        table('nokey'),
        table('floatkey'),
        table('versioned', { type: 'SYSTEM VERSIONED' }),
        table('aria', { engine: 'Aria', transactional: false }),
        table('nofloat'),
        table('v', { type: 'VIEW', engine: null }),
      ],
      columns: [
        col('pk', 'id', 'int'),
        col('pk', 'f', 'float'),
        col('pk', 'g', 'float', { generated: true, extra: 'virtual generated' }),
        col('pk', 'ts', 'timestamp', { extra: 'on update current_timestamp()' }),
        col('uk', 'maybe', 'int', { nullable: true }),
        col('uk', 'code', 'varchar'),
        col('uk', 'f', 'float'),
        col('nokey', 'f', 'float'),
        col('floatkey', 'f', 'float'),
        col('versioned', 'id', 'int'),
        col('versioned', 'f', 'float'),
        col('aria', 'id', 'bigint'),
        col('aria', 'f', 'float'),
        col('nofloat', 'id', 'int'),
        col('v', 'f', 'float'),
      ],
      uniqueKeys: [
        { db: 'd', table: 'pk', name: 'PRIMARY', columns: ['id'] },
        { db: 'd', table: 'uk', name: 'u_maybe', columns: ['maybe'] },
        { db: 'd', table: 'uk', name: 'u_code', columns: ['code'] },
        { db: 'd', table: 'floatkey', name: 'PRIMARY', columns: ['f'] },
        { db: 'd', table: 'versioned', name: 'PRIMARY', columns: ['id'] },
        { db: 'd', table: 'aria', name: 'PRIMARY', columns: ['id'] },
      ],
      unknownExcludes: [],
    };
    const plan = planFloatFixups(inventory);
    expect(plan.tables.map((t) => [t.table, t.keyName, t.floats, t.touch])).toEqual([
      ['pk', 'PRIMARY', ['f'], ['ts']],
      ['uk', 'u_code', ['f'], []],
      ['aria', 'PRIMARY', ['f'], []],
    ]);
    const uk = plan.tables[1]!;
    expect(uk.key[0]!.literal('C3A9')).toBe("_utf8mb4 X'C3A9'");
    expect(plan.tables[0]!.key[0]!.literal('-42')).toBe('-42');
    expect(() => plan.tables[0]!.key[0]!.literal('1; DROP')).toThrow();
    expect(plan.warnings.join('\n')).toMatch(/d\.nokey .*no primary key/);
    expect(plan.warnings.join('\n')).toMatch(/d\.floatkey .*floating-point/);
    expect(plan.warnings.join('\n')).toMatch(/d\.versioned .*system-versioned/);
    expect(plan.warnings.join('\n')).toMatch(/d\.aria \(engine Aria\) is not transactional/);
    expect(plan.warnings).toHaveLength(4);
  });
});

describe('FixupWriter', () => {
  const inventory: Inventory = {
    databases: ['d'],
    tables: [table('t')],
    columns: [
      col('t', 'code', 'varchar', { collation: 'utf8mb4_unicode_ci' }),
      col('t', 'n', 'int'),
      col('t', 'f', 'float', { nullable: true }),
      col('t', 'g', 'float', { nullable: true }),
      col('t', 'ts', 'timestamp', { extra: 'on update current_timestamp()' }),
    ],
    uniqueKeys: [{ db: 'd', table: 't', name: 'PRIMARY', columns: ['code', 'n'] }],
    unknownExcludes: [],
  };
  const t = planFloatFixups(inventory).tables[0]!;

  it('batches rows into UPDATE … JOIN statements, -0 rows alone, ON UPDATE columns kept', () => {
    const w = new FixupWriter(t);
    let text = '';
    const add = (code: string, n: number, f: number | null, g: number | null): void => {
      text += w.add([`_utf8mb4 X'${Buffer.from(code).toString('hex').toUpperCase()}'`, String(n)], [f, g]) ?? '';
    };
    add('a', 1, Math.fround(0.1), null);
    add('b', 2, -0, Math.fround(1.5));
    for (let i = 0; i < 1000; i++) add('c', i, Math.fround(i / 3), Math.fround(1e-40));
    text += w.end() ?? '';
    expect(w.rows).toBe(1002);
    const statements = text.split('\n').filter((l) => l.startsWith('UPDATE'));
    expect(statements).toHaveLength(3); // a full batch of 1000, the -0 row, the remaining 1
    expect(text.startsWith('\n-- pitr: exact FLOAT values of `t`')).toBe(true);
    expect(text.endsWith(';')).toBe(true);
    expect(statements[0]).toBe(
      "UPDATE `t` AS `pitr_row` SET `pitr_row`.`f` = -1e-50, `pitr_row`.`g` = 1.5e+0, `pitr_row`.`ts` = `pitr_row`.`ts` WHERE `pitr_row`.`code` = _utf8mb4 X'62' COLLATE utf8mb4_unicode_ci AND `pitr_row`.`n` = 2;",
    );
    expect(statements[1]).toMatch(
      /^UPDATE `t` AS `pitr_row` JOIN \(SELECT _utf8mb4 X'61' AS `k0`, 1 AS `k1`, 1e-1 AS `f0`, NULL AS `f1` UNION ALL SELECT _utf8mb4 X'63', 0, 0e0, 1e-40 UNION ALL /,
    );
    expect(statements[1]).toMatch(
      /\) AS `pitr_exact` ON `pitr_row`\.`code` = `pitr_exact`\.`k0` COLLATE utf8mb4_unicode_ci AND `pitr_row`\.`n` = `pitr_exact`\.`k1` SET `pitr_row`\.`f` = `pitr_exact`\.`f0`, `pitr_row`\.`g` = `pitr_exact`\.`f1`, `pitr_row`\.`ts` = `pitr_row`\.`ts`;$/,
    );
    expect(statements[1]!.split(' UNION ALL ')).toHaveLength(1000);
    expect(statements[2]).toContain("SELECT _utf8mb4 X'63' AS `k0`, 999 AS `k1`");
  });
});
