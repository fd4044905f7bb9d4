import { execFile } from 'node:child_process';
import { statSync } from 'node:fs';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type TestServer } from '../server.js';
import { typeTorture, type TypeTortureReport } from './type-torture.js';

const execFileAsync = promisify(execFile);

describe('typeTorture', () => {
  let server: TestServer;
  let report: TypeTortureReport;

  beforeAll(async () => {
    server = await startServer({ binlogRowMetadata: 'FULL', maxBinlogSize: 4 * 1024 * 1024 });
    const conn = await server.connect();
    try {
      report = await typeTorture(conn);
    } finally {
      await conn.end();
    }
    await server.flushLogs();
  });

  afterAll(async () => {
    await server?.stop();
  });

  it('creates every table and reports what it did', () => {
    expect(report.database).toBe('torture');
    expect(report.tables.map((t) => t.name)).toEqual([
      'ints',
      'decimals',
      'floats',
      'bits',
      'temporals',
      'strings',
      'long_varchar',
      'long_varbinary',
      'binaries',
      'lobs',
      'jsons',
      'enums_sets',
      'geo',
      'mariadb_types',
      'generated',
      'no_pk',
      'unique_only',
      'bulk',
    ]);
    expect(report.rowsInserted).toBeGreaterThan(3000);
    expect(report.statements).toBe(report.steps.length);
  });

  it('stores the edge values it means to', async () => {
    const [row] = await server.query<Record<string, unknown>[]>(
      `SELECT
         (SELECT biu FROM torture.ints WHERE id = 2) AS biu,
         (SELECT d65_30 FROM torture.decimals WHERE id = 1) AS d65_30,
         (SELECT HEX(b64) FROM torture.bits WHERE id = 2) AS b64,
         (SELECT d FROM torture.temporals WHERE id = 2) AS dmin,
         (SELECT t6 FROM torture.temporals WHERE id = 2) AS tmin,
         (SELECT ts6 FROM torture.temporals WHERE id = 3) AS tsmax,
         (SELECT y + 0 FROM torture.temporals WHERE id = 1) AS y0,
         (SELECT e + 0 FROM torture.enums_sets WHERE id = 3) AS enum_error,
         (SELECT e300 FROM torture.enums_sets WHERE id = 2) AS e300,
         (SELECT LENGTH(mb) FROM torture.lobs WHERE id = 2) AS mb_len,
         (SELECT ST_SRID(p4326) FROM torture.geo WHERE id = 2) AS srid,
         (SELECT COUNT(*) FROM torture.bulk) AS bulk_rows,
         (SELECT s_txt FROM torture.generated WHERE id = 2) AS s_txt`,
    );
    expect(row).toEqual({
      biu: '18446744073709551614',
      d65_30: `${'9'.repeat(35)}.${'9'.repeat(30)}`,
      b64: 'FFFFFFFFFFFFFFFF',
      dmin: '1000-01-01',
      tmin: '-838:59:59.000000',
      tsmax: '2038-01-19 03:14:07.999999',
      y0: 0,
      enum_error: 0,
      e300: 'm299',
      mb_len: 70000,
      srid: 4326,
      bulk_rows: '1500',
      s_txt: 'changed#12',
    });
  });

  it('leaves binlogs that mariadb-binlog -vv reads without error', async () => {
    const files = await server.binlogFiles();
    expect(files.length).toBeGreaterThanOrEqual(2);
    for (const f of files) expect(statSync(f).size).toBeGreaterThan(0);
    const { stdout } = await execFileAsync('mariadb-binlog', ['--no-defaults', '-vv', ...files], {
      maxBuffer: 512 * 1024 * 1024,
    });
    expect(stdout).toContain('### INSERT INTO `torture`.`ints`');
    expect(stdout).toContain('### UPDATE `torture`.`bulk`');
    expect(stdout).toContain('### DELETE FROM `torture`.`no_pk`');
  });
});
