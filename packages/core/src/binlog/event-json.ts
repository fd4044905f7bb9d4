/**
 * One BinlogEvent → one NDJSON line, exactly as DESIGN.md "`pitr binlog decode --json`" specifies:
 * `{"file","pos","end","time","type","serverId", ...decoded fields}`; row events carry
 * `{"db","table","rows":[{"before":{…},"after":{…}}]}` keyed by column name (`@1`… when unknown).
 *
 * Value mapping (DESIGN.md "Fidelity"): NULL → null; integers → number when |v| ≤ 2^53−1 else a
 * string of digits; DECIMAL exact string; FLOAT/DOUBLE number (-0 kept); text → string; bytes
 * (BINARY/BLOB/BIT/GEOMETRY, text of unknown charset) → {"hex":"…"}; DATE/TIME/DATETIME strings as
 * stored; TIMESTAMP the same form in UTC; YEAR number; JSON its text; ENUM/SET their member text,
 * or — when the binlog carries no member names and no schema is known — the ENUM index / SET
 * bitmap as a number. MariaDB UUID/INET6/INET4 columns (known only from a schema source) are
 * rendered as the server prints them. A column absent from the row image is omitted.
 *
 * The `type` of an event is its body kind (lower snake case), stable across flavors.
 */
import type { BinlogEvent, ColumnDef, EventBody, RowsBody, TableMapBody } from './types.js';
import type { ColumnValue, RowImage, TimestampValue } from './columns/values.js';
import { columnTypeName } from './columns/column-types.js';

/** Serialises `event` as one JSON text (no trailing newline). */
export function eventJson(event: BinlogEvent): string {
  const h = event.header;
  let out = `{"file":${JSON.stringify(event.file)},"pos":${event.pos},"end":${event.end},"time":${h.timestamp},"type":"${event.body.kind}","serverId":${h.serverId}`;
  if (event.payloadIndex !== undefined) out += `,"payloadIndex":${event.payloadIndex}`;
  const body = event.body;
  switch (body.kind) {
    case 'write':
    case 'update':
    case 'delete':
      out += rowsFields(body);
      break;
    case 'table_map':
      out += tableMapFields(body);
      break;
    default:
      out += fields(bodyFields(body));
  }
  return `${out}}`;
}

