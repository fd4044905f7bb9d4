/**
 * The server's own logical dump tool: which one, which version, which flags, and how it gets the
 * password (DESIGN.md "Command line": only through a 0600 defaults-extra-file, never argv).
 *
 * Flags a point-in-time base needs (https://mariadb.com/kb/en/mariadb-dump/ ,
 * https://dev.mysql.com/doc/refman/8.0/en/mysqldump.html):
 * - `--single-transaction`: one consistent InnoDB snapshot without locking writers;
 * - `--master-data=2` (MySQL 8.0.26+: `--source-data=2`): the snapshot's binlog file/position as a
 *   comment near the top; MariaDB takes it from Binlog_snapshot_file/position without FLUSH TABLES
 *   WITH READ LOCK;
 * - `--gtid` (MariaDB): the snapshot's GTID position (`gtid_slave_pos`) at the end; MySQL writes
 *   GTID_PURGED by itself when GTIDs are on;
 * - `--routines --triggers --events`: every stored object; `--hex-blob`: binary data as 0x… so the
 *   dump is valid UTF-8; `--quick`: rows streamed, not buffered by the tool;
 * - `--default-character-set=utf8mb4`: independent of the client configuration;
 * - `--verbose`: progress lines on stderr ("-- Retrieving table structure for table t..."), which
 *   also tell when the tool's transaction has started (float-fixups.ts).
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { promisify } from 'node:util';
import { ERROR_CODES, PitrError } from '@pitr/core';
import type { ConnectionOptions, Flavor } from '@pitr/core';
import type { BackupDumpTool, BackupScope } from '../catalog/backup-record.js';

const execFileAsync = promisify(execFile);

export interface DumpToolInfo {
  /** Absolute path or a name found on PATH. */
  path: string;
  /** `mariadb-dump`, `mysqldump`, … */
  name: string;
  /** `--version` output, e.g. 'mariadb-dump  Ver 10.19 Distrib 10.11.19-MariaDB, for debian-linux-gnu (x86_64)'. */
  versionText: string;
  /** Which server family built the tool. */
  flavor: Flavor;
  /** The tool's own version (10.19 / 8.0.36) and the server release it ships with (10.11.19 / 8.0.36). */
  version: string;
  release: [number, number, number];
}

const SEARCH_DIRS = ['/usr/bin', '/usr/local/bin', '/usr/local/mysql/bin', '/opt/mysql/bin'];

function onPath(name: string): string | undefined {
  for (const dir of [...(process.env['PATH'] ?? '').split(':').filter(Boolean), ...SEARCH_DIRS]) {
    const p = join(dir, name);
    if (existsSync(p)) return p;
  }
  return undefined;
}

/** Parses a dump tool's `--version` line. */
export function parseDumpToolVersion(path: string, text: string): DumpToolInfo {
  const versionText = text.trim().split('\n')[0]?.trim() ?? '';
  const mariadb = /mariadb/i.test(versionText);
  const ver = /\bVer\s+(\S+)/.exec(versionText)?.[1]?.replace(/,$/, '') ?? '';
  const distrib = /\bDistrib\s+(\d+\.\d+\.\d+)/.exec(versionText)?.[1];
  const releaseText = distrib ?? (/^(\d+\.\d+\.\d+)/.exec(ver)?.[1] ?? '0.0.0');
  const [a, b, c] = releaseText.split('.').map(Number);
  return {
    path,
    name: basename(path),
    versionText,
    flavor: mariadb ? 'mariadb' : 'mysql',
    version: ver,
    release: [a ?? 0, b ?? 0, c ?? 0],
  };
}

async function probe(path: string): Promise<DumpToolInfo> {
  try {
    const { stdout } = await execFileAsync(path, ['--version'], { timeout: 10_000 });
    return parseDumpToolVersion(path, stdout);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new PitrError(ERROR_CODES.USAGE, `cannot run the dump tool ${path}: ${code ?? (e as Error).message}`, {
      hints: ['install the client tools of your server (Debian: mariadb-client or mysql-client), or name the tool with PITR_DUMP_TOOL=/path/to/mysqldump'],
      cause: e,
    });
  }
}

/**
 * Finds the dump tool for a server: MariaDB's `mariadb-dump` (or its `mysqldump` alias) for
 * MariaDB; MySQL's own `mysqldump` for MySQL (MariaDB's does not know `--source-data` nor MySQL
 * 8.4, where SHOW MASTER STATUS is gone). `override` (PITR_DUMP_TOOL) names one explicitly.
 */
