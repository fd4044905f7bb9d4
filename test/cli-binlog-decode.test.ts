/**
 * End to end: the built `pitr` executable (`node packages/cli/dist/bin.js binlog decode …`) on the
 * binlogs of a throwaway MariaDB server, the way a runbook would call it. Checks NDJSON values,
 * the text listing, --schema-from against the live server for a NO_LOG binlog, gzip input, the
 * position window, and exit codes for a missing file (1), a corrupted event (3) and bad usage (2).
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type TestServer } from '../tools/src/index.js';

const ROOT = resolve(import.meta.dirname, '..');
const BIN = join(ROOT, 'packages/cli/dist/bin.js');
const BUILT = existsSync(BIN);
if (!BUILT) console.warn(`SKIPPED cli-binlog-decode: ${BIN} does not exist (run: npx tsc -b packages/cli)`);

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

function pitr(args: string[], env: Record<string, string> = {}): Promise<Result> {
  return new Promise((resolvePromise) => {
    execFile(process.execPath, [BIN, ...args], { env: { ...process.env, ...env, TZ: 'UTC' }, maxBuffer: 256 * 1024 * 1024 }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === 'number' ? error.code : 1;
      resolvePromise({ code, stdout, stderr });
    });
  });
}

type Json = Record<string, unknown>;

function ndjson(text: string): Json[] {
  return text
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as Json);
}

function rowEvents(events: Json[], table: string): Json[] {
  return events.filter((e) => e.table === table && (e.type === 'write' || e.type === 'update' || e.type === 'delete'));
}

describe.skipIf(!BUILT)('pitr binlog decode (built bin, throwaway MariaDB)', () => {
  let server: TestServer;
  let files: string[];
  let work: string;

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'pitr-cli-decode-'));
    server = await startServer({ binlogRowMetadata: 'NO_LOG', timeZone: '+00:00' });
    await server.query(`
      CREATE DATABASE shop;
      CREATE TABLE shop.items (
        id INT UNSIGNED PRIMARY KEY,
        big BIGINT UNSIGNED,
        price DECIMAL(12,3),
        ratio DOUBLE,
        note VARCHAR(40) CHARACTER SET utf8mb4,
        raw VARBINARY(8),
        made DATETIME(6),
        seen TIMESTAMP(3) NULL,
        kind ENUM('small','large'),
        tags SET('a','b','c'),
        doc JSON,
        u UUID,
        ip INET6
      );
      INSERT INTO shop.items VALUES
        (1, 18446744073709551615, -12.500, 1.25, 'héllo', X'00ff', '2026-05-25 14:30:07.000001', '2026-05-25 12:30:07.120',
         'large', 'a,c', '{"k": [1, 2]}', '123e4567-e89b-12d3-a456-426655440000', '2001:db8::1'),
        (2, 7, 0.001, 1.5, NULL, NULL, NULL, NULL, 'small', '', NULL, NULL, NULL);
      UPDATE shop.items SET note = 'zzmarkerzz' WHERE id = 2;
      DELETE FROM shop.items WHERE id = 1;
    `);
    // Later writes with names in the binlog (the variable is dynamic; new sessions use it).
    await server.query('SET GLOBAL binlog_row_metadata = FULL');
    const conn = await server.connect();
    try {
      await conn.query("INSERT INTO shop.items (id, note) VALUES (3, 'full metadata')");
    } finally {
      await conn.end();
    }
    await server.flushLogs();
    files = await server.binlogFiles();
  });

  afterAll(async () => {
    await server?.stop();
    if (work !== undefined) await rm(work, { recursive: true, force: true });
  });

  it('prints NDJSON with exact values (schema from the live server for the NO_LOG part)', async () => {
    const closed = files.slice(0, -1);
    const r = await pitr(['binlog', 'decode', '--json', '--schema-from', server.url, ...closed]);
    expect(r.stderr).not.toContain('error');
    expect(r.code).toBe(0);
    const events = ndjson(r.stdout);
    for (const e of events) expect(Object.keys(e).slice(0, 6)).toEqual(['file', 'pos', 'end', 'time', 'type', 'serverId']);
    expect(events[0]!.type).toBe('format_description');
    expect(events.some((e) => e.type === 'gtid')).toBe(true);
    const rows = rowEvents(events, 'items');
    expect(rows.map((e) => e.type)).toEqual(['write', 'update', 'delete', 'write']);
    const first = (rows[0]!.rows as Json[])[0]!.after as Json;
    expect(first).toEqual({
      id: 1,
      big: '18446744073709551615',
      price: '-12.500',
      ratio: 1.25,
      note: 'héllo',
      raw: { hex: '00ff' },
      made: '2026-05-25 14:30:07.000001',
      seen: '2026-05-25 12:30:07.120',
      kind: 'large',
      tags: 'a,c',
      doc: expect.stringMatching(/"k"/) as unknown,
      u: '123e4567-e89b-12d3-a456-426655440000',
      ip: '2001:db8::1',
    });
    const upd = (rows[1]!.rows as Json[])[0]!;
    expect((upd.before as Json).note).toBeNull();
    expect((upd.after as Json).note).toBe('zzmarkerzz');
    expect(((rows[2]!.rows as Json[])[0]!.before as Json).id).toBe(1);
  });

  it('without a schema, names come from the CREATE TABLE in the decoded range', async () => {
    const closed = files.slice(0, -1);
    const r = await pitr(['binlog', 'decode', '--json', ...closed]);
    expect(r.code).toBe(0);
    const rows = rowEvents(ndjson(r.stdout), 'items');
    const first = (rows[0]!.rows as Json[])[0]!.after as Json;
    expect(first.id).toBe(1);
    expect(first.big).toBe('18446744073709551615');
    expect(first.note).toBe('héllo');
  });

  it('without a schema prints @N keys and only what the binlog determines, with names where FULL metadata gives them', async () => {
    const closed = files.slice(0, -1);
    // Start after the CREATE TABLE, so the decoder has no DDL to learn the table from.
    const all = ndjson((await pitr(['binlog', 'decode', '--json', closed[0]!])).stdout);
    const create = all.find((e) => e.type === 'query' && /CREATE TABLE shop\.items/i.test(String(e.query)));
    expect(create).toBeDefined();
    const after = String(create!.end);
    const r = await pitr(['binlog', 'decode', '--json', '--start-position', after, ...closed]);
    expect(r.code).toBe(0);
    const rows = rowEvents(ndjson(r.stdout), 'items');
    const first = (rows[0]!.rows as Json[])[0]!.after as Json;
    expect(first['@1']).toBe(1);
    expect(first['@2']).toBe(-1); // BIGINT UNSIGNED max read as signed: the binlog does not say
    expect(first['@9']).toBe(2); // ENUM index
    expect(first['@10']).toBe(5); // SET bitmap
    expect(first['@5']).toEqual({ hex: Buffer.from('héllo').toString('hex') }); // charset unknown
    const full = (rows[3]!.rows as Json[])[0]!.after as Json;
    expect(full.id).toBe(3);
    expect(full.note).toBe('full metadata');

    const text = await pitr(['binlog', 'decode', '--start-position', after, ...closed]);
    expect(text.code).toBe(0);
    expect(text.stdout).toContain('### INSERT INTO `shop`.`items`');
    expect(text.stdout).toContain('# NOTE: the binlog carries no column names');
    expect(text.stdout).toMatch(/###   @1=1 \/\* INT/);
    expect(text.stdout).toMatch(/###   `note`='full metadata'/);
  });

  it('takes the schema from a dump file as well (--schema-from DUMP)', async () => {
    const dump = join(work, 'shop.sql');
    const sql = await new Promise<string>((done, fail) => {
      execFile('mariadb-dump', ['--no-defaults', `--socket=${server.socket}`, '-uroot', '--no-data', '--databases', 'shop'], (error, stdout) =>
        error === null ? done(stdout) : fail(error),
      );
    });
    await writeFile(dump, sql);
    const r = await pitr(['binlog', 'decode', '--json', '--schema-from', dump, ...files.slice(0, -1)]);
    expect(r.code).toBe(0);
    const first = (rowEvents(ndjson(r.stdout), 'items')[0]!.rows as Json[])[0]!.after as Json;
    expect(first).toMatchObject({ id: 1, big: '18446744073709551615', note: 'héllo', kind: 'large', tags: 'a,c', u: '123e4567-e89b-12d3-a456-426655440000' });
  });

  it('reads gzip-compressed binlogs like plain ones', async () => {
    const plain = files[0]!;
    const gz = join(work, 'copy.000001.gz');
    await writeFile(gz, gzipSync(await readFile(plain)));
    const a = await pitr(['binlog', 'decode', '--json', plain]);
    const b = await pitr(['binlog', 'decode', '--json', gz]);
    expect(b.code).toBe(0);
    const strip = (t: string): Json[] => ndjson(t).map(({ file: _file, ...rest }) => rest);
    expect(strip(b.stdout)).toEqual(strip(a.stdout));
  });

  it('honours --start-position/--stop-position', async () => {
    const all = ndjson((await pitr(['binlog', 'decode', '--json', files[0]!])).stdout);
    const gtids = all.filter((e) => e.type === 'gtid');
    expect(gtids.length).toBeGreaterThan(2);
    const start = gtids[1]!.pos as number;
    const stop = gtids[2]!.pos as number;
    const r = await pitr(['binlog', 'decode', '--json', '--start-position', String(start), '--stop-position', String(stop), files[0]!]);
    expect(r.code).toBe(0);
    const got = ndjson(r.stdout).filter((e) => e.type !== 'format_description');
    expect(got.length).toBeGreaterThan(0);
    expect(got[0]!.pos).toBe(start);
    for (const e of got) expect(e.pos as number).toBeLessThan(stop);
  });

  it('exits 3 on a corrupted event, and --no-verify-checksum decodes it anyway', async () => {
    const bytes = Buffer.from(await readFile(files[0]!));
    const at = bytes.indexOf('zzmarkerzz');
    expect(at).toBeGreaterThan(0);
    bytes[at] = 'Z'.charCodeAt(0);
    const bad = join(work, 'corrupt.000001');
    await writeFile(bad, bytes);
    const r = await pitr(['binlog', 'decode', '--json', bad]);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/^pitr: error: .*corrupt\.000001/m);
    const r2 = await pitr(['binlog', 'decode', '--json', '--no-verify-checksum', bad]);
    expect(r2.code).toBe(0);
    expect(r2.stdout).toContain('Zzmarkerzz');
  });

  it('exits 1 for a missing file and 2 for bad usage', async () => {
    const missing = await pitr(['binlog', 'decode', join(work, 'nope.000001')]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/^pitr: error: .*nope\.000001/m);
    const usage = await pitr(['binlog', 'decode', '--start-position', 'x', files[0]!]);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toMatch(/^pitr: error: /);
    expect(usage.stderr).toMatch(/^HINT: /m);
  });

  it('stops quietly when the output pipe closes early (| head)', async () => {
    const script = `set -o pipefail; "${process.execPath}" "${BIN}" binlog decode ${files.map((f) => `"${f}"`).join(' ')} | head -n 1`;
    const r = await new Promise<Result>((done) => {
      execFile('bash', ['-c', script], { env: { ...process.env, TZ: 'UTC' } }, (error, stdout, stderr) => {
        done({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : 1, stdout, stderr });
      });
    });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^# pitr binlog decode/);
  });

  it('`pitr --help` works from the built bin', async () => {
    const r = await pitr(['--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('pitr binlog decode');
  });
});
