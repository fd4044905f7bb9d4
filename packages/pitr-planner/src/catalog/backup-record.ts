import { randomBytes } from 'node:crypto';
import { ERROR_CODES, PitrError } from '@pitr/core';
import type { Flavor } from '@pitr/core';

/**
 * The record of one backup, stored as `backups/<id>/backup.json` in the repository. It is written
 * when the backup starts (status `running`) and rewritten once at the end (`completed` or
 * `failed`), so a crash mid-backup leaves a `running` record behind that `pitr list` can show as
 * interrupted (DESIGN.md "Restore safety": who, when, what, duration and counts).
 */
export const BACKUP_RECORD_VERSION = 1;

export type BackupStatus = 'running' | 'completed' | 'failed';
/** `pre_restore`: taken automatically by `restore --force` before it overwrites anything. */
export type BackupTrigger = 'manual' | 'pre_restore';

export interface BackupServer {
  flavor: Flavor;
  /** `SELECT VERSION()`, e.g. '10.11.19-MariaDB-0+deb12u1-log', '8.0.36'. */
  version: string;
  serverId: number;
  /** MySQL `@@server_uuid` (MariaDB has none). */
  serverUuid?: string;
}

export interface BackupTable {
  name: string;
  /** information_schema TABLE_ROWS at dump time: an estimate for InnoDB, null when unknown. */
  rowsEstimate: number | null;
}

export interface BackupDatabase {
  name: string;
  tables: BackupTable[];
}

/** Where the snapshot sits in the server's binlog: the replay of a restore starts here. */
export interface BackupCoordinates {
  file: string;
  pos: number;
  /** MariaDB `gtid_binlog_pos`-style list ('0-1-5,1-2-9') or MySQL GTID set text. */
  gtid?: string;
}

export interface BackupDumpTool {
  /** 'mariadb-dump' | 'mysqldump' | … */
  name: string;
  version: string;
  /** The flags it ran with (never a password: those go through a defaults-extra-file). */
  flags: string[];
}

export interface BackupWho {
  /** OS user that ran pitr. */
  user: string;
  host: string;
  /**
   * Process id of the pitr that wrote the record: a `running` record whose process is gone (same
   * host) was interrupted. Absent in records written before it existed.
   */
  pid?: number;
}

/** What the user asked to back up (the dump's own databases are in `databases`). */
export interface BackupScope {
  /** `all` (mariadb-dump --all-databases) or the databases named by --databases. */
  databases: 'all' | string[];
  /** `db.table` names left out (--exclude-tables → --ignore-table). */
  excludeTables: string[];
}

/**
 * FLOAT columns whose values mariadb-dump prints with 6 significant digits and that the backup
 * restores exactly with statements appended to each table's data (see backup/float-fixups.ts).
 */
export interface BackupFloatFixups {
  /** `db.table` names that received exact-value statements. */
  tables: string[];
  /** Rows whose FLOAT values the dump alone would have changed. */
  rows: number;
}

export interface BackupRecord {
  recordVersion: number;
  /** `20260525T143007Z-1a2b`: start time (UTC, whole seconds) and 4 random hex digits. */
  id: string;
  status: BackupStatus;
  trigger: BackupTrigger;
  /** ISO UTC. */
  startedAt: string;
  /** ISO UTC; set when status is completed or failed. */
  endedAt?: string;
  durationMs?: number;
  /** Size of `dump.sql.gz`; set when completed. */
  sizeBytes?: number;
  /** Hex SHA-256 of `dump.sql.gz`; set when completed. */
  sha256?: string;
  server?: BackupServer;
  /** What was dumped, with row estimates. */
  databases: BackupDatabase[];
  /** Set when completed: a completed backup without coordinates cannot start a replay. */
  coordinates?: BackupCoordinates;
  dumpTool?: BackupDumpTool;
  who: BackupWho;
  /** Why it failed (status failed). */
  error?: string;
  /** What was asked for (databases, exclusions). */
  scope?: BackupScope;
  /** Things the backup cannot restore exactly or that need attention (ENUM members, FLOAT, …). */
  warnings?: string[];
  floatFixups?: BackupFloatFixups;
}

