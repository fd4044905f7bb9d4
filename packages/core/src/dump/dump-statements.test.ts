import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PitrError } from '../errors/pitr-error.js';
import { DumpStatementSplitter, dumpStatements, type DumpStatement } from './dump-statements.js';

interface Plain {
  sql: string;
  offset: number;
  line: number;
  delimiter: string;
  kind: string;
  db: string | undefined;
  table: string | undefined;
  name: string | undefined;
}

function plain(s: DumpStatement): Plain {
  return { sql: s.text(), offset: s.offset, line: s.line, delimiter: s.delimiter, kind: s.kind, db: s.db, table: s.table, name: s.name };
}

/** Splits `input` fed in pieces of `piece` bytes (1 = worst case for every lookahead). */
function split(input: string | Buffer, piece = 1 << 20, comments?: string[]): Plain[] {
  const bytes = typeof input === 'string' ? Buffer.from(input, 'utf8') : input;
  const out: Plain[] = [];
  const splitter = new DumpStatementSplitter({
    initialBufferBytes: 1024,
    onComment: comments === undefined ? undefined : (text) => comments.push(text),
  });
  const emit = (s: DumpStatement): void => {
    out.push(plain(s));
  };
  for (let i = 0; i < bytes.length; i += piece) splitter.push(bytes.subarray(i, i + piece), emit);
  splitter.end(emit);
  return out;
}

const sqls = (input: string, piece?: number): string[] => split(input, piece).map((s) => s.sql);

