/**
 * Human-readable rendering of BinlogEvents in the shape DBAs know from
 * `mariadb-binlog -vv --base64-output=decode-rows` / `mysqlbinlog -vv`
 * (https://mariadb.com/kb/en/mariadb-binlog/): a `# at POS` line, a `#YYMMDD HH:MM:SS server id N
 * end_log_pos N ...` header line per event, statements as text and row events as `###` pseudo-SQL
 * with a `TYPE meta=… nullable=… is_null=…` comment per value.
 *
 * It is for reading, not for piping into a client: no BINLOG '…' blocks are emitted. It prints only
 * what the binlog (plus an optional schema source) determines, and says so where the binlog is
 * silent: with binlog_row_metadata=NO_LOG (MariaDB's default) or MINIMAL a TABLE_MAP has no column
 * names, signedness or charsets, so columns are shown as @N, integers as stored (signed, with the
 * unsigned reading beside negative values), text of unknown charset as hex, ENUM/SET as numbers.
 */
import type { BinlogEvent, ColumnDef, EventBody, MysqlGtidBody, RowChange, RowsBody, TableMapBody } from './types.js';
import type { ColumnValue, RowImage } from './columns/values.js';
import {
  columnTypeName,
  isCharacterColumn,
  isNumericColumn,
  MYSQL_TYPE_BIT,
  MYSQL_TYPE_BLOB,
  MYSQL_TYPE_DATE,
  MYSQL_TYPE_DATETIME,
  MYSQL_TYPE_DATETIME2,
  MYSQL_TYPE_DECIMAL,
  MYSQL_TYPE_DOUBLE,
  MYSQL_TYPE_ENUM,
  MYSQL_TYPE_FLOAT,
  MYSQL_TYPE_GEOMETRY,
  MYSQL_TYPE_INT24,
  MYSQL_TYPE_JSON,
  MYSQL_TYPE_LONG,
  MYSQL_TYPE_LONG_BLOB,
  MYSQL_TYPE_LONGLONG,
  MYSQL_TYPE_MEDIUM_BLOB,
  MYSQL_TYPE_NEWDATE,
  MYSQL_TYPE_NEWDECIMAL,
  MYSQL_TYPE_SET,
  MYSQL_TYPE_SHORT,
  MYSQL_TYPE_STRING,
  MYSQL_TYPE_TIME,
  MYSQL_TYPE_TIME2,
  MYSQL_TYPE_TIMESTAMP,
  MYSQL_TYPE_TIMESTAMP2,
  MYSQL_TYPE_TINY,
  MYSQL_TYPE_TINY_BLOB,
  MYSQL_TYPE_VAR_STRING,
  MYSQL_TYPE_VARCHAR,
  MYSQL_TYPE_YEAR,
  realColumnType,
} from './columns/column-types.js';
import { decodeStringMeta } from './columns/column-meta.js';
import { hex, mariadbTypedText, timestampText } from './event-json.js';
import { wallClock } from '../target/time.js';

export interface EventTextOptions {
  /** Zone for header times (IANA name or ±HH:MM); default the machine zone, as mariadb-binlog. */
  readonly tz?: string | undefined;
  /** A schema source was given (--schema-from): missing metadata then means it had no matching table. */
  readonly schemaGiven?: boolean;
}

const PREAMBLE =
  '# pitr binlog decode: a human-readable listing (like mariadb-binlog -vv --base64-output=decode-rows).\n' +
  '# It is not replayable SQL: row events are shown as ### pseudo-SQL comments.\n';

/**
 * Stateful renderer: remembers the current file's checksum algorithm, the default database of the
 * last Query, and which tables it already explained missing metadata for.
 */
export class EventText {
  private readonly tz: string | undefined;
  private readonly schemaGiven: boolean;
  private started = false;
  private checksumByFile = new Map<string, boolean>();
  private lastDb: string | undefined;
  private readonly explained = new Set<string>();
  private lastTimeSec = Number.NaN;
  private lastTimeText = '';

  constructor(options: EventTextOptions = {}) {
    this.tz = options.tz;
    this.schemaGiven = options.schemaGiven === true;
  }

  /** Text for one event, ending with a newline. The first call also returns the preamble. */
  render(event: BinlogEvent): string {
    let out = '';
    if (!this.started) {
      out += PREAMBLE;
      this.started = true;
    }
    const body = event.body;
    if (body.kind === 'format_description') {
      this.checksumByFile.set(event.file, body.checksumAlg === 1);
      this.lastDb = undefined;
    }
    out += this.header(event);
    out += this.bodyText(body, event.header.flags);
    return out;
  }