const BACKUP_ID_RE = /^(\d{8})T(\d{6})Z-[0-9a-f]{4}$/;

/** A new backup id for a backup starting at `startedAt`: `YYYYMMDDTHHMMSSZ-xxxx`. */
export function newBackupId(startedAt: Date = new Date(), random: Uint8Array = randomBytes(2)): string {
  const iso = startedAt.toISOString(); // 2026-05-25T14:30:07.123Z
  const stamp = `${iso.slice(0, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}T${iso.slice(11, 13)}${iso.slice(14, 16)}${iso.slice(17, 19)}Z`;
  const suffix = Buffer.from(random.subarray(0, 2)).toString('hex').padStart(4, '0');
  return `${stamp}-${suffix}`;
}

export function isBackupId(text: string): boolean {
  return BACKUP_ID_RE.test(text);
}

const STATUSES: readonly BackupStatus[] = ['running', 'completed', 'failed'];
const TRIGGERS: readonly BackupTrigger[] = ['manual', 'pre_restore'];
const FLAVORS: readonly Flavor[] = ['mariadb', 'mysql'];

/**
 * Validates parsed `backup.json` (a JsonValidator for the repository's readJson). Rejects what
 * would mislead a restore plan: unknown status, a completed record without coordinates or
 * checksum, coordinates that are not a file and a position.
 */
export function parseBackupRecord(value: unknown, path: string): BackupRecord {
  const r: Reader = new Reader(path); // annotated: lets `r.fail` (never) narrow
  const o = r.object(value, 'record');
  const id = r.string(o, 'id');
  if (!isBackupId(id)) r.fail('id', 'an id like 20260525T143007Z-1a2b');
  const status = r.oneOf(o, 'status', STATUSES);
  const record: BackupRecord = {
    recordVersion: r.integer(o, 'recordVersion'),
    id,
    status,
    trigger: r.oneOf(o, 'trigger', TRIGGERS),
    startedAt: r.isoTime(o, 'startedAt'),
    databases: r.array(o, 'databases').map((d, i) => {
      const db = r.object(d, `databases[${i}]`);
      return {
        name: r.string(db, 'name'),
        tables: r.array(db, 'tables').map((t, j) => {
          const table = r.object(t, `databases[${i}].tables[${j}]`);
          const rows = table['rowsEstimate'];
          return { name: r.string(table, 'name'), rowsEstimate: rows === null ? null : r.integer(table, 'rowsEstimate') };
        }),
      };
    }),
    who: (() => {
      const w = r.object(o['who'], 'who');
      const who: BackupWho = { user: r.string(w, 'user'), host: r.string(w, 'host') };
      if (w['pid'] !== undefined) who.pid = r.integer(w, 'pid');
      return who;
    })(),
  };
  if (record.recordVersion > BACKUP_RECORD_VERSION) {
    throw new PitrError(ERROR_CODES.USAGE, `${path}: record version ${record.recordVersion} is newer than this pitr reads (${BACKUP_RECORD_VERSION})`, {
      hints: ['upgrade pitr'],
    });
  }
  if (o['endedAt'] !== undefined) record.endedAt = r.isoTime(o, 'endedAt');
  if (o['durationMs'] !== undefined) record.durationMs = r.integer(o, 'durationMs');
  if (o['sizeBytes'] !== undefined) record.sizeBytes = r.integer(o, 'sizeBytes');
  if (o['sha256'] !== undefined) {
    record.sha256 = r.string(o, 'sha256');
    if (!/^[0-9a-f]{64}$/.test(record.sha256)) r.fail('sha256', '64 lowercase hex digits');
  }
  if (o['server'] !== undefined) {
    const s = r.object(o['server'], 'server');
    record.server = { flavor: r.oneOf(s, 'flavor', FLAVORS), version: r.string(s, 'version'), serverId: r.integer(s, 'serverId') };
    if (s['serverUuid'] !== undefined) record.server.serverUuid = r.string(s, 'serverUuid');
  }
  if (o['coordinates'] !== undefined) {
    const c = r.object(o['coordinates'], 'coordinates');
    record.coordinates = { file: r.string(c, 'file'), pos: r.integer(c, 'pos') };
    if (c['gtid'] !== undefined) record.coordinates.gtid = r.string(c, 'gtid');
  }
  if (o['dumpTool'] !== undefined) {
    const t = r.object(o['dumpTool'], 'dumpTool');
    record.dumpTool = {
      name: r.string(t, 'name'),
      version: r.string(t, 'version'),
      flags: r.strings(t, 'flags', 'dumpTool.flags'),
    };
  }
  if (o['error'] !== undefined) record.error = r.string(o, 'error');
  if (o['scope'] !== undefined) {
    const sc = r.object(o['scope'], 'scope');
    const dbs = sc['databases'];
    record.scope = {
      databases: dbs === 'all' ? 'all' : r.strings(sc, 'databases', 'scope.databases'),
      excludeTables: r.strings(sc, 'excludeTables', 'scope.excludeTables'),
    };
  }
  if (o['warnings'] !== undefined) record.warnings = r.strings(o, 'warnings', 'warnings');
  if (o['floatFixups'] !== undefined) {
    const f = r.object(o['floatFixups'], 'floatFixups');
    record.floatFixups = { tables: r.strings(f, 'tables', 'floatFixups.tables'), rows: r.integer(f, 'rows') };
  }
  if (status === 'completed') {
    for (const field of ['endedAt', 'durationMs', 'sizeBytes', 'sha256', 'coordinates'] as const) {
      if (record[field] === undefined) r.fail(field, 'present in a completed record');
    }
  }
  if (status === 'failed' && record.endedAt === undefined) r.fail('endedAt', 'present in a failed record');
  return record;
}