describe('DumpStatementSplitter', () => {
  it('splits on ; outside strings, identifiers and comments', () => {
    const input = [
      "INSERT INTO `t` VALUES (1,'a;b','c\\'d;','e''f;'),(2,\"x;\\\"y\",'\\\\');",
      'CREATE TABLE `we;ird``name` (`a;` int) /* c;o\'mment */ ;',
      "SELECT 1 -- trailing; comment ' \n + 2;",
      "SELECT 3 # hash; comment '\n;",
      'SELECT 4-- not a comment without a space\n;',
      'SELECT 5--1;',
    ].join('\n');
    const expected = [
      "INSERT INTO `t` VALUES (1,'a;b','c\\'d;','e''f;'),(2,\"x;\\\"y\",'\\\\')",
      'CREATE TABLE `we;ird``name` (`a;` int) /* c;o\'mment */',
      "SELECT 1 -- trailing; comment ' \n + 2",
      "SELECT 3 # hash; comment '",
      'SELECT 4-- not a comment without a space',
      'SELECT 5--1',
    ];
    for (const piece of [1, 2, 3, 7, 1 << 20]) expect(sqls(input, piece)).toEqual(expected);
  });

  it('keeps executable comments (their content is SQL: strings and delimiters count)', () => {
    const input = "/*!40101 SET NAMES utf8mb4 */;\n/*!50003 CREATE*/ /*!50003 TRIGGER tr BEFORE INSERT ON t FOR EACH ROW SET NEW.s = ';*/' */;\n/*M!100101 SET x=1 */;";
    for (const piece of [1, 5, 1 << 20]) {
      expect(split(input, piece).map((s) => [s.sql, s.kind])).toEqual([
        ['/*!40101 SET NAMES utf8mb4 */', 'set'],
        ["/*!50003 CREATE*/ /*!50003 TRIGGER tr BEFORE INSERT ON t FOR EACH ROW SET NEW.s = ';*/' */", 'trigger'],
        ['/*M!100101 SET x=1 */', 'set'],
      ]);
    }
  });

  it('drops leading comments (reporting them) and the sandbox command; offsets and lines point at the statement', () => {
    const input =
      '/*M!999999\\- enable the sandbox mode */ \n-- MariaDB dump 10.19\n--\n# hash\n/* plain; */\n\nCREATE DATABASE d;\n\n  USE `d`;\r\n-- Dump completed on 2026-01-01 00:00:00';
    for (const piece of [1, 3, 1 << 20]) {
      const comments: string[] = [];
      const out = split(input, piece, comments);
      expect(out.map((s) => [s.sql, s.line, s.offset, s.kind, s.db])).toEqual([
        ['CREATE DATABASE d', 7, input.indexOf('CREATE'), 'create-database', 'd'],
        ['USE `d`', 9, input.indexOf('USE'), 'use', 'd'],
      ]);
      expect(comments).toEqual([
        '/*M!999999\\- enable the sandbox mode */',
        '-- MariaDB dump 10.19',
        '--',
        '# hash',
        '/* plain; */',
        '-- Dump completed on 2026-01-01 00:00:00',
      ]);
    }
  });

  it('obeys DELIMITER (routines, triggers, events) and reports the delimiter used', () => {
    const input = [
      '/*!50003 SET sql_mode = \'\' */ ;',
      'DELIMITER ;;',
      "CREATE DEFINER=`root`@`localhost` PROCEDURE `p`()\nBEGIN\n  SELECT ';;' ; -- a;; comment\n  SELECT 2;\nEND ;;",
      '/*!50003 SET @x = 1 */ ;;',
      'delimiter //',
      'CREATE FUNCTION f() RETURNS INT /* a // comment */ RETURN 1//',
      'DELIMITER ;',
      'SELECT 1;',
    ].join('\n');
    for (const piece of [1, 2, 1 << 20]) {
      expect(split(input, piece).map((s) => [s.sql, s.delimiter, s.kind, s.name])).toEqual([
        ["/*!50003 SET sql_mode = '' */", ';', 'set', undefined],
        ["CREATE DEFINER=`root`@`localhost` PROCEDURE `p`()\nBEGIN\n  SELECT ';;' ; -- a;; comment\n  SELECT 2;\nEND", ';;', 'routine', 'p'],
        ['/*!50003 SET @x = 1 */', ';;', 'set', undefined],
        ['CREATE FUNCTION f() RETURNS INT /* a // comment */ RETURN 1', '//', 'routine', 'f'],
        ['SELECT 1', ';', 'other', undefined],
      ]);
    }
  });

  it('text inside strings that looks like DELIMITER, comments or */ changes nothing', () => {
    const input = "INSERT INTO t VALUES ('\nDELIMITER ;;\n','/*','--',\"#\",'*/');\nINSERT INTO t VALUES (2);";
    for (const piece of [1, 1 << 20]) {
      expect(sqls(input, piece)).toEqual(["INSERT INTO t VALUES ('\nDELIMITER ;;\n','/*','--',\"#\",'*/')", 'INSERT INTO t VALUES (2)']);
    }
  });

  it('yields the last statement without delimiter and fails inside an unterminated string', () => {
    expect(split('SELECT 1;\nSELECT 2\n').map((s) => [s.sql, s.delimiter])).toEqual([
      ['SELECT 1', ';'],
      ['SELECT 2', ''],
    ]);
    expect(() => split("SELECT 1;\nINSERT INTO t VALUES ('abc")).toThrow(PitrError);
    expect(() => split("SELECT 1;\nINSERT INTO t VALUES ('abc")).toThrow(/line 2/);
  });

  it('text() refuses bytes that are not UTF-8 instead of replacing them', () => {
    const out: DumpStatement[] = [];
    const splitter = new DumpStatementSplitter();
    splitter.push(Buffer.concat([Buffer.from("INSERT INTO t VALUES ('"), Buffer.from([0xff, 0xfe, 0x80]), Buffer.from("');")]), (s) => out.push(s));
    expect(out).toHaveLength(1);
    expect(out[0]!.bytes.subarray(23, 26)).toEqual(Buffer.from([0xff, 0xfe, 0x80]));
    expect(() => out[0]!.text()).toThrow(PitrError);
    expect(() => out[0]!.text()).toThrow(/--hex-blob/);
  });

  it('classifies the dumps\' own INSERT spelling on a fast path with the same result', () => {
    const input = 'USE `d0`;\nINSERT INTO `a` VALUES (1);\nINSERT INTO `a` VALUES (2);\nINSERT INTO `ab` VALUES (3);\nINSERT INTO `x``y` VALUES (4);\nINSERT INTO `d`.`t` VALUES (5);\nINSERT INTO `é` VALUES (6);\nINSERT INTO `a`;';
    const out = split(input, 1 << 20).map((s) => [s.kind, s.db, s.table]);
    expect(out).toEqual([
      ['use', 'd0', undefined],
      ['insert', 'd0', 'a'],
      ['insert', 'd0', 'a'],
      ['insert', 'd0', 'ab'],
      ['insert', 'd0', 'x`y'],
      ['insert', 'd', 't'],
      ['insert', 'd0', 'é'],
      ['insert', 'd0', 'a'],
    ]);
  });

  it('counts lines across statements with embedded newlines and CRLF', () => {
    const input = "SELECT 'a\nb';\r\n\r\nSELECT 2;\n-- c\nSELECT\n3;";
    expect(split(input, 1).map((s) => [s.sql, s.line])).toEqual([
      ["SELECT 'a\nb'", 1],
      ['SELECT 2', 4],
      ['SELECT\n3', 6],
    ]);
  });

  it('handles multi-byte UTF-8 split across pieces and statements larger than the buffer', () => {
    const big = `INSERT INTO \`t\` VALUES (1,'${'😀;é'.repeat(200_000)}');`;
    const out = split(`${big}\nSELECT 'ü';`, 4093);
    expect(out.map((s) => s.sql)).toEqual([big.slice(0, -1), "SELECT 'ü'"]);
    expect(out[1]!.offset).toBe(Buffer.byteLength(big) + 1);
  });

  it('holds a huge statement once: the buffer stays within 1.5x of it and bytes is a view of it', () => {
    const row = Buffer.from("(1,'abc;\\'def',0x00FF),\n");
    const size = 48 << 20;
    const piece = Buffer.alloc(1 << 20);
    for (let i = 0; i < piece.length; i += row.length) row.copy(piece, i);
    const splitter = new DumpStatementSplitter({ initialBufferBytes: 1 << 20 });
    let seen: DumpStatement | undefined;
    let viewOfBuffer = false;
    const emit = (s: DumpStatement): void => {
      seen = s;
      // the big INSERT is a view of the splitter's own buffer, not a copy
      if (s.bytes.length > size) viewOfBuffer = s.bytes.buffer.byteLength === splitter.bufferBytes && s.kind === 'insert';
    };
    splitter.push(Buffer.from('INSERT INTO t VALUES '), emit);
    // whole rows only (the piece ends inside a row, so pieces are cut at a row boundary)
    const whole = piece.subarray(0, piece.length - (piece.length % row.length));
    let total = 21;
    while (total < size) {
      splitter.push(whole, emit);
      total += whole.length;
    }
    splitter.push(Buffer.from("(2,'x');\nSELECT 1;"), emit);
    splitter.end(emit);
    expect(seen?.text()).toBe('SELECT 1');
    expect(viewOfBuffer).toBe(true);
    expect(splitter.bufferBytes).toBeGreaterThan(size);
    expect(splitter.bufferBytes).toBeLessThan(size * 1.5 + (2 << 20));
  });

  it('is independent of how the input is cut (property)', () => {
    const parts = fc.constantFrom(
      "'a;b'", '"c;\\"d"', '`e;``f`', ' -- g;\n', '# h;\n', '/* i; */', '/*!40101 j */', ';', ';;', '\n', ' ', 'x', '-', '/', '*', "\\'", 'DELIMITER ;;\n', 'DELIMITER ;\n',
    );
    fc.assert(
      fc.property(fc.array(parts, { maxLength: 30 }), fc.integer({ min: 1, max: 9 }), (ps, piece) => {
        const input = ps.join('');
        let whole: Plain[] | Error;
        let cut: Plain[] | Error;
        try {
          whole = split(input);
        } catch (e) {
          whole = e as Error;
        }
        try {
          cut = split(input, piece);
        } catch (e) {
          cut = e as Error;
        }
        if (whole instanceof Error || cut instanceof Error) {
          expect(cut instanceof Error && whole instanceof Error && cut.message === whole.message).toBe(true);
        } else {
          expect(cut).toEqual(whole);
        }
      }),
      { numRuns: 400 },
    );
  });
});

