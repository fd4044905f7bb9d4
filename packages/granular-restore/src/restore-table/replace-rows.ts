/**
 * `restore-table … --to URL --replace`: the live table's rows that match the filter now, or
 * matched it at the target, are set to their state at the target — rows identified by primary key,
 * everything in ONE transaction, without firing cascades on other tables.
 *
 * How:
 *  - the live table is read (exact values: column-codec.ts liveSelect) and the filter evaluated in
 *    Node — user text never reaches the server; the keys matching now are remembered, so the
 *    dump/binlog pass also keeps their state at the target (even where that state does not match);
 *  - in the transaction the live table is read again with FOR UPDATE (locking the rows), and if a
 *    row matches now that did not before, the table changed meanwhile: nothing is written;
 *  - deletes first (a key the target does not have), then UPDATEs of rows whose values differ, then
 *    `INSERT … ON DUPLICATE KEY UPDATE` of the target's rows not matching now (a live row with that
 *    key may exist without matching). Never REPLACE, which deletes and so would cascade.
 *  - `foreign_key_checks = 0` in the session: ON DELETE/UPDATE CASCADE and SET NULL of child tables
 *    do not fire (InnoDB skips foreign key actions then), and the restored parent rows need no
 *    children to exist. Triggers of the table DO fire (the server has no switch for that).
 * Values are literals from core's renderLiteral, keys compared with renderMatch (byte-exact).
 */
import { type ApplyConnection, LITERAL_SESSION_STATEMENTS, PitrError, type RowImage, openApplyConnection, quoteIdentifier, renderLiteral, renderMatch, renderText } from '@pitr/core';
import type { RowPredicate } from '../where/where-filter.js';
import type { ColumnCodec } from './column-codec.js';
import { rowKey } from './row-key.js';
import { InsertBatcher, serverFailure } from './table-output.js';
import { type QualifiedName, showName } from './table-lineage.js';

export interface ReplaceCounts {
  /** Live rows deleted (the target had no row with their key). */
  readonly deleted: number;
  /** Live rows updated to their state at the target. */
  readonly updated: number;
  /** Rows inserted (or, when a non-matching live row had the key, overwritten). */
  readonly inserted: number;
  /** Rows already as they were at the target. */
  readonly unchanged: number;
}

export interface LiveRows {
  /** Live rows that match the filter now, by key. */
  readonly matching: Map<string, RowImage>;
}

async function selectLive(conn: ApplyConnection, table: QualifiedName, codecs: readonly ColumnCodec[], key: readonly number[], predicate: RowPredicate | undefined, lock: boolean): Promise<Map<string, RowImage>> {
  const select = codecs.map((c, i) => `${c.liveSelect()} AS c${i}`).join(', ');
  const sql = `SELECT ${select} FROM ${quoteIdentifier(table.db)}.${quoteIdentifier(table.table)}${lock ? ' FOR UPDATE' : ''}`;
  let rows: Record<string, unknown>[];
  try {
    rows = await conn.rows(sql);
  } catch (e) {
    throw serverFailure(`reading the live table ${showName(table)}`, e);
  }
  const out = new Map<string, RowImage>();
  for (const r of rows) {
    const row: RowImage = codecs.map((c, i) => c.fromLive(r[`c${i}`]));
    if (predicate === undefined || predicate(row) === true) out.set(rowKey(row, key), row);
  }
  return out;
}

async function connect(url: string, env: Readonly<Record<string, string | undefined>> | undefined): Promise<ApplyConnection> {
  const conn = await openApplyConnection(url, env);
  for (const s of LITERAL_SESSION_STATEMENTS) await conn.run(s);
  await conn.run('SET SESSION foreign_key_checks = 0');
  return conn;
}

