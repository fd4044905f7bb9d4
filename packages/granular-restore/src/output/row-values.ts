/**
 * Row images as people and tools read them in find/history/undo output. JSON follows DESIGN.md's
 * `pitr binlog decode --json` value mapping (NULL → null; integers → number, or a string of digits
 * beyond ±(2^53−1); DECIMAL exact string; FLOAT/DOUBLE number; text string; bytes {"hex"};
 * temporal text as stored, TIMESTAMP in UTC; ENUM/SET member text), so a value reads the same in
 * every pitr output. (Core's columnValueJson does this for NDJSON text; until core exports it, this
 * is the object form.)
 */
import type { ColumnDef, ColumnValue, RowImage } from '@pitr/core';

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

export type JsonValue = null | number | string | boolean | { readonly hex: string } | JsonValue[] | { readonly [k: string]: JsonValue };

/** Column name of index `i` (`@N` when the schema does not name it). */
export function columnName(columns: readonly ColumnDef[], i: number): string {
  return columns[i]?.name ?? `@${i + 1}`;
}

/** One value as a JSON value (see the file comment). */
export function valueJson(v: ColumnValue, col: ColumnDef | undefined): JsonValue {
  if (v === null) return null;
  switch (typeof v) {
    case 'number':
      return Number.isFinite(v) ? v : String(v);
    case 'bigint':
      return v <= MAX_SAFE && v >= -MAX_SAFE ? Number(v) : v.toString();
    case 'string':
      return v;
    default:
      break;
  }
  if (v instanceof Uint8Array) {
    const text = col === undefined ? undefined : typedText(v, col);
    return text ?? { hex: Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('hex') };
  }
  switch (v.kind) {
    case 'timestamp':
      return timestampUtc(v.seconds, v.micros, v.fsp);
    case 'enum':
      return v.name ?? v.index;
    case 'set':
      return v.names === undefined ? valueJson(v.bits, col) : v.names.join(',');
  }
}

/** A row image as `{column: value}` (columns absent from the image are left out). */
export function rowJson(image: RowImage, columns: readonly ColumnDef[]): Record<string, JsonValue> {
  const out: Record<string, JsonValue> = {};
  for (let i = 0; i < image.length; i++) {
    const v = image[i];
    if (v !== undefined) out[columnName(columns, i)] = valueJson(v, columns[i]);
  }
  return out;
}

/** One value as readable SQL-like text: NULL, 42, 'text', X'0102', '2026-05-25 14:30:07'. */
export function valueText(v: ColumnValue, col: ColumnDef | undefined): string {
  const j = valueJson(v, col);
  if (j === null) return 'NULL';
  if (typeof j === 'number') return String(j);
  if (typeof j === 'string') {
    // numbers, DECIMAL and bigints stay bare; text is quoted
    if (typeof v === 'bigint' || (typeof v === 'string' && col !== undefined && (col.type === 246 || col.type === 0))) return j;
    return `'${j.replace(/\\/g, '\\\\').replace(/'/g, "\\'").replace(/\n/g, '\\n').replace(/\r/g, '\\r').replace(/\t/g, '\\t')}'`;
  }
  if (typeof j === 'object' && j !== null && 'hex' in j) return `X'${String(j.hex).toUpperCase()}'`;
  return JSON.stringify(j);
}

/** TIMESTAMP as 'YYYY-MM-DD HH:MM:SS[.ffffff]' in UTC with the column's fraction digits. */
function timestampUtc(seconds: number, micros: number, fsp: number): string {
  const frac = fsp > 0 ? `.${String(micros).padStart(6, '0').slice(0, fsp)}` : '';
  if (seconds === 0 && micros === 0) return `0000-00-00 00:00:00${frac}`;
  const iso = new Date(seconds * 1000).toISOString();
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)}${frac}`;
}

/** MariaDB UUID/INET4 columns (known from the schema) in the text the server prints. */
function typedText(bytes: Uint8Array, col: ColumnDef): string | undefined {
  const base = col.sqlType === undefined ? '' : (/^[a-z0-9_]+/i.exec(col.sqlType)?.[0] ?? '').toLowerCase();
  if (base !== 'uuid' && base !== 'inet4') return undefined;
  const size = base === 'uuid' ? 16 : 4;
  if (bytes.length > size) return undefined;
  const b = new Uint8Array(size);
  b.set(bytes);
  if (base === 'inet4') return `${b[0]}.${b[1]}.${b[2]}.${b[3]}`;
  const h = Buffer.from(b).toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/** Microseconds since the epoch → ISO 8601 UTC, with a fraction only when there is one. */
export function isoUtc(us: bigint): string {
  const base = new Date(Number(us / 1000n)).toISOString().slice(0, 19);
  const frac = us % 1_000_000n;
  return frac === 0n ? `${base}Z` : `${base}.${frac.toString().padStart(6, '0')}Z`;
}