describe('dumpStatements (files)', () => {
  let dir = '';
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'pitr-dump-statements-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reads plain and gzip files (and streams) identically', async () => {
    const sql = "-- header\nCREATE DATABASE d;\nUSE d;\nINSERT INTO t VALUES ('a;b');\nDELIMITER ;;\nCREATE PROCEDURE p() BEGIN SELECT 1; END ;;\nDELIMITER ;\n";
    writeFileSync(join(dir, 'a.sql'), sql);
    writeFileSync(join(dir, 'a.sql.gz'), gzipSync(sql));
    const read = async (src: string | AsyncIterable<Uint8Array>): Promise<Plain[]> => {
      const out: Plain[] = [];
      for await (const s of dumpStatements(src)) out.push(plain(s));
      return out;
    };
    const a = await read(join(dir, 'a.sql'));
    expect(a.map((s) => s.kind)).toEqual(['create-database', 'use', 'insert', 'routine']);
    expect(a[2]!.db).toBe('d');
    expect(await read(join(dir, 'a.sql.gz'))).toEqual(a);
    // concatenated gzip members (cat a.gz b.gz) are one stream
    const cut = sql.indexOf('INSERT');
    writeFileSync(join(dir, 'cat.sql.gz'), Buffer.concat([gzipSync(sql.slice(0, cut)), gzipSync(sql.slice(cut))]));
    expect(await read(join(dir, 'cat.sql.gz'))).toEqual(a);
    async function* pieces(b: Buffer): AsyncGenerator<Uint8Array> {
      for (let i = 0; i < b.length; i += 1) yield b.subarray(i, i + 1);
    }
    expect(await read(pieces(gzipSync(sql)))).toEqual(a);
    expect(await read(pieces(Buffer.from(sql)))).toEqual(a);
  });

  it('stops cleanly when the consumer stops early (file, gzip file, gzip stream)', async () => {
    const sql = 'SELECT 1;\n'.repeat(300_000);
    writeFileSync(join(dir, 'b.sql'), sql);
    writeFileSync(join(dir, 'b.sql.gz'), gzipSync(sql));
    async function* pieces(b: Buffer): AsyncGenerator<Uint8Array> {
      for (let i = 0; i < b.length; i += 1000) yield b.subarray(i, i + 1000);
    }
    for (const src of [join(dir, 'b.sql'), join(dir, 'b.sql.gz'), pieces(gzipSync(sql))]) {
      let n = 0;
      for await (const s of dumpStatements(src)) {
        expect(s.text()).toBe('SELECT 1');
        if (++n === 3) break;
      }
      expect(n).toBe(3);
    }
  });

  it('turns a missing file into PitrError IO, a damaged gzip into DUMP_CORRUPT', async () => {
    const drain = async (p: string): Promise<void> => {
      for await (const _ of dumpStatements(p)) void _;
    };
    await expect(drain(join(dir, 'missing.sql'))).rejects.toMatchObject({ code: 'IO' });
    writeFileSync(join(dir, 'bad.sql.gz'), gzipSync('SELECT 1;'.repeat(1000)).subarray(0, 40));
    await expect(drain(join(dir, 'bad.sql.gz'))).rejects.toMatchObject({ code: 'DUMP_CORRUPT' });
    const flipped = gzipSync('SELECT 1;'.repeat(1000));
    flipped[flipped.length - 6]! ^= 0xff; // the CRC32 trailer
    writeFileSync(join(dir, 'flipped.sql.gz'), flipped);
    await expect(drain(join(dir, 'flipped.sql.gz'))).rejects.toMatchObject({ code: 'DUMP_CORRUPT' });
  });
});