/** The live rows matching the filter now (read before the dump, without locks). */
export async function readLiveRows(url: string, env: Readonly<Record<string, string | undefined>> | undefined, table: QualifiedName, codecs: readonly ColumnCodec[], key: readonly number[], predicate: RowPredicate | undefined): Promise<LiveRows> {
  const conn = await connect(url, env);
  try {
    const exists = await conn.rows(`SELECT COUNT(*) AS n FROM information_schema.TABLES WHERE TABLE_SCHEMA = ${renderText(table.db, 'hex')} AND TABLE_NAME = ${renderText(table.table, 'hex')}`);
    if (Number(String(exists[0]?.n)) === 0) {
      throw new PitrError('USAGE', `--replace: ${showName(table)} does not exist on the server`, { hints: ['restore it as a new table instead (--to URL without --replace, or --into DB.NEWTABLE)'] });
    }
    return { matching: await selectLive(conn, table, codecs, key, predicate, false) };
  } finally {
    await conn.close();
  }
}

/**
 * Writes the target states. `targetRows`: state at the target of every key that matches the
 * filter at the target or matches it now (absent = no such row at the target).
 */
export async function replaceRows(
  url: string,
  env: Readonly<Record<string, string | undefined>> | undefined,
  table: QualifiedName,
  codecs: readonly ColumnCodec[],
  key: readonly number[],
  predicate: RowPredicate | undefined,
  before: LiveRows,
  targetRows: ReadonlyMap<string, RowImage>,
): Promise<ReplaceCounts> {
  const conn = await connect(url, env);
  const name = `${quoteIdentifier(table.db)}.${quoteIdentifier(table.table)}`;
  const where = (row: RowImage): string => key.map((i) => renderMatch(quoteIdentifier(codecs[i]!.schema.name), row[i]!, codecs[i]!.def, { rowFoundByKey: false })).join(' AND ');
  const writable = codecs.flatMap((c, i) => (c.schema.generated ? [] : [i]));
  let deleted = 0;
  let updated = 0;
  let inserted = 0;
  let unchanged = 0;
  let open = false;
  try {
    await conn.run('START TRANSACTION');
    open = true;
    const now = await selectLive(conn, table, codecs, key, predicate, true);
    const changed = [...now.keys()].filter((k) => !before.matching.has(k));
    if (changed.length > 0) {
      throw new PitrError('PLAN', `${showName(table)} changed while its state at the target was computed: ${changed.length} row(s) match the filter now that did not before; nothing was written`, {
        hints: ['run the same command again'],
      });
    }
    const matchingNow = now;
    for (const [k, row] of matchingNow) {
      const t = targetRows.get(k);
      if (t === undefined) {
        await conn.run(`DELETE FROM ${name} WHERE ${where(row)}`);
        deleted++;
      }
    }
    for (const [k, row] of matchingNow) {
      const t = targetRows.get(k);
      if (t === undefined) continue;
      if (writable.every((i) => sameValue(row[i], t[i]))) {
        unchanged++;
        continue;
      }
      const sets = writable.map((i) => `${quoteIdentifier(codecs[i]!.schema.name)} = ${renderLiteral(t[i]!, codecs[i]!.def)}`).join(', ');
      await conn.run(`UPDATE ${name} SET ${sets} WHERE ${where(row)}`);
      updated++;
    }
    const batcher = new InsertBatcher(name, codecs);
    const columnList = writable.map((i) => quoteIdentifier(codecs[i]!.schema.name)).join(', ');
    const update = writable.map((i) => {
      const c = quoteIdentifier(codecs[i]!.schema.name);
      return `${c} = VALUES(${c})`;
    });
    for (const [k, t] of targetRows) {
      if (matchingNow.has(k)) continue;
      await conn.run(`INSERT INTO ${name} (${columnList}) VALUES ${batcher.tuple(t)} ON DUPLICATE KEY UPDATE ${update.join(', ')}`);
      inserted++;
    }
    await conn.run('COMMIT');
    open = false;
  } catch (e) {
    if (open) await conn.run('ROLLBACK').catch(() => undefined);
    throw serverFailure(`--replace of ${showName(table)} (rolled back, nothing changed)`, e);
  } finally {
    await conn.close();
  }
  return { deleted, updated, inserted, unchanged };
}

function sameValue(a: RowImage[number], b: RowImage[number]): boolean {
  return rowKey([a], [0]) === rowKey([b], [0]);
}
