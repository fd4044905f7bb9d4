/**
 * The snapshot coordinates and metadata of a logical dump: where in the binlog the dump's
 * consistent snapshot was taken (the point replay starts from), which server wrote it, which
 * databases it holds and whether it is complete.
 *
 * Where they are (observed on mariadb-dump 10.11; mysqldump 8.0 per its source and docs):
 * - MariaDB `--master-data=2`: `-- CHANGE MASTER TO MASTER_LOG_FILE='f', MASTER_LOG_POS=n;` near
 *   the top (`--master-data=1`: the same, not commented); with `--gtid`, the matching
 *   `-- SET GLOBAL gtid_slave_pos='0-1-5';` at the very END of the file (older versions head it
 *   with `-- GTID to start replication from`). https://mariadb.com/kb/en/mariadb-dump/
 * - MySQL 8.0.26+ `--source-data=2`: `-- CHANGE REPLICATION SOURCE TO SOURCE_LOG_FILE='f',
 *   SOURCE_LOG_POS=n;` (older: CHANGE MASTER …); with GTIDs on, near the top:
 *   `SET @@GLOBAL.GTID_PURGED=/*!80000 '+'*\/ 'uuid:1-5,\nuuid2:1-3';` (a statement, not a comment,
 *   unless --set-gtid-purged=COMMENTED). https://dev.mysql.com/doc/refman/8.0/en/mysqldump.html
 * - Header: `-- MariaDB dump 10.19  Distrib 10.11.19-MariaDB, …` / `-- MySQL dump 10.13  Distrib
 *   8.0.36, …`, `-- Host: h    Database: d`, `-- Server version\t10.11.19-MariaDB-…`;
 *   trailer `-- Dump completed on 2026-05-25 14:31:00` (absent when the dump was cut short, or
 *   with --skip-comments / --compact).
 *
 * The whole dump is scanned (the gtid comment is at its end and databases are everywhere), with
 * the statement splitter so that text inside routines or data never counts as metadata.
 */
import type { Flavor } from '../binlog/types.js';
import { ERROR_CODES, PitrError } from '../errors/pitr-error.js';
import { DumpStatementSplitter, dumpChunks, type DumpStatement } from './dump-statements.js';

/** A binlog position: the snapshot is after every transaction ending at or before `pos` in `file`. */
export interface DumpBinlogPosition {
  readonly file: string;
  readonly pos: number;
}

export interface DumpCoordinates {
  /** Flavor of the server dumped (from `-- Server version`, else the dump tool), undefined if unknown. */
  readonly flavor: Flavor | undefined;
  /** `-- Server version` text, e.g. '10.11.19-MariaDB-0+deb12u1-log' or '8.0.36'. */
  readonly serverVersion: string | undefined;
  /** The tool line, e.g. 'MariaDB dump 10.19  Distrib 10.11.19-MariaDB, for debian-linux-gnu (x86_64)'. */
  readonly dumpTool: string | undefined;
  /** `-- Host:` of the header. */
  readonly host: string | undefined;
  /** Binlog file and position of the snapshot (CHANGE MASTER / CHANGE REPLICATION SOURCE). */
  readonly binlog: DumpBinlogPosition | undefined;
  /**
   * True when `binlog` is a position in the binlogs of the dumped server's own SOURCE (a replica
   * dumped with --dump-slave / --dump-replica), not of the dumped server: replaying the dumped
   * server's binlogs from it would be wrong.
   */
  readonly binlogIsUpstream: boolean;
  /**
   * GTID position of the snapshot: MariaDB `gtid_slave_pos` ('0-1-5,1-2-9'), MySQL `GTID_PURGED`
   * ('uuid:1-5,uuid2:1-3', whitespace removed). Undefined when the dump has none.
   */
  readonly gtid: string | undefined;
  /** MySQL: GTID_PURGED was written with the 8.0 '+' (add to the target's gtid_purged). */
  readonly gtidPurgedAdditive: boolean;
  /** Whether the coordinates are statements the dump itself executes (`--master-data=1`, MySQL's SET GTID_PURGED). */
  readonly executesCoordinates: boolean;
  /**
   * True when the `-- Dump completed` trailer is present. Without `hasHeader` (dumps made with
   * --skip-comments or --compact, which still carry the coordinates) there is no trailer either,
   * so completeness is unknown; with a header and no trailer the dump was cut short.
   */
  readonly complete: boolean;
  /** True when the `-- MariaDB dump …` / `-- MySQL dump …` header line is present. */
  readonly hasHeader: boolean;
  /** Text after `-- Dump completed on `, e.g. '2026-05-25 14:31:00' (the dumping host's local time). */
  readonly completedAt: string | undefined;
  /**
   * Databases the dump creates or uses, in order of appearance; for a one-database dump without
   * CREATE DATABASE/USE (no --databases), the header's database.
   */
  readonly databases: readonly string[];
}

