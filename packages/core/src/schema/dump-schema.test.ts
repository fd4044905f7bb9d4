import { execFile } from 'node:child_process';
import { createWriteStream, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type TestServer } from '../../../../tools/src/index.js';
import { PitrError } from '../errors/pitr-error.js';
import { schemaFromDump, type TableSchemaMap } from './dump-schema.js';
import { schemaFromServer } from './server-schema.js';

const run = promisify(execFile);
const FIXTURES = resolve(process.env['PITR_FIXTURES'] ?? resolve(import.meta.dirname, '../../../../../shared/fixtures'));
const MAXWELL_SQL = join(FIXTURES, 'mysql8/raw/maxwell/mysql-test-replay.sql');

const SCHEMA_SQL = `
CREATE DATABASE d1 CHARACTER SET latin1;
CREATE DATABASE \`we\`\`ird db\` CHARACTER SET utf8mb4 COLLATE utf8mb4_uca1400_ai_ci;
CREATE TABLE d1.t1 (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
  \`co,l\`\`2\` VARCHAR(20) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin DEFAULT 'a,b)(''c;' COMMENT 'x,y''z',
  d DECIMAL(65,30) NOT NULL DEFAULT -1.5,
  f FLOAT(7,4) ZEROFILL,
  e ENUM('a','b''q','c,d','😀') CHARACTER SET utf8mb4 DEFAULT 'a',
  s SET('x','y\\\\z') NOT NULL,
  g INT AS (id * 2) VIRTUAL,
  g2 VARCHAR(10) GENERATED ALWAYS AS (concat(\`co,l\`\`2\`,'x')) STORED,
  j JSON,
  u UUID, i6 INET6, i4 INET4,
  t TIMESTAMP(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6) ON UPDATE CURRENT_TIMESTAMP(6),
  inv INT INVISIBLE,
  txt TEXT,
  c2 CHAR(5) CHARACTER SET utf8mb3,
  c3 VARCHAR(5) COLLATE latin1_bin,
  c4 VARCHAR(5) CHARACTER SET utf8mb4,
  c5 TINYTEXT CHARACTER SET ucs2,
  b BLOB, vb VARBINARY(10), bn BINARY(3), geo POINT NOT NULL, gm GEOMETRY, bt BIT(5), y YEAR,
  PRIMARY KEY (id, d),
  UNIQUE KEY uk (\`co,l\`\`2\`(5)),
  KEY k2 (f),
  CONSTRAINT chk CHECK (d > 0)
) ENGINE=InnoDB COMMENT='tbl, comment;';
CREATE TABLE d1.nopk (a INT NOT NULL, b VARCHAR(3) NOT NULL, UNIQUE KEY (a)) ENGINE=Aria;
CREATE TABLE d1.sv (id INT PRIMARY KEY, v INT) WITH SYSTEM VERSIONING;
CREATE TABLE d1.sv2 (id INT, s TIMESTAMP(6) GENERATED ALWAYS AS ROW START, e TIMESTAMP(6) GENERATED ALWAYS AS ROW END, PERIOD FOR SYSTEM_TIME(s, e)) WITH SYSTEM VERSIONING;
CREATE SEQUENCE d1.seq;
CREATE VIEW d1.v1 AS SELECT id FROM d1.t1;
CREATE TABLE \`we\`\`ird db\`.\`ta\`\`b le\` (a INT PRIMARY KEY, b VARCHAR(3), c CHAR(2) CHARACTER SET latin1) ;
CREATE TABLE \`we\`\`ird db\`.part (id INT NOT NULL, k VARCHAR(3), PRIMARY KEY (id)) PARTITION BY RANGE (id) (PARTITION p0 VALUES LESS THAN (10), PARTITION p1 VALUES LESS THAN MAXVALUE);
INSERT INTO d1.t1 (\`co,l\`\`2\`, d, f, e, s, j, geo, txt) VALUES ('x;y', 1, 2, 'a', 'x', '{"a":1}', POINT(1,2), 'CREATE TABLE fake (a int);\\nUSE nope;'),
  ('a''b', 2, 3, 'c,d', 'y\\\\z', '[]', POINT(3,4), REPEAT('x', 60000));
INSERT INTO \`we\`\`ird db\`.\`ta\`\`b le\` VALUES (1, 'é', 'ü');
`;

interface Comparable {
  name: string;
  collationId: number | undefined;
  unsigned: boolean;
  nullable: boolean;
  generated: boolean;
  primaryKey: boolean;
  enumValues: readonly string[] | undefined;
  setValues: readonly string[] | undefined;
  baseType: string;
  sqlType: string;
}