/** Decoded fields of a non-rows event, in a stable order; undefined fields are left out. */
function bodyFields(body: Exclude<EventBody, RowsBody | TableMapBody>): Record<string, unknown> {
  switch (body.kind) {
    case 'format_description':
      return {
        binlogVersion: body.binlogVersion,
        serverVersion: body.serverVersion,
        flavor: body.flavor,
        createTimestamp: body.createTimestamp,
        headerLength: body.headerLength,
        checksum: checksumName(body.checksumAlg),
      };
    case 'rotate':
      return { nextFile: body.nextFile, position: body.position };
    case 'stop':
      return {};
    case 'query':
      return {
        db: body.db,
        query: body.query,
        threadId: body.threadId,
        execTimeSec: body.execTimeSec,
        errorCode: body.errorCode,
        compressed: body.compressed,
        statusVars: body.statusVars,
      };
    case 'xid':
      return { xid: body.xid };
    case 'intvar':
      return { intvarType: body.intvarType, value: body.value };
    case 'rand':
      return { seed1: body.seed1, seed2: body.seed2 };
    case 'user_var':
      return {
        name: body.name,
        isNull: body.isNull,
        valueType: body.valueType,
        collationId: body.collationId,
        value: body.value,
        flags: body.flags,
      };
    case 'incident':
      return { incidentType: body.incidentType, message: body.message };
    case 'heartbeat':
      return { logFile: body.logFile, logPos: body.logPos };
    case 'ignorable':
      return { typeCode: body.typeCode };
    case 'begin_load_query':
      return { fileId: body.fileId, blockLength: body.blockLength };
    case 'execute_load_query':
      return { fileId: body.fileId, db: body.db, query: body.query };
    case 'annotate_rows':
      return { query: body.query };
    case 'binlog_checkpoint':
      // `file` is taken by the envelope (the file being read); this is the file named inside.
      return { binlogFile: body.file };
    case 'gtid':
      if (body.flavor === 'mariadb') {
        return {
          flavor: body.flavor,
          gtid: body.gtid,
          domainId: body.domainId,
          seqNo: body.seqNo,
          flags: body.flags,
          standalone: body.standalone,
          transactional: body.transactional,
          ddl: body.ddl,
          commitId: body.commitId,
        };
      }
      return {
        flavor: body.flavor,
        gtid: body.gtid,
        anonymous: body.anonymous,
        uuid: body.uuid,
        tag: body.tag,
        gno: body.gno,
        commitFlag: body.commitFlag,
        lastCommitted: body.lastCommitted,
        sequenceNumber: body.sequenceNumber,
        immediateCommitTimestampUs: body.immediateCommitTimestampUs,
        originalCommitTimestampUs: body.originalCommitTimestampUs,
        transactionLength: body.transactionLength,
        immediateServerVersion: body.immediateServerVersion,
        originalServerVersion: body.originalServerVersion,
      };
    case 'gtid_list':
      return { flags: body.flags, gtids: body.gtids.map((g) => `${g.domainId}-${g.serverId}-${g.seqNo}`) };
    case 'previous_gtids':
      return { gtidSet: body.gtidSet };
    case 'rows_query':
      return { query: body.query };
    case 'transaction_context':
      return { serverUuid: body.serverUuid, threadId: body.threadId, gtidSpecified: body.gtidSpecified };
    case 'view_change':
      return { viewId: body.viewId, seqNumber: body.seqNumber };
    case 'xa_prepare':
      return { onePhase: body.onePhase, formatId: body.formatId, gtrid: body.gtrid, bqual: body.bqual };
    case 'transaction_payload':
      return {
        compressionType: body.compressionType,
        payloadSize: body.payloadSize,
        uncompressedSize: body.uncompressedSize,
      };
    case 'unknown':
      return { typeCode: body.typeCode };
  }
}

function checksumName(alg: number): string | number {
  // https://dev.mysql.com/doc/dev/mysql-server/latest/binlog__event_8h.html enum_binlog_checksum_alg
  if (alg === 0) return 'none';
  if (alg === 1) return 'crc32';
  if (alg === 255) return 'undefined';
  return alg;
}

function tableMapFields(t: TableMapBody): string {
  let out = `,"db":${JSON.stringify(t.db)},"table":${JSON.stringify(t.table)},"tableId":${t.tableId},"flags":${t.flags},"columns":[`;
  for (let i = 0; i < t.columns.length; i++) {
    const c = t.columns[i]!;
    if (i > 0) out += ',';
    out += `{${fields({
      index: c.index,
      name: c.name,
      type: columnTypeName(c.type),
      typeCode: c.type,
      meta: c.meta,
      nullable: c.nullable,
      unsigned: c.unsigned,
      collationId: c.collationId,
      enumValues: c.enumValues,
      setValues: c.setValues,
      geometryType: c.geometryType,
      sqlType: c.sqlType,
      generated: c.generated,
      primaryKey: c.primaryKey,
      primaryKeyPrefix: c.primaryKeyPrefix,
      visible: c.visible,
      vectorDimensions: c.vectorDimensions,
    }).slice(1)}}`;
  }
  out += `],"metadataFields":${jsonValue(t.metadataFields)},"schemaApplied":${t.schemaApplied}`;
  return out;
}

