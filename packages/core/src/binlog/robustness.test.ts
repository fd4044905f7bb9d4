/**
 * Robustness properties of the binlog reader against hostile and damaged input.
 *
 * Whatever bytes it is given, reading a binlog either completes or throws a PitrError — for format
 * problems a BinlogFormatError whose `file` is the file read and whose `offset` lies within it —
 * and never a raw RangeError/TypeError, never hangs, never allocates without bound.
 *
 * Inputs are real binlogs (seeds) damaged in ways that reach past the framing: truncation, flipped
 * bytes, bad checksums, garbage after the magic, wrong event sizes, and — most useful — mutated event
 * bodies whose event size, log_pos and CRC32 are recomputed, so the damage reaches the body decoders
 * (TABLE_MAP, ROWS, QUERY, GTID, JSON binary, …) instead of stopping at the checksum check.
 * Also: events spliced behind another file's FORMAT_DESCRIPTION_EVENT, reading a stream in arbitrary
 * chunks must equal reading the file, and a damaged read must not break the next one (process-wide
 * decoder state). Inputs these properties once found are kept as fixed regressions at the end.
 *
 * Seeds: raw MySQL 8/MariaDB binlogs from $PITR_FIXTURES (default <repo>/../shared/fixtures), plus a
 * MariaDB binlog with every column type and many event types generated on a throwaway mariadbd when
 * the server harness is available. Each is skipped with a visible reason when absent.
 *
 * Every case runs in a worker thread with a watchdog: a case that does not finish within
 * CASE_TIMEOUT_MS is a hang; a worker that exceeds its heap limit, or a process RSS growth beyond
 * MEMORY_GROWTH_LIMIT_MB during a case, is unbounded memory. Failing inputs are written to
 * os.tmpdir()/pitr-fuzz-failures/ for reproduction.
 *
 * Knobs: PITR_FUZZ_RUNS (multiplier for numRuns, default 1), PITR_FUZZ_SEED (fast-check seed),
 * PITR_FUZZ_COLLECT=1 (keep going after a failure and list every distinct crash at the end),
 * PITR_FUZZ_READER (path of another module exporting readBinlogFile, to test instead of core's).
 *
 * Binlog framing: https://dev.mysql.com/doc/dev/mysql-server/latest/page_protocol_replication_binlog_event.html
 * MariaDB: https://mariadb.com/kb/en/2-binlog-event-header/
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const HERE = dirname(fileURLToPath(import.meta.url));
const REPO = resolve(HERE, '../../../..');
const FIXTURES = process.env.PITR_FIXTURES ?? resolve(REPO, '../shared/fixtures');
const RUNS = Math.max(0.1, Number(process.env.PITR_FUZZ_RUNS ?? 1));
const FC_SEED = process.env.PITR_FUZZ_SEED === undefined ? undefined : Number(process.env.PITR_FUZZ_SEED);
const COLLECT = process.env.PITR_FUZZ_COLLECT === '1';
const CASE_TIMEOUT_MS = 3000;
const WORKER_HEAP_MB = 256;
const MEMORY_GROWTH_LIMIT_MB = 384;
/** Per-test budget: vitest's default 60 s would cut a deeper campaign (PITR_FUZZ_RUNS) short. */
const TEST_TIMEOUT_MS = 60_000 * Math.max(1, RUNS) * 2;
/** Seeds larger than this are cut to a prefix (at an event boundary) of about this size. */
const MAX_SEED_BYTES = 48 * 1024;
const FAILURE_DIR = join(tmpdir(), 'pitr-fuzz-failures');
/** Name of the file each case is written to (in a per-worker scratch dir). */
const FUZZ_FILE = 'fuzz.bin';

/** The modules the worker loads; how it reads one file is READ_ALL_SOURCE below. */
const READER_MODULE = process.env.PITR_FUZZ_READER ?? join(HERE, 'reader.ts');
const ERRORS_MODULE = join(REPO, 'packages/core/src/errors/pitr-error.ts');
const JSON_MODULE = join(HERE, 'json-binary.ts');

const MAGIC = Uint8Array.of(0xfe, 0x62, 0x69, 0x6e);
const HEADER_LEN = 19;
const FORMAT_DESCRIPTION_EVENT = 15;
const LOG_EVENT_BINLOG_IN_USE_F = 0x1;
const TRANSACTION_PAYLOAD_EVENT = 40;

function runs(n: number): number {
  return Math.max(1, Math.round(n * RUNS));
}

// ---------------------------------------------------------------------------------------------
// CRC32 (ISO-HDLC, reflected 0xEDB88320), as in the binlog event trailer. Our own, so the test
// does not trust the code under test to build its inputs.

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

function crc32(bytes: Uint8Array, start = 0, end = bytes.length): number {
  let c = 0xffffffff;
  for (let i = start; i < end; i++) c = CRC_TABLE[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

// ---------------------------------------------------------------------------------------------
// Seeds: files split into events, re-serialised with consistent sizes, positions and checksums.

interface RawEvent {
  timestamp: number;
  typeCode: number;
  serverId: number;
  /** Written as the event's new end when it was the end in the seed; otherwise kept as it was. */
  logPos: number;
  logPosIsEnd: boolean;
  flags: number;
  /** Bytes after the 19-byte header, without the CRC32 trailer when `crc`. */
  body: Uint8Array;
  /** The event carried a valid CRC32 trailer. */
  crc: boolean;
}

interface Seed {
  name: string;
  events: RawEvent[];
  bytes: Uint8Array;
}

function u32(b: Uint8Array, p: number): number {
  return (b[p]! | (b[p + 1]! << 8) | (b[p + 2]! << 16) | (b[p + 3]! << 24)) >>> 0;
}

function putU32(b: Uint8Array, p: number, v: number): void {
  b[p] = v & 0xff;
  b[p + 1] = (v >>> 8) & 0xff;
  b[p + 2] = (v >>> 16) & 0xff;
  b[p + 3] = (v >>> 24) & 0xff;
}

/** CRC of an event as the server computes it: the FDE's in-use flag counts as cleared. */
function eventCrc(b: Uint8Array, start: number, end: number): number {
  if (b[start + 4] === FORMAT_DESCRIPTION_EVENT && (b[start + 17]! & LOG_EVENT_BINLOG_IN_USE_F) !== 0) {
    const copy = b.slice(start, end);
    copy[17]! &= ~LOG_EVENT_BINLOG_IN_USE_F;
    return crc32(copy);
  }
  return crc32(b, start, end);
}

/** Splits a binlog into events; a reason string when it is not a clean binlog. */
function splitEvents(bytes: Uint8Array, maxBytes = Infinity): RawEvent[] | string {
  if (bytes.length < 4 || MAGIC.some((m, i) => bytes[i] !== m)) return 'no binlog magic';
  const events: RawEvent[] = [];
  let pos = 4;
  while (pos < bytes.length && pos < maxBytes) {
    if (pos + HEADER_LEN > bytes.length) return `truncated header at ${pos}`;
    const size = u32(bytes, pos + 9);
    if (size < HEADER_LEN || pos + size > bytes.length) return `bad event size ${size} at ${pos}`;
    const crc = size >= HEADER_LEN + 4 && eventCrc(bytes, pos, pos + size - 4) === u32(bytes, pos + size - 4);
    events.push({
      timestamp: u32(bytes, pos),
      typeCode: bytes[pos + 4]!,
      serverId: u32(bytes, pos + 5),
      logPos: u32(bytes, pos + 13),
      logPosIsEnd: u32(bytes, pos + 13) === pos + size,
      flags: bytes[pos + 17]! | (bytes[pos + 18]! << 8),
      body: bytes.slice(pos + HEADER_LEN, pos + size - (crc ? 4 : 0)),
      crc,
    });
    pos += size;
  }
  return events;
}

/** Writes events as a binlog file with consistent sizes, log_pos and CRC32s. */
function serialize(events: readonly RawEvent[]): Uint8Array {
  let total = 4;
  for (const e of events) total += HEADER_LEN + e.body.length + (e.crc ? 4 : 0);
  const out = new Uint8Array(total);
  out.set(MAGIC);
  let pos = 4;
  for (const e of events) {
    const size = HEADER_LEN + e.body.length + (e.crc ? 4 : 0);
    putU32(out, pos, e.timestamp);
    out[pos + 4] = e.typeCode;
    putU32(out, pos + 5, e.serverId);
    putU32(out, pos + 9, size);
    putU32(out, pos + 13, e.logPosIsEnd ? pos + size : e.logPos);
    out[pos + 17] = e.flags & 0xff;
    out[pos + 18] = (e.flags >>> 8) & 0xff;
    out.set(e.body, pos + HEADER_LEN);
    if (e.crc) putU32(out, pos + size - 4, eventCrc(out, pos, pos + size - 4));
    pos += size;
  }
  return out;
}

function listFiles(dir: string): string[] {
  const out: string[] = [];
  if (!existsSync(dir)) return out;
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...listFiles(p));
    else out.push(p);
  }
  return out;
}