  private header(event: BinlogEvent): string {
    const h = event.header;
    const at = event.payloadIndex === undefined ? `# at ${event.pos}` : `# at ${event.pos} (event ${event.payloadIndex} inside the transaction payload)`;
    let line = `${at}\n#${this.time(h.timestamp)} server id ${h.serverId}  end_log_pos ${h.logPos}`;
    if (event.payloadIndex === undefined && this.checksumByFile.get(event.file) === true && event.raw.length >= 4) {
      const r = event.raw;
      const n = r.length;
      const crc = (r[n - 4]! | (r[n - 3]! << 8) | (r[n - 2]! << 16) | (r[n - 1]! << 24)) >>> 0;
      line += ` CRC32 0x${crc.toString(16).padStart(8, '0')}`;
    }
    return `${line} \t${this.info(event.body)}\n`;
  }

  private time(sec: number): string {
    if (sec !== this.lastTimeSec) {
      const w = wallClock(sec, this.tz);
      this.lastTimeText = `${pad2(w.year % 100)}${pad2(w.month)}${pad2(w.day)} ${pad2(w.hour)}:${pad2(w.minute)}:${pad2(w.second)}`;
      this.lastTimeSec = sec;
    }
    return this.lastTimeText;
  }

  /** The rest of the header line: event name and its key facts. */
  private info(body: EventBody): string {
    switch (body.kind) {
      case 'format_description':
        // mysqlbinlog prints "created" only when the FDE carries a creation time (the first binlog after startup)
        return `Start: binlog v ${body.binlogVersion}, server v ${body.serverVersion}${body.createTimestamp === 0 ? '' : ` created ${this.time(body.createTimestamp)} at startup`}`;
      case 'rotate':
        return `Rotate to ${body.nextFile}  pos: ${body.position}`;
      case 'stop':
        return 'Stop';
      case 'query':
        return `Query\tthread_id=${body.threadId}\texec_time=${body.execTimeSec}\terror_code=${body.errorCode}${body.statusVars.xid !== undefined ? `\txid=${body.statusVars.xid}` : ''}${body.compressed ? '\t(compressed)' : ''}`;
      case 'xid':
        return `Xid = ${body.xid}`;
      case 'intvar':
        return 'Intvar';
      case 'rand':
        return 'Rand';
      case 'user_var':
        return 'User_var';
      case 'table_map':
        return `Table_map: ${qname(body.db, body.table)} mapped to number ${body.tableId}`;
      case 'write':
      case 'update':
      case 'delete':
        return `${rowsTitle(body)}: table id ${body.tableId}${rowsFlags(body.flags)}`;
      case 'incident':
        return `Incident: type ${body.incidentType}`;
      case 'heartbeat':
        return `Heartbeat ${body.logFile}${body.logPos === undefined ? '' : `:${body.logPos}`}`;
      case 'ignorable':
        return `Ignorable event type ${body.typeCode}`;
      case 'begin_load_query':
        return `Begin_load_query: file_id ${body.fileId} block_len ${body.blockLength}`;
      case 'execute_load_query':
        return `Execute_load_query: file_id ${body.fileId}`;
      case 'annotate_rows':
        return 'Annotate_rows:';
      case 'binlog_checkpoint':
        return `Binlog checkpoint ${body.file}`;
      case 'gtid':
        if (body.flavor === 'mariadb') {
          const tags = [body.ddl ? 'ddl' : body.transactional ? 'trans' : ''];
          if (body.commitId !== undefined) tags.push(`cid=${body.commitId}`);
          return `GTID ${body.gtid} ${tags.filter((t) => t !== '').join(' ')}`.trimEnd();
        }
        return mysqlGtidInfo(body);
      case 'gtid_list':
        return `Gtid list [${body.gtids.map((g) => `${g.domainId}-${g.serverId}-${g.seqNo}`).join(',\n# ')}]`;
      case 'previous_gtids':
        return 'Previous-GTIDs';
      case 'rows_query':
        return 'Rows_query';
      case 'transaction_context':
        return `Transaction_context: server_uuid=${body.serverUuid}\tthread_id=${body.threadId}`;
      case 'view_change':
        return `View_change: view_id=${body.viewId}\tseq_number=${body.seqNumber}`;
      case 'xa_prepare':
        return `XA PREPARE${body.onePhase ? ' (one phase)' : ''}`;
      case 'transaction_payload':
        return `Transaction_Payload\tpayload_size=${body.payloadSize}\tcompression_type=${compressionName(body.compressionType)}\tuncompressed_size=${body.uncompressedSize}`;
      case 'unknown':
        return `Unknown event type ${body.typeCode} (not decoded)`;
    }
  }