function rowsFields(r: RowsBody): string {
  const cols = r.table.columns;
  let out = `,"db":${JSON.stringify(r.table.db)},"table":${JSON.stringify(r.table.table)},"tableId":${r.tableId},"flags":${r.flags},"rows":[`;
  for (let i = 0; i < r.rows.length; i++) {
    const row = r.rows[i]!;
    if (i > 0) out += ',';
    out += '{';
    if (row.before !== undefined) {
      out += `"before":${rowImageJson(row.before, cols)}`;
      if (row.after !== undefined) out += ',';
    }
    if (row.after !== undefined) out += `"after":${rowImageJson(row.after, cols)}`;
    const partial = row.jsonPartialUpdates;
    if (partial !== undefined) {
      // MySQL PARTIAL_JSON without the before value: only the changes are known (see RowChange).
      const keys = keysOf(cols, cols.length);
      let p = '';
      for (const index of Object.keys(partial)) {
        const i = Number(index);
        p += `${p === '' ? '' : ','}${keys[i] ?? `${JSON.stringify(`@${i + 1}`)}:`}${jsonValue(partial[i])}`;
      }
      out += `${row.before === undefined && row.after === undefined ? '' : ','}"jsonPartialUpdates":{${p}}`;
    }
    out += '}';
  }
  out += ']';
  if (r.extraRowInfo !== undefined) out += `,"extraRowInfo":${jsonValue(r.extraRowInfo)}`;
  return out;
}

/** `"name":` per column, computed once per TABLE_MAP column list (hot path: every value). */
const keyCache = new WeakMap<readonly ColumnDef[], string[]>();

function keysOf(cols: readonly ColumnDef[], width: number): string[] {
  let keys = keyCache.get(cols);
  if (keys === undefined || keys.length < width) {
    keys = [];
    for (let i = 0; i < Math.max(width, cols.length); i++) keys.push(`${JSON.stringify(cols[i]?.name ?? `@${i + 1}`)}:`);
    keyCache.set(cols, keys);
  }
  return keys;
}

function rowImageJson(image: RowImage, cols: readonly ColumnDef[]): string {
  const keys = keysOf(cols, image.length);
  let out = '{';
  let first = true;
  for (let i = 0; i < image.length; i++) {
    const v = image[i];
    if (v === undefined) continue; // not in this row image (MINIMAL/NOBLOB): omitted, never null
    out += first ? keys[i]! : `,${keys[i]!}`;
    out += columnValueJson(v, cols[i]);
    first = false;
  }
  return `${out}}`;
}

/** One column value as JSON text (see the file comment for the mapping). */
export function columnValueJson(v: ColumnValue, col: ColumnDef | undefined): string {
  if (v === null) return 'null';
  switch (typeof v) {
    case 'number':
      return numberJson(v);
    case 'bigint':
      return bigintJson(v);
    case 'string':
      return JSON.stringify(v);
    default:
      break;
  }
  if (v instanceof Uint8Array) {
    const text = col === undefined ? undefined : mariadbTypedText(v, col);
    return text === undefined ? `{"hex":"${hex(v)}"}` : JSON.stringify(text);
  }
  switch (v.kind) {
    case 'timestamp':
      return `"${timestampText(v)}"`;
    case 'enum':
      return v.name === undefined ? String(v.index) : JSON.stringify(v.name);
    case 'set':
      return v.names === undefined ? bigintJson(v.bits) : JSON.stringify(v.names.join(','));
  }
}

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

function bigintJson(v: bigint): string {
  return v <= MAX_SAFE && v >= -MAX_SAFE ? v.toString() : `"${v.toString()}"`;
}

function numberJson(v: number): string {
  if (Number.isFinite(v)) return Object.is(v, -0) ? '-0' : String(v);
  // MySQL refuses NaN/Infinity in FLOAT/DOUBLE columns; keep the JSON valid if one ever appears.
  return `"${String(v)}"`;
}

export function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}

