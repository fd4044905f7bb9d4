/**
 * Reads the row events of one binlog file with OUR decoder and maps every present value through a
 * caller-supplied function *while iterating*: the reader may hand out views that are only valid
 * until the next event, so nothing of an event is kept except what `mapValue` returns.
 */
import { basename } from 'node:path';
import { readBinlogFile } from './core-under-test.js';
import type { BinlogEvent, ColumnDef, RowsBody } from '../../packages/core/src/binlog/types.js';
import type { ColumnValue, RowImage } from '../../packages/core/src/binlog/columns/values.js';

export interface OurRow<T> {
  /** One slot per column; undefined = column not in this image. */
  readonly before?: (T | undefined)[];
  readonly after?: (T | undefined)[];
}

export interface OurRowEvent<T> {
  readonly file: string;
  readonly pos: number;
  readonly end: number;
  readonly kind: 'write' | 'update' | 'delete';
  readonly eventName: string;
  readonly compressed: boolean;
  readonly flags: number;
  readonly db: string;
  readonly table: string;
  readonly columns: readonly ColumnDef[];
  readonly rows: OurRow<T>[];
}

export const STMT_END_F = 1;

function mapImage<T>(image: RowImage | undefined, columns: readonly ColumnDef[], mapValue: (v: ColumnValue, col: ColumnDef, columns: readonly ColumnDef[]) => T): (T | undefined)[] | undefined {
  if (!image) return undefined;
  const out: (T | undefined)[] = new Array<T | undefined>(Math.max(image.length, columns.length));
  for (let i = 0; i < out.length; i++) {
    const v = image[i];
    const col = columns[i];
    if (v === undefined) {
      out[i] = undefined;
    } else if (!col) {
      throw new Error(`row image has a value for column ${i} but the table map has ${columns.length} columns`);
    } else {
      out[i] = mapValue(v, col, columns);
    }
  }
  return out;
}

function isRows(ev: BinlogEvent): ev is BinlogEvent<RowsBody> {
  const k = ev.body.kind;
  return k === 'write' || k === 'update' || k === 'delete';
}

/** All row events of `path`, in file order, values mapped by `mapValue`. */
export async function readOurRowEvents<T>(
  path: string,
  mapValue: (v: ColumnValue, col: ColumnDef, columns: readonly ColumnDef[]) => T,
): Promise<OurRowEvent<T>[]> {
  const out: OurRowEvent<T>[] = [];
  for await (const ev of readBinlogFile(path)) {
    if (!isRows(ev)) continue;
    const body = ev.body;
    const columns = body.table.columns;
    out.push({
      file: basename(path),
      pos: ev.pos,
      end: ev.end,
      kind: body.kind,
      eventName: body.eventName,
      compressed: body.compressed,
      flags: body.flags,
      db: body.table.db,
      table: body.table.table,
      // ColumnDef objects are plain data from the TABLE_MAP; keep a copy of the array.
      columns: [...columns],
      rows: body.rows.map((r) => {
        const row: { before?: (T | undefined)[]; after?: (T | undefined)[] } = {};
        const before = mapImage(r.before, columns, mapValue);
        const after = mapImage(r.after, columns, mapValue);
        if (before) row.before = before;
        if (after) row.after = after;
        return row;
      }),
    });
  }
  return out;
}

/** Start/end/type name of every top-level event of `path` (framing cross-check). */
export async function readOurEventPositions(path: string): Promise<{ pos: number; end: number; typeName: string }[]> {
  const out: { pos: number; end: number; typeName: string }[] = [];
  for await (const ev of readBinlogFile(path, { decodeRows: false })) {
    if (ev.payloadIndex === undefined) out.push({ pos: ev.pos, end: ev.end, typeName: ev.typeName });
  }
  return out;
}