  /** Lines after the header (statements, ### rows); empty for events with nothing more to say. */
  private bodyText(body: EventBody, headerFlags: number): string {
    switch (body.kind) {
      case 'query': {
        let out = '';
        // LOG_EVENT_SUPPRESS_USE_F (0x8): CREATE/DROP DATABASE carry the database without `use` meaning
        if (body.db !== '' && body.db !== this.lastDb && (headerFlags & 0x8) === 0) {
          out += `use ${qid(body.db)}/*!*/;\n`;
          this.lastDb = body.db;
        }
        return `${out}${body.query}\n/*!*/;\n`;
      }
      case 'execute_load_query':
        return `${body.db === '' ? '' : `use ${qid(body.db)}/*!*/;\n`}${body.query}\n/*!*/;\n`;
      case 'xid':
        return 'COMMIT/*!*/;\n';
      case 'intvar':
        return `SET ${body.intvarType === 'LAST_INSERT_ID' ? 'LAST_INSERT_ID' : 'INSERT_ID'}=${body.value}/*!*/;\n`;
      case 'rand':
        return `SET @@RAND_SEED1=${body.seed1}, @@RAND_SEED2=${body.seed2}/*!*/;\n`;
      case 'user_var':
        return `SET @${qid(body.name)}:=${userVarText(body.value, body.isNull)}/*!*/;\n`;
      case 'annotate_rows':
      case 'rows_query':
        return `${body.query
          .split('\n')
          .map((l) => `#Q> ${l}`)
          .join('\n')}\n`;
      case 'gtid':
        if (body.flavor === 'mysql') return mysqlGtidText(body);
        // as mariadb-binlog: a non-standalone group is a transaction (ends with XID or COMMIT)
        return body.standalone ? '' : 'START TRANSACTION\n/*!*/;\n';
      case 'previous_gtids':
        return `# ${body.gtidSet === '' ? '[empty]' : body.gtidSet}\n`;
      case 'incident':
        return `# Incident: ${body.message}\n`;
      case 'xa_prepare':
        return `XA PREPARE X'${hex(body.gtrid)}',X'${hex(body.bqual)}',${body.formatId}\n/*!*/;\n`;
      case 'table_map':
        return this.tableMapText(body);
      case 'write':
      case 'update':
      case 'delete':
        return rowsText(body);
      case 'unknown':
        return '# pitr does not know this event type; its bytes were skipped.\n';
      default:
        return '';
    }
  }

  private tableMapText(t: TableMapBody): string {
    let out = '';
    const missing = missingMetadata(t.columns);
    if (missing.length > 0) {
      const key = `${t.db}.${t.table}`;
      if (!this.explained.has(key)) {
        this.explained.add(key);
        out +=
          `# NOTE: the binlog carries no ${joinWords(missing)} for ${qname(t.db, t.table)}` +
          ` (binlog_row_metadata=NO_LOG or MINIMAL) and ${this.schemaGiven ? 'the schema source has no matching definition of it' : 'no schema was given'}:\n` +
          '#   values are printed as the binlog alone determines them: columns as @N,' +
          ' integers as stored (the unsigned reading in parentheses), text of unknown charset as X\'hex\',' +
          ` ENUM/SET as index/bitmap.${this.schemaGiven ? '' : ' Decode with --schema-from DUMP|URL to get names and types.'}\n`;
      }
    }
    if (t.schemaApplied) out += `# column names and types from the schema source\n`;
    return out;
  }
}

function rowsTitle(r: RowsBody): string {
  const base = r.kind === 'write' ? 'Write_rows' : r.kind === 'update' ? 'Update_rows' : 'Delete_rows';
  if (r.eventName.startsWith('PARTIAL_UPDATE')) return 'Update_rows_partial';
  return r.compressed ? `${base}_compressed` : r.version === 1 ? `${base}_v1` : base;
}

function rowsFlags(flags: number): string {
  const names: string[] = [];
  if (flags & 1) names.push('STMT_END_F');
  if (flags & 2) names.push('NO_FOREIGN_KEY_CHECKS_F');
  if (flags & 4) names.push('RELAXED_UNIQUE_CHECKS_F');
  if (flags & 8) names.push('COMPLETE_ROWS_F');
  return names.length === 0 ? '' : ` flags: ${names.join(' ')}`;
}

