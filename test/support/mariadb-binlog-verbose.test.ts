/**
 * Unit tests of the mariadb-binlog -vv output parser and of the canonical comparison, on snippets
 * captured from MariaDB 10.11.19 (mariadb-binlog -vv --base64-output=decode-rows). Bytes >= 0x80
 * are written as \xNN escapes in latin1 strings because the tool prints raw bytes.
 */
import { describe, expect, it } from 'vitest';
import { canonFromOurs, canonFromVerbose, sameCanon, encodeInCharset, stringMetaLength, MYSQL_TYPE, type Canon } from './canonical-value.js';
import { mariadbQuotedForm, parseMariadbBinlogVerbose, VerboseParseError, type VerboseValue } from './mariadb-binlog-verbose.js';
import type { ColumnDef } from '../../packages/core/src/binlog/types.js';

const raw = (s: string): Buffer => Buffer.from(s, 'latin1');

// SQL: insert into t1 values (1, -128, 255, ..., _latin1 x'e9e8ff00', x'00ff0a27', x'5c00', x'000102') (columns trimmed)
const SINGLE = [
  '# at 1471',
  '#261123 10:15:49 server id 7  end_log_pos 1513 CRC32 0xbf44a4c0 \tGTID 0-7-11 trans',
  '/*M!100001 SET @@session.gtid_seq_no=11*//*!*/;',
  'START TRANSACTION',
  '/*!*/;',
  '# at 1513',
  '# at 2427',
  '#261123 10:15:49 server id 7  end_log_pos 2427 CRC32 0x6d5812db \tAnnotate_rows:',
  "#Q> insert into t1 values (null, -128, 255, '### INSERT INTO `x`.`t1`')",
  '#261123 10:15:49 server id 7  end_log_pos 2764 CRC32 0x312c2555 \tTable_map: `x`.`t1` mapped to number 24',
  '# at 2764',
  '#261123 10:15:49 server id 7  end_log_pos 4185 CRC32 0x20f04246 \tWrite_rows: table id 24 flags: STMT_END_F',
  '### INSERT INTO `x`.`t1`',
  '### SET',
  '###   @1=1 /* INT meta=0 nullable=0 is_null=0 */',
  '###   @2=-128 (128) /* TINYINT meta=0 nullable=1 is_null=0 */',
  '###   @3=-1 (255) /* TINYINT meta=0 nullable=1 is_null=0 */',
  '###   @11=-1 (18446744073709551615) /* LONGINT meta=0 nullable=1 is_null=0 */',
  '###   @12=-3.40282e+38         /* FLOAT meta=4 nullable=1 is_null=0 */',
  '###   @13=1.7976931348623157081e+308 /* DOUBLE meta=8 nullable=1 is_null=0 */',
  '###   @15=12345678901234567890123456789012345.123456789012345678901234567891 /* DECIMAL(65,30) meta=16670 nullable=1 is_null=0 */',
  "###   @17='2024:02:29' /* DATE meta=0 nullable=1 is_null=0 */",
  "###   @19='-00:00:01.000001' /* TIME(6) meta=6 nullable=1 is_null=0 */",
  "###   @21='2024-01-01 00:00:00.123456' /* DATETIME(6) meta=6 nullable=1 is_null=0 */",
  '###   @23=978307200.500 /* TIMESTAMP(3) meta=3 nullable=1 is_null=0 */',
  '###   @24=1900 /* YEAR meta=0 nullable=1 is_null=0 */',
  "###   @26=b'10101010101010101' /* BIT(17) meta=513 nullable=1 is_null=0 */",
  "###   @30='\xe9\xe8\xff\\x00' /* VARSTRING(20) meta=20 nullable=1 is_null=0 */",
  "###   @31='\\x00\xff\\x0a'' /* STRING(4) meta=65028 nullable=1 is_null=0 */",
  "###   @32='\\\\x00' /* VARSTRING(10) meta=10 nullable=1 is_null=0 */",
  "###   @33='\\x00\\x01\\x02' /* TINYBLOB/TINYTEXT meta=1 nullable=1 is_null=0 */",
  '###   @40=2 /* ENUM(1 byte) meta=63233 nullable=1 is_null=0 */',
  "###   @41=b'00000101' /* SET(1 bytes) meta=63489 nullable=1 is_null=0 */",
  '###   @45=NULL /* GEOMETRY meta=4 nullable=1 is_null=1 */',
  '# Number of rows: 1',
  '# at 4185',
  '#261123 10:15:49 server id 7  end_log_pos 4216 CRC32 0x058e86f3 \tXid = 28',
  'COMMIT/*!*/;',
  '',
].join('\n');

