/**
 * End to end: `pitr backup`, `list`, `verify` and `expire` through the built `pitr` executable
 * against throwaway MariaDB servers, the way a runbook would call them.
 *
 * The source holds a small multi-database workload (routines, triggers, an event, a view, BLOBs,
 * JSON, BIT, an ON UPDATE timestamp, FLOAT/DOUBLE edge values, an ENUM member with a 4-byte
 * character). The backup is loaded into a fresh server with the plain `mariadb` client, and every
 * table must come back byte-identical (HEX of every column; FLOAT/DOUBLE as their exact double
 * text plus the sign of zero), with the same definitions — except the ENUM member the backup
 * warned about.
 */
import { execFile, spawn } from 'node:child_process';
import { createReadStream, existsSync } from 'node:fs';
import { chmod, copyFile, mkdir, mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createGunzip } from 'node:zlib';
import { createHash } from 'node:crypto';
import { acquireRepoLock } from '@pitr/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type TestServer } from '../tools/src/index.js';

const ROOT = resolve(import.meta.dirname, '..');
const BIN = join(ROOT, 'packages/cli/dist/bin.js');
const BUILT = existsSync(BIN);
if (!BUILT) console.warn(`SKIPPED cli-backup: ${BIN} does not exist (run: npx tsc -b packages/cli)`);

/** A backup user whose password has every character an option file or a shell could trip on. */
const SECRET = 'S3cr#t "pw"\\x;$y';

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

function pitr(args: string[], env: Record<string, string> = {}): Promise<Result> {
  return new Promise((resolvePromise) => {
    execFile(process.execPath, [BIN, ...args], { env: { ...process.env, TZ: 'UTC', ...env }, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === 'number' ? error.code : 1;
      resolvePromise({ code, stdout, stderr });
    });
  });
}

/** `gunzip -c dump | mariadb` into `server`. */
function loadDump(server: TestServer, dump: string): Promise<void> {
  return new Promise((resolvePromise, reject) => {
    const client = spawn('mariadb', ['--host=127.0.0.1', `--port=${server.port}`, '--user=pitr', '--password=pitr', '--binary-mode'], {
      stdio: ['pipe', 'ignore', 'pipe'],
    });
    let err = '';
    client.stderr.on('data', (d: Buffer) => (err += d.toString()));
    createReadStream(dump).pipe(createGunzip()).pipe(client.stdin);
    client.on('close', (code) => (code === 0 ? resolvePromise() : reject(new Error(`mariadb exited ${code}: ${err}`))));
  });
}