function mysqlGtidInfo(g: MysqlGtidBody): string {
  let s = g.anonymous ? 'Anonymous_GTID' : 'GTID';
  if (g.lastCommitted !== undefined) s += `\tlast_committed=${g.lastCommitted}`;
  if (g.sequenceNumber !== undefined) s += `\tsequence_number=${g.sequenceNumber}`;
  if (g.transactionLength !== undefined) s += `\ttransaction_length=${g.transactionLength}`;
  return s;
}

function mysqlGtidText(g: MysqlGtidBody): string {
  let out = '';
  if (g.originalCommitTimestampUs !== undefined) out += `# original_commit_timestamp=${g.originalCommitTimestampUs} (${usText(g.originalCommitTimestampUs)} UTC)\n`;
  if (g.immediateCommitTimestampUs !== undefined) out += `# immediate_commit_timestamp=${g.immediateCommitTimestampUs} (${usText(g.immediateCommitTimestampUs)} UTC)\n`;
  out += `SET @@SESSION.GTID_NEXT= '${g.anonymous ? 'ANONYMOUS' : g.gtid}'/*!*/;\n`;
  return out;
}

function usText(us: bigint): string {
  const sec = Number(us / 1_000_000n);
  const micros = Number(us % 1_000_000n);
  return timestampText({ kind: 'timestamp', seconds: sec, micros, fsp: 6 });
}

function compressionName(t: number): string {
  return t === 0 ? 'ZSTD' : t === 255 ? 'NONE' : String(t);
}

/** Which of names/signedness/charsets the columns lack (without a schema source). */
function missingMetadata(cols: readonly ColumnDef[]): string[] {
  let names = false;
  let signedness = false;
  let charsets = false;
  for (const c of cols) {
    if (c.name === undefined) names = true;
    if (c.unsigned === undefined && isNumericColumn(c.type, false)) signedness = true;
    if (c.collationId === undefined && isCharacterColumn(c.type, c.meta)) charsets = true;
  }
  const out: string[] = [];
  if (names) out.push('column names');
  if (signedness) out.push('signedness');
  if (charsets) out.push('charsets');
  return out;
}

function joinWords(words: readonly string[]): string {
  if (words.length <= 1) return words.join('');
  return `${words.slice(0, -1).join(', ')} or ${words[words.length - 1]}`;
}

function rowsText(r: RowsBody): string {
  const cols = r.table.columns;
  const name = qname(r.table.db, r.table.table);
  let out = '';
  if (r.rows.length === 0) return '';
  for (const row of r.rows) {
    if (r.kind === 'write') {
      out += `### INSERT INTO ${name}\n### SET\n${imageText(row.after, cols)}`;
    } else if (r.kind === 'delete') {
      out += `### DELETE FROM ${name}\n### WHERE\n${imageText(row.before, cols)}`;
    } else {
      out += `### UPDATE ${name}\n### WHERE\n${imageText(row.before, cols)}### SET\n${imageText(row.after, cols)}${partialText(row.jsonPartialUpdates, cols)}`;
    }
  }
  return `${out}# Number of rows: ${r.rows.length}\n`;
}

/** Per column: `###   label=` and ` /* TYPE meta=… nullable=… is_null=`, built once per TABLE_MAP. */
interface ColumnText {
  readonly prefix: string;
  readonly comment: string;
}

const columnTextCache = new WeakMap<readonly ColumnDef[], ColumnText[]>();

function columnTexts(cols: readonly ColumnDef[], width: number): ColumnText[] {
  let texts = columnTextCache.get(cols);
  if (texts === undefined || texts.length < width) {
    texts = [];
    for (let i = 0; i < Math.max(width, cols.length); i++) {
      const col = cols[i];
      const label = col?.name === undefined ? `@${i + 1}` : qid(col.name);
      texts.push({
        prefix: `###   ${label}=`,
        comment: ` /* ${col === undefined ? 'UNKNOWN' : typeText(col)} meta=${col?.meta ?? 0} nullable=${col?.nullable === false ? 0 : 1} is_null=`,
      });
    }
    columnTextCache.set(cols, texts);
  }
  return texts;
}

/**
 * PARTIAL_JSON updates whose old value is not logged: printed as mysqlbinlog does, as the JSON
 * functions that turn the old value into the new one, e.g. JSON_REPLACE(@3, '$.a', 1).
 */