export interface DumpCoordinatesOptions {
  /** Throw a USAGE PitrError when the dump has neither a binlog position nor a GTID (default true). */
  readonly requireCoordinates?: boolean;
}

// `CHANGE MASTER 'connection' TO` names a multi-source connection (--dump-slave)
const CHANGE_RE = /^\s*CHANGE\s+(?:MASTER|REPLICATION\s+SOURCE)(?:\s+'(?:[^'\\]|\\.)*')?\s+TO\b([\s\S]*)$/i;
const LOG_FILE_RE = /\b(?:MASTER|SOURCE)_LOG_FILE\s*=\s*'((?:[^'\\]|\\.|'')*)'/i;
const LOG_POS_RE = /\b(?:MASTER|SOURCE)_LOG_POS\s*=\s*(\d+)/i;
const MARIADB_GTID_RE = /^\s*SET\s+(?:GLOBAL\s+|@@GLOBAL\.)gtid_slave_pos\s*=\s*'([^']*)'/i;
const MYSQL_GTID_RE = /^\s*SET\s+@@GLOBAL\.GTID_PURGED\s*=\s*(\/\*!80000\s*'\+'\s*\*\/\s*)?'([^']*)'/i;
const SERVER_VERSION_RE = /^--\s*Server version\s+(.+?)\s*$/;
const TOOL_RE = /^--\s*((?:MariaDB|MySQL) dump\b.*?)\s*$/;
const HOST_RE = /^--\s*Host:\s*(.*?)\s+Database:\s*(.*?)\s*$/;
const COMPLETED_RE = /^--\s*Dump completed(?:\s+on\s+(.+?))?\s*$/;
/**
 * Headings printed before an upstream position: mariadb-dump 10.11 --dump-slave ("…taken from SHOW
 * SLAVE STATUS…", "…dump-slave CHANGE-MASTER…"), older ones and mysqldump --dump-replica/--dump-slave
 * ("… (the master of this slave)", "… (the source of this replica)").
 */