const SOURCE_SQL = `
CREATE DATABASE shop;
CREATE DATABASE crm;
CREATE DATABASE scratch;
CREATE TABLE shop.items (
  id INT UNSIGNED PRIMARY KEY,
  name VARCHAR(64) CHARACTER SET utf8mb4 NOT NULL,
  price DECIMAL(12,4),
  img BLOB,
  weight FLOAT,
  ratio DOUBLE,
  flags BIT(5),
  attrs JSON,
  created DATETIME(6),
  touched TIMESTAMP(3) NOT NULL DEFAULT '2001-01-01 00:00:00' ON UPDATE CURRENT_TIMESTAMP(3),
  kind ENUM('tool','toy') NOT NULL,
  tags SET('red','blue','green')
) ENGINE=InnoDB;
CREATE TABLE shop.audit (n INT AUTO_INCREMENT PRIMARY KEY, item INT UNSIGNED, what VARCHAR(16)) ENGINE=InnoDB;
CREATE TRIGGER shop.items_ai AFTER INSERT ON shop.items FOR EACH ROW INSERT INTO shop.audit (item, what) VALUES (NEW.id, 'insert');
CREATE TRIGGER shop.items_au AFTER UPDATE ON shop.items FOR EACH ROW INSERT INTO shop.audit (item, what) VALUES (NEW.id, 'update');
CREATE VIEW shop.heavy AS SELECT id, name, weight FROM shop.items WHERE weight > 1;
CREATE PROCEDURE shop.restock(IN n INT) BEGIN UPDATE shop.items SET price = price + n; END;
CREATE FUNCTION shop.double_it(x INT) RETURNS INT DETERMINISTIC RETURN x * 2;
CREATE EVENT shop.nightly ON SCHEDULE EVERY 1 DAY STARTS '2030-01-01 00:00:00' DISABLE DO DELETE FROM shop.audit WHERE n < 0;
CREATE TABLE shop.measures (
  id INT PRIMARY KEY,
  f FLOAT,
  fu FLOAT UNSIGNED,
  d DOUBLE
) ENGINE=InnoDB;
CREATE TABLE shop.moods (id INT PRIMARY KEY, m ENUM('ok','😀')) ENGINE=InnoDB;
CREATE TABLE crm.contacts (email VARCHAR(100) CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci PRIMARY KEY, score FLOAT, note TEXT) ENGINE=InnoDB;
CREATE TABLE crm.legacy (id INT PRIMARY KEY, v FLOAT) ENGINE=Aria;
CREATE TABLE crm.nokey (v FLOAT) ENGINE=InnoDB;
CREATE TABLE scratch.junk (id INT PRIMARY KEY) ENGINE=InnoDB;
CREATE TABLE scratch.keep (id INT PRIMARY KEY) ENGINE=InnoDB;
INSERT INTO shop.items VALUES
  (1, 'hammer 🔨', 12.5, X'00FF10', 1.1754943508e-38, 0.1, b'10101', '{"a": [1, 2.5, "x"]}', '2026-05-25 14:30:07.123456', '2001-02-03 04:05:06.789', 'tool', 'red,green'),
  (2, 'yo-yo', 3.3333, X'', 16777217, 1e-300, b'0', '{}', '1999-12-31 23:59:59.999999', '2010-01-01 00:00:00.001', 'toy', ''),
  (3, 'drill', NULL, NULL, 3.4028234e38, -2.5e-308, NULL, NULL, NULL, '2020-02-29 12:00:00.5', 'tool', NULL),
  (4, 'saw', 0, REPEAT(X'A5', 3000), 0.333333333, 1.7976931348623157e308, b'11111', '[]', '2000-01-01 00:00:00', '2000-01-01 00:00:00', 'tool', 'blue');
INSERT INTO shop.measures VALUES
  (1, 1.1754943508e-38, 1.1754943508e-38, 1.1754943508e-38),
  (2, 3.4028234e38, 3.4028234e38, 3.4028234663852886e38),
  (3, 0.1, 0.1, 0.1),
  (4, -1e-50, 0, -1e-50),
  (5, 16777217, 16777217, 16777217),
  (6, 1.401298464e-45, 1.401298464e-45, 4.9e-324),
  (7, -3.4028234e38, 123456789, -0.30000000000000004),
  (8, 0, NULL, NULL),
  (9, NULL, 2.7182817, 2.718281828459045),
  (10, -123.456789, 1e-10, 1e100),
  (11, 0.3333333, 6.02214076e23, 6.02214076e23);
INSERT INTO shop.moods VALUES (1, 'ok'), (2, '😀');
INSERT INTO crm.contacts VALUES ('anna@example.org', 98.76543, 'multi\\nline ''quoted'''), ('ÅSA@example.org', -0.0001234567, NULL);
INSERT INTO crm.legacy VALUES (1, 2.7182817);
INSERT INTO crm.nokey VALUES (1.2345678);
INSERT INTO scratch.junk VALUES (1);
INSERT INTO scratch.keep VALUES (1);
CREATE USER 'bk'@'%' IDENTIFIED BY '${SECRET.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}';
GRANT ALL ON *.* TO 'bk'@'%';
`;

/** Every column as text that distinguishes every stored value (FLOAT/DOUBLE: exact double text + sign of zero). */
async function tableFingerprint(server: TestServer, db: string, table: string): Promise<string[]> {
  const cols = await server.query<{ name: string; type: string }[]>(
    'SELECT COLUMN_NAME AS name, DATA_TYPE AS type FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? ORDER BY ORDINAL_POSITION',
    [db, table],
  );
  const exprs = cols.map(({ name, type }) => {
    const q = `\`${name}\``;
    const v = type === 'float' || type === 'double' ? `CONCAT(CAST(${q} AS DOUBLE), IF(${q} = 0 AND ATAN2(${q}, -1) < 0, '(-0)', ''))` : `HEX(${q})`;
    return `IFNULL(${v}, 'NULL')`;
  });
  const rows = await server.query<{ r: string }[]>(`SELECT CONCAT_WS('|', ${exprs.join(', ')}) AS r FROM \`${db}\`.\`${table}\` ORDER BY 1`);
  return rows.map((r) => r.r);
}

