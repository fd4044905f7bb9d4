/**
 * BinlogParser: framing, checksums, FDE state and dispatch, on whole events captured from servers
 * (msmp's MySQL 8.0.34 / MariaDB events, go-mysql, vitess, mysql-binlog-connector-java) and on
 * events built here for the cases no capture covers (unknown types, encryption, checksum off).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { decompress } from 'zstd-napi';
import { describe, expect, it } from 'vitest';
import { BinlogFormatError } from '../errors/pitr-error.js';
import { crc32 } from './crc32.js';
import * as K from './constants.js';
import { BinlogParser } from './parser.js';
import type { BinlogEvent, EventBody, MysqlGtidBody, RowsBody } from './types.js';
import type { MariadbGtidEventBody } from './events/mariadb-events.js';

const repoRoot = resolve(fileURLToPath(new URL('.', import.meta.url)), '../../../..');
const FIXTURES = process.env.PITR_FIXTURES ?? join(repoRoot, '../shared/fixtures');
const haveFixtures = existsSync(join(FIXTURES, 'manifest.json'));
const SKIP_REASON = `fixtures not found at ${FIXTURES} (set PITR_FIXTURES)`;
if (!haveFixtures) console.warn(`[skip] parser vector tests: ${SKIP_REASON}`);

interface Group { test: string; notes?: string; cases: Record<string, unknown>[] }
function groups(file: string): Group[] {
  return (JSON.parse(readFileSync(join(FIXTURES, file), 'utf8')) as { groups: Group[] }).groups;
}
function group(file: string, test: string): Group {
  const g = groups(file).find((x) => x.test.startsWith(test));
  if (g === undefined) throw new Error(`no group ${test} in ${file}`);
  return g;
}
const hex = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s, 'hex'));
const toHex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

/** Frames a body as a v4 event (+ CRC32 unless checksum: false). */
function frame(
  type: number,
  body: Uint8Array,
  o: { flags?: number; serverId?: number; timestamp?: number; logPos?: number; checksum?: boolean } = {},
): Uint8Array {
  const checksum = o.checksum ?? true;
  const size = 19 + body.length + (checksum ? 4 : 0);
  const ev = new Uint8Array(size);
  const dv = new DataView(ev.buffer);
  dv.setUint32(0, o.timestamp ?? 1_700_000_000, true);
  ev[4] = type;
  dv.setUint32(5, o.serverId ?? 1, true);
  dv.setUint32(9, size, true);
  dv.setUint32(13, o.logPos ?? 0, true);
  dv.setUint16(17, o.flags ?? 0, true);
  ev.set(body, 19);
  if (checksum) dv.setUint32(size - 4, crc32(ev, 0, size - 4), true);
  return ev;
}

/** MySQL 8.0's FDE post-header lengths (types 1..41). */
const MYSQL80_POST_HEADERS = [0, 13, 0, 8, 0, 0, 0, 0, 4, 0, 4, 0, 0, 0, 98, 0, 4, 26, 8, 0, 0, 0, 8, 8, 8, 2, 0, 0, 0, 10, 10, 10, 42, 42, 0, 18, 52, 0, 10, 40, 0];

/** An FDE body; with checksumAlg the alg byte is appended (and frame() adds the CRC). */
function fdeBody(serverVersion: string, postHeaders: readonly number[], checksumAlg?: number): Uint8Array {
  const b = new Uint8Array(2 + 50 + 4 + 1 + postHeaders.length + (checksumAlg === undefined ? 0 : 1));
  b[0] = 4;
  b.set(new TextEncoder().encode(serverVersion), 2);
  b[56] = 19;
  b.set(postHeaders, 57);
  if (checksumAlg !== undefined) b[b.length - 1] = checksumAlg;
  return b;
}

function mysqlParser(options: ConstructorParameters<typeof BinlogParser>[0] = {}): BinlogParser {
  const p = new BinlogParser({ fileName: 'test-bin.000001', ...options });
  p.parse(frame(K.FORMAT_DESCRIPTION_EVENT, fdeBody('8.0.34', MYSQL80_POST_HEADERS, 1)), 4);
  return p;
}

function one(r: BinlogEvent | BinlogEvent[]): BinlogEvent {
  if (Array.isArray(r)) throw new Error('expected one event');
  return r;
}

function body<K extends EventBody['kind']>(e: BinlogEvent, kind: K): Extract<EventBody, { kind: K }> {
  expect(e.body.kind).toBe(kind);
  return e.body as Extract<EventBody, { kind: K }>;
}