export async function findDumpTool(flavor: Flavor, override?: string): Promise<DumpToolInfo> {
  if (override !== undefined && override !== '') {
    const tool = await probe(override);
    if (tool.flavor !== flavor) {
      throw new PitrError(ERROR_CODES.USAGE, `${override} is ${tool.flavor === 'mariadb' ? "MariaDB's" : "MySQL's"} dump tool, but the server is ${flavor === 'mariadb' ? 'MariaDB' : 'MySQL'}`, {
        hints: [`use the dump tool of the server's own family (${tool.versionText})`],
      });
    }
    return tool;
  }
  const names = flavor === 'mariadb' ? ['mariadb-dump', 'mysqldump'] : ['mysqldump'];
  const found: DumpToolInfo[] = [];
  for (const name of names) {
    const path = onPath(name);
    if (path === undefined) continue;
    const tool = await probe(path);
    if (tool.flavor === flavor) return tool;
    found.push(tool);
  }
  const other = found.map((t) => `${t.path} (${t.versionText})`).join(', ');
  throw new PitrError(ERROR_CODES.USAGE, `no ${flavor === 'mariadb' ? 'mariadb-dump' : "MySQL's mysqldump"} found for this ${flavor === 'mariadb' ? 'MariaDB' : 'MySQL'} server${other === '' ? '' : `; found only ${other}`}`, {
    hints: [
      flavor === 'mariadb' ? 'install mariadb-client (Debian/Ubuntu: apt-get install mariadb-client)' : 'install MySQL client tools (mysql-client) matching the server version',
      'or name the tool with PITR_DUMP_TOOL=/path/to/tool',
    ],
  });
}

/** Options of the dump that define its content (recorded in the catalog; no connection details). */
export function dumpContentFlags(tool: DumpToolInfo, scope: BackupScope, databases: readonly string[]): string[] {
  const flags = ['--single-transaction'];
  if (tool.flavor === 'mariadb') {
    flags.push('--master-data=2', '--gtid');
  } else {
    const [a, b, c] = tool.release;
    const sourceData = a > 8 || (a === 8 && (b > 0 || c >= 26));
    flags.push(sourceData ? '--source-data=2' : '--master-data=2');
  }
  flags.push('--routines', '--triggers', '--events', '--hex-blob', '--quick', '--default-character-set=utf8mb4', '--verbose');
  for (const t of scope.excludeTables) flags.push(`--ignore-table=${t}`);
  if (scope.databases === 'all') flags.push('--all-databases');
  else flags.push('--databases', ...databases);
  return flags;
}

/** Connection options for argv: everything but the password. */
export function connectionFlags(conn: ConnectionOptions): string[] {
  const flags: string[] = [];
  if (conn.socketPath !== undefined) flags.push(`--socket=${conn.socketPath}`, '--protocol=SOCKET');
  else flags.push(`--host=${conn.host ?? 'localhost'}`, `--port=${conn.port ?? 3306}`, '--protocol=TCP');
  flags.push(`--user=${conn.user}`);
  return flags;
}

export function dumpToolRecord(tool: DumpToolInfo, flags: string[]): BackupDumpTool {
  return { name: tool.name, version: tool.versionText.replace(/^\S+\s+/, '').trim() || tool.version, flags };
}

/**
 * A value for an option file: double-quoted, with the escapes my_load_defaults() understands
 * (\\ \" \n \r \t \b \s), so any password survives, including `#`, `;`, quotes and spaces.
 * https://mariadb.com/kb/en/configuring-mariadb-with-option-files/#escaping-characters
 */
export function optionFileValue(value: string): string {
  const escaped = value.replace(/[\\"\n\r\t\b]/g, (c) => ({ '\\': '\\\\', '"': '\\"', '\n': '\\n', '\r': '\\r', '\t': '\\t', '\b': '\\b' })[c]!);
  return `"${escaped}"`;
}

export interface DefaultsExtraFile {
  /** `--defaults-extra-file=PATH` (must be the tool's first argument), or undefined without a password. */
  readonly flag: string | undefined;
  /** Removes the file and its private directory. Idempotent. */
  remove(): Promise<void>;
}

/**
 * Writes the password into a new 0600 file in a new 0700 directory under the OS temp dir (never
 * into the repository, which may be copied elsewhere). Without a password nothing is written and
 * the tool reads the user's own option files as usual.
 */
export async function writeDefaultsExtraFile(password: string | undefined): Promise<DefaultsExtraFile> {
  if (password === undefined) return { flag: undefined, remove: async () => undefined };
  const dir = await mkdtemp(join(tmpdir(), 'pitr-dump-'));
  const path = join(dir, 'client.cnf');
  try {
    const handle = await open(path, 'wx', 0o600);
    try {
      await handle.writeFile(`# written by pitr for one dump; removed when it ends\n[client]\npassword=${optionFileValue(password)}\n`);
    } finally {
      await handle.close();
    }
  } catch (e) {
    await rm(dir, { recursive: true, force: true });
    throw new PitrError(ERROR_CODES.IO, `could not write the dump tool's option file in ${tmpdir()}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`, {
      cause: e,
      hints: ['check TMPDIR: it must be writable'],
    });
  }
  let removed = false;
  return {
    flag: `--defaults-extra-file=${path}`,
    remove: async () => {
      if (removed) return;
      removed = true;
      await rm(dir, { recursive: true, force: true });
    },
  };
}