/** TIMESTAMP as `YYYY-MM-DD HH:MM:SS[.ffffff]` in UTC, with the column's fsp digits. */
export function timestampText(v: TimestampValue): string {
  const frac = v.fsp > 0 ? `.${String(v.micros).padStart(6, '0').slice(0, v.fsp)}` : '';
  if (v.seconds === 0 && v.micros === 0) return `0000-00-00 00:00:00${frac}`; // the zero TIMESTAMP
  const iso = new Date(v.seconds * 1000).toISOString();
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)}${frac}`;
}

/**
 * MariaDB's UUID/INET6/INET4 types are logged as fixed binary; a schema source tells us the column
 * is one of them. Returns the text form the server prints, or undefined to keep the bytes.
 */
export function mariadbTypedText(bytes: Uint8Array, col: ColumnDef): string | undefined {
  const sqlType = col.sqlType;
  if (sqlType === undefined) return undefined;
  const base = /^[a-z0-9_]+/i.exec(sqlType)?.[0]?.toLowerCase();
  const size = base === 'uuid' || base === 'inet6' ? 16 : base === 'inet4' ? 4 : 0;
  if (size === 0 || bytes.length > size) return undefined;
  // Fixed-size binary is logged like BINARY(n): trailing 0x00 bytes are stripped from the image.
  const b = bytes.length === size ? bytes : padZeros(bytes, size);
  if (base === 'uuid') return uuidText(b);
  if (base === 'inet6') return inet6Text(b);
  return `${b[0]}.${b[1]}.${b[2]}.${b[3]}`;
}

function padZeros(bytes: Uint8Array, size: number): Uint8Array {
  const out = new Uint8Array(size);
  out.set(bytes);
  return out;
}

/**
 * MariaDB stores a UUID in the table record with its groups reordered for index locality
 * (https://mariadb.com/kb/en/uuid-data-type/#storage), but the row image in the binlog carries it
 * in text order (observed on 10.11: '123e4567-e89b-…' is logged as 12 3e 45 67 e8 9b …), which is
 * also what mariadb-binlog shows. So the text form is the bytes in order.
 */
function uuidText(b: Uint8Array): string {
  const h = hex(b);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/**
 * RFC 5952 text with the IPv4-compatible/-mapped forms printed dotted, as MariaDB's INET6 does
 * (https://mariadb.com/kb/en/inet6/).
 */
function inet6Text(b: Uint8Array): string {
  let zeros12 = true;
  for (let i = 0; i < 10; i++) if (b[i] !== 0) zeros12 = false;
  const v4 = `${b[12]}.${b[13]}.${b[14]}.${b[15]}`;
  if (zeros12 && b[10] === 0xff && b[11] === 0xff) return `::ffff:${v4}`;
  if (zeros12 && b[10] === 0 && b[11] === 0) {
    const tail = ((b[12]! << 24) | (b[13]! << 16) | (b[14]! << 8) | b[15]!) >>> 0;
    if (tail > 1 && b[12] !== 0) return `::${v4}`;
  }
  const words: number[] = [];
  for (let i = 0; i < 16; i += 2) words.push((b[i]! << 8) | b[i + 1]!);
  // Longest run of ≥2 zero words (first one wins a tie) becomes "::".
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (words[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && words[j] === 0) j++;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  if (bestLen < 2) return words.map((w) => w.toString(16)).join(':');
  const head = words.slice(0, bestStart).map((w) => w.toString(16)).join(':');
  const tail = words.slice(bestStart + bestLen).map((w) => w.toString(16)).join(':');
  return `${head}::${tail}`;
}

/** `,"k":v` for each defined field, values through jsonValue. */
function fields(obj: Record<string, unknown>): string {
  let out = '';
  for (const key of Object.keys(obj)) {
    const v = obj[key];
    if (v === undefined) continue;
    out += `,${JSON.stringify(key)}:${jsonValue(v)}`;
  }
  return out;
}

/**
 * JSON for decoded event fields: bigint → number when safe else digit string, bytes → {"hex"},
 * -0 kept, undefined fields dropped.
 */
export function jsonValue(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  switch (typeof v) {
    case 'number':
      return numberJson(v);
    case 'bigint':
      return bigintJson(v);
    case 'string':
      return JSON.stringify(v);
    case 'boolean':
      return v ? 'true' : 'false';
    default:
      break;
  }
  if (v instanceof Uint8Array) return `{"hex":"${hex(v)}"}`;
  if (Array.isArray(v)) return `[${v.map((x) => jsonValue(x)).join(',')}]`;
  if (typeof v === 'object') return `{${fields(v as Record<string, unknown>).slice(1)}}`;
  return 'null';
}