function thrown(f: () => unknown): BinlogFormatError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(BinlogFormatError);
    return e as BinlogFormatError;
  }
  throw new Error('expected a BinlogFormatError');
}

/** msmp's "$bin_hex" little-endian integers. */
const leHex = (v: unknown): bigint => Buffer.from((v as { $bin_hex: string }).$bin_hex, 'hex').readBigUInt64LE(0);

describe('framing, checksums, dispatch', () => {
  it('reads the FDE: version, flavor, checksum alg and post-header lengths', () => {
    const p = new BinlogParser({ fileName: 'f' });
    const e = one(p.parse(frame(K.FORMAT_DESCRIPTION_EVENT, fdeBody('10.11.6-MariaDB-log', [0, 13], 1)), 4));
    const fde = body(e, 'format_description');
    expect(fde).toMatchObject({ binlogVersion: 4, serverVersion: '10.11.6-MariaDB-log', headerLength: 19, checksumAlg: 1, flavor: 'mariadb' });
    expect([...fde.postHeaderLengths]).toEqual([0, 13]);
    expect(p.flavor).toBe('mariadb');
    // Types beyond the FDE's array use the known defaults.
    expect(p.ctx.postHeaderLength(K.QUERY_EVENT)).toBe(13);
    expect(p.ctx.postHeaderLength(K.MARIADB_GTID_EVENT)).toBe(19);
    expect(p.ctx.postHeaderLength(K.WRITE_ROWS_EVENT_V2)).toBe(10);
  });

  it('an event before any FDE is rejected with a hint', () => {
    const p = new BinlogParser({ fileName: 'frag' });
    const err = thrown(() => p.parse(frame(K.XID_EVENT, new Uint8Array(8)), 4));
    expect(err.message).toMatch(/XID_EVENT before any FORMAT_DESCRIPTION_EVENT/);
    expect(err.offset).toBe(4);
  });

  it('checksum OFF: no trailer is expected or verified', () => {
    const p = new BinlogParser({ fileName: 'f' });
    // A checksum-aware server with binlog_checksum=NONE still writes alg(0) + 4 trailer bytes in its FDE.
    p.parse(frame(K.FORMAT_DESCRIPTION_EVENT, Uint8Array.from([...fdeBody('8.0.34', MYSQL80_POST_HEADERS, 0), 0, 0, 0, 0]), { checksum: false }), 4);
    expect(p.checksumAlg).toBe(K.BINLOG_CHECKSUM_ALG_OFF);
    const xid = one(p.parse(frame(K.XID_EVENT, hex('2a00000000000000'), { checksum: false }), 100));
    expect(body(xid, 'xid').xid).toBe(42n);
  });

  it('a pre-5.6.1 FDE (no checksum trailer) means checksums off', () => {
    const p = new BinlogParser({ fileName: 'f' });
    const fde = body(one(p.parse(frame(K.FORMAT_DESCRIPTION_EVENT, fdeBody('5.5.62-log', MYSQL80_POST_HEADERS.slice(0, 27)), { checksum: false }), 4)), 'format_description');
    expect(fde.checksumAlg).toBe(0);
    expect(fde.postHeaderLengths.length).toBe(27);
  });

  it('CRC mismatch → BINLOG_CHECKSUM at the event offset; verifyChecksums:false accepts it', () => {
    const ev = frame(K.XID_EVENT, hex('2a00000000000000'));
    ev[20]! ^= 1;
    const err = thrown(() => mysqlParser().parse(ev, 1234));
    expect(err.code).toBe('BINLOG_CHECKSUM');
    expect(err.offset).toBe(1234);
    expect(err.file).toBe('test-bin.000001');
    expect(body(one(mysqlParser({ verifyChecksums: false }).parse(ev, 1234)), 'xid').xid).toBe(0x12an);
  });

  it('event_size must match the bytes given', () => {
    const ev = frame(K.XID_EVENT, hex('2a00000000000000'));
    expect(thrown(() => mysqlParser().parse(ev.subarray(0, ev.length - 1), 4)).message).toMatch(/event size field says 31/);
  });

  it('unknown type: kept generic with a warning when LOG_EVENT_IGNORABLE_F is set, otherwise BINLOG_UNSUPPORTED', () => {
    const warnings: string[] = [];
    const p = mysqlParser({ onWarning: (m) => warnings.push(m) });
    const e = one(p.parse(frame(99, hex('0102'), { flags: K.LOG_EVENT_IGNORABLE_F }), 500));
    expect(e.body).toEqual({ kind: 'unknown', typeCode: 99 });
    expect(e.typeName).toBe('UNKNOWN_EVENT_99');
    expect(toHex(e.raw).slice(38, 42)).toBe('0102');
    expect(warnings).toEqual(['UNKNOWN_EVENT_99 is flagged ignorable and not decoded; kept raw']);
    // Same warning is reported once.
    p.parse(frame(99, hex('0102'), { flags: K.LOG_EVENT_IGNORABLE_F }), 600);
    expect(warnings.length).toBe(1);
    const err = thrown(() => p.parse(frame(99, hex('0102')), 700));
    expect(err.code).toBe('BINLOG_UNSUPPORTED');
    expect(err.offset).toBe(700);
    expect(err.message).toMatch(/event type 99/);
  });

  it('START_ENCRYPTION_EVENT → BINLOG_ENCRYPTED with a hint to read through the server', () => {
    const p = new BinlogParser({ fileName: 'mariadb-bin.000007' });
    p.parse(frame(K.FORMAT_DESCRIPTION_EVENT, fdeBody('10.11.6-MariaDB-log', MYSQL80_POST_HEADERS, 1)), 4);
    const err = thrown(() => p.parse(frame(K.MARIADB_START_ENCRYPTION_EVENT, new Uint8Array(17)), 256));
    expect(err.code).toBe('BINLOG_ENCRYPTED');
    expect(err.offset).toBe(256);
    expect(err.hints.join(' ')).toMatch(/pitr archive/);
  });

  it('QUERY_EVENT with an unknown status variable keeps the rest raw and warns', () => {
    const warnings: string[] = [];
    const p = mysqlParser({ onWarning: (m) => warnings.push(m) });
    // thread 7, exec 0, db_len 1, error 0, status_vars_len 6: Q_FLAGS2(0) + code 99 + 1 byte.
    const b = hex('07000000' + '00000000' + '01' + '0000' + '0700' + '0000000000' + '63ff' + '6400' + '53454c45435420');
    const q = body(one(p.parse(frame(K.QUERY_EVENT, b), 4)), 'query');
    expect(q.db).toBe('d');
    expect(q.query).toBe('SELECT ');
    expect(q.statusVars.flags2).toBe(0);
    expect(q.statusVars.unknown).toEqual([{ code: 99, bytes: Uint8Array.of(0xff) }]);
    expect(warnings[0]).toMatch(/status variable code 99 is unknown/);
  });

  it('USER_VAR_EVENT: string with charset, real, signed/unsigned int, decimal, NULL', () => {
    const p = mysqlParser();
    const uv = (name: string, rest: string) => {
      const n = Buffer.from(name);
      const b = Buffer.concat([Buffer.from([n.length, 0, 0, 0]), n, Buffer.from(rest, 'hex')]);
      return body(one(p.parse(frame(K.USER_VAR_EVENT, b), 4)), 'user_var');
    };
    // STRING utf8mb4 (45) 'héllo'
    const s = Buffer.from('héllo');
    expect(uv('s', '00' + '00' + '2d000000' + s.length.toString(16).padStart(2, '0') + '000000' + s.toString('hex'))).toMatchObject({ value: 'héllo', collationId: 45, isNull: false });
    // STRING binary (63) keeps bytes
    expect(uv('b', '00' + '00' + '3f000000' + '02000000' + 'ff00').value).toEqual(Uint8Array.of(0xff, 0));
    // REAL 1.5
    const real = Buffer.alloc(8);
    real.writeDoubleLE(1.5);
    expect(uv('r', '00' + '01' + '3f000000' + '08000000' + real.toString('hex')).value).toBe(1.5);
    // INT -1 signed, and 2^64-1 unsigned (flags byte UNSIGNED_F)
    expect(uv('i', '00' + '02' + '3f000000' + '08000000' + 'ffffffffffffffff' + '00').value).toBe(-1n);
    expect(uv('u', '00' + '02' + '3f000000' + '08000000' + 'ffffffffffffffff' + '01').value).toBe(18446744073709551615n);
    // DECIMAL(4,2) 12.34: precision, scale, then binary decimal (0x8c, 0x22)
    expect(uv('d', '00' + '04' + '3f000000' + '04000000' + '0402' + '8c22').value).toBe('12.34');
    expect(uv('n', '01')).toMatchObject({ isNull: true, value: null });
  });

  it('ROTATE, INTVAR, RAND, INCIDENT, IGNORABLE, BEGIN/EXECUTE_LOAD_QUERY', () => {
    const p = mysqlParser();
    const parse = (t: number, h: string) => one(p.parse(frame(t, hex(h)), 4)).body;
    expect(parse(K.ROTATE_EVENT, '0400000000000000' + Buffer.from('binlog.000002').toString('hex'))).toEqual({ kind: 'rotate', position: 4, nextFile: 'binlog.000002' });
    expect(parse(K.INTVAR_EVENT, '01' + '0500000000000000')).toEqual({ kind: 'intvar', intvarType: 'LAST_INSERT_ID', value: 5n });
    expect(parse(K.RAND_EVENT, '0100000000000000' + '0200000000000000')).toEqual({ kind: 'rand', seed1: 1n, seed2: 2n });
    expect(parse(K.INCIDENT_EVENT, '0100' + '03' + Buffer.from('gap').toString('hex'))).toEqual({ kind: 'incident', incidentType: 1, message: 'gap' });
    expect(parse(K.IGNORABLE_LOG_EVENT, '')).toEqual({ kind: 'ignorable', typeCode: K.IGNORABLE_LOG_EVENT });
    expect(parse(K.BEGIN_LOAD_QUERY_EVENT, '07000000' + 'aabbcc')).toEqual({ kind: 'begin_load_query', fileId: 7, blockLength: 3 });
    const sql = Buffer.from("LOAD DATA INFILE 'x' INTO TABLE t").toString('hex');
    expect(parse(K.EXECUTE_LOAD_QUERY_EVENT, '01000000' + '00000000' + '01' + '0000' + '0000' + '07000000' + '11000000' + '14000000' + '00' + '6400' + sql)).toEqual({
      kind: 'execute_load_query',
      fileId: 7,
      db: 'd',
      query: "LOAD DATA INFILE 'x' INTO TABLE t",
    });
  });

  it('MariaDB QUERY_COMPRESSED_EVENT inflates the statement', async () => {
    const { deflateSync } = await import('node:zlib');
    const p = new BinlogParser({ fileName: 'f' });
    p.parse(frame(K.FORMAT_DESCRIPTION_EVENT, fdeBody('10.11.6-MariaDB-log', MYSQL80_POST_HEADERS, 1)), 4);
    const sql = 'INSERT INTO t VALUES ' + '(1),'.repeat(100) + '(2)';
    const z = deflateSync(Buffer.from(sql));
    // header byte 0x82: low bits = 2 length bytes (big-endian) follow.
    const compressed = Buffer.concat([Buffer.from([0x82, sql.length >> 8, sql.length & 0xff]), z]);
    const b = Buffer.concat([hex('01000000' + '00000000' + '01' + '0000' + '0000'), Buffer.from('d\0'), compressed]);
    const q = body(one(p.parse(frame(K.MARIADB_QUERY_COMPRESSED_EVENT, b), 4)), 'query');
    expect(q).toMatchObject({ compressed: true, db: 'd', query: sql });
    // A corrupt stream is a positioned format error.
    const bad = Buffer.from(b);
    bad[bad.length - 3]! ^= 0xff;
    expect(() => p.parse(frame(K.MARIADB_QUERY_COMPRESSED_EVENT, bad), 4)).toThrow(BinlogFormatError);
  });

  it('HEARTBEAT_LOG_EVENT_V2 vectors (go-mysql)', () => {
    if (!haveFixtures) return;
    const p = mysqlParser();
    for (const c of group('mysql8/vectors/go-mysql.json', 'TestHeartbeatEvent').cases) {
      const version = c.heartbeat_version as number;
      if (version !== 1 && version !== 2) continue;
      const type = version === 1 ? K.HEARTBEAT_LOG_EVENT : K.HEARTBEAT_LOG_EVENT_V2;
      const ev = frame(type, hex(c.body_hex as string));
      if (c.expect_error === true) {
        expect(() => p.parse(ev, 4)).toThrow(BinlogFormatError);
        continue;
      }
      const hb = body(one(p.parse(ev, 4)), 'heartbeat');
      const exp = c.expected as { filename: string; offset?: number };
      expect(hb.logFile).toBe(exp.filename);
      // v1: the position comes from the header's log_pos (0 in these frames).
      expect(hb.logPos).toBe(version === 1 ? 0 : exp.offset);
    }
  });
});

