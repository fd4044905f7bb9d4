/**
 * The reader on binlogs written by a real MariaDB (throwaway mariadbd from tools/): statement-based
 * events (USER_VAR of every value type, RAND, INTVAR), compressed events (log_bin_compress), XA,
 * and a file written with binlog_checksum=NONE. Every event must decode without warnings or generic
 * bodies, at exactly the positions `mariadb-binlog` lists.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readBinlogFile } from './reader.js';
import type { BinlogEvent, EventBody } from './types.js';
import type { MariadbGtidEventBody } from './events/mariadb-events.js';

const repoRoot = resolve(fileURLToPath(new URL('.', import.meta.url)), '../../../..');
const harnessReady = existsSync(join(repoRoot, 'tools/HARNESS-READY'));
const mariadbBinlog = ['/usr/bin/mariadb-binlog', '/usr/bin/mysqlbinlog'].find((p) => existsSync(p));
const SKIP_REASON = !harnessReady ? 'server harness not ready (tools/HARNESS-READY missing)' : mariadbBinlog === undefined ? 'mariadb-binlog not installed' : '';
if (SKIP_REASON !== '') console.warn(`[skip] reader on a real MariaDB: ${SKIP_REASON}`);

type Harness = typeof import('../../../../tools/src/index.js');
type Server = Awaited<ReturnType<Harness['startServer']>>;

describe.skipIf(SKIP_REASON !== '')(`reader on binlogs of a real MariaDB${SKIP_REASON === '' ? '' : ` (${SKIP_REASON})`}`, () => {
  let server: Server | undefined;
  const files: string[] = [];
  const events: BinlogEvent[] = [];
  const warnings: string[] = [];

  beforeAll(async () => {
    const harness: Harness = await import('../../../../tools/src/index.js');
    server = await harness.startServer({ logBinCompress: true, logBinCompressMinLen: 10, binlogRowMetadata: 'FULL' });
    await server.query(`
      CREATE DATABASE d;
      CREATE TABLE d.t (id INT AUTO_INCREMENT PRIMARY KEY, v VARCHAR(200), x DECIMAL(10,2), f DOUBLE) ENGINE=InnoDB;
      SET SESSION binlog_format = 'STATEMENT';
      SET @s = 'héllo wörld', @i = -5, @u = CAST(18446744073709551615 AS UNSIGNED), @r = 1.5e0, @dec = 12.34, @n = NULL, @b = _binary 0xff00;
      INSERT INTO d.t (v, x, f) VALUES (CONCAT(@s, @i, @u, IFNULL(@n, 'null'), HEX(@b)), @dec, @r);
      INSERT INTO d.t (v, f) VALUES ('rand', RAND());
      SET SESSION binlog_format = 'ROW';
      INSERT INTO d.t (v) VALUES (REPEAT('compressible ', 10));
      UPDATE d.t SET v = REPEAT('again ', 20) WHERE id = 3;
      XA START 'xa1'; INSERT INTO d.t (v) VALUES ('xa'); XA END 'xa1'; XA PREPARE 'xa1'; XA COMMIT 'xa1';
      ALTER TABLE d.t ADD COLUMN c TEXT /* a long enough comment to make the compressed query event worthwhile */;
      SET SESSION binlog_alter_two_phase = ON;
      ALTER TABLE d.t ADD COLUMN z INT;
      SET SESSION binlog_alter_two_phase = OFF;
    `);
    await server.flushLogs();
    await server.restart({ checksum: 'NONE', logBinCompress: false });
    await server.query(`INSERT INTO d.t (v) VALUES ('after restart without checksums'); DELETE FROM d.t WHERE id = 1;`);
    await server.flushLogs();
    files.push(...(await server.binlogFiles()));
    files.pop(); // the current, still open file
    for (const f of files) {
      for await (const e of readBinlogFile(f, { onWarning: (m) => warnings.push(m) })) events.push(e);
    }
  }, 180_000);

  afterAll(async () => {
    await server?.stop();
  });

  it('every event is decoded, without warnings, at the positions mariadb-binlog lists', () => {
    expect(warnings).toEqual([]);
    expect(events.filter((e) => e.body.kind === 'unknown')).toEqual([]);
    for (const f of files) {
      const text = execFileSync(mariadbBinlog!, ['--no-defaults', '--base64-output=never', f], { encoding: 'utf8', maxBuffer: 64 << 20 });
      const theirs = [...text.matchAll(/^# at (\d+)$/gm)].map((m) => Number(m[1]));
      const name = f.split('/').pop()!;
      const ours = events.filter((e) => e.file === name && e.payloadIndex === undefined).map((e) => e.pos);
      // mariadb-binlog prints "# at" before every event (and possibly once more at EOF).
      const size = statSync(f).size;
      expect(ours).toEqual(theirs.filter((p) => p < size));
      expect(events.filter((e) => e.file === name).pop()!.end).toBe(size);
    }
  });

  it('USER_VAR values of every type, RAND and INTVAR', () => {
    const vars = Object.fromEntries(
      events.filter((e) => e.body.kind === 'user_var').map((e) => {
        const b = e.body as Extract<EventBody, { kind: 'user_var' }>;
        return [b.name, b.value];
      }),
    );
    expect(vars).toMatchObject({ s: 'héllo wörld', i: -5n, u: 18446744073709551615n, r: 1.5, dec: '12.34', n: null, b: Uint8Array.of(0xff, 0) });
    expect(events.some((e) => e.body.kind === 'rand')).toBe(true);
    expect(events.some((e) => e.body.kind === 'intvar' && e.body.intvarType === 'INSERT_ID')).toBe(true);
  });

  it('compressed query and rows events, XA GTIDs, GTID groups', () => {
    const names = new Set(events.map((e) => e.typeName));
    expect(names).toContain('MARIADB_QUERY_COMPRESSED_EVENT');
    expect([...names].some((n) => n.includes('ROWS_COMPRESSED'))).toBe(true);
    const alter = events.find((e) => e.body.kind === 'query' && e.body.query.startsWith('ALTER TABLE'))!;
    expect(alter.typeName).toBe('MARIADB_QUERY_COMPRESSED_EVENT');
    const xa = events.filter((e) => e.body.kind === 'gtid' && (e.body as MariadbGtidEventBody).xa !== undefined);
    expect(xa.length).toBeGreaterThanOrEqual(1);
    expect(Buffer.from((xa[0]!.body as MariadbGtidEventBody).xa!.gtrid).toString()).toBe('xa1');
    const gtids = events.filter((e) => e.typeName === 'MARIADB_GTID_EVENT').map((e) => e.body as MariadbGtidEventBody);
    expect(gtids.every((g) => g.serverId === server!.serverId)).toBe(true);
    expect(gtids.some((g) => g.ddl)).toBe(true);
  });

  it('two-phase ALTER (START ALTER / COMMIT ALTER) carries Q_GTID_FLAGS3 and parses cleanly', () => {
    const queries = events.filter((e) => e.body.kind === 'query').map((e) => e.body as Extract<EventBody, { kind: 'query' }>);
    const flagged = queries.filter((q) => q.statusVars.unknown?.some((u) => u.code === 130));
    expect(flagged.length).toBeGreaterThanOrEqual(2);
    // START ALTER: flags_extra only; COMMIT ALTER: flags_extra + the START ALTER's seq_no.
    const sizes = flagged.map((q) => q.statusVars.unknown!.find((u) => u.code === 130)!.bytes.length).sort();
    expect(sizes).toEqual([1, 9]);
    expect(queries.some((q) => /^START ALTER/i.test(q.query) || /ADD COLUMN z/.test(q.query))).toBe(true);
  });

  it('the file written with binlog_checksum=NONE reads too', () => {
    const fdes = events.filter((e) => e.body.kind === 'format_description').map((e) => (e.body as Extract<EventBody, { kind: 'format_description' }>).checksumAlg);
    expect(fdes).toContain(0);
    expect(fdes).toContain(1);
    expect(events.some((e) => e.body.kind === 'query' && e.body.query.includes('after restart'))).toBe(false); // row format: no statement text
    expect(events.some((e) => e.typeName === 'MARIADB_ANNOTATE_ROWS_EVENT' && (e.body as { query: string }).query.includes('after restart'))).toBe(true);
  });
});
