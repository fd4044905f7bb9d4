/**
 * Compares our decoder's rows with what @vlasky/zongji streamed from the server.
 *
 * zongji is lossy in known places. Each one is a named rule below: from OUR value we compute the
 * exact value zongji is expected to produce under that rule, and require equality. Nothing is
 * compared "approximately"; a difference no rule predicts is a mismatch.
 *
 * Known differences (zongji 0.9.0, options of ./zongji-runner.ts, binlog_row_metadata=FULL):
 *
 * | rule                        | ours                              | zongji                                   |
 * |-----------------------------|-----------------------------------|------------------------------------------|
 * | year-zero-as-1900           | YEAR 0 (the zero year 0000)       | 1900 (stored byte + 1900)                |
 * | enum-zero-undefined         | ENUM index 0 (the '' error value) | undefined (choices[-1])                  |
 * | geometry-parsed-no-srid     | GEOMETRY bytes: SRID + WKB        | parsed {x,y} / nested arrays, SRID lost  |
 * | latin1-cp1252-holes         | latin1 bytes 81 8D 8F 90 9D as    | U+FFFD (iconv-lite windows-1252 has no   |
 * |                             | U+0081 U+008D U+008F U+0090 U+009D| mapping; MariaDB's latin1 maps them to C1)|
 * | timestamp-utc-text          | TIMESTAMP {seconds, micros}       | 'YYYY-MM-DD HH:MM:SS[.f]' in UTC; the    |
 * |                             |                                   | zero value as '0000-00-00 00:00:00'      |
 * |                             |                                   | (representation only, lossless)          |
 * | bigint-number-or-string     | BIGINT as bigint                  | number if |v| <= 2^53-1 else exact string|
 * |                             |                                   | (representation only, lossless)          |
 * | set-as-names                | SET {bits, names}                 | member names joined with ',' (lossless   |
 * |                             |                                   | while member names contain no comma)     |
 * | charset-shift-after-geometry| text of a character column that   | decoded with the charset of the character|
 * |                             | follows k GEOMETRY columns        | column k places earlier (zongji leaves   |
 * |                             |                                   | GEOMETRY out of the COLUMN_CHARSET list; |
 * |                             |                                   | the server's is_character_type includes  |
 * |                             |                                   | it: "Base class is blob for geom type"); |
 * |                             |                                   | only the binary-charset case is modelled |
 *
 * Temporal strings are compared with the fraction padded to 6 digits on both sides (zongji prints
 * the column's fsp digits; the contract for ours is "all fraction digits").
 */
import type { ColumnDef } from '../../packages/core/src/binlog/types.js';
import type { ColumnValue } from '../../packages/core/src/binlog/columns/values.js';
import { MYSQL_TYPE, describeJs, encodeInCharset } from './canonical-value.js';
import { readOurRowEvents, type OurRowEvent } from './our-row-events.js';
import type { ZongjiRowEvent } from './zongji-runner.js';

export type ZongjiRule =
  | 'year-zero-as-1900'
  | 'enum-zero-undefined'
  | 'geometry-parsed-no-srid'
  | 'latin1-cp1252-holes'
  | 'timestamp-utc-text'
  | 'bigint-number-or-string'
  | 'set-as-names'
  | 'charset-shift-after-geometry';

/** What zongji should deliver for one of our values: a normalised view + the rule applied, if any. */
export interface ZongjiExpectation {
  readonly view: string;
  readonly rule?: ZongjiRule;
  /** Our value, for reports. */
  readonly ours: string;
}

const INT_TYPES = new Set<number>([MYSQL_TYPE.TINY, MYSQL_TYPE.SHORT, MYSQL_TYPE.INT24, MYSQL_TYPE.LONG]);
const TIME_TYPES = new Set<number>([MYSQL_TYPE.TIME, MYSQL_TYPE.TIME2]);
const DATETIME_TYPES = new Set<number>([MYSQL_TYPE.DATETIME, MYSQL_TYPE.DATETIME2]);
const TIMESTAMP_TYPES = new Set<number>([MYSQL_TYPE.TIMESTAMP, MYSQL_TYPE.TIMESTAMP2]);
const LATIN1_HOLE = /[\u0081\u008d\u008f\u0090\u009d]/;
const LATIN1_HOLES = /[\u0081\u008d\u008f\u0090\u009d]/g;

function num(n: number): string {
  return Object.is(n, -0) ? 'num:-0' : `num:${n}`;
}

