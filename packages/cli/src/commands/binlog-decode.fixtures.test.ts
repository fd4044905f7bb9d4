/**
 * `pitr binlog decode` through main() on real MySQL 8 / MariaDB binlog files from the shared
 * fixtures (PITR_FIXTURES, default <repo>/../shared/fixtures; skipped visibly when absent).
 * Expected values come from the fixtures' expectations file (upstream test assertions).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { main } from '../main.js';

const REPO = resolve(import.meta.dirname, '../../../..');
const FIXTURES = process.env['PITR_FIXTURES'] ?? resolve(REPO, '../shared/fixtures');
const HAVE_FIXTURES = existsSync(join(FIXTURES, 'manifest.json'));
if (!HAVE_FIXTURES) console.warn(`SKIPPED binlog-decode fixtures: no fixtures at ${FIXTURES} (set PITR_FIXTURES)`);

async function run(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let o = '';
  let e = '';
  stdout.on('data', (d: Buffer) => (o += d.toString()));
  stderr.on('data', (d: Buffer) => (e += d.toString()));
  const code = await main(argv, { stdout, stderr, env: {} });
  await new Promise((r) => setImmediate(r));
  return { code, stdout: o, stderr: e };
}

type Json = Record<string, unknown>;

function ndjson(text: string): Json[] {
  return text
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as Json);
}

const DIGITS = '0123456789'.repeat(10);
const LONG = `${'0123456789'.repeat(12)}012345678${'0123456789'.repeat(12)}012345678${'0123456789'.repeat(4)}`;

describe.skipIf(!HAVE_FIXTURES)('pitr binlog decode on fixture binlogs', () => {
  it('MySQL 8 ENUM/SET/strings (FULL metadata): names, member texts, before/after images', async () => {
    const file = join(FIXTURES, 'mysql8/raw/rust_mysql_common/mysql-enum-string-set.000001');
    const r = await run('binlog', 'decode', '--json', file);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const events = ndjson(r.stdout);
    expect(events[0]).toMatchObject({ file: 'mysql-enum-string-set.000001', pos: 4, type: 'format_description', serverVersion: '8.0.28' });
    const rows = events.filter((e) => e.type === 'write' || e.type === 'update' || e.type === 'delete');
    expect(rows.map((e) => e.type)).toEqual(['write', 'update', 'delete']);
    expect(rows[0]).toMatchObject({ db: 'mysql', table: 't' });
    const after = (rows[0]!.rows as Json[])[0]!.after as Json;
    const values = Object.values(after);
    expect(Object.keys(after).some((k) => k.startsWith('@'))).toBe(false); // COLUMN_NAME metadata
    expect(values[0]).toBe(DIGITS);
    expect(values[1]).toBe(LONG);
    expect(typeof values[2]).toBe('string'); // ENUM member text (ENUM_STR_VALUE), index 1
    expect(typeof values[3]).toBe('string'); // SET members of bitmap 0b101
    expect((values[3] as string).split(',')).toHaveLength(2);
    expect(values[4]).toBe('0123456789');
    const upd = (rows[1]!.rows as Json[])[0]!;
    expect(Object.values(upd.before as Json)).toEqual(values);
    expect(Object.values(upd.after as Json).slice(0, 2)).toEqual(['field1', 'field_2']);
    // every event line has the envelope first
    for (const e of events) expect(Object.keys(e).slice(0, 6)).toEqual(['file', 'pos', 'end', 'time', 'type', 'serverId']);
  });

  it('MariaDB 10.5 (FULL metadata): names, BLOB as hex, TIMESTAMP in UTC, text listing', async () => {
    const file = join(FIXTURES, 'mariadb/raw/rust_mysql_common/mariadb-bin.000001');
    const r = await run('binlog', 'decode', '--json', file);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const events = ndjson(r.stdout);
    expect(events.map((e) => e.type)).toEqual(
      expect.arrayContaining(['format_description', 'gtid_list', 'binlog_checkpoint', 'gtid', 'annotate_rows', 'table_map', 'write', 'xid']),
    );
    const writes = events.filter((e) => e.type === 'write');
    expect(writes).toHaveLength(2);
    const after = (writes[0]!.rows as Json[])[0]!.after as Json;
    expect(Object.keys(after)).toEqual(['id', 'topic', 'event_type', 'event', 'created']);
    expect(typeof after.id).toBe('number');
    expect(typeof after.topic).toBe('string');
    expect(after.event).toMatchObject({ hex: expect.stringMatching(/^[0-9a-f]*$/) as unknown });
    expect(after.created).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(\.\d+)?$/);
    const gtid = events.find((e) => e.type === 'gtid')!;
    expect(gtid.gtid).toMatch(/^\d+-\d+-\d+$/);

    const text = await run('binlog', 'decode', '--tz', 'UTC', file);
    expect(text.code).toBe(0);
    expect(text.stdout).toContain('# at 4\n#');
    expect(text.stdout).toMatch(/server id \d+ {2}end_log_pos \d+ CRC32 0x[0-9a-f]{8} \tStart: binlog v 4, server v 10\.5\.15/);
    expect(text.stdout).toContain('### INSERT INTO `toddy_test`.`outbox`');
    expect(text.stdout).toMatch(/###   `id`=\d+ \/\* INT meta=0 nullable=0 is_null=0 \*\//);
    expect(text.stdout).not.toContain('NOTE: the binlog carries no');
  });

  it('every raw binlog of the manifest decodes to exit 0, as text and as valid NDJSON', async () => {
    const manifest = JSON.parse(readFileSync(join(FIXTURES, 'manifest.json'), 'utf8')) as { file: string }[];
    expect(manifest.length).toBeGreaterThan(10);
    for (const { file } of manifest) {
      const path = join(FIXTURES, file);
      for (const mode of [['--json'], []]) {
        const r = await run('binlog', 'decode', ...mode, path);
        expect(r.stderr, `${file} ${mode.join(' ')}`).not.toMatch(/pitr: error|\n\s+at /);
        expect(r.code, `${file} ${mode.join(' ')}: ${r.stderr}`).toBe(0);
        if (mode.length > 0) {
          const lines = r.stdout.split('\n').filter((l) => l !== '');
          expect(lines.length, file).toBeGreaterThan(1);
          for (const line of lines) JSON.parse(line);
        } else {
          expect(r.stdout, file).toMatch(/^# pitr binlog decode/);
        }
      }
    }
  });
});
