import type mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type TestServer } from '../../../../tools/src/index.js';
import { charsetOfCollation, collationIdByName, defaultCollationId } from './collations.js';
import { schemaFromServer } from './server-schema.js';

describe('schemaFromServer', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startServer({ binlog: false });
    await server.query(`CREATE DATABASE s1;
      CREATE TABLE s1.t (id INT UNSIGNED NOT NULL, k VARCHAR(3) CHARACTER SET utf8mb4 COLLATE utf8mb4_uca1400_as_cs NOT NULL,
        e ENUM('x','y''z'), st SET('a','b'), g INT AS (id + 1) PERSISTENT, ts TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
        PRIMARY KEY (k, id)) DEFAULT CHARSET=latin1;`);
  }, 120_000);

  afterAll(async () => {
    await server?.stop();
  });

  it('reads columns over TCP with the password from PITR_PASSWORD', async () => {
    const saved = process.env['PITR_PASSWORD'];
    process.env['PITR_PASSWORD'] = server.password;
    try {
      const p = await schemaFromServer(`mysql://${server.user}@127.0.0.1:${server.port}/`);
      const t = p.getTable('s1', 't')!;
      expect(t.columns.map((c) => [c.name, c.sqlType, c.unsigned, c.nullable, c.collationId, c.generated, c.primaryKey])).toEqual([
        ['id', 'int(10) unsigned', true, false, undefined, false, true],
        ['k', 'varchar(3)', false, false, collationIdByName('utf8mb4_uca1400_as_cs'), false, true],
        ['e', "enum('x','y''z')", false, true, 8, false, false],
        ['st', "set('a','b')", false, true, 8, false, false],
        ['g', 'int(11)', false, true, undefined, true, false],
        ['ts', 'timestamp', false, false, undefined, false, false],
      ]);
      expect(t.columns[2]!.enumValues).toEqual(['x', "y'z"]);
      expect(t.columns[3]!.setValues).toEqual(['a', 'b']);
    } finally {
      if (saved === undefined) delete process.env['PITR_PASSWORD'];
      else process.env['PITR_PASSWORD'] = saved;
    }
  });

  it("agrees with this server's collation numbering (the generated table is current)", async () => {
    const conn: mysql.Connection = await server.connect();
    try {
      const [rows] = await conn.query<mysql.RowDataPacket[]>(
        'SELECT FULL_COLLATION_NAME AS name, CHARACTER_SET_NAME AS cs, ID AS id FROM information_schema.COLLATION_CHARACTER_SET_APPLICABILITY',
      );
      expect(rows.length).toBeGreaterThan(300);
      for (const r of rows) {
        expect(collationIdByName(String(r['name'])), String(r['name'])).toBe(Number(r['id']));
        expect(charsetOfCollation(Number(r['id']))).toBe(String(r['cs']));
      }
      const [defaults] = await conn.query<mysql.RowDataPacket[]>(
        'SELECT c.CHARACTER_SET_NAME AS cs, co.ID AS id FROM information_schema.CHARACTER_SETS c JOIN information_schema.COLLATIONS co ON co.COLLATION_NAME = c.DEFAULT_COLLATE_NAME',
      );
      for (const r of defaults) expect(defaultCollationId(String(r['cs'])), String(r['cs'])).toBe(Number(r['id']));
    } finally {
      await conn.end();
    }
  });
});