const UPSTREAM_RE = /\((?:the )?(?:master of this slave|source of this replica)\)|SHOW SLAVE STATUS|SHOW REPLICA STATUS|dump-slave CHANGE-MASTER/i;
const CURRENT_DB_RE = /^--\s*Current Database:\s*`((?:[^`]|``)*)`\s*$/;

function unquoteSql(s: string): string {
  return s.replace(/\\(.)|''/g, (m, c: string | undefined) => (c === undefined ? "'" : c));
}

/** Collects coordinates from the comments and statements of one dump, in order. */
export class DumpCoordinatesCollector {
  private serverVersion: string | undefined;
  private dumpTool: string | undefined;
  private host: string | undefined;
  private headerDb: string | undefined;
  private binlog: DumpBinlogPosition | undefined;
  private upstreamNext = false;
  private upstream = false;
  private gtid: string | undefined;
  private additive = false;
  private executes = false;
  private completedAt: string | undefined;
  private complete = false;
  private readonly databases: string[] = [];

  /** Feeds a comment that precedes a statement (DumpStatementSplitter's onComment). */
  comment(text: string): void {
    // `-- …` lines; block comments may wrap a commented-out SET GTID_PURGED
    let body: string;
    if (text.startsWith('--') || text.startsWith('#')) {
      const m = TOOL_RE.exec(text) ?? undefined;
      if (m !== undefined && this.dumpTool === undefined) this.dumpTool = m[1];
      const v = SERVER_VERSION_RE.exec(text);
      if (v !== null && this.serverVersion === undefined) this.serverVersion = v[1];
      const h = HOST_RE.exec(text);
      if (h !== null && this.host === undefined) {
        this.host = h[1];
        if (h[2] !== '') this.headerDb = h[2];
      }
      const c = COMPLETED_RE.exec(text);
      if (c !== null) {
        this.complete = true;
        this.completedAt = c[1];
      }
      if (UPSTREAM_RE.test(text)) this.upstreamNext = true;
      const cur = CURRENT_DB_RE.exec(text);
      if (cur !== null) this.addDatabase(cur[1]!.replace(/``/g, '`'));
      body = text.replace(/^(?:--|#)\s?/, '');
    } else {
      body = text.replace(/^\/\*+/, '').replace(/\*+\/$/, '');
    }
    this.coordinates(body, false);
  }

  /** Feeds a statement. */
  statement(s: DumpStatement): void {
    if (s.kind === 'use' || s.kind === 'create-database') {
      if (s.db !== undefined) this.addDatabase(s.db);
      return;
    }
    if (s.kind !== 'set' && s.kind !== 'other') return;
    // only short statements can be coordinates; never decode a data statement
    if (s.bytes.length > 1 << 20) return;
    const c0 = s.bytes[0];
    if (c0 !== 0x43 && c0 !== 0x63 && c0 !== 0x53 && c0 !== 0x73) return; // C / S
    this.coordinates(s.text(), true);
  }

  private addDatabase(db: string): void {
    if (!this.databases.includes(db)) this.databases.push(db);
  }

  private coordinates(text: string, executed: boolean): void {
    const change = CHANGE_RE.exec(text);
    if (change !== null) {
      const file = LOG_FILE_RE.exec(change[1]!);
      const pos = LOG_POS_RE.exec(change[1]!);
      if (file !== null && pos !== null) {
        // the first one wins: --dump-slave output names the source's position after ours
        if (this.binlog === undefined) {
          this.binlog = { file: unquoteSql(file[1]!), pos: Number(pos[1]) };
          this.upstream = this.upstreamNext;
          if (executed) this.executes = true;
        }
      }
      return;
    }
    const maria = MARIADB_GTID_RE.exec(text);
    if (maria !== null) {
      this.gtid = maria[1]!.replace(/\s+/g, '');
      if (executed) this.executes = true;
      return;
    }
    const mysql = MYSQL_GTID_RE.exec(text);
    if (mysql !== null) {
      let set = mysql[2]!.replace(/\s+/g, '');
      this.additive = mysql[1] !== undefined;
      // --set-gtid-purged=COMMENTED writes the '+' inside the string
      if (set.startsWith('+')) {
        set = set.slice(1);
        this.additive = true;
      }
      this.gtid = set;
      if (executed) this.executes = true;
    }
  }

  result(): DumpCoordinates {
    const version = this.serverVersion ?? this.dumpTool;
    const flavor: Flavor | undefined = version === undefined ? undefined : /mariadb/i.test(version) ? 'mariadb' : /mysql|^\d/i.test(version) ? 'mysql' : undefined;
    const databases = this.databases.length === 0 && this.headerDb !== undefined ? [this.headerDb] : [...this.databases];
    return {
      flavor,
      serverVersion: this.serverVersion,
      dumpTool: this.dumpTool,
      host: this.host,
      binlog: this.binlog,
      binlogIsUpstream: this.upstream,
      gtid: this.gtid === '' ? undefined : this.gtid,
      gtidPurgedAdditive: this.additive,
      executesCoordinates: this.executes,
      complete: this.complete,
      hasHeader: this.dumpTool !== undefined,
      completedAt: this.completedAt,
      databases,
    };
  }
}

/** The error for a dump that cannot start a point-in-time restore. */
export function missingCoordinatesError(path: string, found: DumpCoordinates): PitrError {
  const mysql = found.flavor === 'mysql';
  return new PitrError(
    ERROR_CODES.USAGE,
    `${path}: the dump has no binlog coordinates (no CHANGE MASTER/CHANGE REPLICATION SOURCE position and no GTID), so replay cannot know where to start`,
    {
      hints: mysql
        ? [
            'Take the dump with `mysqldump --single-transaction --source-data=2` (MySQL < 8.0.26: `--master-data=2`); with GTIDs on it also records GTID_PURGED.',
            'Or use `pitr backup`, which records the coordinates itself.',
          ]
        : [
            'Take the dump with `mariadb-dump --single-transaction --master-data=2 --gtid` (the position is written near the top, the GTID at the end).',
            'Or use `pitr backup`, which records the coordinates itself.',
          ],
    },
  );
}

/**
 * Reads a dump (.sql or .sql.gz) and returns its coordinates and metadata. Scans the whole file
 * (the MariaDB GTID comment is at the end). Without coordinates: PitrError USAGE whose hints name
 * the dump options that record them (unless `requireCoordinates: false`).
 */
export async function dumpCoordinates(path: string, options: DumpCoordinatesOptions = {}): Promise<DumpCoordinates> {
  const collector = new DumpCoordinatesCollector();
  const splitter = new DumpStatementSplitter({ onComment: (text) => collector.comment(text) });
  const onStatement = (s: DumpStatement): void => collector.statement(s);
  for await (const chunk of dumpChunks(path)) splitter.push(chunk, onStatement);
  splitter.end(onStatement);
  const found = collector.result();
  if ((options.requireCoordinates ?? true) && found.binlog === undefined && found.gtid === undefined) {
    throw missingCoordinatesError(path, found);
  }
  return found;
}