/** Field readers that name the file and the field in their error. */
class Reader {
  constructor(private readonly path: string) {}

  fail(field: string, expected: string): never {
    throw new PitrError(ERROR_CODES.IO, `${this.path}: backup record field ${field} must be ${expected}`, {
      hints: ['the record is damaged or was not written by pitr; `pitr verify` checks the whole repository'],
    });
  }

  object(v: unknown, field: string): Record<string, unknown> {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) this.fail(field, 'an object');
    return v as Record<string, unknown>;
  }

  string(o: Record<string, unknown>, field: string): string {
    const v = o[field];
    if (typeof v !== 'string') this.fail(field, 'a string');
    return v;
  }

  integer(o: Record<string, unknown>, field: string): number {
    const v = o[field];
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) this.fail(field, 'a non-negative integer');
    return v;
  }

  array(o: Record<string, unknown>, field: string): unknown[] {
    const v = o[field];
    if (!Array.isArray(v)) this.fail(field, 'an array');
    return v;
  }

  strings(o: Record<string, unknown>, field: string, label: string): string[] {
    return this.array(o, field).map((v, i): string => {
      if (typeof v !== 'string') this.fail(`${label}[${i}]`, 'a string');
      return v;
    });
  }

  oneOf<T extends string>(o: Record<string, unknown>, field: string, allowed: readonly T[]): T {
    const v = o[field];
    if (typeof v !== 'string' || !(allowed as readonly string[]).includes(v)) this.fail(field, `one of ${allowed.join(', ')}`);
    return v as T;
  }

  isoTime(o: Record<string, unknown>, field: string): string {
    const v = this.string(o, field);
    if (!/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/.test(v) || Number.isNaN(Date.parse(v))) this.fail(field, 'an ISO UTC time');
    return v;
  }
}