// One INSERT of two rows split into two Write_rows events (the first 70 KB): rows of both events
// are printed after the second header. Then an UPDATE under binlog_row_image=MINIMAL and a
// compressed DELETE (log_bin_compress=ON).
const MULTI = [
  '# at 1014',
  '# at 71097',
  '#261123 10:16:56 server id 7  end_log_pos 71097 CRC32 0x50a76e40 \tWrite_rows: table id 25',
  '#261123 10:16:56 server id 7  end_log_pos 71149 CRC32 0x2567dccd \tWrite_rows: table id 25 flags: STMT_END_F',
  '### INSERT INTO `x`.`t2`',
  '### SET',
  '###   @1=1 /* INT meta=0 nullable=0 is_null=0 */',
  "###   @4='Zw\xc3\xb6lf \xf0\x9f\x98\x80 'q' \\ \\x41' /* BLOB/TEXT meta=2 nullable=1 is_null=0 */",
  '### INSERT INTO `x`.`t2`',
  '### SET',
  '###   @1=2 /* INT meta=0 nullable=0 is_null=0 */',
  '###   @4=NULL /* BLOB/TEXT meta=2 nullable=1 is_null=1 */',
  '###   @7=1.23456e+06          /* FLOAT meta=4 nullable=1 is_null=0 */',
  '# Number of rows: 2',
  '# at 71149',
  '#261123 10:16:56 server id 7  end_log_pos 71180 CRC32 0x3d502968 \tXid = 40',
  'COMMIT/*!*/;',
  '# at 71222',
  '# at 71275',
  '#261123 10:16:56 server id 7  end_log_pos 71275 CRC32 0x11b5f9d7 \tAnnotate_rows:',
  '#261123 10:16:56 server id 7  end_log_pos 71395 CRC32 0x3ab6643e \tTable_map: `x`.`t2` mapped to number 25',
  '# at 71395',
  '#261123 10:16:56 server id 7  end_log_pos 71437 CRC32 0x9be75db9 \tUpdate_rows: table id 25 flags: STMT_END_F',
  '### UPDATE `x`.`t2`',
  '### WHERE',
  '###   @1=1 /* INT meta=0 nullable=0 is_null=0 */',
  '### SET',
  "###   @2='c' /* VARSTRING(40) meta=40 nullable=1 is_null=0 */",
  '# Number of rows: 1',
  '# at 73002',
  '#261123 10:16:56 server id 7  end_log_pos 73090 CRC32 0xd5ed4e36 \tDelete_compressed_rows: table id 25 flags: STMT_END_F',
  '### DELETE FROM `we``ird`.`t\xc3\xa9`',
  '### WHERE',
  '###   @1=3 /* INT meta=0 nullable=0 is_null=0 */',
  '# Number of rows: 1',
  '',
].join('\n');

function val(row: ReadonlyMap<number, VerboseValue> | undefined, n: number): VerboseValue {
  const v = row?.get(n);
  if (!v) throw new Error(`@${n} missing`);
  return v;
}

function col(type: number, extra: Partial<ColumnDef> = {}): ColumnDef {
  return {
    index: 0, type, meta: 0, nullable: true, name: 'c', unsigned: undefined, collationId: undefined,
    enumValues: undefined, setValues: undefined, geometryType: undefined, sqlType: undefined,
    generated: undefined, primaryKey: false, ...extra,
  };
}