function padFrac(s: string): string {
  // 'HH:MM:SS' or '... HH:MM:SS' with optional fraction → fraction padded to 6 digits.
  const m = /^(.*:\d\d)(?:\.(\d{1,6}))?$/.exec(s);
  return m ? `${m[1]}.${(m[2] ?? '').padEnd(6, '0')}` : s;
}

/** Parses WKB (OGC Simple Features, https://www.ogc.org/standard/sfa/) into zongji's value shape. */
function wkbToZongjiShape(bytes: Uint8Array): unknown {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let off = 4; // MariaDB prefixes the WKB with a 4-byte SRID
  const geom = (): unknown => {
    const le = buf.readUInt8(off) === 1;
    off += 1;
    const u32 = (): number => {
      const v = le ? buf.readUInt32LE(off) : buf.readUInt32BE(off);
      off += 4;
      return v;
    };
    const f64 = (): number => {
      const v = le ? buf.readDoubleLE(off) : buf.readDoubleBE(off);
      off += 8;
      return v;
    };
    const point = (): { x: number; y: number } => {
      const x = f64();
      const y = f64();
      return { x, y };
    };
    const type = u32();
    switch (type) {
      case 1:
        return point();
      case 2:
        return Array.from({ length: u32() }, point);
      case 3:
        return Array.from({ length: u32() }, () => Array.from({ length: u32() }, point));
      case 4:
      case 5:
      case 6:
      case 7:
        return Array.from({ length: u32() }, geom);
      default:
        return null;
    }
  };
  return geom();
}