describe.skipIf(!haveFixtures)(`captured events (${haveFixtures ? 'fixtures' : SKIP_REASON})`, () => {
  it('go-mysql TestParseEvent: STOP events without and with a checksum', () => {
    const [noCrc, withCrc] = group('mysql8/vectors/go-mysql.json', 'TestParseEvent').cases as { event_hex: string }[];
    const off = new BinlogParser({ fileName: 'f' });
    off.parse(frame(K.FORMAT_DESCRIPTION_EVENT, Uint8Array.from([...fdeBody('8.0.34', MYSQL80_POST_HEADERS, 0), 0, 0, 0, 0]), { checksum: false }), 4);
    expect(one(off.parse(hex(noCrc!.event_hex), 4)).typeName).toBe('STOP_EVENT');
    expect(one(mysqlParser().parse(hex(withCrc!.event_hex), 4)).body).toEqual({ kind: 'stop' });
  });

  it('msmp MySQL 8.0.34 events decode to what msmp asserts', () => {
    const cases = groups('mysql8/vectors/msmp.json')
      .filter((g) => !g.test.startsWith('msmp_jsonb'))
      .flatMap((g) => g.cases) as { event_type: string; event_hex: string; expected_decoded: unknown }[];
    const fdeCase = cases.find((c) => c.event_type === 'format_description')!;
    const p = new BinlogParser({ fileName: 'binlog.000001', decodeRows: false });
    const fde = body(one(p.parse(hex(fdeCase.event_hex), 4)), 'format_description');
    expect(fde).toMatchObject({ serverVersion: '8.0.34', createTimestamp: 1690534733, checksumAlg: 1, flavor: 'mysql' });
    let checked = 0;
    for (const c of cases) {
      const raw = c.expected_decoded as Record<string, unknown>;
      const packet = ((raw.$tuple as unknown[] | undefined)?.[1] ?? raw) as { packet: { header: Record<string, number>; event: Record<string, unknown> } };
      const { header, event: exp } = packet.packet;
      const e = one(p.parse(hex(c.event_hex), 4));
      expect(e.header).toMatchObject({ timestamp: header.timestamp, serverId: header.server_id, eventSize: header.event_size, logPos: header.log_pos, flags: header.flags });
      switch (c.event_type) {
        case 'rotate':
          expect(e.body).toEqual({ kind: 'rotate', position: exp.position, nextFile: exp.new_log_ident });
          break;
        case 'query': {
          const q = body(e, 'query');
          expect(q).toMatchObject({ threadId: exp.slave_proxy_id, execTimeSec: exp.execution_time, errorCode: exp.error_code, db: exp.schema, query: exp.sql });
          const sv = exp.status_vars as Record<string, unknown>;
          if (sv.sql_mode !== undefined) expect(q.statusVars.sqlMode).toBe(leHex(sv.sql_mode));
          if (sv.catalog_nz !== undefined) expect(q.statusVars.catalog).toBe(sv.catalog_nz);
          const cs = sv.charset as Record<string, number> | undefined;
          if (cs !== undefined) {
            expect(q.statusVars).toMatchObject({ charsetClient: cs.character_set_client, collationConnection: cs.collation_connection, collationServer: cs.collation_server });
          }
          if (sv.ddl_xid !== undefined) expect(q.statusVars.ddlLoggedWithXid).toBe(BigInt(sv.ddl_xid as number));
          if (sv.default_collation_for_utf8mb4 !== undefined) expect(q.statusVars.defaultCollationForUtf8mb4).toBe(sv.default_collation_for_utf8mb4);
          if (sv.table_map_for_update !== undefined) expect(q.statusVars.tableMapForUpdate).toBe(BigInt(sv.table_map_for_update as number));
          expect(q.statusVars.unknown).toBeUndefined();
          break;
        }
        case 'intvar':
          expect(e.body).toEqual({ kind: 'intvar', intvarType: 'INSERT_ID', value: BigInt(exp.value as number) });
          break;
        case 'xid':
          expect(body(e, 'xid').xid).toBe(leHex(exp.xid));
          break;
        case 'heartbeat_log':
          expect(e.body).toEqual({ kind: 'heartbeat', logFile: exp.log_ident, logPos: header.log_pos });
          break;
        case 'stop':
          expect(e.body).toEqual({ kind: 'stop' });
          break;
        case 'user_var':
          expect(e.body).toMatchObject({ kind: 'user_var', name: exp.name, isNull: true, value: null });
          break;
        case 'previous_gtids_log': {
          const sets = (exp.gtids as { sid: { $bin_hex: string }; intervals: { start: number; finish: number }[] }[]).map((g) => {
            const u = g.sid.$bin_hex;
            const uuid = `${u.slice(0, 8)}-${u.slice(8, 12)}-${u.slice(12, 16)}-${u.slice(16, 20)}-${u.slice(20)}`;
            return uuid + g.intervals.map((i) => (i.finish - i.start === 1 ? `:${i.start}` : `:${i.start}-${i.finish - 1}`)).join('');
          });
          expect(e.body).toEqual({ kind: 'previous_gtids', gtidSet: sets.join(',') });
          break;
        }
        case 'gtid_log': {
          const g = body(e, 'gtid') as MysqlGtidBody;
          expect(g).toMatchObject({
            flavor: 'mysql',
            gtid: `446ed920-6533-11ee-8cec-0242ac190003:${exp.gno}`,
            commitFlag: true,
            lastCommitted: BigInt(exp.last_committed as number),
            sequenceNumber: BigInt(exp.sequence_number as number),
            transactionLength: BigInt(exp.transaction_length as number),
            immediateCommitTimestampUs: BigInt(exp.immediate_commit_timestamp as number),
            originalCommitTimestampUs: BigInt(exp.immediate_commit_timestamp as number),
            immediateServerVersion: exp.server_version,
          });
          break;
        }
        case 'table_map':
          expect(body(e, 'table_map')).toMatchObject({ tableId: exp.table_id, db: exp.database, table: exp.table });
          expect(body(e, 'table_map').columns.length).toBe((exp.coltypes as unknown[]).length);
          break;
        case 'write_rows':
          expect(e.typeName).toBe('WRITE_ROWS_EVENT_V2');
          break;
        default:
          continue;
      }
      checked++;
    }
    expect(checked).toBe(cases.length - 1);
  });

  it('msmp MariaDB events (GTID_LIST, BINLOG_CHECKPOINT, GTID, QUERY_COMPRESSED)', () => {
    const cases = groups('mariadb/vectors/msmp.json').flatMap((g) => g.cases) as { event_type: string; event_hex: string; expected_decoded: unknown }[];
    const p = new BinlogParser({ fileName: 'bin_log.000001' });
    p.parse(frame(K.FORMAT_DESCRIPTION_EVENT, fdeBody('10.11.4-MariaDB-log', MYSQL80_POST_HEADERS.slice(0, 35), 1)), 4);
    for (const c of cases) {
      const exp = (c.expected_decoded as { packet: { event: Record<string, unknown> } }).packet.event;
      const e = one(p.parse(hex(c.event_hex), 4));
      switch (c.event_type) {
        case 'gtid_list':
          expect(e.body).toEqual({
            kind: 'gtid_list',
            flags: exp.flags,
            gtids: (exp.gtids as { domain: number; server: number; sequence: number }[]).map((g) => ({ domainId: g.domain, serverId: g.server, seqNo: BigInt(g.sequence) })),
          });
          break;
        case 'binlog_checkpoint':
          expect(e.body).toEqual({ kind: 'binlog_checkpoint', file: exp.filename });
          break;
        case 'gtid': {
          const g = body(e, 'gtid') as MariadbGtidEventBody;
          expect(g).toMatchObject({ flavor: 'mariadb', gtid: `0-100-${exp.sequence}`, domainId: 0, serverId: 100, seqNo: BigInt(exp.sequence as number), flags: exp.flags2, standalone: true, ddl: true, transactional: false, commitId: undefined, flagsExtra: 0 });
          expect(e.typeName).toBe('MARIADB_GTID_EVENT');
          break;
        }
        case 'query_compressed': {
          const q = body(e, 'query');
          expect(q).toMatchObject({ compressed: true, db: exp.schema, query: exp.sql, threadId: exp.slave_proxy_id });
          expect(q.statusVars.xid).toBe(BigInt((exp.status_vars as { xid: number }).xid));
          expect(e.typeName).toBe('MARIADB_QUERY_COMPRESSED_EVENT');
          break;
        }
        default:
          throw new Error(`unexpected case ${c.event_type}`);
      }
    }
  });

  it('TRANSACTION_PAYLOAD: vitess event (CRC re-added), java body, go-mysql zstd payload', () => {
    // vitess: header says 219 bytes, the capture stops before the CRC.
    const v = group('mysql8/vectors/vitess.json', 'TestMysql56DecodeTransactionPayload').cases[0]!;
    const vb = hex(v.event_hex as string);
    const whole = new Uint8Array(vb.length + 4);
    whole.set(vb);
    new DataView(whole.buffer).setUint32(vb.length, crc32(vb), true);
    const events = mysqlParser().parse(whole, 1000) as BinlogEvent[];
    expect(events.map((e) => e.typeName)).toEqual(['TRANSACTION_PAYLOAD_EVENT', 'QUERY_EVENT', 'TABLE_MAP_EVENT', 'WRITE_ROWS_EVENT_V2', 'XID_EVENT']);
    expect(events.map((e) => e.payloadIndex)).toEqual([undefined, 0, 1, 2, 3]);
    expect(events.every((e) => e.pos === 1000 && e.end === 1000 + whole.length)).toBe(true);
    expect(body(events[0]!, 'transaction_payload')).toMatchObject({ compressionType: 0, uncompressedSize: 254 });
    expect(body(events[1]!, 'query').query).toBe('BEGIN');
    expect(body(events[2]!, 'table_map')).toMatchObject({ db: 'vt_commerce', table: 'customer' });
    expect(events[3]!.body.kind).toBe('write');
    expect((events[3]!.body as RowsBody).rows.length).toBe(2);

    const j = group('mysql8/vectors/mysql-binlog-connector-java.json', 'TransactionPayloadEventDataDeserializerTest').cases[0]!;
    const jexp = j.expected as { compression_type: number; payload_size: number; uncompressed_size: number };
    const jevents = mysqlParser().parse(frame(K.TRANSACTION_PAYLOAD_EVENT, hex(j.body_hex as string)), 4) as BinlogEvent[];
    expect(jevents[0]!.body).toEqual({ kind: 'transaction_payload', compressionType: jexp.compression_type, payloadSize: jexp.payload_size, uncompressedSize: jexp.uncompressed_size });
    expect(jevents.slice(1).map((e) => e.typeName)).toEqual(['QUERY_EVENT', 'TABLE_MAP_EVENT', 'UPDATE_ROWS_EVENT_V2', 'XID_EVENT']);

    // go-mysql gives only the zstd data: wrap it in our own TLV header (type, length, value as lenenc).
    const g = group('mysql8/vectors/go-mysql.json', 'TestTransactionPayloadEventDecode').cases[0]!;
    const z = hex(g.zstd_payload_hex as string);
    const lenenc = (n: number): number[] => (n < 0xfb ? [n] : n < 0x10000 ? [0xfc, n & 0xff, n >> 8] : [0xfd, n & 0xff, (n >> 8) & 0xff, n >> 16]);
    const field = (type: number, value: number): number[] => [type, lenenc(value).length, ...lenenc(value)];
    const uncompressed = decompress(z).length;
    const tlv = Uint8Array.from([...field(1, z.length), ...field(2, 0), ...field(3, uncompressed), 0]);
    const gbody = new Uint8Array(tlv.length + z.length);
    gbody.set(tlv);
    gbody.set(z, tlv.length);
    const gevents = mysqlParser({ decodeRows: false }).parse(frame(K.TRANSACTION_PAYLOAD_EVENT, gbody), 4) as BinlogEvent[];
    expect(gevents.slice(1).map((e) => e.typeName)).toEqual(['QUERY_EVENT', 'TABLE_MAP_EVENT', 'WRITE_ROWS_EVENT_V2', 'TABLE_MAP_EVENT', 'UPDATE_ROWS_EVENT_V2', 'TABLE_MAP_EVENT', 'DELETE_ROWS_EVENT_V2', 'XID_EVENT']);
    expect(gevents.slice(1).every((e) => e.header.logPos === 0)).toBe(true);
  });

  it('a corrupt zstd payload does not poison the next payload (fresh zstd context)', () => {
    const j = group('mysql8/vectors/mysql-binlog-connector-java.json', 'TransactionPayloadEventDataDeserializerTest').cases[0]!;
    const good = hex(j.body_hex as string);
    const bad = good.slice();
    // Keep the frame header so zstd starts, then fails mid-frame ("Data corruption detected").
    const zstdStart = Buffer.from(good).indexOf(Buffer.from('28b52ffd', 'hex'));
    bad.fill(0, zstdStart + 8, zstdStart + 30);
    const p = mysqlParser();
    expect(() => p.parse(frame(K.TRANSACTION_PAYLOAD_EVENT, bad), 4)).toThrow(BinlogFormatError);
    expect((p.parse(frame(K.TRANSACTION_PAYLOAD_EVENT, good), 4) as BinlogEvent[]).length).toBe(5);
  });

  it('an inner event that fails to decode points at the payload event, saying where inside', () => {
    const inner = frame(K.XID_EVENT, hex('0100'), { checksum: false }); // XID body needs 8 bytes
    const tlv = Uint8Array.from([1, 1, inner.length, 2, 3, 0xfc, 0xff, 0x00, 0]);
    const b = new Uint8Array(tlv.length + inner.length);
    b.set(tlv);
    b.set(inner, tlv.length);
    const err = thrown(() => mysqlParser().parse(frame(K.TRANSACTION_PAYLOAD_EVENT, b), 777));
    expect(err.offset).toBe(777);
    expect(err.eventType).toBe(K.XID_EVENT);
    expect(err.message).toMatch(/XID_EVENT inside TRANSACTION_PAYLOAD_EVENT \(inner event 0, uncompressed offset 19\): needs 8 more byte/);
  });

  it('a payload whose inner event overruns the payload is a positioned error', () => {
    const inner = frame(K.XID_EVENT, hex('0100000000000000'), { checksum: false });
    new DataView(inner.buffer).setUint32(9, 200, true);
    // compression NONE (255) needs a 3-byte lenenc.
    const tlv = Uint8Array.from([1, 1, inner.length, 2, 3, 0xfc, 0xff, 0x00, 0]);
    const b = new Uint8Array(tlv.length + inner.length);
    b.set(tlv);
    b.set(inner, tlv.length);
    const err = thrown(() => mysqlParser().parse(frame(K.TRANSACTION_PAYLOAD_EVENT, b), 777));
    expect(err.offset).toBe(777);
    expect(err.message).toMatch(/inner event 0/);
  });
});