const ctx = { charsetOfCollation: new Map([[45, 'utf8mb4'], [8, 'latin1'], [63, 'binary'], [35, 'ucs2']]) };

describe('parseMariadbBinlogVerbose', () => {
  it('parses positions, statement lines and -vv values with raw bytes', () => {
    const { groups, events } = parseMariadbBinlogVerbose(raw(SINGLE));
    expect(events.map((e) => [e.pos, e.end, e.name])).toEqual([
      [1471, 1513, 'GTID'],
      [1513, 2427, 'Annotate_rows'],
      [2427, 2764, 'Table_map'],
      [2764, 4185, 'Write_rows'],
      [4185, 4216, 'Xid'],
    ]);
    expect(groups).toHaveLength(1);
    const g = groups[0]!;
    expect(g.events).toEqual([{ pos: 2764, end: 4185, eventName: 'Write_rows', kind: 'write', compressed: false }]);
    expect(g.rows).toHaveLength(1);
    const r = g.rows[0]!;
    expect([r.kind, r.db, r.table, r.before]).toEqual(['write', 'x', 't1', undefined]);
    expect(val(r.after, 12).text).toBe('-3.40282e+38');
    expect(val(r.after, 31).text).toBe("'\\x00\xff\\x0a''");
    expect(val(r.after, 15).typeName).toBe('DECIMAL(65,30)');
    expect(val(r.after, 45)).toMatchObject({ isNull: true, text: 'NULL', meta: 4 });
  });

  it('groups multi-event statements, MINIMAL images and compressed events', () => {
    const { groups } = parseMariadbBinlogVerbose(raw(MULTI));
    expect(groups.map((g) => [g.events.map((e) => e.pos), g.rows.length])).toEqual([
      [[1014, 71097], 2],
      [[71395], 1],
      [[73002], 1],
    ]);
    const upd = groups[1]!.rows[0]!;
    expect([...upd.before!.keys()]).toEqual([1]);
    expect([...upd.after!.keys()]).toEqual([2]);
    const del = groups[2]!;
    expect(del.events[0]).toMatchObject({ kind: 'delete', compressed: true, eventName: 'Delete_compressed_rows' });
    expect([del.rows[0]!.db, del.rows[0]!.table]).toEqual(['we`ird', 'té']);
  });

  it('rejects output it does not understand instead of guessing', () => {
    expect(() => parseMariadbBinlogVerbose(raw('# at 4\n#261123 10:15:49 server id 7  end_log_pos 9 \tWrite_rows: table id 1\n### SET\n'))).toThrow(VerboseParseError);
    expect(() => parseMariadbBinlogVerbose(raw('#261123 10:15:49 server id 7  end_log_pos 9 \tXid = 1\n'))).toThrow(/without a preceding/);
  });
});