function utcText(seconds: number, micros: number): string {
  const iso = new Date(seconds * 1000).toISOString(); // YYYY-MM-DDTHH:MM:SS.sssZ
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)}.${String(micros).padStart(6, '0')}`;
}

function realType(col: ColumnDef): number {
  if (col.type !== MYSQL_TYPE.STRING) return col.type;
  const byte0 = (col.meta >>> 8) & 0xff;
  return (byte0 & 0x30) !== 0x30 ? byte0 | 0x30 : byte0;
}

/** Columns listed in TABLE_MAP's COLUMN_CHARSET field: the server's is_character_type (on real types). */
const SERVER_CHARACTER_TYPES = new Set<number>([
  MYSQL_TYPE.STRING, MYSQL_TYPE.VAR_STRING, MYSQL_TYPE.VARCHAR, MYSQL_TYPE.BLOB, MYSQL_TYPE.TINY_BLOB,
  MYSQL_TYPE.MEDIUM_BLOB, MYSQL_TYPE.LONG_BLOB, MYSQL_TYPE.GEOMETRY,
]);

/**
 * The collation zongji assigns to `col`: it reads the COLUMN_CHARSET list without GEOMETRY
 * entries, so after k GEOMETRY columns it takes the entry k places earlier. undefined = same as ours.
 */
function zongjiCollation(col: ColumnDef, columns: readonly ColumnDef[]): number | undefined {
  const serverList = columns.filter((c) => SERVER_CHARACTER_TYPES.has(realType(c)));
  const s = serverList.indexOf(col);
  if (s < 0 || col.type === MYSQL_TYPE.GEOMETRY) return undefined;
  const k = serverList.slice(0, s).filter((c) => c.type === MYSQL_TYPE.GEOMETRY).length;
  return k === 0 ? undefined : serverList[s - k]!.collationId;
}

const BINARY_COLLATION_ID = 63;

/** The zongji value we expect for one of our values (see the rule table above). */
export function expectZongji(
  v: ColumnValue,
  col: ColumnDef,
  charsetOfCollation: ReadonlyMap<number, string>,
  columns: readonly ColumnDef[] = [],
): ZongjiExpectation {
  const ours = describeJs(v);
  const shifted = v !== null && col.collationId !== undefined ? zongjiCollation(col, columns) : undefined;
  if (shifted !== undefined && shifted !== col.collationId) {
    const cs = charsetOfCollation.get(col.collationId!);
    const bytes = typeof v === 'string' && cs !== undefined ? encodeInCharset(v, cs) : v instanceof Uint8Array ? v : undefined;
    if (shifted === BINARY_COLLATION_ID && bytes !== undefined) {
      return { view: `bytes:${Buffer.from(bytes).toString('hex')}`, rule: 'charset-shift-after-geometry', ours };
    }
    return { view: `unmodelled charset shift to collation ${shifted}: ${ours}`, ours };
  }
  if (v === null) return { view: 'null', ours };
  if (typeof v === 'object' && !(v instanceof Uint8Array)) {
    switch (v.kind) {
      case 'timestamp':
        return v.seconds === 0 && v.micros === 0
          ? { view: 'str:0000-00-00 00:00:00.000000', rule: 'timestamp-utc-text', ours }
          : { view: `str:${utcText(v.seconds, v.micros)}`, rule: 'timestamp-utc-text', ours };
      case 'enum':
        return v.index === 0 ? { view: 'undefined', rule: 'enum-zero-undefined', ours } : { view: `str:${v.name ?? `<no name for ${v.index}>`}`, ours };
      case 'set':
        return { view: `str:${(v.names ?? ['<no names>']).join(',')}`, rule: 'set-as-names', ours };
    }
  }
  if (col.type === MYSQL_TYPE.LONGLONG) return { view: `int:${String(v)}`, rule: 'bigint-number-or-string', ours };
  if (INT_TYPES.has(col.type) || col.type === MYSQL_TYPE.FLOAT || col.type === MYSQL_TYPE.DOUBLE) {
    return { view: typeof v === 'number' ? num(v) : `unexpected:${ours}`, ours };
  }
  if (col.type === MYSQL_TYPE.YEAR) {
    return v === 0 ? { view: 'num:1900', rule: 'year-zero-as-1900', ours } : { view: typeof v === 'number' ? num(v) : `unexpected:${ours}`, ours };
  }
  if (col.type === MYSQL_TYPE.GEOMETRY && v instanceof Uint8Array) {
    return { view: `geo:${JSON.stringify(wkbToZongjiShape(v))}`, rule: 'geometry-parsed-no-srid', ours };
  }
  if (typeof v === 'string') {
    if (TIME_TYPES.has(col.type) || DATETIME_TYPES.has(col.type)) return { view: `str:${padFrac(v)}`, ours };
    const cs = col.collationId !== undefined ? charsetOfCollation.get(col.collationId) : undefined;
    if (cs === 'latin1' && LATIN1_HOLE.test(v)) {
      return { view: `str:${v.replace(LATIN1_HOLES, '\ufffd')}`, rule: 'latin1-cp1252-holes', ours };
    }
    return { view: `str:${v}`, ours };
  }
  if (v instanceof Uint8Array) return { view: `bytes:${Buffer.from(v).toString('hex')}`, ours };
  return { view: `unexpected:${ours}`, ours };
}

/** Normalised view of a zongji value, using our column type only to pick the comparison domain. */
export function viewZongji(z: unknown, col: ColumnDef): string {
  if (z === null) return 'null';
  if (z === undefined) return 'undefined';
  if (Buffer.isBuffer(z)) return `bytes:${z.toString('hex')}`;
  if (col.type === MYSQL_TYPE.LONGLONG && (typeof z === 'number' || typeof z === 'string' || typeof z === 'bigint')) {
    try {
      return `int:${BigInt(z)}`;
    } catch {
      return `str:${String(z)}`;
    }
  }
  if (typeof z === 'number') return num(z);
  if (typeof z === 'string') {
    if (TIME_TYPES.has(col.type) || DATETIME_TYPES.has(col.type) || TIMESTAMP_TYPES.has(col.type)) return `str:${padFrac(z)}`;
    return `str:${z}`;
  }
  if (col.type === MYSQL_TYPE.GEOMETRY) return `geo:${JSON.stringify(z)}`;
  return `other:${describeJs(z)}`;
}

/** A view for reports: JSON-escaped (no raw control bytes in test output), long values shortened. */
function shown(view: string): string {
  return JSON.stringify(view.length > 160 ? `${view.slice(0, 140)}…(${view.length} chars)` : view);
}

export interface ZongjiMismatch {
  readonly file: string;
  readonly end: number;
  readonly table: string;
  readonly rowIndex?: number;
  readonly image?: 'before' | 'after';
  readonly column?: string;
  readonly ours: string;
  readonly zongji: string;
}

export interface ZongjiCompareResult {
  readonly mismatches: ZongjiMismatch[];
  readonly rowEvents: number;
  readonly rows: number;
  readonly values: number;
  /** How often each known-difference rule was needed to explain a value. */
  readonly rulesApplied: Partial<Record<ZongjiRule, number>>;
}

/** Reads `paths` with our decoder and compares with zongji's events (matched by file + end position). */
export async function compareWithZongji(
  paths: readonly string[],
  zongjiEvents: readonly ZongjiRowEvent[],
  charsetOfCollation: ReadonlyMap<number, string>,
): Promise<ZongjiCompareResult> {
  const mismatches: ZongjiMismatch[] = [];
  const rulesApplied: Partial<Record<ZongjiRule, number>> = {};
  let rows = 0;
  let values = 0;
  const ours: OurRowEvent<ZongjiExpectation>[] = [];
  for (const p of paths) ours.push(...(await readOurRowEvents(p, (v, col, columns) => expectZongji(v, col, charsetOfCollation, columns))));
  const zByKey = new Map(zongjiEvents.map((z) => [`${z.file}:${z.end}`, z]));
  const seen = new Set<string>();

  for (const ev of ours) {
    const key = `${ev.file}:${ev.end}`;
    const table = `${ev.db}.${ev.table}`;
    const z = zByKey.get(key);
    if (!z) {
      mismatches.push({ file: ev.file, end: ev.end, table, ours: `${ev.kind} event with ${ev.rows.length} rows`, zongji: 'no event ending here' });
      continue;
    }
    seen.add(key);
    if (z.kind !== ev.kind || z.db !== ev.db || z.table !== ev.table || z.rows.length !== ev.rows.length) {
      mismatches.push({
        file: ev.file, end: ev.end, table,
        ours: `${ev.kind} ${table} ${ev.rows.length} rows`,
        zongji: `${z.kind} ${z.db}.${z.table} ${z.rows.length} rows`,
      });
      continue;
    }
    for (let r = 0; r < ev.rows.length; r++) {
      rows++;
      const row = ev.rows[r]!;
      const zrow = z.rows[r]!;
      const images: ['before' | 'after', (ZongjiExpectation | undefined)[] | undefined, Record<string, unknown> | undefined][] =
        ev.kind === 'update'
          ? [
              ['before', row.before, (zrow as { before: Record<string, unknown> }).before],
              ['after', row.after, (zrow as { after: Record<string, unknown> }).after],
            ]
          : [[ev.kind === 'write' ? 'after' : 'before', ev.kind === 'write' ? row.after : row.before, zrow as Record<string, unknown>]];
      for (const [image, ourImage, zImage] of images) {
        if (!ourImage || !zImage) {
          mismatches.push({ file: ev.file, end: ev.end, table, rowIndex: r, image, ours: ourImage ? 'image' : 'no image', zongji: zImage ? 'image' : 'no image' });
          continue;
        }
        for (let i = 0; i < ev.columns.length; i++) {
          const col = ev.columns[i]!;
          const exp = ourImage[i];
          const name = col.name ?? z.columns[i] ?? `@${i + 1}`;
          // FULL row image in this test: every column is present on our side.
          if (exp === undefined) {
            mismatches.push({ file: ev.file, end: ev.end, table, rowIndex: r, image, column: name, ours: 'absent from image', zongji: describeJs(zImage[name]) });
            continue;
          }
          values++;
          const got = viewZongji(zImage[name], col);
          if (got !== exp.view) {
            mismatches.push({ file: ev.file, end: ev.end, table, rowIndex: r, image, column: name, ours: `${exp.ours} → expected zongji ${shown(exp.view)}${exp.rule ? ` (rule ${exp.rule})` : ''}`, zongji: shown(got) });
          } else if (exp.rule) {
            rulesApplied[exp.rule] = (rulesApplied[exp.rule] ?? 0) + 1;
          }
        }
      }
    }
  }
  for (const z of zongjiEvents) {
    const key = `${z.file}:${z.end}`;
    if (!seen.has(key)) mismatches.push({ file: z.file, end: z.end, table: `${z.db}.${z.table}`, ours: 'no row event ending here', zongji: `${z.kind} with ${z.rows.length} rows` });
  }
  return { mismatches, rowEvents: ours.length, rows, values, rulesApplied };
}

export function formatZongjiMismatches(m: readonly ZongjiMismatch[], limit = 40): string {
  if (m.length === 0) return 'no mismatches';
  const counts = new Map<string, number>();
  for (const x of m) counts.set(`${x.table} ${x.column ?? ''}`, (counts.get(`${x.table} ${x.column ?? ''}`) ?? 0) + 1);
  const lines = [`${m.length} mismatches; by table/column:`];
  for (const [k, n] of [...counts].sort((a, b) => b[1] - a[1])) lines.push(`  ${n}× ${k}`);
  for (const x of m.slice(0, limit)) {
    lines.push(`  ${x.file}@end ${x.end} ${x.table}${x.rowIndex !== undefined ? ` row ${x.rowIndex}` : ''}${x.image ? ` ${x.image}` : ''}${x.column ? ` ${x.column}` : ''}\n      ours:   ${x.ours}\n      zongji: ${x.zongji}`);
  }
  return lines.join('\n');
}
