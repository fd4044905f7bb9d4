/**
 * `pitr history DB.TABLE --where EXPR`: every version of the records a filter selects, over a
 * range of the binlogs — each change with the transaction that made it.
 *
 * Which records: a record is a row identified by its primary key; an UPDATE that changes the key
 * continues the same record under the new key, and a row inserted again under a deleted key is
 * the same record. A record is in the history when the filter is TRUE for its before or after
 * image in any of its changes in the range — so a row that enters or leaves the filter (or whose
 * key changes) is followed — and then every change to it in the range is listed, including those
 * whose images do not match. Without a primary key (or when the schema does not say), rows have no
 * identity: each change is listed whose before or after image matches.
 *
 * The filter is evaluated on the logged images (where-filter.ts). With binlog_row_image=MINIMAL
 * an image may lack columns the filter reads, and across ALTER TABLE … ADD/DROP COLUMN a layout
 * may lack them altogether; such images count as not matching and are reported (`unevaluable`).
 * A column the backup's definition of the table lacks is refused before reading (a typo, most
 * likely; a column added later: use a backup taken after it was added).
 */
import { type ColumnDef, PitrError, type RowImage, type TableSchema } from '@pitr/core';
import { type JsonValue, isoUtc, valueJson } from './output/row-values.js';
import { type GranularSource, type ScanResult, type TransactionRange, scanTransactions } from './scan/scan-transactions.js';
import type { TableName } from './find-transactions.js';
import { WhereFilter, type RowMatch } from './where/where-filter.js';

export interface HistoryOptions {
  readonly source: GranularSource;
  readonly table: TableName;
  /** The filter (text is parsed; USAGE errors name what is wrong). */
  readonly where: WhereFilter | string;
  readonly range?: TransactionRange;
  /** Zone TIMESTAMP columns are compared in (as a session time_zone); default UTC. */
  readonly timeZone?: string | undefined;
  readonly onWarning?: (message: string) => void;
  readonly onProgress?: (doneBytes: number, totalBytes: number) => void;
}

export interface RowVersion {
  /** The record (1, 2, … in order of first appearance); rows of tables without a primary key: each version its own. */
  readonly record: number;
  readonly op: 'insert' | 'update' | 'delete';
  readonly gtid: string | null;
  /** The transaction's binlog file and start position (a restore target `pos:` before it). */
  readonly file: string;
  readonly pos: number;
  readonly commitTime: string;
  readonly commitTimeUs: bigint;
  /** The statement that made the change (ANNOTATE_ROWS / ROWS_QUERY), when the binlog carries it. */
  readonly statement: string | null;
  readonly columns: readonly ColumnDef[];
  readonly before: RowImage | undefined;
  readonly after: RowImage | undefined;
  /** UPDATE: the columns whose value changed. */
  readonly changed: readonly string[];
  /** The record's primary key values after the change (before it, for a DELETE); null without a key. */
  readonly key: Readonly<Record<string, JsonValue>> | null;
}

export interface HistoryResult {
  readonly versions: readonly RowVersion[];
  readonly records: number;
  /** Images the filter could not be evaluated on (columns missing from MINIMAL/NOBLOB images). */
  readonly unevaluable: number;
  /** The table had no (known) primary key: versions were selected one by one. */
  readonly withoutKey: boolean;
  readonly scan: ScanResult;
}

interface Pending {
  readonly version: Omit<RowVersion, 'record'>;
  readonly record: number;
}