function partialText(partial: RowChange['jsonPartialUpdates'], cols: readonly ColumnDef[]): string {
  if (partial === undefined) return '';
  const texts = columnTexts(cols, cols.length);
  let out = '';
  for (const index of Object.keys(partial)) {
    const i = Number(index);
    const col = cols[i];
    let expr = col?.name === undefined ? `@${i + 1}` : qid(col.name);
    for (const op of partial[i] ?? []) {
      expr =
        op.operation === 'REMOVE'
          ? `JSON_REMOVE(${expr}, ${quote(op.path)})`
          : `JSON_${op.operation}(${expr}, ${quote(op.path)}, CAST(${quote(op.value ?? 'null')} AS JSON))`;
    }
    const t = texts[i];
    out += `${t?.prefix ?? `###   @${i + 1}=`}${expr}${t?.comment ?? ' /* JSON is_null='}0 partial */\n`;
  }
  return out;
}

function imageText(image: RowImage | undefined, cols: readonly ColumnDef[]): string {
  if (image === undefined) return '';
  const texts = columnTexts(cols, image.length);
  let out = '';
  for (let i = 0; i < image.length; i++) {
    const v = image[i];
    if (v === undefined) continue; // not in this row image
    const t = texts[i]!;
    out += t.prefix + valueText(v, cols[i]) + t.comment + (v === null ? '1 */\n' : '0 */\n');
  }
  return out;
}

function valueText(v: ColumnValue, col: ColumnDef | undefined): string {
  if (v === null) return 'NULL';
  if (typeof v === 'number') {
    const s = Object.is(v, -0) ? '-0' : String(v);
    return v < 0 && col !== undefined && col.unsigned === undefined && isIntegerType(col.type) ? `${s} (${unsignedReading(BigInt(v), col.type)})` : s;
  }
  if (typeof v === 'bigint') {
    return v < 0n && col !== undefined && col.unsigned === undefined ? `${v} (${unsignedReading(v, col.type)})` : String(v);
  }
  if (typeof v === 'string') {
    const t = col === undefined ? MYSQL_TYPE_VARCHAR : col.type;
    return t === MYSQL_TYPE_NEWDECIMAL || t === MYSQL_TYPE_DECIMAL ? v : quote(v);
  }
  if (v instanceof Uint8Array) {
    const text = col === undefined ? undefined : mariadbTypedText(v, col);
    if (text !== undefined) return quote(text);
    if (col !== undefined && col.type === MYSQL_TYPE_BIT) return `b'${bits(v, col.meta)}'`;
    return `X'${hex(v)}'`;
  }
  switch (v.kind) {
    case 'timestamp':
      return quote(timestampText(v));
    case 'enum':
      return v.name === undefined ? String(v.index) : quote(v.name);
    case 'set':
      return v.names === undefined ? String(v.bits) : quote(v.names.join(','));
  }
}

function isIntegerType(t: number): boolean {
  return t === MYSQL_TYPE_TINY || t === MYSQL_TYPE_SHORT || t === MYSQL_TYPE_INT24 || t === MYSQL_TYPE_LONG || t === MYSQL_TYPE_LONGLONG;
}

function unsignedReading(v: bigint, t: number): string {
  const bits = t === MYSQL_TYPE_TINY ? 8n : t === MYSQL_TYPE_SHORT ? 16n : t === MYSQL_TYPE_INT24 ? 24n : t === MYSQL_TYPE_LONG ? 32n : 64n;
  return String((1n << bits) + v);
}

/** BIT(n): meta is (bytes << 8) | bits-in-last-byte as packed by readColumnMeta. */
function bits(v: Uint8Array, meta: number): string {
  const n = (meta >>> 8) * 8 + (meta & 0xff);
  let s = '';
  for (const b of v) s += b.toString(2).padStart(8, '0');
  return n > 0 && n < s.length ? s.slice(s.length - n) : s;
}