async function definitions(server: TestServer, db: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const strip = (s: string): string => s.replace(/ AUTO_INCREMENT=\d+/, '');
  for (const t of await server.query<{ n: string; t: string }[]>('SELECT TABLE_NAME AS n, TABLE_TYPE AS t FROM information_schema.TABLES WHERE TABLE_SCHEMA = ?', [db])) {
    const rows = await server.query<Record<string, string>[]>(`SHOW CREATE ${t.t === 'VIEW' ? 'VIEW' : 'TABLE'} \`${db}\`.\`${t.n}\``);
    out[`table ${t.n}`] = strip(rows[0]!['Create Table'] ?? rows[0]!['Create View'] ?? '');
  }
  for (const r of await server.query<{ n: string; k: string }[]>('SELECT ROUTINE_NAME AS n, ROUTINE_TYPE AS k FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA = ?', [db])) {
    const rows = await server.query<Record<string, string>[]>(`SHOW CREATE ${r.k} \`${db}\`.\`${r.n}\``);
    out[`${r.k} ${r.n}`] = rows[0]![r.k === 'FUNCTION' ? 'Create Function' : 'Create Procedure'] ?? '';
  }
  for (const t of await server.query<{ n: string }[]>('SELECT TRIGGER_NAME AS n FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = ?', [db])) {
    const rows = await server.query<Record<string, string>[]>(`SHOW CREATE TRIGGER \`${db}\`.\`${t.n}\``);
    out[`trigger ${t.n}`] = rows[0]!['SQL Original Statement'] ?? '';
  }
  for (const e of await server.query<{ n: string }[]>('SELECT EVENT_NAME AS n FROM information_schema.EVENTS WHERE EVENT_SCHEMA = ?', [db])) {
    const rows = await server.query<Record<string, string>[]>(`SHOW CREATE EVENT \`${db}\`.\`${e.n}\``);
    out[`event ${e.n}`] = rows[0]!['Create Event'] ?? '';
  }
  return out;
}

type Json = Record<string, any>;

