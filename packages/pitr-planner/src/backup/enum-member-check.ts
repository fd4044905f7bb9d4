/**
 * ENUM/SET members with 4-byte characters (`ENUM('a','😀')`). The server keeps the member, and
 * rows return it, but SHOW CREATE TABLE and information_schema.COLUMNS render each such character
 * as `?` (BINLOG-NOTES.md "mariadb-dump lossy spots"), so every logical dump recreates the table
 * with a different member and the rows holding it do not load back. Nothing in a dump can fix the
 * definition; the backup detects it and warns.
 *
 * Detection: a member whose rendered definition contains `?` is ambiguous (`'b?'` is a legal
 * member). The real members come from the server itself: `CREATE TEMPORARY TABLE … SELECT col …
 * LIMIT 0` copies the column's internal definition (not its rendered text); inserting each member
 * index (ENUM) or bit (SET) and reading the values back gives the true member texts, which are
 * compared with the rendered ones. Temporary tables are session-private; the session turns
 * sql_log_bin off first when it may (they are not logged in ROW format anyway).
 * https://mariadb.com/kb/en/enum/ , https://mariadb.com/kb/en/set-data-type/
 */
import { parseEnumMembers, quoteIdentifier } from '@pitr/core';
import type { RowDataPacket } from 'mysql2/promise';
import type { InventoryColumn } from './source-inventory.js';
import type { SourceConnection } from './source-server.js';

/** A temporary table (session-private, shadows nothing real for long) in the column's database. */
const PROBE_NAME = '`pitr_enum_member_probe`';

/** Columns whose rendered definition may hide a 4-byte member. */
export function suspectEnumSetColumns(columns: readonly InventoryColumn[]): InventoryColumn[] {
  return columns.filter((c) => (c.dataType === 'enum' || c.dataType === 'set') && parseEnumMembers(c.columnType).some((m) => m.includes('?')));
}

function has4ByteChar(text: string): boolean {
  for (const ch of text) if (ch.codePointAt(0)! > 0xffff) return true;
  return false;
}

function columnName(c: InventoryColumn): string {
  return `${c.db}.${c.table}.${c.name}`;
}

/**
 * Warnings for ENUM/SET columns with members the dump cannot represent. Never throws for a probe
 * that fails: it then warns that the column could not be checked.
 */
export async function checkEnumSetMembers(conn: SourceConnection, columns: readonly InventoryColumn[]): Promise<string[]> {
  const suspects = suspectEnumSetColumns(columns);
  if (suspects.length === 0) return [];
  const warnings: string[] = [];
  let logOff = false;
  try {
    await conn.query('SET SESSION sql_log_bin = 0');
    logOff = true;
  } catch {
    // no privilege: fine when temporary tables are not logged (binlog_format=ROW)
  }
  let canProbe = logOff;
  if (!canProbe) {
    const [rows] = await conn.query<RowDataPacket[]>('SELECT @@SESSION.binlog_format AS f');
    canProbe = String(rows[0]?.['f'] ?? '').toUpperCase() === 'ROW';
  }
  try {
    for (const c of suspects) {
      const rendered = parseEnumMembers(c.columnType);
      if (!canProbe) {
        warnings.push(unchecked(c, 'temporary tables would be written to the binlog (binlog_format is not ROW and sql_log_bin cannot be turned off)'));
        continue;
      }
      let real: string[];
      try {
        real = await probeMembers(conn, c, rendered.length);
      } catch (e) {
        warnings.push(unchecked(c, e instanceof Error ? e.message : String(e)));
        continue;
      }
      const lost = real
        .map((member, i) => ({ member, i, shown: rendered[i] ?? '' }))
        .filter((m) => m.member !== m.shown && has4ByteChar(m.member));
      if (lost.length === 0) continue;
      const members = lost.map((m) => `'${m.member}' (shown as '${m.shown}')`).join(', ');
      warnings.push(
        `${columnName(c)}: ${c.dataType.toUpperCase()} member${lost.length > 1 ? 's' : ''} ${members} ` +
          `${lost.length > 1 ? 'contain' : 'contains'} a 4-byte character that SHOW CREATE TABLE and the dump render as '?': ` +
          `the restored table has a different member and rows holding it do not restore correctly ` +
          `(use a 3-byte character in the member, or fix those rows after a restore)`,
      );
    }
  } finally {
    if (logOff) await conn.query('SET SESSION sql_log_bin = 1').catch(() => undefined);
  }
  return warnings;
}

function unchecked(c: InventoryColumn, reason: string): string {
  return (
    `${columnName(c)}: the ${c.dataType.toUpperCase()} definition shows '?' in a member; if it is a 4-byte character ` +
    `(emoji…), the dump loses it (could not check: ${reason})`
  );
}

/** The true member texts, by member number, from a temporary copy of the column. */
async function probeMembers(conn: SourceConnection, c: InventoryColumn, count: number): Promise<string[]> {
  const probe = `${quoteIdentifier(c.db)}.${PROBE_NAME}`;
  await conn.query(`DROP TEMPORARY TABLE IF EXISTS ${probe}`);
  try {
    return await readMembers(conn, c, count, probe);
  } finally {
    await conn.query(`DROP TEMPORARY TABLE IF EXISTS ${probe}`).catch(() => undefined);
  }
}

async function readMembers(conn: SourceConnection, c: InventoryColumn, count: number, probe: string): Promise<string[]> {
  await conn.query(
    `CREATE TEMPORARY TABLE ${probe} SELECT ${quoteIdentifier(c.name)} AS m FROM ${quoteIdentifier(c.db)}.${quoteIdentifier(c.table)} LIMIT 0`,
  );
  // ENUM: member number i (1-based) is the value i; SET: member i is bit i-1
  const values = Array.from({ length: count }, (_, i) => (c.dataType === 'enum' ? String(i + 1) : (1n << BigInt(i)).toString()));
  await conn.query(`INSERT INTO ${probe} (m) VALUES ${values.map((v) => `(${v})`).join(',')}`);
  const [rows] = await conn.query<RowDataPacket[]>(`SELECT HEX(CONVERT(m USING utf8mb4)) AS h FROM ${probe} ORDER BY m + 0`);
  return rows.map((r) => Buffer.from(String(r['h'] ?? ''), 'hex').toString('utf8'));
}