export async function rowHistory(options: HistoryOptions): Promise<HistoryResult> {
  const filter = typeof options.where === 'string' ? WhereFilter.parse(options.where) : options.where;
  const { db, table } = options.table;
  const keyOf = new Map<string, number>();
  const selected = new Set<number>();
  const pending: Pending[] = [];
  let records = 0;
  let unevaluable = 0;
  let withoutKey = false;
  let flavor: 'mariadb' | 'mysql' = 'mariadb';
  const scan = await scanTransactions(
    {
      source: options.source,
      range: options.range ?? {},
      onSchema: (initial, f) => {
        flavor = f;
        checkColumns(filter, initial.getTable(db, table), options.table);
      },
      keepRows: (b) => b.table.db === db && b.table.table === table,
      ...(options.onWarning ? { onWarning: options.onWarning } : {}),
      ...(options.onProgress ? { onProgress: options.onProgress } : {}),
    },
    (t) => {
      for (let e = 0; e < t.rowEvents.length; e++) {
        const body = t.rowEvents[e]!;
        const columns = body.table.columns;
        const predicate = filter.compile({ db, table, columns }, { flavor, unknownColumns: 'unevaluable', ...(options.timeZone !== undefined ? { timeZone: options.timeZone } : {}) });
        const pk = columns.filter((c) => c.primaryKey).map((c) => c.index);
        if (pk.length === 0) withoutKey = true;
        const si = t.rowStatement[e]!;
        const statement = si >= 0 ? (t.statements[si] ?? null) : null;
        for (const change of body.rows) {
          const { before, after } = change;
          const mb = before === undefined ? false : predicate(before);
          const ma = after === undefined ? false : predicate(after);
          if (mb === undefined) unevaluable++;
          if (ma === undefined) unevaluable++;
          const hit = isTrue(mb) || isTrue(ma);
          const version: Omit<RowVersion, 'record'> = {
            op: body.kind === 'write' ? 'insert' : body.kind,
            gtid: t.gtidText ?? null,
            file: t.file,
            pos: t.startPos,
            commitTime: isoUtc(t.commitTimeUs),
            commitTimeUs: t.commitTimeUs,
            statement,
            columns,
            before,
            after,
            changed: before !== undefined && after !== undefined ? changedColumns(before, after, columns) : [],
            key: pk.length === 0 ? null : keyObject((after ?? before)!, pk, columns),
          };
          if (pk.length === 0) {
            if (hit) {
              records++;
              pending.push({ version, record: records });
              selected.add(records);
            }
            continue;
          }
          const kb = before === undefined ? undefined : keyText(before, pk, columns);
          const ka = after === undefined ? undefined : keyText(after, pk, columns);
          let record = (kb !== undefined ? keyOf.get(kb) : undefined) ?? (ka !== undefined ? keyOf.get(ka) : undefined);
          if (record === undefined) record = ++records;
          if (kb !== undefined && kb !== ka) keyOf.delete(kb);
          if (ka !== undefined) keyOf.set(ka, record);
          else if (kb !== undefined) keyOf.set(kb, record); // deleted: a later insert of the key continues it
          pending.push({ version, record });
          if (hit) selected.add(record);
        }
      }
    },
  );
  // renumber the selected records 1, 2, … in order of first appearance
  const number = new Map<number, number>();
  const versions: RowVersion[] = [];
  for (const p of pending) {
    if (!selected.has(p.record)) continue;
    let n = number.get(p.record);
    if (n === undefined) {
      n = number.size + 1;
      number.set(p.record, n);
    }
    versions.push({ ...p.version, record: n });
  }
  return { versions, records: number.size, unevaluable, withoutKey, scan };
}

/** Unknown column names fail before the binlogs are read (when the backup has the table; a table created later is checked at its first row). */
function checkColumns(filter: WhereFilter, schema: TableSchema | undefined, name: TableName): void {
  if (schema === undefined) return;
  const have = new Set(schema.columns.map((c) => c.name.toLowerCase()));
  for (const c of filter.columnNames()) {
    if (!have.has(c.toLowerCase())) {
      throw new PitrError('USAGE', `unknown column \`${c}\` in --where: ${name.db}.${name.table} has ${schema.columns.map((x) => `\`${x.name}\``).join(', ')} (in the backup)`, {
        hints: ['column names are those of the table at the time of each change; a column added later in the binlogs is known from its ALTER TABLE on'],
      });
    }
  }
}

function isTrue(m: RowMatch): boolean {
  return m === true;
}

function keyText(image: RowImage, pk: readonly number[], columns: readonly ColumnDef[]): string | undefined {
  const parts: JsonValue[] = [];
  for (const i of pk) {
    const v = image[i];
    if (v === undefined) return undefined;
    parts.push(valueJson(v, columns[i]));
  }
  return JSON.stringify(parts);
}

function keyObject(image: RowImage, pk: readonly number[], columns: readonly ColumnDef[]): Record<string, JsonValue> {
  const out: Record<string, JsonValue> = {};
  for (const i of pk) {
    const v = image[i];
    if (v !== undefined) out[columns[i]?.name ?? `@${i + 1}`] = valueJson(v, columns[i]);
  }
  return out;
}

function changedColumns(before: RowImage, after: RowImage, columns: readonly ColumnDef[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < after.length; i++) {
    const a = after[i];
    const b = before[i];
    if (a === undefined || b === undefined) continue;
    if (JSON.stringify(valueJson(a, columns[i])) !== JSON.stringify(valueJson(b, columns[i]))) out.push(columns[i]?.name ?? `@${i + 1}`);
  }
  return out;
}