describe.skipIf(!BUILT)('pitr backup / list / verify / expire (built bin, throwaway MariaDB)', () => {
  let source: TestServer;
  let target: TestServer;
  let work: string;
  let url: string;
  let repo: string;
  let record: Json;

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'pitr-cli-backup-'));
    [source, target] = await Promise.all([startServer({ timeZone: '+00:00' }), startServer({ timeZone: '+00:00' })]);
    await source.query(SOURCE_SQL);
    url = `mysql://bk@127.0.0.1:${source.port}/`;
    repo = join(work, 'repo');
  });

  afterAll(async () => {
    await Promise.all([source?.stop(), target?.stop()]);
    if (work !== undefined) await rm(work, { recursive: true, force: true });
  });

  it('backs up, records everything, and the dump restores every table exactly', async () => {
    const [master] = await source.query<{ File: string; Position: number }[]>('SHOW MASTER STATUS');
    const [gtid] = await source.query<{ g: string }[]>('SELECT @@gtid_binlog_pos AS g');
    const r = await pitr(['backup', '--source', url, '--repo', repo, '--databases', 'shop,crm,scratch', '--exclude-tables', 'scratch.junk', '--json'], {
      PITR_PASSWORD: SECRET,
    });
    expect(r.stderr).toContain(`pitr: created repository ${repo}`);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout + r.stderr).not.toContain(SECRET);
    const out = JSON.parse(r.stdout) as Json;
    record = out.backup as Json;
    const dump = out.dumpFile as string;
    expect(dump).toBe(join(repo, 'backups', record.id, 'dump.sql.gz'));
    expect(await readFile(join(repo, 'backups', record.id, 'backup.json'), 'utf8')).not.toContain(SECRET);

    // the record
    const bytes = await readFile(dump);
    expect(record).toMatchObject({
      status: 'completed',
      trigger: 'manual',
      sizeBytes: bytes.length,
      sha256: createHash('sha256').update(bytes).digest('hex'),
      server: { flavor: 'mariadb', serverId: source.serverId },
      coordinates: { file: master!.File, pos: Number(master!.Position), gtid: gtid!.g },
      scope: { databases: ['shop', 'crm', 'scratch'], excludeTables: ['scratch.junk'] },
      dumpTool: { name: 'mariadb-dump' },
      who: { pid: expect.any(Number) },
    });
    expect(record.server.version).toMatch(/MariaDB/);
    expect(record.durationMs).toBeGreaterThan(0);
    expect(record.dumpTool.flags).toEqual(expect.arrayContaining(['--single-transaction', '--master-data=2', '--gtid', '--routines', '--triggers', '--events', '--hex-blob', '--quick', '--ignore-table=scratch.junk']));
    expect(record.dumpTool.flags.join(' ')).not.toMatch(/password|defaults-extra-file/);
    const dbs = Object.fromEntries((record.databases as Json[]).map((d) => [d.name, (d.tables as Json[]).map((t) => t.name).sort()]));
    expect(dbs).toEqual({
      shop: ['audit', 'heavy', 'items', 'measures', 'moods'],
      crm: ['contacts', 'legacy', 'nokey'],
      scratch: ['keep'],
    });
    const items = (record.databases as Json[])[0]!.tables.find((t: Json) => t.name === 'items');
    expect(items.rowsEstimate).toEqual(expect.any(Number));
    // warnings: the 4-byte ENUM member, a FLOAT table without key, a non-transactional FLOAT table
    const warnings = (record.warnings as string[]).join('\n');
    expect(warnings).toMatch(/shop\.moods\.m: ENUM member '😀' \(shown as '\?'\) contains a 4-byte character/);
    expect(warnings).toMatch(/FLOAT values of crm\.nokey are restored with 6 significant digits/);
    expect(warnings).toMatch(/crm\.legacy \(engine Aria\) is not transactional/);
    expect(record.floatFixups.tables.sort()).toEqual(['crm.contacts', 'crm.legacy', 'shop.items', 'shop.measures']);

    // load into a fresh server with the plain client
    await loadDump(target, dump);
    for (const db of ['shop', 'crm', 'scratch']) {
      const want = await definitions(source, db);
      delete want['table junk']; // excluded
      expect(await definitions(target, db), db).toEqual(want);
    }
    for (const [db, table] of [
      ['shop', 'items'],
      ['shop', 'audit'],
      ['shop', 'measures'],
      ['crm', 'contacts'],
      ['crm', 'legacy'],
      ['scratch', 'keep'],
    ] as const) {
      expect(await tableFingerprint(target, db, table), `${db}.${table}`).toEqual(await tableFingerprint(source, db, table));
    }
    // the audit trigger did not fire for the FLOAT corrections, and ON UPDATE kept its value
    expect(Number((await target.query<{ n: string }[]>('SELECT COUNT(*) AS n FROM shop.audit'))[0]!.n)).toBe(4);
    expect(await target.query('SELECT touched FROM shop.items WHERE id = 1')).toEqual([{ touched: '2001-02-03 04:05:06.789' }]);
    // what the warnings are about really differs
    expect(await tableFingerprint(target, 'crm', 'nokey')).not.toEqual(await tableFingerprint(source, 'crm', 'nokey'));
    expect(await target.query('SELECT HEX(m) AS h FROM shop.moods WHERE id = 2')).not.toEqual([{ h: 'F09F9880' }]);
    expect(await tableFingerprint(target, 'scratch', 'keep')).toEqual(['1']);
    expect((await target.query<unknown[]>("SHOW TABLES FROM scratch LIKE 'junk'")).length).toBe(0);
  });

  it('FLOAT values are bit-exact after a restore, where mariadb-dump alone rounds them', async () => {
    // bit-exact on the server: the restored value <=> the source's exact value, sign of zero included
    const exact = await source.query<{ id: number; f: string | null; neg: number | null }[]>(
      'SELECT id, CAST(f AS DOUBLE) AS f, f = 0 AND ATAN2(f, -1) < 0 AS neg FROM shop.measures ORDER BY id',
    );
    const restored = await target.query<{ id: number; f: string | null; neg: number | null }[]>(
      'SELECT id, CAST(f AS DOUBLE) AS f, f = 0 AND ATAN2(f, -1) < 0 AS neg FROM shop.measures ORDER BY id',
    );
    expect(restored).toEqual(exact);
    for (const row of exact) {
      if (row.f === null) continue;
      const [m] = await target.query<{ ok: number }[]>(`SELECT f <=> CAST(${row.neg === 1 ? '-1e-50' : row.f} AS FLOAT) AS ok FROM shop.measures WHERE id = ?`, [row.id]);
      expect(m!.ok, `row ${row.id}`).toBe(1);
    }
    expect(exact.find((r) => r.id === 4)).toMatchObject({ neg: 1 }); // -0 survived
    expect(Number(exact.find((r) => r.id === 5)!.f)).toBe(16777216);

    // the same table through mariadb-dump alone is not exact (the test proves something)
    const plain = await new Promise<string>((resolvePromise) => {
      execFile('mariadb-dump', ['--host=127.0.0.1', `--port=${source.port}`, '--user=pitr', '--password=pitr', 'shop', 'measures'], (_e, stdout) => resolvePromise(stdout));
    });
    expect(plain).toContain('(5,16777200,16777200,16777217)');
  });

  it('FLOAT values stay exact and consistent while writers commit during the backup', async () => {
    // every row's f is a function of its ver: a correction taken from another snapshot than the
    // dump's would pair a ver with another version's f
    const F = 'CAST((ver + 0.123456789) * 1.23456789 AS FLOAT)';
    await source.query(`CREATE DATABASE busy; CREATE TABLE busy.spin (id INT PRIMARY KEY, ver INT NOT NULL, f FLOAT) ENGINE=InnoDB`);
    await source.query(`INSERT INTO busy.spin (id, ver) SELECT seq, seq FROM busy.seq_1_to_200; UPDATE busy.spin SET f = ${F}`);
    const writer = await source.connect();
    let stop = false;
    let commits = 0;
    const writing = (async () => {
      for (let i = 0; !stop; i++) {
        await writer.query(`UPDATE busy.spin SET ver = ver + 1, f = ${F} WHERE id = ${(i % 200) + 1}`);
        commits++;
      }
    })();
    const busyRepo = join(work, 'busy-repo');
    let r: Result;
    try {
      await new Promise((w) => setTimeout(w, 50));
      r = await pitr(['backup', '--source', url, '--repo', busyRepo, '--databases', 'busy', '--json'], { PITR_PASSWORD: SECRET });
    } finally {
      stop = true;
      await writing;
      await writer.end();
    }
    expect(r.code, r.stderr).toBe(0);
    expect(commits).toBeGreaterThan(20);
    const out = JSON.parse(r.stdout) as Json;
    expect(out.warnings).toEqual([]); // the snapshots were aligned
    expect(out.backup.floatFixups.tables).toEqual(['busy.spin']);
    await loadDump(target, out.dumpFile as string);
    const [bad] = await target.query<{ n: string }[]>(`SELECT COUNT(*) AS n FROM busy.spin WHERE NOT (f <=> ${F})`);
    expect(Number(bad!.n)).toBe(0);
    const [total] = await target.query<{ n: string }[]>('SELECT COUNT(*) AS n FROM busy.spin');
    expect(Number(total!.n)).toBe(200);
  });

  it('lists the backup and its window; says the archive is not there yet', async () => {
    const r = await pitr(['list', '--repo', repo]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(record.id);
    expect(r.stdout).toMatch(/completed/);
    expect(r.stdout).toContain(`from backup ${record.id} at ${record.coordinates.file}:${record.coordinates.pos}`);
    expect(r.stdout).toContain('no archived binlogs');
    const j = JSON.parse((await pitr(['list', '--repo', repo, '--json'])).stdout) as Json;
    expect(j.backups[0]).toMatchObject({ id: record.id, state: 'completed', sha256: record.sha256 });
    expect(j.windows[0]).toMatchObject({ backupId: record.id, start: record.coordinates, end: { kind: 'snapshot-only' } });
    expect(j.archive.implemented).toBe(false);
  });

  it('refuses bad credentials before writing anything', async () => {
    const fresh = join(work, 'never-created');
    const r = await pitr(['backup', '--source', `mysql://bk:${encodeURIComponent('wrong-Pa55')}@127.0.0.1:${source.port}/`, '--repo', fresh]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/pitr: error: cannot connect to mysql:\/\/bk:\*\*\*@127\.0\.0\.1:\d+\/: Access denied/);
    expect(r.stderr).not.toContain('wrong-Pa55');
    expect(existsSync(fresh)).toBe(false);
    const bad = await pitr(['backup', '--source', url, '--repo', repo, '--databases', 'nope'], { PITR_PASSWORD: SECRET });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/no database 'nope'/);
  });

  it('a failing dump tool leaves a failed record, no partial file, and never saw the password', async () => {
    const log = join(work, 'tool.log');
    const tool = join(work, 'failing-dump');
    // a wrapper: reports how it was called and how the option file looked, dumps a little, then fails
    await writeFile(
      tool,
      `#!/bin/sh
if [ "$1" = "--version" ]; then exec mariadb-dump --version; fi
f="\${1#--defaults-extra-file=}"
{ echo "ARGS: $*"; echo "MODE: $(stat -c %a "$f")"; echo "FILE: $f"; } > ${log}
mariadb-dump "$@" | head -c 3000
echo "mariadb-dump: Got error: 2013: Lost connection to server during query (password ${SECRET.replace(/["\\$]/g, '\\$&')})" >&2
exit 2
`,
    );
    await chmod(tool, 0o755);
    const r = await pitr(['backup', '--source', url, '--repo', repo, '--databases', 'shop'], { PITR_PASSWORD: SECRET, PITR_DUMP_TOOL: tool });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/pitr: error: failing-dump exited with code 2: .*mariadb-dump: Got error: 2013: Lost connection/);
    expect(r.stderr).not.toContain(SECRET);
    expect(r.stderr).toMatch(/recorded as backup \S+ \(status failed\)/);
    const called = await readFile(log, 'utf8');
    expect(called).toMatch(/^ARGS: --defaults-extra-file=\S+ --host=127\.0\.0\.1 /m);
    expect(called).not.toContain(SECRET);
    expect(called).toContain('MODE: 600');
    expect(existsSync(/FILE: (.*)/.exec(called)![1]!)).toBe(false);
    const j = JSON.parse((await pitr(['list', '--repo', repo, '--json'])).stdout) as Json;
    const failed = (j.backups as Json[]).find((b) => b.status === 'failed')!;
    expect(failed.error).toMatch(/Lost connection.*password \*\*\*/);
    expect(await readdir(join(repo, 'backups', failed.id))).toEqual(['backup.json']);
  });

  it('a second writer fails clearly while the repository is locked', async () => {
    const lock = await acquireRepoLock(repo, { command: 'archive --follow' });
    try {
      const r = await pitr(['backup', '--source', url, '--repo', repo, '--databases', 'scratch'], { PITR_PASSWORD: SECRET });
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/is locked by `archive --follow`/);
    } finally {
      await lock.release();
    }
  });

  it('verify passes, then finds a flipped byte (exit 3) and an interrupted backup', async () => {
    const ok = await pitr(['verify', '--repo', repo]);
    expect(ok.code, ok.stdout + ok.stderr).toBe(0);
    expect(ok.stdout).toContain(`${record.id}  OK`);
    const dump = join(repo, 'backups', record.id, 'dump.sql.gz');
    await copyFile(dump, join(work, 'good.gz'));
    const bytes = await readFile(dump);
    bytes[bytes.length >> 1] = bytes[bytes.length >> 1]! ^ 0x01;
    await writeFile(dump, bytes);
    // a backup killed mid-way: running record of a process that is gone
    const ghostId = '20200101T000000Z-dead';
    const ghost = { ...record, id: ghostId, status: 'running', who: { user: 'u', host: 'elsewhere', pid: 1 } };
    for (const k of ['endedAt', 'durationMs', 'sizeBytes', 'sha256', 'coordinates']) delete (ghost as Json)[k];
    await mkdir(join(repo, 'backups', ghostId));
    await writeFile(join(repo, 'backups', ghostId, 'backup.json'), JSON.stringify(ghost));
    await writeFile(join(repo, 'backups', ghostId, '.pitr-tmp-dump.sql.gz'), 'partial');

    const bad = await pitr(['verify', '--repo', repo]);
    expect(bad.code).toBe(3);
    expect(bad.stdout).toContain(`${record.id}  FAILED`);
    expect(bad.stdout).toMatch(/SHA-256 is [0-9a-f]{64}, the record says/);
    expect(bad.stdout).toMatch(/gzip: /);
    expect(bad.stdout).toMatch(/backup 20200101T000000Z-dead was interrupted/);
    expect(bad.stdout).toMatch(/leftover temporary file backups\/20200101T000000Z-dead\/\.pitr-tmp-dump\.sql\.gz/);
    const j = JSON.parse((await pitr(['verify', '--repo', repo, '--json'])).stdout) as Json;
    expect(j.ok).toBe(false);
    const listed = await pitr(['list', '--repo', repo]);
    expect(listed.stdout).toMatch(/20200101T000000Z-dead\s+interrupted/);

    await copyFile(join(work, 'good.gz'), dump);
    await rm(join(repo, 'backups', ghostId), { recursive: true });
    expect((await pitr(['verify', '--repo', repo])).code).toBe(0);
  });

  it('expire keeps the newest backups, removes file and record of the others', async () => {
    // two more backups; the default scope is every database (--all-databases)
    for (let i = 0; i < 2; i++) {
      await source.query(`INSERT INTO scratch.keep VALUES (${10 + i})`);
      const r = await pitr(['backup', '--source', url, '--repo', repo], { PITR_PASSWORD: SECRET });
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toMatch(/backup \S+ completed/);
    }
    const completed = async (): Promise<string[]> =>
      ((JSON.parse((await pitr(['list', '--repo', repo, '--json'])).stdout) as Json).backups as Json[]).filter((b) => b.state === 'completed').map((b) => b.id as string);
    const all = await completed();
    expect(all).toHaveLength(3);
    expect(all[0]).toBe(record.id);
    const newest = all[2]!;
    const allRecord = JSON.parse(await readFile(join(repo, 'backups', newest, 'backup.json'), 'utf8')) as Json;
    expect(allRecord.scope.databases).toBe('all');
    expect(allRecord.dumpTool.flags).toContain('--all-databases');
    expect((allRecord.databases as Json[]).map((d) => d.name)).toEqual(expect.arrayContaining(['crm', 'mysql', 'scratch', 'shop']));

    const usage = await pitr(['expire', '--repo', repo, '--keep', '1', '--keep-days', '3']);
    expect(usage.code).toBe(2);
    const dry = await pitr(['expire', '--repo', repo, '--keep', '2', '--dry-run']);
    expect(dry.code).toBe(0);
    expect(dry.stdout).toContain(`would remove backup ${record.id}`);
    expect(await completed()).toHaveLength(3);

    const r = await pitr(['expire', '--repo', repo, '--keep', '2']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`removed backup ${record.id}`);
    expect(existsSync(join(repo, 'backups', record.id))).toBe(false);
    expect(await completed()).toEqual(all.slice(1));

    const days = await pitr(['expire', '--repo', repo, '--keep-days', '0', '--json']);
    expect(days.code).toBe(0);
    expect((JSON.parse(days.stdout) as Json).removed.map((b: Json) => b.id)).toEqual([all[1]]);
    expect(await completed()).toEqual([newest]);
    expect((await stat(join(repo, 'backups', newest, 'dump.sql.gz'))).size).toBeGreaterThan(0);
  });
});