const seeds: Seed[] = [];
const skipped: string[] = [];

function addSeed(name: string, bytes: Uint8Array): void {
  const events = splitEvents(bytes, MAX_SEED_BYTES);
  if (typeof events === 'string') {
    skipped.push(`${name}: ${events}`);
    return;
  }
  if (events.length === 0) return;
  // Re-serialising a prefix must give back the same bytes: proves the split is faithful.
  const again = serialize(events);
  const prefixLen = again.length;
  if (Buffer.compare(Buffer.from(again), Buffer.from(bytes.subarray(0, prefixLen))) !== 0) {
    skipped.push(`${name}: does not re-serialise identically (odd log_pos or checksum layout)`);
    return;
  }
  seeds.push({ name, events, bytes: again });
}

function loadFixtureSeeds(): void {
  if (!existsSync(FIXTURES)) {
    skipped.push(`fixtures: ${FIXTURES} not found (set PITR_FIXTURES)`);
    return;
  }
  for (const sub of ['mysql8/raw', 'mariadb/raw']) {
    for (const f of listFiles(join(FIXTURES, sub))) {
      const bytes = new Uint8Array(readFileSync(f));
      if (bytes.length < 4 || MAGIC.some((m, i) => bytes[i] !== m)) continue; // companion text files
      addSeed(relative(FIXTURES, f), bytes);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// A generated MariaDB seed: every column type, statement-based events, XA, compression, no CRC.

/** SQL run on a throwaway MariaDB 10.11 to produce many event and column types. */
const MARIADB_SEED_SQL: string[] = [
  'CREATE DATABASE fz',
  `CREATE TABLE fz.t_all (
     id INT NOT NULL AUTO_INCREMENT PRIMARY KEY,
     ti TINYINT, tiu TINYINT UNSIGNED, si SMALLINT, siu SMALLINT UNSIGNED, mi MEDIUMINT, miu MEDIUMINT UNSIGNED,
     i INT, iu INT UNSIGNED, bi BIGINT, biu BIGINT UNSIGNED,
     d1 DECIMAL(10,2), d2 DECIMAL(65,30), d3 DECIMAL(5,0), f FLOAT, dbl DOUBLE,
     b1 BIT(1), b13 BIT(13), b64 BIT(64),
     dt DATE, tm TIME, tm3 TIME(3), tm6 TIME(6), dtm DATETIME, dtm2 DATETIME(2), dtm6 DATETIME(6),
     ts TIMESTAMP NULL, ts6 TIMESTAMP(6) NULL, y YEAR,
     c10 CHAR(10), c255 CHAR(255), cl CHAR(10) CHARACTER SET latin1, vc VARCHAR(300), vcl VARCHAR(20) CHARACTER SET latin1,
     vcb VARBINARY(50), bn BINARY(16), tt TINYTEXT, tx TEXT, mt MEDIUMTEXT, lt LONGTEXT,
     tb TINYBLOB, bl BLOB, mb MEDIUMBLOB, lb LONGBLOB,
     e ENUM('a','b','c'), s SET('x','y','z'), j JSON, g GEOMETRY, p POINT,
     u UUID, i6 INET6, i4 INET4, vg BIGINT AS (i + 1) VIRTUAL, sg BIGINT AS (i * 2) STORED
   ) ENGINE=InnoDB`,
  `CREATE TABLE fz.wide (${Array.from({ length: 260 }, (_, i) => `c${i} TINYINT`).join(', ')}) ENGINE=InnoDB`,
  'CREATE TABLE fz.aria (id INT PRIMARY KEY, v VARCHAR(20)) ENGINE=MyISAM',
  'CREATE TABLE fz.stmt (id INT AUTO_INCREMENT PRIMARY KEY, v VARCHAR(40), r DOUBLE) ENGINE=InnoDB',
  'CREATE SEQUENCE fz.seq1',
  `INSERT INTO fz.t_all (ti) VALUES (NULL)`,
  `INSERT INTO fz.t_all (ti, tiu, si, siu, mi, miu, i, iu, bi, biu, d1, d2, d3, f, dbl, b1, b13, b64, dt, tm, tm3, tm6,
     dtm, dtm2, dtm6, ts, ts6, y, c10, c255, cl, vc, vcl, vcb, bn, tt, tx, mt, lt, tb, bl, mb, lb, e, s, j, g, p, u, i6, i4)
   VALUES (-128, 255, -32768, 65535, -8388608, 16777215, -2147483648, 4294967295, -9223372036854775808, 18446744073709551615,
     -12345678.90, -12345678901234567890123456789012345.123456789012345678901234567890, 99999, 1.1754943508e-38, -2.2250738585072014e-308,
     b'1', b'1010101010101', b'1111111111111111111111111111111111111111111111111111111111111111',
     '1000-01-01', '-838:59:59', '-12:34:56.789', '838:59:58.999999', '9999-12-31 23:59:59', '2024-02-29 12:00:00.99',
     '0001-01-01 00:00:00.000001', '2038-01-19 03:14:07', '1970-01-01 00:00:01.000001', 2155,
     'héllo', REPEAT('x', 255), 'caf\\xe9', REPEAT('😀', 70), 'latin', x'00ff00ff', UNHEX(REPLACE(UUID(), '-', '')),
     'tiny', REPEAT('t', 300), REPEAT('m', 1000), 'long', x'01', x'0203', REPEAT(x'ab', 1000), x'',
     'c', 'x,z', '{"a": [1, 2.5, "s", null, true, {"b": -1}], "big": 18446744073709551615}',
     ST_GeomFromText('POLYGON((0 0,1 0,1 1,0 0))', 4326), POINT(1.5, -2.5),
     '123e4567-e89b-12d3-a456-426614174000', '2001:db8::1', '192.168.0.1')`,
  `INSERT INTO fz.t_all (i, vc, j, e, s) VALUES (1, '', '[]', 'a', ''), (2, NULL, '{}', NULL, 'x,y,z'), (3, 'a', '"str"', 'b', 'y')`,
  `UPDATE fz.t_all SET i = i + 10, vc = CONCAT(COALESCE(vc, ''), '!'), j = JSON_SET(COALESCE(j, '{}'), '$.n', 1) WHERE id > 1`,
  'DELETE FROM fz.t_all WHERE id = 3',
  `INSERT INTO fz.wide (c0, c100, c259) VALUES (1, 2, 3), (NULL, NULL, NULL)`,
  'UPDATE fz.wide SET c259 = 9',
  // Non-transactional table inside a rolled-back transaction, savepoints.
  `BEGIN; INSERT INTO fz.aria VALUES (1, 'a'); INSERT INTO fz.t_all (i) VALUES (100); SAVEPOINT sp;
   INSERT INTO fz.aria VALUES (2, 'b'); ROLLBACK TO sp; COMMIT`,
  'BEGIN; INSERT INTO fz.aria VALUES (3, "c"); INSERT INTO fz.t_all (i) VALUES (101); ROLLBACK',
  'SELECT NEXTVAL(fz.seq1)',
  // Statement-based events: USER_VAR, INTVAR, RAND, plain QUERY with status variables.
  `SET SESSION binlog_format = 'STATEMENT'; SET @uv = 'user var', @un = 42, @ud = 1.5, @unull = NULL;
   INSERT INTO fz.stmt (v, r) VALUES (@uv, RAND()); INSERT INTO fz.stmt (v, r) VALUES (CONCAT(@un, @ud, COALESCE(@unull, 'n')), 1);
   INSERT INTO fz.stmt (v, r) VALUES (LAST_INSERT_ID(), 2); SET SESSION binlog_format = 'ROW'`,
  // XA transaction: XA_PREPARE_LOG_EVENT.
  `XA START 'fzx'; INSERT INTO fz.t_all (i) VALUES (200); XA END 'fzx'; XA PREPARE 'fzx'`,
  "XA COMMIT 'fzx'",
  'CREATE TABLE fz.ctas ENGINE=InnoDB SELECT id, i, j FROM fz.t_all',
  'ALTER TABLE fz.t_all ADD COLUMN added INT DEFAULT 7',
  'INSERT INTO fz.t_all (i, added) VALUES (300, 8)',
  'TRUNCATE TABLE fz.ctas',
  'DROP TABLE fz.ctas',
];

/** After a restart with compression, MINIMAL metadata and MINIMAL row image. */
const MARIADB_SEED_SQL_2: string[] = [
  `INSERT INTO fz.t_all (i, vc, tx, j) VALUES (400, REPEAT('z', 200), REPEAT('compress me ', 50), '{"k": "v"}')`,
  `UPDATE fz.t_all SET tx = REPEAT('y', 100) WHERE i = 400`,
  'DELETE FROM fz.t_all WHERE i = 400',
  `INSERT INTO fz.stmt (v, r) VALUES (REPEAT('q', 30), 3)`,
];

async function generateMariadbSeeds(): Promise<void> {
  if (process.env.PITR_FUZZ_NO_SERVER === '1') {
    skipped.push('generated MariaDB seed: PITR_FUZZ_NO_SERVER=1');
    return;
  }
  if (!existsSync(join(REPO, 'tools/HARNESS-READY'))) {
    skipped.push('generated MariaDB seed: server harness not ready (tools/HARNESS-READY missing)');
    return;
  }
  let harness: typeof import('../../../../tools/src/index.js');
  try {
    harness = await import('../../../../tools/src/index.js');
    harness.mariadbBinaries();
  } catch (err) {
    skipped.push(`generated MariaDB seed: no MariaDB server (${(err as Error).message.split('\n')[0]})`);
    return;
  }
  const server = await harness.startServer({ binlogRowMetadata: 'FULL', binlogRowImage: 'FULL', timeZone: '+00:00' });
  try {
    for (const sql of MARIADB_SEED_SQL) await server.query(sql);
    await server.restart({
      logBinCompress: true,
      logBinCompressMinLen: 10,
      binlogRowMetadata: 'MINIMAL',
      binlogRowImage: 'MINIMAL',
    });
    for (const sql of MARIADB_SEED_SQL_2) await server.query(sql);
    await server.restart({ checksum: 'NONE', logBinCompress: false, binlogRowMetadata: 'FULL', binlogRowImage: 'NOBLOB' });
    for (const sql of MARIADB_SEED_SQL_2) await server.query(sql);
    await server.flushLogs();
    const files = await server.binlogFiles();
    for (const f of files.slice(0, -1)) {
      const bytes = new Uint8Array(readFileSync(f));
      // The big LONGBLOB/MEDIUMTEXT rows make file 1 large; the prefix cut keeps the seed small, so
      // also add the events after them as a second seed (FDE + tail).
      addSeed(`generated/${basename(f)}`, bytes);
      const all = splitEvents(bytes);
      if (typeof all !== 'string' && serialize(all).length > MAX_SEED_BYTES) {
        const fde = all[0]!;
        const tail: RawEvent[] = [fde];
        let size = 0;
        for (let i = all.length - 1; i > 0 && size < MAX_SEED_BYTES; i--) {
          tail.splice(1, 0, all[i]!);
          size += all[i]!.body.length + 23;
        }
        addSeed(`generated/${basename(f)}#tail`, serialize(tail));
      }
    }
  } finally {
    await server.stop();
  }
}

// ---------------------------------------------------------------------------------------------
// The sandbox: a worker thread that reads one input per message, with a watchdog.

interface ReadError {
  name: string;
  message: string;
  code: string | undefined;
  isPitr: boolean;
  isFormat: boolean;
  file: unknown;
  offset: unknown;
  stack: string;
}

type ReadResult =
  | { ok: true; events: number; problem?: string }
  | { ok: false; error: ReadError }
  | { ok: false; hang: true }
  | { ok: false; memory: string };

/**
 * Worker source (plain JS, loaded with tsx's tsImport so it can use the TypeScript sources).
 * `readAll(bytes, file)` is the one place that knows the reader's API.
 */
function workerSource(): string {
  return `
const { parentPort, workerData } = require('node:worker_threads');
const { writeFileSync, mkdirSync, rmSync } = require('node:fs');
const { join } = require('node:path');
(async () => {
  const { tsImport } = await import(workerData.tsx);
  const reader = await tsImport(workerData.readerUrl, workerData.readerUrl);
  const errors = await tsImport(workerData.errorsUrl, workerData.errorsUrl);
  const json = await tsImport(workerData.jsonUrl, workerData.jsonUrl);
  const dir = join(workerData.scratch, 'w' + require('node:worker_threads').threadId);
  mkdirSync(dir, { recursive: true });

  function touch(image) {
    if (!image) return 0;
    let n = 0;
    for (let i = 0; i < image.length; i++) { const v = image[i]; if (typeof v === 'string') n += v.length; else n++; }
    return n;
  }

  ${READ_ALL_SOURCE}

  /** Events as 'pos:end:type:rows' plus how reading ended, to compare two ways of reading. */
  async function summarise(iterable) {
    const parts = [];
    try {
      for await (const ev of iterable) {
        const rows = ev.body && ev.body.rows;
        parts.push(ev.pos + ':' + ev.end + ':' + ev.typeName + ':' + (rows ? rows.length : '') + ':' + ev.raw.length);
      }
      parts.push('end');
    } catch (e) {
      parts.push('error ' + (e && e.code) + ' at ' + (e && e.offset) + ': ' + String(e && e.message).replace(/^[^:]*:/, ''));
    }
    return parts.join(' ');
  }

  parentPort.on('message', async (msg) => {
    let reply;
    try {
      if (msg.op === 'json') {
        json.jsonBinaryToText(msg.bytes, 0, msg.bytes.length, msg.file, 0);
        reply = { ok: true, events: 0 };
      } else if (msg.op === 'stream-compare') {
        const path = join(dir, msg.file);
        writeFileSync(path, msg.bytes);
        const a = await summarise(reader.readBinlogFile(path, {}));
        async function* chunks() {
          let at = 0, k = 0;
          while (at < msg.bytes.length) {
            const n = Math.max(1, msg.chunkSizes[k++ % msg.chunkSizes.length]);
            yield msg.bytes.subarray(at, at + n);
            at += n;
          }
        }
        const b = await summarise(reader.readBinlogStream(chunks(), { fileName: msg.file }));
        reply = a === b ? { ok: true, events: 0 } : { ok: true, events: 0, problem: 'stream read differs from file read:\\n  file:   ' + a.slice(-300) + '\\n  stream: ' + b.slice(-300) };
      } else {
        const path = join(dir, msg.file);
        writeFileSync(path, msg.bytes);
        reply = await readAll(path, msg.bytes.length, msg.options || {});
      }
    } catch (e) {
      // tsImport gives each import its own module instances, so compare by class name along the
      // prototype chain rather than with instanceof.
      const chain = [];
      for (let p = e && Object.getPrototypeOf(e); p && chain.length < 10; p = Object.getPrototypeOf(p)) chain.push(p.constructor && p.constructor.name);
      const isPitr = e instanceof errors.PitrError || chain.includes('PitrError');
      reply = { ok: false, error: {
        name: e && e.name, message: String(e && e.message).slice(0, 500), code: e && e.code,
        isPitr, isFormat: e instanceof errors.BinlogFormatError || chain.includes('BinlogFormatError'),
        file: e && e.file, offset: e && e.offset, stack: String(e && e.stack).slice(0, 2000) } };
    }
    parentPort.postMessage({ id: msg.id, reply });
  });
  parentPort.postMessage({ ready: true });
})().catch((e) => parentPort.postMessage({ fatal: String((e && e.stack) || e) }));
`;
}

/**
 * Reads every event of the file with every row decoded. Returns { ok, events, problem } where
 * problem names an inconsistency in a successful read (event positions outside the file).
 */
const READ_ALL_SOURCE = `
  async function readAll(path, size, options) {
    let events = 0;
    let problem;
    for await (const ev of reader.readBinlogFile(path, options)) {
      events++;
      if (ev.payloadIndex === undefined && !(ev.pos >= 0 && ev.pos < ev.end && ev.end <= size)) {
        problem = problem || ('event ' + events + ' at [' + ev.pos + ', ' + ev.end + ') outside the file of ' + size + ' bytes');
      }
      const rows = ev.body && ev.body.rows;
      if (rows) for (const r of rows) { touch(r.before); touch(r.after); }
    }
    return { ok: true, events, problem };
  }
`;

type Op = 'read' | 'json' | 'stream-compare';

class Sandbox {
  private worker: Worker | undefined;
  private ready: Promise<void> | undefined;
  private nextId = 1;
  private readonly scratch: string;

  constructor() {
    const root = existsSync('/dev/shm') ? '/dev/shm' : tmpdir();
    this.scratch = join(root, `pitr-fuzz-${process.pid}`);
    // Scratch dirs of test processes that died before cleaning up.
    for (const name of readdirSync(root)) {
      const pid = /^pitr-fuzz-(\d+)$/.exec(name)?.[1];
      if (pid === undefined || Number(pid) === process.pid) continue;
      try {
        process.kill(Number(pid), 0);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ESRCH') rmSync(join(root, name), { recursive: true, force: true });
      }
    }
  }

  private start(): Promise<void> {
    const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx/esm/api').replace(/\.cjs$/, '.mjs')).href;
    const w = new Worker(workerSource(), {
      eval: true,
      execArgv: [],
      workerData: {
        tsx,
        readerUrl: pathToFileURL(READER_MODULE).href,
        errorsUrl: pathToFileURL(ERRORS_MODULE).href,
        jsonUrl: pathToFileURL(JSON_MODULE).href,
        scratch: this.scratch,
      },
      resourceLimits: { maxOldGenerationSizeMb: WORKER_HEAP_MB, maxYoungGenerationSizeMb: 32 },
    });
    this.worker = w;
    this.ready = new Promise<void>((res, rej) => {
      const onMsg = (m: { ready?: boolean; fatal?: string }): void => {
        w.off('message', onMsg);
        if (m.ready) res();
        else rej(new Error(`fuzz worker failed to start: ${m.fatal}`));
      };
      w.on('message', onMsg);
      w.once('error', rej);
    });
    return this.ready;
  }

  async run(bytes: Uint8Array, file: string, op: Op = 'read', options: object = {}, chunkSizes: number[] = []): Promise<ReadResult> {
    if (!this.worker) await this.start();
    else await this.ready;
    const w = this.worker!;
    const id = this.nextId++;
    const rss0 = process.memoryUsage.rss();
    let peakRss = rss0;
    return new Promise<ReadResult>((res) => {
      let settled = false;
      const finish = (r: ReadResult, restart: boolean): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        clearInterval(poll);
        w.off('message', onMessage);
        w.off('error', onError);
        w.off('exit', onExit);
        if (restart) {
          this.worker = undefined;
          void w.terminate();
        }
        res(r);
      };
      const onMessage = (m: { id: number; reply: ReadResult }): void => {
        if (m.id !== id) return;
        if (peakRss - rss0 > MEMORY_GROWTH_LIMIT_MB * 1024 * 1024) {
          finish({ ok: false, memory: `process RSS grew by ${Math.round((peakRss - rss0) / 1048576)} MB` }, true);
        } else finish(m.reply, false);
      };
      const onError = (e: Error): void => {
        const code = (e as NodeJS.ErrnoException).code;
        if (code === 'ERR_WORKER_OUT_OF_MEMORY') finish({ ok: false, memory: `worker heap over ${WORKER_HEAP_MB} MB` }, true);
        else
          finish(
            { ok: false, error: { name: e.name, message: `uncaught in worker: ${e.message}`, code, isPitr: false, isFormat: false, file: undefined, offset: undefined, stack: String(e.stack) } },
            true,
          );
      };
      const onExit = (): void => finish({ ok: false, memory: 'worker exited (likely out of memory)' }, true);
      const timer = setTimeout(() => finish({ ok: false, hang: true }, true), CASE_TIMEOUT_MS);
      const poll = setInterval(() => {
        const r = process.memoryUsage.rss();
        if (r > peakRss) peakRss = r;
        if (peakRss - rss0 > MEMORY_GROWTH_LIMIT_MB * 1024 * 1024) {
          finish({ ok: false, memory: `process RSS grew by ${Math.round((peakRss - rss0) / 1048576)} MB` }, true);
        }
      }, 5);
      w.on('message', onMessage);
      w.on('error', onError);
      w.on('exit', onExit);
      w.postMessage({ id, op, bytes, file, options, chunkSizes });
    });
  }

  async close(): Promise<void> {
    if (this.worker) await this.worker.terminate();
    this.worker = undefined;
  }

  /** Removes the scratch files of every worker. */
  async dispose(): Promise<void> {
    await this.close();
    rmSync(this.scratch, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------------------------------------
// Judging results, collecting failures

interface Failure {
  property: string;
  kind: string;
  detail: string;
  input: string;
  bytesFile: string;
}

const failures = new Map<string, Failure>();

/** Returns a failure description, or undefined when the result is acceptable. */
function judge(r: ReadResult, size: number, file: string): { kind: string; detail: string } | undefined {
  if (r.ok) return r.problem ? { kind: 'bad-event-position', detail: r.problem } : undefined;
  if ('hang' in r) return { kind: 'hang', detail: `no result within ${CASE_TIMEOUT_MS} ms` };
  if ('memory' in r) return { kind: 'memory', detail: r.memory };
  const e = r.error;
  if (!e.isPitr) {
    const frame = /\n\s+at ([^\n]+)/.exec(e.stack)?.[1] ?? '';
    const where = frame.replace(/\(.*\/packages\//, '(packages/').replace(/\(data:[^)]*\)/, '(worker)').slice(0, 200);
    return { kind: `raw ${e.name}`, detail: `${e.name}: ${e.message} @ ${where}` };
  }
  if (e.isFormat) {
    if (typeof e.file !== 'string' || basename(e.file) !== file) return { kind: 'bad-error-file', detail: `file ${String(e.file)} instead of ${file}: ${e.message}` };
    if (typeof e.offset !== 'number' || !Number.isInteger(e.offset) || e.offset < 0 || e.offset > size) {
      return { kind: 'bad-error-offset', detail: `offset ${String(e.offset)} outside [0, ${size}]: ${e.message}` };
    }
  }
  return undefined;
}

function saveInput(bytes: Uint8Array): string {
  mkdirSync(FAILURE_DIR, { recursive: true });
  const hash = createHash('sha256').update(bytes).digest('hex').slice(0, 16);
  const p = join(FAILURE_DIR, `${hash}.bin`);
  if (!existsSync(p)) writeFileSync(p, bytes);
  return p;
}

/** property → outcome → count; printed in collect mode to show how deep the inputs get. */
const outcomes = new Map<string, Map<string, number>>();

function countOutcome(property: string, r: ReadResult): void {
  if (!COLLECT) return;
  let what: string;
  if (r.ok) what = 'completed';
  else if ('error' in r) what = `${r.error.code ?? r.error.name}: ${r.error.message.replace(/^[^:]*:\d+ /, '').replace(/\d+/g, 'N').slice(0, 70)}`;
  else what = 'hang' in r ? 'hang' : 'memory';
  const m = outcomes.get(property) ?? new Map<string, number>();
  m.set(what, (m.get(what) ?? 0) + 1);
  outcomes.set(property, m);
}

/** Records a failure (one per distinct kind and place, keeping the smallest input). */
function record(property: string, bytes: Uint8Array, describeInput: () => string, bad: { kind: string; detail: string }): boolean {
  const key = `${bad.kind} ${bad.detail.replace(/\d+/g, 'N')}`;
  const prev = failures.get(key);
  if (!prev || statSync(prev.bytesFile).size > bytes.length) {
    failures.set(key, { property, ...bad, input: describeInput(), bytesFile: saveInput(bytes) });
  }
  if (COLLECT) return true;
  throw new Error(`${property}: ${bad.kind}: ${bad.detail}\ninput: ${describeInput()}\nbytes: ${saveInput(bytes)}`);
}

/**
 * Runs one case and decides. In collect mode failures are recorded and the property passes;
 * otherwise the property fails and fast-check shrinks the input.
 */
async function check(
  sandbox: Sandbox,
  property: string,
  bytes: Uint8Array,
  describeInput: () => string,
  op: Op = 'read',
  options: object = {},
): Promise<boolean> {
  const r = await sandbox.run(bytes, FUZZ_FILE, op, options);
  countOutcome(property, r);
  const bad = judge(r, bytes.length, FUZZ_FILE);
  return bad ? record(property, bytes, describeInput, bad) : true;
}

// ---------------------------------------------------------------------------------------------
// Mutations (as data, so fast-check can print and shrink them)

type EventClass = 'any' | 'fde' | 'table_map' | 'rows' | 'query' | 'gtid' | 'payload' | 'other';

const ROWS_TYPES = new Set([20, 21, 22, 23, 24, 25, 30, 31, 32, 39, 166, 167, 168, 169, 170, 171]);
const QUERY_TYPES = new Set([2, 160, 165]); // QUERY, ANNOTATE_ROWS, QUERY_COMPRESSED
const GTID_TYPES = new Set([33, 34, 42, 162, 163, 35]); // MySQL GTID/anon/tagged, MariaDB GTID/GTID_LIST, PREVIOUS_GTIDS

function classOf(typeCode: number): EventClass {
  if (typeCode === FORMAT_DESCRIPTION_EVENT) return 'fde';
  if (typeCode === 19) return 'table_map';
  if (ROWS_TYPES.has(typeCode)) return 'rows';
  if (QUERY_TYPES.has(typeCode)) return 'query';
  if (GTID_TYPES.has(typeCode)) return 'gtid';
  if (typeCode === TRANSACTION_PAYLOAD_EVENT) return 'payload';
  return 'other';
}

interface Target {
  cls: EventClass;
  n: number;
}

type Mutation =
  | { op: 'set'; target: Target; at: number; value: number }
  | { op: 'xor'; target: Target; at: number; mask: number }
  | { op: 'int'; target: Target; at: number; width: 1 | 2 | 3 | 4 | 8; value: number }
  | { op: 'insert'; target: Target; at: number; bytes: Uint8Array }
  | { op: 'delete'; target: Target; at: number; count: number }
  | { op: 'truncate-body'; target: Target; keep: number }
  | { op: 'type'; target: Target; typeCode: number }
  | { op: 'dup'; target: Target; to: number }
  | { op: 'drop'; target: Target }
  | { op: 'swap'; target: Target; other: number };

const INTERESTING = [0, 1, 2, 0x7f, 0x80, 0xfa, 0xfb, 0xfc, 0xfd, 0xfe, 0xff, 0x100, 0x7fff, 0x8000, 0xffff, 0x10000, 0xffffff, 0x7fffffff, 0x80000000, 0xffffffff];
const KNOWN_TYPES = [
  2, 3, 4, 5, 13, 14, 15, 16, 17, 19, 20, 21, 22, 23, 24, 25, 26, 27, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40, 41, 42,
  160, 161, 162, 163, 164, 165, 166, 167, 168, 169, 170, 171, 172,
];

const targetArb: fc.Arbitrary<Target> = fc.record({
  cls: fc.constantFrom<EventClass>('any', 'any', 'fde', 'table_map', 'rows', 'rows', 'rows', 'query', 'gtid', 'payload', 'other'),
  n: fc.nat(1000),
});

const mutationArb: fc.Arbitrary<Mutation> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ op: fc.constant('set' as const), target: targetArb, at: fc.nat(), value: fc.constantFrom(0, 0xff, 0x7f, 0x80, 0xfb, 0xfc, 0xfe, 1).chain((v) => fc.oneof(fc.constant(v), fc.nat(255))) }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant('xor' as const), target: targetArb, at: fc.nat(), mask: fc.integer({ min: 1, max: 255 }) }) },
  { weight: 4, arbitrary: fc.record({ op: fc.constant('int' as const), target: targetArb, at: fc.nat(), width: fc.constantFrom<1 | 2 | 3 | 4 | 8>(1, 2, 3, 4, 8), value: fc.oneof(fc.constantFrom(...INTERESTING), fc.nat()) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('insert' as const), target: targetArb, at: fc.nat(), bytes: fc.uint8Array({ minLength: 1, maxLength: 16 }) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('delete' as const), target: targetArb, at: fc.nat(), count: fc.integer({ min: 1, max: 16 }) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('truncate-body' as const), target: targetArb, keep: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('type' as const), target: targetArb, typeCode: fc.oneof(fc.constantFrom(...KNOWN_TYPES), fc.nat(255)) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('dup' as const), target: targetArb, to: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('drop' as const), target: targetArb }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('swap' as const), target: targetArb, other: fc.nat() }) },
);

/** Index of the targeted event: the n-th event of the class (mod count), else the n-th event. */
function resolveTarget(events: readonly RawEvent[], t: Target): number {
  if (t.cls !== 'any') {
    const idx: number[] = [];
    events.forEach((e, i) => {
      if (classOf(e.typeCode) === t.cls) idx.push(i);
    });
    if (idx.length > 0) return idx[t.n % idx.length]!;
  }
  return t.n % events.length;
}

function applyMutation(events: RawEvent[], m: Mutation): void {
  if (events.length === 0) return;
  const i = resolveTarget(events, m.target);
  const e = events[i]!;
  const body = e.body;
  const len = body.length;
  switch (m.op) {
    case 'set':
      if (len > 0) body[m.at % len] = m.value;
      break;
    case 'xor':
      if (len > 0) body[m.at % len]! ^= m.mask;
      break;
    case 'int': {
      if (len === 0) break;
      const at = m.at % len;
      let v = BigInt(m.value);
      for (let k = 0; k < m.width && at + k < len; k++) {
        body[at + k] = Number(v & 0xffn);
        v >>= 8n;
      }
      break;
    }
    case 'insert': {
      const at = len === 0 ? 0 : m.at % (len + 1);
      const nb = new Uint8Array(len + m.bytes.length);
      nb.set(body.subarray(0, at));
      nb.set(m.bytes, at);
      nb.set(body.subarray(at), at + m.bytes.length);
      e.body = nb;
      break;
    }
    case 'delete': {
      if (len === 0) break;
      const at = m.at % len;
      const nb = new Uint8Array(len - Math.min(m.count, len - at));
      nb.set(body.subarray(0, at));
      nb.set(body.subarray(at + Math.min(m.count, len - at)), at);
      e.body = nb;
      break;
    }
    case 'truncate-body':
      e.body = body.slice(0, len === 0 ? 0 : m.keep % len);
      break;
    case 'type':
      e.typeCode = m.typeCode;
      break;
    case 'dup':
      events.splice(m.to % (events.length + 1), 0, { ...e, body: body.slice() });
      break;
    case 'drop':
      events.splice(i, 1);
      break;
    case 'swap': {
      const j = m.other % events.length;
      events[i] = events[j]!;
      events[j] = e;
      break;
    }
  }
}

function cloneEvents(events: readonly RawEvent[]): RawEvent[] {
  return events.map((e) => ({ ...e, body: e.body.slice() }));
}

function fmtMutation(m: Mutation): string {
  const { target, ...rest } = m as Mutation & { bytes?: Uint8Array };
  const r = rest as Record<string, unknown>;
  if (r.bytes instanceof Uint8Array) r.bytes = Buffer.from(r.bytes).toString('hex');
  return `${m.op}@${target.cls}#${target.n} ${JSON.stringify(r)}`;
}

/** Human description of which event a mutation hits, for reproducers. */
function describeTarget(events: readonly RawEvent[], t: Target): string {
  const i = resolveTarget(events, t);
  return `event #${i} (type ${events[i]?.typeCode})`;
}

// ---------------------------------------------------------------------------------------------
// The properties

const seedIndexArb = (): fc.Arbitrary<number> => fc.nat({ max: Math.max(0, seeds.length - 1) });

describe('binlog reader robustness (property tests)', () => {
  const sandbox = new Sandbox();

  beforeAll(async () => {
    loadFixtureSeeds();
    await generateMariadbSeeds();
    if (skipped.length > 0) console.warn(`robustness seeds skipped:\n  ${skipped.join('\n  ')}`);
    console.info(`robustness: ${seeds.length} seeds (${seeds.reduce((s, x) => s + x.bytes.length, 0)} bytes)`);
    // Warm up the worker outside the first property's time budget.
    await sandbox.run(Uint8Array.from(MAGIC), FUZZ_FILE);
  }, 120_000);

  afterAll(async () => {
    await sandbox.dispose();
    for (const [property, m] of outcomes) {
      const top = [...m.entries()].sort((a, b) => b[1] - a[1]).slice(0, 12);
      console.info(`robustness outcomes [${property}]:\n${top.map(([k, n]) => `  ${String(n).padStart(6)}  ${k}`).join('\n')}`);
    }
    if (failures.size > 0) {
      const lines = [...failures.values()].map((f) => `- [${f.property}] ${f.kind}: ${f.detail}\n    input: ${f.input}\n    bytes: ${f.bytesFile}`);
      console.warn(`robustness: ${failures.size} distinct failure(s):\n${lines.join('\n')}`);
    }
  });

  const fcParams = (numRuns: number): fc.Parameters<unknown> => ({
    numRuns: runs(numRuns),
    ...(FC_SEED === undefined ? {} : { seed: FC_SEED }),
    endOnFailure: COLLECT,
  });

  it('seeds read cleanly before mutation', { timeout: TEST_TIMEOUT_MS }, async () => {
    if (seeds.length === 0) return void console.warn('robustness: no seeds — skipping (see skipped list above)');
    for (const s of seeds) await check(sandbox, 'clean seed', s.bytes, () => s.name);
  });

  it('truncation at every length around event boundaries of the small seeds', { timeout: TEST_TIMEOUT_MS }, async () => {
    const small = seeds.filter((s) => s.bytes.length <= 4096);
    if (small.length === 0) return void console.warn('robustness: no small seeds — skipping');
    for (const s of small) {
      // Every length inside the magic and the first header, and around every event boundary: in the
      // header, and just before the end (where the CRC32 trailer is).
      const lengths = new Set<number>();
      for (let len = 0; len < Math.min(s.bytes.length, 4 + HEADER_LEN + 8); len++) lengths.add(len);
      let pos = 4;
      for (const e of s.events) {
        const size = HEADER_LEN + e.body.length + (e.crc ? 4 : 0);
        // Inside the timestamp, the type, the event_size field, log_pos, flags, just past the header.
        for (const k of [1, 4, 5, 9, 12, 13, 17, 18, 19, 20, 23]) lengths.add(pos + k);
        for (const k of [1, 4, 5]) lengths.add(pos + size - k);
        pos += size;
      }
      for (const len of [...lengths].filter((l) => l < s.bytes.length).sort((a, b) => a - b)) {
        await check(sandbox, 'truncation (boundaries)', s.bytes.subarray(0, len), () => `${s.name} truncated to ${len} bytes`);
      }
    }
  });

  it('random truncations', { timeout: TEST_TIMEOUT_MS }, async () => {
    if (seeds.length === 0) return;
    await fc.assert(
      fc.asyncProperty(seedIndexArb(), fc.double({ min: 0, max: 1, noNaN: true }), async (si, frac) => {
        const s = seeds[si]!;
        const len = Math.floor(frac * s.bytes.length);
        return check(sandbox, 'truncation', s.bytes.subarray(0, len), () => `${s.name} truncated to ${len} bytes`);
      }),
      fcParams(300),
    );
  });

  it('flipped bytes (no checksum fix)', { timeout: TEST_TIMEOUT_MS }, async () => {
    if (seeds.length === 0) return;
    await fc.assert(
      fc.asyncProperty(
        seedIndexArb(),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 1, max: 255 })), { minLength: 1, maxLength: 4 }),
        fc.boolean(),
        async (si, flips, verifyChecksums) => {
          const s = seeds[si]!;
          const b = s.bytes.slice();
          for (const [at, mask] of flips) b[at % b.length]! ^= mask;
          const what = (): string =>
            `${s.name} with byte flips ${JSON.stringify(flips.map(([a, m]) => [a % b.length, m]))}${verifyChecksums ? '' : ', verifyChecksums: false'}`;
          return check(sandbox, 'flipped bytes', b, what, 'read', { verifyChecksums });
        },
      ),
      fcParams(300),
    );
  });

  it('bad checksums are reported as BINLOG_CHECKSUM', { timeout: TEST_TIMEOUT_MS }, async () => {
    // Files with checksums on. (With binlog_checksum=NONE, MariaDB still writes a CRC32 on the
    // FORMAT_DESCRIPTION_EVENT but nothing verifies it — mariadb-binlog neither — so those are left out.)
    const withCrc = seeds.filter((s) => s.events.some((e) => e.crc && e.typeCode !== FORMAT_DESCRIPTION_EVENT));
    if (withCrc.length === 0) return;
    // A fresh worker: state left behind by earlier damaged inputs is the next property's subject.
    await sandbox.close();
    await fc.assert(
      fc.asyncProperty(fc.nat(withCrc.length - 1), fc.nat(), fc.nat(3), fc.integer({ min: 1, max: 255 }), async (si, n, k, mask) => {
        const s = withCrc[si]!;
        const crcEvents = s.events.map((e, i) => (e.crc ? i : -1)).filter((i) => i >= 0);
        const target = crcEvents[n % crcEvents.length]!;
        let pos = 4;
        for (let i = 0; i < target; i++) pos += HEADER_LEN + s.events[i]!.body.length + (s.events[i]!.crc ? 4 : 0);
        const end = pos + HEADER_LEN + s.events[target]!.body.length + 4;
        const b = s.bytes.slice();
        b[end - 4 + k]! ^= mask;
        const describeIt = (): string => `${s.name}: CRC byte ${k} of event #${target} at ${pos} xor ${mask}`;
        const r = await sandbox.run(b, FUZZ_FILE);
        const bad = judge(r, b.length, FUZZ_FILE);
        if (bad) return record('bad checksum', b, describeIt, bad);
        // Events before the damaged one may be yielded; the damaged one must be rejected.
        if (r.ok || !('error' in r) || r.error.code !== 'BINLOG_CHECKSUM') {
          const got = r.ok ? `read completed (${r.events} events)` : 'error' in r ? `${r.error.code}: ${r.error.message}` : JSON.stringify(r);
          return record('bad checksum', b, describeIt, { kind: 'checksum-not-detected', detail: got });
        }
        return true;
      }),
      fcParams(60),
    );
  });

  it('random garbage after the magic', { timeout: TEST_TIMEOUT_MS }, async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 600 }), async (garbage) => {
        const b = new Uint8Array(4 + garbage.length);
        b.set(MAGIC);
        b.set(garbage, 4);
        return check(sandbox, 'garbage after magic', b, () => `magic + ${Buffer.from(garbage).toString('hex')}`);
      }),
      fcParams(300),
    );
  });

  it('random events behind a real FORMAT_DESCRIPTION_EVENT', { timeout: TEST_TIMEOUT_MS }, async () => {
    // Well-framed events (consistent sizes, valid CRC32) of any type with random bodies: every body
    // decoder sees garbage, which plain garbage after the magic rarely achieves.
    if (seeds.length === 0) return;
    const eventArb = fc.record({
      typeCode: fc.oneof({ weight: 6, arbitrary: fc.constantFrom(...KNOWN_TYPES) }, { weight: 1, arbitrary: fc.nat(255) }),
      body: fc.oneof(fc.uint8Array({ maxLength: 24 }), fc.uint8Array({ maxLength: 300 })),
    });
    await fc.assert(
      fc.asyncProperty(seedIndexArb(), fc.array(eventArb, { minLength: 1, maxLength: 6 }), async (si, random) => {
        const s = seeds[si]!;
        const fde = s.events[0]!;
        const events: RawEvent[] = [
          { ...fde, body: fde.body.slice() },
          ...random.map((r) => ({ ...fde, typeCode: r.typeCode, body: r.body, flags: 0 })),
        ];
        const b = serialize(events);
        return check(sandbox, 'random events', b, () =>
          `FDE of ${s.name} + ${random.map((r) => `type ${r.typeCode} body ${Buffer.from(r.body).toString('hex')}`).join('; ')}`,
        );
      }),
      fcParams(400),
    );
  });

  it('random event sizes in headers', { timeout: TEST_TIMEOUT_MS }, async () => {
    if (seeds.length === 0) return;
    await fc.assert(
      fc.asyncProperty(
        seedIndexArb(),
        fc.nat(),
        fc.oneof(fc.constantFrom(0, 1, 18, 19, 20, 22, 23, 0x7fffffff, 0xffffffff, 0x80000000), fc.nat(4096), fc.nat()),
        fc.boolean(),
        async (si, n, size, fixCrc) => {
          const s = seeds[si]!;
          const idx = n % s.events.length;
          let pos = 4;
          for (let i = 0; i < idx; i++) pos += HEADER_LEN + s.events[i]!.body.length + (s.events[i]!.crc ? 4 : 0);
          const b = s.bytes.slice();
          putU32(b, pos + 9, size >>> 0);
          const end = pos + HEADER_LEN + s.events[idx]!.body.length + 4;
          if (fixCrc && s.events[idx]!.crc) putU32(b, end - 4, eventCrc(b, pos, end - 4));
          return check(sandbox, 'event size', b, () => `${s.name}: event #${idx} at ${pos} size field = ${size >>> 0}${fixCrc ? ' (CRC fixed)' : ''}`);
        },
      ),
      fcParams(300),
    );
  });

  it('mutated event bodies with recomputed sizes and CRC32 (reaches the body decoders)', { timeout: TEST_TIMEOUT_MS }, async () => {
    if (seeds.length === 0) return;
    await fc.assert(
      fc.asyncProperty(seedIndexArb(), fc.array(mutationArb, { minLength: 1, maxLength: 4 }), async (si, mutations) => {
        const s = seeds[si]!;
        const events = cloneEvents(s.events);
        const where: string[] = [];
        for (const m of mutations) {
          where.push(`${fmtMutation(m)} on ${describeTarget(events, m.target)}`);
          applyMutation(events, m);
        }
        const b = serialize(events);
        return check(sandbox, 'body mutation', b, () => `${s.name}: ${where.join('; ')}`);
      }),
      fcParams(2500),
    );
  });

  it('a damaged event does not break reading the next file (no state leaks between reads)', { timeout: TEST_TIMEOUT_MS }, async () => {
    // Decoders with process-wide state (a shared decompression context, caches) must recover after
    // an error: damage an event (TRANSACTION_PAYLOAD and compressed MariaDB events first), read it,
    // then read the undamaged seed in the same worker.
    const compressedTypes = new Set([TRANSACTION_PAYLOAD_EVENT, 165, 166, 167, 168, 169, 170, 171]);
    const pool = seeds.filter((s) => s.events.some((e) => compressedTypes.has(e.typeCode)));
    if (pool.length === 0) return void console.warn('robustness: no seeds with compressed events — skipping');
    await sandbox.close();
    await fc.assert(
      fc.asyncProperty(fc.nat(pool.length - 1), fc.nat(), fc.array(fc.tuple(fc.nat(), fc.nat(255)), { minLength: 1, maxLength: 3 }), async (pi, n, sets) => {
        const s = pool[pi]!;
        const candidates = s.events.map((e, i) => (compressedTypes.has(e.typeCode) ? i : -1)).filter((i) => i >= 0);
        const target = candidates[n % candidates.length]!;
        const events = cloneEvents(s.events);
        const body = events[target]!.body;
        if (body.length > 0) for (const [at, v] of sets) body[at % body.length] = v;
        const damaged = serialize(events);
        const what = (): string => `${s.name}: event #${target} (type ${s.events[target]!.typeCode}) bytes set ${JSON.stringify(sets)}, then the clean file`;
        if (!(await check(sandbox, 'state leak (damaged)', damaged, what))) return false;
        const r = await sandbox.run(s.bytes, FUZZ_FILE);
        if (!r.ok) {
          const detail = 'error' in r ? `${r.error.code}: ${r.error.message}` : JSON.stringify(r);
          return record('state leak', damaged, what, { kind: 'clean-read-fails-after-damaged-read', detail });
        }
        return true;
      }),
      fcParams(120),
    );
  });

  it('reading a stream in arbitrary chunks gives what reading the file gives', { timeout: TEST_TIMEOUT_MS }, async () => {
    // readBinlogStream frames events across chunk boundaries (headers and events split anywhere);
    // the result, including where and how a damaged file fails, must not depend on the chunking.
    if (seeds.length === 0) return;
    await fc.assert(
      fc.asyncProperty(
        seedIndexArb(),
        fc.array(fc.oneof(fc.integer({ min: 1, max: 7 }), fc.integer({ min: 8, max: 64 }), fc.integer({ min: 65, max: 70_000 })), { minLength: 1, maxLength: 8 }),
        fc.option(mutationArb, { nil: undefined }),
        fc.option(fc.double({ min: 0, max: 1, noNaN: true }), { nil: undefined }),
        async (si, chunkSizes, mutation, cut) => {
          const s = seeds[si]!;
          const events = cloneEvents(s.events);
          if (mutation) applyMutation(events, mutation);
          let b = serialize(events);
          if (cut !== undefined) b = b.subarray(0, Math.floor(cut * b.length));
          const what = (): string =>
            `${s.name}${mutation ? ` with ${fmtMutation(mutation)}` : ''}${cut !== undefined ? ` cut to ${b.length} bytes` : ''}, chunks ${JSON.stringify(chunkSizes)}`;
          const r = await sandbox.run(b, FUZZ_FILE, 'stream-compare', {}, chunkSizes);
          const bad = judge(r, b.length, FUZZ_FILE);
          return bad ? record('stream chunking', b, what, bad) : true;
        },
      ),
      fcParams(300),
    );
  });

  it('events of one seed after the format description of another', { timeout: TEST_TIMEOUT_MS }, async () => {
    if (seeds.length < 2) return;
    await fc.assert(
      fc.asyncProperty(seedIndexArb(), seedIndexArb(), fc.nat(), async (a, bIdx, from) => {
        const sa = seeds[a]!;
        const sb = seeds[bIdx]!;
        const tail = cloneEvents(sb.events.slice(1 + (from % Math.max(1, sb.events.length - 1))));
        // Keep the checksum layout of the FDE's file, so the framing accepts the foreign events.
        const crc = sa.events[0]!.crc;
        const events = [cloneEvents([sa.events[0]!])[0]!, ...tail.map((e) => ({ ...e, crc }))];
        const b = serialize(events);
        return check(sandbox, 'cross-seed splice', b, () => `FDE of ${sa.name} + events of ${sb.name} from #${1 + (from % Math.max(1, sb.events.length - 1))}`);
      }),
      fcParams(200),
    );
  });

  it('JSON binary decoder on mutated and random documents', { timeout: TEST_TIMEOUT_MS }, async () => {
    const docs: Uint8Array[] = [];
    const vectors = join(FIXTURES, 'mysql8/vectors');
    if (existsSync(vectors)) {
      for (const f of readdirSync(vectors)) {
        const data = JSON.parse(readFileSync(join(vectors, f), 'utf8')) as { groups: { kind: string; cases: Record<string, unknown>[] }[] };
        for (const g of data.groups) {
          if (!/JSON binary/i.test(g.kind)) continue;
          for (const c of g.cases) {
            const hex = (c.json_binary_hex ?? c.input_hex) as string | undefined;
            if (typeof hex !== 'string') continue;
            let b = Buffer.from(hex, 'hex');
            const prefix = typeof c.length_prefix_bytes === 'number' ? c.length_prefix_bytes : 0;
            b = b.subarray(prefix);
            if (b.length > 0) docs.push(new Uint8Array(b));
          }
        }
      }
    }
    if (docs.length === 0) docs.push(Uint8Array.of(0, 1, 0, 12, 0, 11, 0, 1, 0, 5, 2, 0, 0x61));
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.uint8Array({ minLength: 1, maxLength: 64 }).map((b) => ({ b, what: 'random' })),
          fc.tuple(fc.nat(docs.length - 1), fc.array(fc.tuple(fc.nat(), fc.nat(255)), { minLength: 1, maxLength: 4 }), fc.option(fc.nat())).map(([d, sets, cut]) => {
            const b = docs[d]!.slice(0, cut === null ? undefined : 1 + (cut % docs[d]!.length));
            for (const [at, v] of sets) b[at % b.length] = v;
            return { b, what: `vector #${d} with ${JSON.stringify(sets)} cut ${cut}` };
          }),
        ),
        async ({ b, what }) => check(sandbox, 'json binary', b, () => `${what}: ${Buffer.from(b).toString('hex')}`, 'json'),
      ),
      fcParams(600),
    );
  });

  // Inputs the properties above found, kept as fixed regressions (file offsets into the fixture;
  // the damaged event's CRC32 is recomputed).
  const patchedSeed = (name: string, patches: readonly (readonly [number, number])[]): Uint8Array | undefined => {
    const s = seeds.find((x) => x.name === name);
    if (!s) return undefined;
    const events = cloneEvents(s.events);
    for (const [at, value] of patches) {
      let pos = 4;
      for (const e of events) {
        const size = HEADER_LEN + e.body.length + (e.crc ? 4 : 0);
        if (at >= pos + HEADER_LEN && at < pos + HEADER_LEN + e.body.length) e.body[at - pos - HEADER_LEN] = value;
        pos += size;
      }
    }
    return serialize(events);
  };

  it('regression: a TRANSACTION_PAYLOAD whose zstd frame does not end leaves no state behind', { timeout: TEST_TIMEOUT_MS }, async () => {
    const name = 'mysql8/raw/mysql-binlog-connector-java/mysql-bin.compressed';
    const damaged = patchedSeed(name, [[558, 0x00], [717, 0xc9]]);
    if (!damaged) return void console.warn(`robustness: ${name} not available — skipping`);
    await sandbox.close();
    const what = (): string => `${name} with bytes 558 := 0x00, 717 := 0xc9 (payload event at 236, CRC fixed), then the clean file`;
    await check(sandbox, 'regression zstd state', damaged, what);
    const r = await sandbox.run(seeds.find((x) => x.name === name)!.bytes, FUZZ_FILE);
    expect(r.ok ? 'ok' : 'error' in r ? `${r.error.code}: ${r.error.message}` : JSON.stringify(r), what()).toBe('ok');
  });

  it('regression: an error inside a TRANSACTION_PAYLOAD inner event has a file offset', { timeout: TEST_TIMEOUT_MS }, async () => {
    const name = 'mysql8/raw/mysql-binlog-connector-java/mysql-bin.compressed';
    const damaged = patchedSeed(name, [[621, 0xfc]]);
    if (!damaged) return void console.warn(`robustness: ${name} not available — skipping`);
    await check(sandbox, 'regression payload offset', damaged, () => `${name} with byte 621 := 0xfc (inside the zstd data of the payload event at 236, CRC fixed)`);
  });

  it.runIf(COLLECT)('no distinct failures were collected', () => {
    expect([...failures.values()].map((f) => `[${f.property}] ${f.kind}: ${f.detail} — ${f.input} (${f.bytesFile})`)).toEqual([]);
  });
});