function comparable(p: TableSchemaMap, db: string, table: string): Comparable[] | undefined {
  return p.getTable(db, table)?.columns.map((c) => ({
    name: c.name,
    collationId: c.collationId,
    unsigned: c.unsigned,
    nullable: c.nullable,
    generated: c.generated,
    primaryKey: c.primaryKey,
    enumValues: c.enumValues,
    setValues: c.setValues,
    baseType: c.baseType,
    sqlType: c.sqlType,
  }));
}

describe('schema from a dump and from a server', () => {
  let server: TestServer;
  let dir: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'pitr-dump-schema-'));
    server = await startServer({ binlog: false });
    await server.query(SCHEMA_SQL);
  }, 120_000);

  afterAll(async () => {
    await server?.stop();
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });

  async function dump(args: string[], file: string): Promise<string> {
    const dumpBin = 'mariadb-dump'; // Debian's mariadb-client, on PATH
    const path = join(dir, file);
    const { stdout } = await run(dumpBin, ['--no-defaults', `--socket=${server.socket}`, '--user=root', ...args], {
      maxBuffer: 1 << 28,
      encoding: 'buffer',
    });
    writeFileSync(path, stdout);
    return path;
  }

  it('reads every table of a --databases dump, plain and gzip, like information_schema does', async () => {
    const plain = await dump(['--databases', 'd1', 'we`ird db'], 'all.sql');
    const gz = join(dir, 'all.sql.gz');
    writeFileSync(gz, gzipSync(readFileSync(plain)));
    const fromDump = await schemaFromDump(plain);
    const fromGz = await schemaFromDump(gz);
    const fromServer = await schemaFromServer(`mysql://root@localhost/?socket=${encodeURIComponent(server.socket)}`);

    const tables: [string, string][] = [
      ['d1', 't1'], ['d1', 'nopk'], ['d1', 'sv'], ['d1', 'sv2'], ['d1', 'seq'], ['we`ird db', 'ta`b le'], ['we`ird db', 'part'],
    ];
    for (const [db, t] of tables) {
      const a = comparable(fromDump, db, t);
      expect(a, `${db}.${t} in dump`).toBeDefined();
      expect(comparable(fromGz, db, t)).toEqual(a);
      expect(a, `${db}.${t}: dump vs server`).toEqual(comparable(fromServer, db, t));
    }
    const t1 = fromDump.getTable('d1', 't1')!;
    const by = Object.fromEntries(t1.columns.map((c) => [c.name, c]));
    expect(by['c3']!.collationId).toBe(47);
    expect(by['c4']!.collationId).toBe(45);
    expect(by['c5']!.collationId).toBe(35);
    expect(by['txt']!.collationId).toBe(8);
    expect(by['j']!.collationId).toBe(46);
    // 4-byte members come back as '?'s from SHOW CREATE TABLE and information_schema (BINLOG-NOTES)
    expect(by['e']!.enumValues?.slice(0, 3)).toEqual(['a', "b'q", 'c,d']);
    expect(by['e']!.enumValues?.[3]).toMatch(/^\?+$/);
    expect(fromDump.getTable('we`ird db', 'ta`b le')!.columns.map((c) => c.collationId)).toEqual([undefined, 2304, 8]);
    expect(fromDump.getTable('d1', 'sv')!.columns.map((c) => c.name)).toEqual(['id', 'v', 'row_start', 'row_end']);
    expect(fromDump.getTable('d1', 'nopk')!.columns.map((c) => c.primaryKey)).toEqual([false, false]);
    expect(fromDump.getTable('d1', 'v1')).toBeUndefined();
    expect(fromDump.getTable('D1', 'T1')).toBe(t1);
    expect(fromServer.getTable('mysql', 'user')).toBeUndefined();
  });

  it('reads a single-database dump (no USE) by its header', async () => {
    const path = await dump(['d1', 't1'], 'one.sql');
    const p = await schemaFromDump(path);
    expect(p.getTable('d1', 't1')?.columns.length).toBe(26);
  });

  it('reads a MySQL 8 mysqldump and skips huge INSERT lines quickly', async () => {
    const path = join(dir, 'mysql8.sql');
    const out = createWriteStream(path);
    out.write(`-- MySQL dump 10.13  Distrib 8.0.36, for Linux (x86_64)
--
-- Host: localhost    Database: shop
-- ------------------------------------------------------
-- Server version\t8.0.36

/*!40101 SET NAMES utf8mb4 */;
DROP TABLE IF EXISTS \`orders\`;
/*!40101 SET @saved_cs_client     = @@character_set_client */;
/*!50503 SET character_set_client = utf8mb4 */;
CREATE TABLE \`orders\` (
  \`id\` int NOT NULL AUTO_INCREMENT,
  \`note\` varchar(10) DEFAULT NULL,
  \`hidden\` int DEFAULT NULL /*!80023 INVISIBLE */,
  PRIMARY KEY (\`id\`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_0900_ai_ci;
/*!40101 SET character_set_client = @saved_cs_client */;
LOCK TABLES \`orders\` WRITE;
`);
    // ~64 MB of data: one long extended INSERT and many short ones, with text that looks like DDL
    const row = "(1,'CREATE TABLE x (a int);\\nUSE y;',NULL),";
    const chunk = row.repeat(10000);
    out.write('INSERT INTO `orders` VALUES ');
    for (let i = 0; i < 100; i++) out.write(chunk);
    out.write("(2,'z',NULL);\n");
    for (let i = 0; i < 50000; i++) out.write(`INSERT INTO \`orders\` VALUES (${i},'CREATE TABLE q (a int)',1);\n`);
    out.write(`UNLOCK TABLES;
CREATE TABLE \`after\` (\`k\` varchar(3) COLLATE utf8mb4_bin NOT NULL, PRIMARY KEY (\`k\`)) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_0900_ai_ci;
`);
    await new Promise<void>((resolve, reject) => out.end((e?: Error | null) => (e ? reject(e) : resolve())));
    const heapBefore = process.memoryUsage().heapUsed;
    const start = performance.now();
    const p = await schemaFromDump(path);
    const ms = performance.now() - start;
    expect(p.getTable('shop', 'orders')!.columns.map((c) => [c.name, c.collationId])).toEqual([
      ['id', undefined], ['note', 255], ['hidden', undefined],
    ]);
    expect(p.getTable('shop', 'after')!.columns[0]).toMatchObject({ collationId: 46, primaryKey: true, nullable: false });
    expect(p.size).toBe(2);
    expect(ms).toBeLessThan(5000);
    expect(process.memoryUsage().heapUsed - heapBefore).toBeLessThan(64 * 1024 * 1024);
  }, 60_000);

  it('fails with SCHEMA / IO errors that say what to do', async () => {
    const empty = join(dir, 'empty.sql');
    writeFileSync(empty, '-- nothing\nINSERT INTO t VALUES (1);\n');
    await expect(schemaFromDump(empty)).rejects.toMatchObject({ code: 'SCHEMA' });
    const truncated = join(dir, 'trunc.sql');
    writeFileSync(truncated, 'USE `d`;\nCREATE TABLE `t` (\n  `a` int,\n');
    await expect(schemaFromDump(truncated)).rejects.toMatchObject({ code: 'SCHEMA' });
    await expect(schemaFromDump(join(dir, 'missing.sql'))).rejects.toMatchObject({ code: 'IO' });
    const badGz = join(dir, 'bad.sql.gz');
    writeFileSync(badGz, gzipSync(Buffer.from('USE `d`;\nCREATE TABLE `t` (`a` int);\n'.repeat(100))).subarray(0, 60));
    const err = await schemaFromDump(badGz).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PitrError);
  });

  it('reports connection failures without the password', async () => {
    const err = (await schemaFromServer(`mysql://root:hunter2@127.0.0.1:${server.port}/`).catch((e: unknown) => e)) as PitrError;
    expect(err).toBeInstanceOf(PitrError);
    expect(err.code).toBe('CONNECTION');
    expect(err.message).not.toContain('hunter2');
    expect(err.message).toContain('root:***@');
  });

  it.skipIf(!existsSync(MAXWELL_SQL))('reads the DDL script behind a MySQL 8 fixture binlog (maxwell)', async () => {
    const p = await schemaFromDump(MAXWELL_SQL);
    const boot = p.getTable('maxwell', 'bootstrap')!;
    expect(boot.columns.map((c) => c.collationId)).toEqual([
      undefined, 33, 33, 224, undefined, undefined, undefined, undefined, undefined, undefined, 224, undefined, 8, 33,
    ]);
    expect(p.getTable('maxwell', 'heartbeats')!.columns.filter((c) => c.primaryKey).map((c) => c.name)).toEqual(['server_id', 'client_id']);
    expect(p.getTable('bac_schema', 'bac_history')!.columns.map((c) => c.name)).toEqual(['id', 'name', 'desc', 'status']);
  });

  it('matches tables of a dump without any database name to every database', async () => {
    const path = join(dir, 'compact.sql');
    writeFileSync(path, 'CREATE TABLE `t` (\r\n  `a` int NOT NULL,\r\n  PRIMARY KEY (`a`)\r\n);\r\nINSERT INTO `t` VALUES (1);\r\n');
    const p = await schemaFromDump(path);
    expect(p.getTable('anything', 't')).toMatchObject({ db: 'anything', table: 't' });
    expect(p.getTable('anything', 'u')).toBeUndefined();
  });
});