describe('canonical comparison', () => {
  const { groups } = parseMariadbBinlogVerbose(raw(SINGLE));
  const after = groups[0]!.rows[0]!.after!;
  const theirs = (n: number): Canon => canonFromVerbose(val(after, n));
  const same = (ours: Canon, n: number): boolean => sameCanon(ours, theirs(n));

  it('integers compare as unsigned bit patterns, with our range checked against signedness', () => {
    expect(same(canonFromOurs(-128, col(MYSQL_TYPE.TINY, { unsigned: false }), ctx), 2)).toBe(true);
    expect(same(canonFromOurs(255, col(MYSQL_TYPE.TINY, { unsigned: true }), ctx), 3)).toBe(true);
    expect(same(canonFromOurs(-1, col(MYSQL_TYPE.TINY, { unsigned: false }), ctx), 3)).toBe(true);
    expect(canonFromOurs(-1, col(MYSQL_TYPE.TINY, { unsigned: true }), ctx).t).toBe('invalid');
    expect(same(canonFromOurs(18446744073709551615n, col(MYSQL_TYPE.LONGLONG, { unsigned: true }), ctx), 11)).toBe(true);
    expect(canonFromOurs(5, col(MYSQL_TYPE.LONGLONG), ctx).t).toBe('invalid');
  });

  it('FLOAT within half a unit of the 6th digit, DOUBLE exact', () => {
    expect(same(canonFromOurs(Math.fround(-3.40282e38), col(MYSQL_TYPE.FLOAT), ctx), 12)).toBe(true);
    expect(same(canonFromOurs(Math.fround(-3.40283e38), col(MYSQL_TYPE.FLOAT), ctx), 12)).toBe(false);
    // glibc prints the tie 1234565 as 1.23456e+06 (half-even); JS would say 1.23457e+6.
    const tie = canonFromVerbose({ column: 7, text: '1.23456e+06', typeName: 'FLOAT', meta: 4, nullable: true, isNull: false });
    expect(sameCanon(canonFromOurs(1234565, col(MYSQL_TYPE.FLOAT), ctx), tie)).toBe(true);
    expect(sameCanon(canonFromOurs(1234567, col(MYSQL_TYPE.FLOAT), ctx), tie)).toBe(false);
    expect(canonFromOurs(0.1, col(MYSQL_TYPE.FLOAT), ctx).t).toBe('invalid');
    expect(same(canonFromOurs(1.7976931348623157e308, col(MYSQL_TYPE.DOUBLE), ctx), 13)).toBe(true);
    expect(same(canonFromOurs(1.7976931348623155e308, col(MYSQL_TYPE.DOUBLE), ctx), 13)).toBe(false);
  });

  it('decimals, temporals, year, bit, enum, set', () => {
    expect(same(canonFromOurs('12345678901234567890123456789012345.123456789012345678901234567891', col(MYSQL_TYPE.NEWDECIMAL), ctx), 15)).toBe(true);
    expect(same(canonFromOurs('2024-02-29', col(MYSQL_TYPE.DATE), ctx), 17)).toBe(true);
    expect(same(canonFromOurs('-00:00:01.000001', col(MYSQL_TYPE.TIME2), ctx), 19)).toBe(true);
    expect(same(canonFromOurs('-00:00:01.000010', col(MYSQL_TYPE.TIME2), ctx), 19)).toBe(false);
    expect(same(canonFromOurs('2024-01-01 00:00:00.123456', col(MYSQL_TYPE.DATETIME2), ctx), 21)).toBe(true);
    expect(same(canonFromOurs({ kind: 'timestamp', seconds: 978307200, micros: 500000, fsp: 3 }, col(MYSQL_TYPE.TIMESTAMP2), ctx), 23)).toBe(true);
    expect(same(canonFromOurs({ kind: 'timestamp', seconds: 978307200, micros: 500, fsp: 3 }, col(MYSQL_TYPE.TIMESTAMP2), ctx), 23)).toBe(false);
    expect(same(canonFromOurs(0, col(MYSQL_TYPE.YEAR), ctx), 24)).toBe(true);
    expect(same(canonFromOurs(Uint8Array.of(0x01, 0x55, 0x55), col(MYSQL_TYPE.BIT), ctx), 26)).toBe(true);
    expect(same(canonFromOurs({ kind: 'enum', index: 2, name: 'b' }, col(MYSQL_TYPE.STRING), ctx), 40)).toBe(true);
    expect(same(canonFromOurs({ kind: 'set', bits: 5n, names: ['x', 'z'] }, col(MYSQL_TYPE.STRING), ctx), 41)).toBe(true);
    expect(same(canonFromOurs(null, col(MYSQL_TYPE.GEOMETRY), ctx), 45)).toBe(true);
  });

  it('strings: raw printed bytes vs our bytes or our text re-encoded in the column charset', () => {
    expect(same(canonFromOurs('éèÿ\u0000', col(MYSQL_TYPE.VARCHAR, { collationId: 8 }), ctx), 30)).toBe(true);
    expect(same(canonFromOurs(Uint8Array.of(0xe9, 0xe8, 0xff, 0), col(MYSQL_TYPE.VARCHAR), ctx), 30)).toBe(true);
    expect(same(canonFromOurs('éèÿ\u0000', col(MYSQL_TYPE.VARCHAR, { collationId: 45 }), ctx), 30)).toBe(false);
    expect(same(canonFromOurs('éèÿ', col(MYSQL_TYPE.VARCHAR), ctx), 30)).toBe(false);
    expect(same(canonFromOurs(Uint8Array.of(0x00, 0xff, 0x0a, 0x27), col(MYSQL_TYPE.STRING), ctx), 31)).toBe(true);
    expect(same(canonFromOurs(Uint8Array.of(0x5c, 0x00), col(MYSQL_TYPE.VARCHAR), ctx), 32)).toBe(true);
    expect(same(canonFromOurs(Uint8Array.of(0, 1, 2), col(MYSQL_TYPE.BLOB), ctx), 33)).toBe(true);
    expect(mariadbQuotedForm(Buffer.from("a'\\\n\x7f", 'latin1'))).toBe("'a'\\\\x0a\x7f'");
  });

  it('BINARY(n): ours is the n-byte stored value, the image drops trailing 0x00', () => {
    expect([stringMetaLength(65040), stringMetaLength(65034), stringMetaLength(0xcefc)]).toEqual([16, 10, 1020]);
    const printed = (text: string): Canon => canonFromVerbose({ column: 2, text, typeName: 'STRING(4)', meta: 65028, nullable: true, isNull: false });
    const bin4 = col(MYSQL_TYPE.STRING, { meta: 65028, collationId: 63 });
    expect(sameCanon(canonFromOurs(Uint8Array.of(0x61, 0, 0x62, 0), bin4, ctx), printed("'a\\x00b'"))).toBe(true);
    expect(sameCanon(canonFromOurs(Uint8Array.of(0, 0, 0, 0), bin4, ctx), printed("''"))).toBe(true);
    expect(canonFromOurs(Uint8Array.of(0x61), bin4, ctx).t).toBe('invalid');
    // Unknown collation (metadata NO_LOG): bytes exactly as logged.
    expect(sameCanon(canonFromOurs(Uint8Array.of(0x61), col(MYSQL_TYPE.STRING, { meta: 65028 }), ctx), printed("'a'"))).toBe(true);
    // SET is printed as little-endian storage bytes, each MSB first.
    const set2 = canonFromVerbose({ column: 5, text: "b'1111111100000001'", typeName: 'SET(2 bytes)', meta: 63490, nullable: true, isNull: false });
    expect(sameCanon(canonFromOurs({ kind: 'set', bits: 511n, names: undefined }, col(MYSQL_TYPE.STRING), ctx), set2)).toBe(true);
    const set8 = canonFromVerbose({ column: 8, text: `b'${'0'.repeat(56)}10000000'`, typeName: 'SET(8 bytes)', meta: 63496, nullable: true, isNull: false });
    expect(sameCanon(canonFromOurs({ kind: 'set', bits: 1n << 63n, names: undefined }, col(MYSQL_TYPE.STRING), ctx), set8)).toBe(true);
    // FLOAT keeps the sign of zero.
    const negZero = canonFromVerbose({ column: 2, text: '-0', typeName: 'FLOAT', meta: 4, nullable: true, isNull: false });
    expect(sameCanon(canonFromOurs(-0, col(MYSQL_TYPE.FLOAT), ctx), negZero)).toBe(true);
    expect(sameCanon(canonFromOurs(0, col(MYSQL_TYPE.FLOAT), ctx), negZero)).toBe(false);
  });

  it('charset encoders', () => {
    expect(Buffer.from(encodeInCharset('€\u0081Ÿ', 'latin1')!).toString('hex')).toBe('80819f');
    expect(encodeInCharset('😀', 'latin1')).toBeUndefined();
    expect(Buffer.from(encodeInCharset('é😀', 'utf16')!).toString('hex')).toBe('00e9d83dde00');
    expect(Buffer.from(encodeInCharset('é😀', 'utf32')!).toString('hex')).toBe('000000e90001f600');
  });
});
