import { describe, expect, it } from 'vitest';
import { col, rows, table } from '../test-support/events.js';
import { rowStatements } from './row-statements.js';

// MYSQL_TYPE_LONG, VARCHAR, NEWDECIMAL, BLOB
const LONG = 3;
const VARCHAR = 15;
const DECIMAL = 246;
const BLOB = 252;

const t = table([
  col(0, LONG, { name: 'id', generated: false, primaryKey: true }),
  col(1, VARCHAR, { name: 'name', generated: false, collationId: 45 }),
  col(2, DECIMAL, { name: 'amount', generated: false }),
  col(3, DECIMAL, { name: 'doubled', generated: true }),
  col(4, BLOB, { name: 'b`q', generated: false, collationId: 63 }),
]);

describe('rowStatements', () => {
  it('INSERT: one multi-row statement, generated columns left out, names quoted, text as exact hex', () => {
    const out = rowStatements(
      rows('write', t, [
        { after: [1, 'Ada 😀', '5.25', '10.50', new Uint8Array([0, 0x27])] },
        { after: [2, null, '0.00', '0.00', null] },
      ]),
    );
    expect(out).toEqual([
      {
        sql: "INSERT INTO `shop`.`orders` (`id`,`name`,`amount`,`b``q`) VALUES (1,_utf8mb4 X'41646120F09F9880',5.25,X'0027'),(2,NULL,0.00,NULL)",
        expectRows: 2,
        rowIndex: 0,
        kind: 'insert',
      },
    ]);
  });

  it('UPDATE/DELETE match every stored column of the before image (LIMIT 1: a full image), one statement per row', () => {
    const [u] = rowStatements(rows('update', t, [{ before: [1, 'a', '1.00', '2.00', null], after: [1, 'b', '1.00', '2.00', null] }]));
    expect(u!.sql).toBe(
      "UPDATE `shop`.`orders` FORCE INDEX (PRIMARY) SET `name`=_utf8mb4 X'62' WHERE `id` = 1 AND CAST(`name` AS BINARY) = X'61' AND `amount` = 1.00 AND `b``q` IS NULL LIMIT 1",
    );
    expect(u!.expectRows).toBe(1);
    const [d] = rowStatements(rows('delete', t, [{ before: [7, null, '1.00', '2.00', null] }]));
    expect(d!.sql).toMatch(/^DELETE FROM `shop`\.`orders` WHERE `id` = 7 AND `name` IS NULL AND `amount` = 1\.00 AND `b``q` IS NULL LIMIT 1$/);
    // without a known primary key: text keeps the index-friendly `=` next to its byte comparison
    const nokey = table([col(0, LONG, { name: 'id', generated: false }), col(1, VARCHAR, { name: 'name', generated: false, collationId: 8 })]);
    expect(rowStatements(rows('delete', nokey, [{ before: [1, 'é'] }]))[0]!.sql).toBe(
      "DELETE FROM `shop`.`orders` WHERE `id` = 1 AND `name` = _utf8mb4'é' AND HEX(`name`) = HEX(CONVERT(_utf8mb4'é' USING latin1)) LIMIT 1",
    );
    // latin1 text of a keyed row: compared as latin1 bytes
    const keyed = table([col(0, LONG, { name: 'id', generated: false, primaryKey: true }), col(1, VARCHAR, { name: 'name', generated: false, collationId: 8 })]);
    expect(rowStatements(rows('delete', keyed, [{ before: [1, 'é'] }]))[0]!.sql).toBe(
      "DELETE FROM `shop`.`orders` WHERE `id` = 1 AND CAST(`name` AS BINARY) = CAST(CONVERT(_utf8mb4 X'C3A9' USING latin1) AS BINARY) LIMIT 1",
    );
  });

  it('a partial (MINIMAL) before image matches with LIMIT 2, so a non-unique match shows as 2 rows', () => {
    const [d] = rowStatements(rows('delete', t, [{ before: [7, undefined, undefined, undefined, undefined] }]));
    expect(d!.sql).toBe('DELETE FROM `shop`.`orders` WHERE `id` = 7 LIMIT 2');
    const [u] = rowStatements(rows('update', t, [{ before: [7, undefined, undefined, undefined, undefined], after: [undefined, undefined, '3.00', undefined, undefined] }]));
    expect(u!.sql).toBe('UPDATE `shop`.`orders` FORCE INDEX (PRIMARY) SET `amount`=3.00 WHERE `id` = 7 LIMIT 2');
  });

  it('an update that changes only generated columns still checks the row exists', () => {
    const [u] = rowStatements(rows('update', t, [{ before: [1, undefined, undefined, '1.00', undefined], after: [undefined, undefined, undefined, '2.00', undefined] }]));
    expect(u).toMatchObject({ kind: 'check', sql: 'SELECT 1 FROM `shop`.`orders` WHERE `id` = 1 LIMIT 2' });
  });

  it('refuses a table whose column names are unknown (no metadata, no schema)', () => {
    const anon = table([col(0, LONG)]);
    expect(() => rowStatements(rows('write', anon, [{ after: [1] }]))).toThrow(/column 1 has no name/);
  });

  it('splits a huge insert at maxInsertBytes', () => {
    const many = Array.from({ length: 100 }, (_, i) => ({ after: [i, 'x'.repeat(50), '1.00', '2.00', null] }));
    const out = rowStatements(rows('write', t, many), { maxInsertBytes: 1000 });
    expect(out.length).toBeGreaterThan(5);
    expect(out.reduce((n, s) => n + s.expectRows, 0)).toBe(100);
    expect(out.map((s) => s.rowIndex)).toEqual(out.map((_, i) => out.slice(0, i).reduce((n, s) => n + s.expectRows, 0)));
  });

  it('FLOAT before values: relaxedSql also accepts the 6-digit value mariadb-dump printed', () => {
    const ft = table([col(0, LONG, { name: 'id', generated: false, primaryKey: true }), col(1, 4, { name: 'f', generated: false })]);
    const v = Math.fround(1.1754943508e-38);
    const [d] = rowStatements(rows('delete', ft, [{ before: [1, v] }]));
    expect(d!.sql).toBe('DELETE FROM `shop`.`orders` WHERE `id` = 1 AND `f` = 1.1754943508222875e-38 LIMIT 1');
    expect(d!.relaxedSql).toBe('DELETE FROM `shop`.`orders` WHERE `id` = 1 AND (`f` = 1.1754943508222875e-38 OR `f` = ' + Math.fround(1.17549e-38).toExponential() + ') LIMIT 1');
    // a value that 6 digits print exactly needs no second form
    expect(rowStatements(rows('delete', ft, [{ before: [1, 0.5] }]))[0]!.relaxedSql).toBeUndefined();
    // once a table needed it, relaxFloat uses the relaxed form from the start
    expect(rowStatements(rows('delete', ft, [{ before: [1, v] }]), { relaxFloat: true })[0]!.sql).toBe(d!.relaxedSql);
  });

  it('SET lists only changed columns, but always temporal ones (ON UPDATE CURRENT_TIMESTAMP must not take the target clock)', () => {
    const tt = table([
      col(0, LONG, { name: 'id', generated: false, primaryKey: true }),
      col(1, LONG, { name: 'n', generated: false }),
      col(2, 17, { name: 'ts', generated: false, meta: 0 }),
    ]);
    const ts = { kind: 'timestamp', seconds: 1779712207, micros: 0, fsp: 0 } as const;
    const [u] = rowStatements(rows('update', tt, [{ before: [1, 5, ts], after: [1, 6, ts] }]));
    expect(u!.sql).toBe("UPDATE `shop`.`orders` FORCE INDEX (PRIMARY) SET `n`=6,`ts`='2026-05-25 12:30:07' WHERE `id` = 1 AND `n` = 5 AND `ts` = '2026-05-25 12:30:07' LIMIT 1");
  });

  it('an unchanged column is left out of SET by value (equal bytes in different arrays, -0 vs 0 differ)', () => {
    const bt = table([col(0, LONG, { name: 'id', generated: false, primaryKey: true }), col(1, BLOB, { name: 'b', generated: false, collationId: 63 }), col(2, 5, { name: 'd', generated: false })]);
    const [u] = rowStatements(rows('update', bt, [{ before: [1, new Uint8Array([1, 2]), 0], after: [1, new Uint8Array([1, 2]), -0] }]));
    expect(u!.sql).toMatch(/^UPDATE `shop`\.`orders` FORCE INDEX \(PRIMARY\) SET `d`=-0e0 WHERE /);
  });
});