/** The -vv type word, as mysqlbinlog prints it (TINYINT, VARSTRING(40), DECIMAL(10,2), ...). */
function typeText(col: ColumnDef): string {
  const meta = col.meta;
  let s: string;
  switch (realColumnType(col.type, meta)) {
    case MYSQL_TYPE_TINY:
      s = 'TINYINT';
      break;
    case MYSQL_TYPE_SHORT:
      s = 'SHORTINT';
      break;
    case MYSQL_TYPE_INT24:
      s = 'MEDIUMINT';
      break;
    case MYSQL_TYPE_LONG:
      s = 'INT';
      break;
    case MYSQL_TYPE_LONGLONG:
      s = 'LONGINT';
      break;
    case MYSQL_TYPE_NEWDECIMAL:
      s = `DECIMAL(${meta >>> 8},${meta & 0xff})`;
      break;
    case MYSQL_TYPE_FLOAT:
      s = 'FLOAT';
      break;
    case MYSQL_TYPE_DOUBLE:
      s = 'DOUBLE';
      break;
    case MYSQL_TYPE_YEAR:
      s = 'YEAR';
      break;
    case MYSQL_TYPE_DATE:
    case MYSQL_TYPE_NEWDATE:
      s = 'DATE';
      break;
    case MYSQL_TYPE_TIME:
      s = 'TIME';
      break;
    case MYSQL_TYPE_TIME2:
      s = `TIME(${meta})`;
      break;
    case MYSQL_TYPE_DATETIME:
      s = 'DATETIME';
      break;
    case MYSQL_TYPE_DATETIME2:
      s = `DATETIME(${meta})`;
      break;
    case MYSQL_TYPE_TIMESTAMP:
      s = 'TIMESTAMP in UTC';
      break;
    case MYSQL_TYPE_TIMESTAMP2:
      s = `TIMESTAMP(${meta}) in UTC`;
      break;
    case MYSQL_TYPE_VARCHAR:
    case MYSQL_TYPE_VAR_STRING:
      s = `VARSTRING(${meta})`;
      break;
    case MYSQL_TYPE_STRING:
      s = `STRING(${decodeStringMeta(meta).length})`;
      break;
    case MYSQL_TYPE_ENUM:
      s = `ENUM(${meta & 0xff} byte${(meta & 0xff) === 1 ? '' : 's'})`;
      if (col.enumValues === undefined) s += ' index, names unknown';
      break;
    case MYSQL_TYPE_SET:
      s = `SET(${meta & 0xff} byte${(meta & 0xff) === 1 ? '' : 's'})`;
      if (col.setValues === undefined) s += ' bitmap, names unknown';
      break;
    case MYSQL_TYPE_BIT:
      s = `BIT(${(meta >>> 8) * 8 + (meta & 0xff)})`;
      break;
    case MYSQL_TYPE_TINY_BLOB:
    case MYSQL_TYPE_MEDIUM_BLOB:
    case MYSQL_TYPE_LONG_BLOB:
    case MYSQL_TYPE_BLOB:
      s = 'BLOB/TEXT';
      break;
    case MYSQL_TYPE_JSON:
      s = 'JSON';
      break;
    case MYSQL_TYPE_GEOMETRY:
      s = 'GEOMETRY';
      break;
    default:
      s = columnTypeName(col.type);
  }
  if (col.sqlType !== undefined) s += ` ${col.sqlType}`;
  else if (col.unsigned === true) s += ' UNSIGNED';
  else if (col.unsigned === undefined && isIntegerType(col.type)) s += ' signedness unknown';
  if (col.collationId === undefined && isCharacterColumn(col.type, col.meta)) s += ' charset unknown';
  return s;
}

function userVarText(v: string | bigint | number | Uint8Array | null, isNull: boolean): string {
  if (isNull || v === null) return 'NULL';
  if (typeof v === 'string') return quote(v);
  if (v instanceof Uint8Array) return `X'${hex(v)}'`;
  return String(v);
}

/** A single-quoted literal with the control characters a terminal would mangle escaped. */
// eslint-disable-next-line no-control-regex
const NEEDS_ESCAPE = /[\\'\u0000-\u001f\u007f]/;

function quote(s: string): string {
  if (!NEEDS_ESCAPE.test(s)) return `'${s}'`;
  // eslint-disable-next-line no-control-regex
  return `'${s.replace(/[\\'\u0000-\u001f\u007f]/g, (c) => {
    switch (c) {
      case '\\':
        return '\\\\';
      case "'":
        return "\\'";
      case '\n':
        return '\\n';
      case '\r':
        return '\\r';
      case '\t':
        return '\\t';
      case '\u0000':
        return '\\0';
      default:
        return `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`;
    }
  })}'`;
}

function qid(name: string): string {
  return `\`${name.replace(/`/g, '``')}\``;
}

function qname(db: string, table: string): string {
  return `${qid(db)}.${qid(table)}`;
}

function pad2(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}