describe.skipIf(!haveFixtures)(`hostile input (${haveFixtures ? 'fixtures' : SKIP_REASON})`, () => {
  const files = [
    'mysql8/raw/rust_mysql_common/binlog_transaction_with_GTID_TAG.000001',
    'mysql8/raw/rust_mysql_common/mysql-enum-string-set.000001',
    'mysql8/raw/rust_mysql_common/json.binlog.000001',
    'mysql8/raw/mysql-binlog-connector-rust/mysql-bin.000057',
    'mysql8/raw/maxwell/binlog.000004',
    'mariadb/raw/rust_mysql_common/mariadb-bin.000001',
    'mariadb/raw/mariadb-poc/mariadb-repl-bin.000005',
  ];

  /** Only PitrErrors may escape a decoder: never RangeError/TypeError. */
  function tryParse(p: BinlogParser, ev: Uint8Array, pos: number): void {
    try {
      p.parse(ev, pos);
    } catch (e) {
      if (!(e instanceof BinlogFormatError)) throw new Error(`non-PitrError escaped: ${String(e)}`, { cause: e });
    }
  }

  it('every event body of real files, truncated anywhere, fails only with BinlogFormatError', () => {
    let tried = 0;
    for (const rel of files) {
      const bytes = new Uint8Array(readFileSync(join(FIXTURES, rel)));
      const dv = new DataView(bytes.buffer, bytes.byteOffset);
      const p = new BinlogParser({ fileName: rel, onWarning: () => undefined });
      for (let pos = 4; pos < bytes.length; ) {
        const size = dv.getUint32(pos + 9, true);
        const ev = bytes.subarray(pos, pos + size);
        const type = ev[4]!;
        if (type !== K.FORMAT_DESCRIPTION_EVENT) {
          const header = dv.getUint16(pos + 17, true);
          const fullBody = ev.subarray(19, size - 4);
          const cuts = new Set([0, 1, 2, fullBody.length >> 1, fullBody.length - 1].filter((n) => n >= 0 && n < fullBody.length));
          for (const n of cuts) {
            tryParse(p, frame(type, fullBody.subarray(0, n), { flags: header }), pos);
            tried++;
          }
        }
        p.parse(ev, pos); // the real event keeps the parser state (FDE, table maps) right
        pos += size;
      }
    }
    expect(tried).toBeGreaterThan(1000);
  });

  it('random bodies for every known type fail only with BinlogFormatError', () => {
    let seed = 42;
    const rnd = (): number => ((seed = (seed * 1103515245 + 12345) >>> 0) >>> 16) & 0xff;
    const types = [...Array(256).keys()].filter((t) => K.isKnownEventType(t) && t !== K.FORMAT_DESCRIPTION_EVENT);
    for (const flavor of ['8.0.34', '10.11.6-MariaDB-log']) {
      const p = new BinlogParser({ fileName: 'fuzz', onWarning: () => undefined });
      p.parse(frame(K.FORMAT_DESCRIPTION_EVENT, fdeBody(flavor, MYSQL80_POST_HEADERS, 1)), 4);
      for (const t of types) {
        for (let i = 0; i < 40; i++) {
          const body = Uint8Array.from({ length: rnd() % 80 }, rnd);
          tryParse(p, frame(t, body), 100);
        }
      }
    }
  });
});
