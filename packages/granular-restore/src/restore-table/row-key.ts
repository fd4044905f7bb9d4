/**
 * Exact identities of rows: the text of a row's primary key (or of the whole row, for tables
 * without one) over the decoded values. Equal stored values give equal text — bytes compare as
 * bytes, never under a collation: a dump row and a binlog image of the same row hold the same
 * bytes, and two keys a _ci collation calls equal ('a' and 'A') are, as far as exactness goes,
 * two different states (the --replace writer deletes before it writes, so it never matters which
 * one the live table holds).
 */
import type { ColumnValue, RowImage } from '@pitr/core';

function valueKey(v: ColumnValue | undefined): string {
  if (v === undefined) return '?';
  if (v === null) return 'N';
  switch (typeof v) {
    case 'number':
      return Object.is(v, -0) ? 'n-0' : `n${v}`;
    case 'bigint':
      return `n${v}`;
    case 'string':
      return `s${v}`;
    default:
      break;
  }
  if (v instanceof Uint8Array) return `x${Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('hex')}`;
  switch (v.kind) {
    case 'timestamp':
      return `t${v.seconds}.${v.micros}`;
    case 'enum':
      return `e${v.index}`;
    case 'set':
      return `S${v.bits}`;
  }
}

/** The key text of `row` over the columns `indexes` (\u0001-separated). */
export function rowKey(row: RowImage, indexes: readonly number[]): string {
  if (indexes.length === 1) return valueKey(row[indexes[0]!]);
  let s = '';
  for (let k = 0; k < indexes.length; k++) s += (k === 0 ? '' : '\u0001') + valueKey(row[indexes[k]!]);
  return s;
}

/** The whole row as text: equal exactly when every column is. */
export function rowText(row: RowImage): string {
  let s = '';
  for (let k = 0; k < row.length; k++) s += (k === 0 ? '' : '\u0001') + valueKey(row[k]);
  return s;
}

/** True when the image lacks a column (binlog_row_image=MINIMAL/NOBLOB). */
export function hasMissing(row: RowImage, width: number): boolean {
  if (row.length < width) return true;
  for (let k = 0; k < width; k++) if (row[k] === undefined) return true;
  return false;
}
