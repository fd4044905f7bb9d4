import { describe, expect, it } from 'vitest';
import type { BinlogEvent, ColumnDef, EventBody, RowChange, RowsBody, TableMapBody } from './types.js';
import type { RowImage } from './columns/values.js';
import { eventJson } from './event-json.js';
import { col, ev, rows, table } from '../test-support/events.js';

function parse(line: string): Record<string, unknown> {
  expect(line).not.toContain('\n');
  return JSON.parse(line) as Record<string, unknown>;
}

describe('eventJson envelope and event fields', () => {
  it('starts every event with file,pos,end,time,type,serverId in that order', () => {
    const line = eventJson(ev({ kind: 'xid', xid: 42n }));
    expect(line).toBe('{"file":"mariadb-bin.000001","pos":256,"end":300,"time":1779712207,"type":"xid","serverId":7,"xid":42}');
  });

  it('renders bigints past 2^53-1 as digit strings', () => {
    expect(parse(eventJson(ev({ kind: 'xid', xid: 9007199254740991n }))).xid).toBe(9007199254740991);
    expect(parse(eventJson(ev({ kind: 'xid', xid: 9007199254740992n }))).xid).toBe('9007199254740992');
    expect(parse(eventJson(ev({ kind: 'xid', xid: 18446744073709551615n }))).xid).toBe('18446744073709551615');
  });

  it('renders query, gtid (both flavors), gtid_list, rotate, checkpoint', () => {
    const q = parse(
      eventJson(ev({ kind: 'query', threadId: 5, execTimeSec: 0, errorCode: 0, db: 'shop', query: 'BEGIN', statusVars: { sqlMode: 1411383296n, charsetClient: 33 }, compressed: false })),
    );
    expect(q).toMatchObject({ type: 'query', db: 'shop', query: 'BEGIN', threadId: 5, statusVars: { sqlMode: 1411383296, charsetClient: 33 } });

    const g = parse(
      eventJson(
        ev({ kind: 'gtid', flavor: 'mariadb', gtid: '0-7-12', domainId: 0, serverId: 7, seqNo: 12n, flags: 4, standalone: false, transactional: true, ddl: false, commitId: undefined }),
      ),
    );
    expect(g).toMatchObject({ type: 'gtid', gtid: '0-7-12', domainId: 0, seqNo: 12, transactional: true, ddl: false });
    expect('commitId' in g).toBe(false);

    const m = parse(
      eventJson(
        ev({
          kind: 'gtid',
          flavor: 'mysql',
          gtid: '3e11fa47-71ca-11e1-9e33-c80aa9429562:23',
          anonymous: false,
          uuid: '3e11fa47-71ca-11e1-9e33-c80aa9429562',
          tag: undefined,
          gno: 23n,
          commitFlag: true,
          lastCommitted: 0n,
          sequenceNumber: 1n,
          immediateCommitTimestampUs: 1690539845123456n,
          originalCommitTimestampUs: 1690539845123456n,
          transactionLength: 300n,
          immediateServerVersion: 80034,
          originalServerVersion: 80034,
        }),
      ),
    );
    expect(m).toMatchObject({ type: 'gtid', gtid: '3e11fa47-71ca-11e1-9e33-c80aa9429562:23', gno: 23, immediateCommitTimestampUs: 1690539845123456 });

    expect(parse(eventJson(ev({ kind: 'gtid_list', flags: 0, gtids: [{ domainId: 0, serverId: 1, seqNo: 5n }, { domainId: 2, serverId: 3, seqNo: 4n }] }))).gtids).toEqual([
      '0-1-5',
      '2-3-4',
    ]);
    expect(parse(eventJson(ev({ kind: 'rotate', position: 4, nextFile: 'mariadb-bin.000002' })))).toMatchObject({ type: 'rotate', nextFile: 'mariadb-bin.000002', position: 4 });
    const cp = parse(eventJson(ev({ kind: 'binlog_checkpoint', file: 'mariadb-bin.000000' })));
    expect(cp.file).toBe('mariadb-bin.000001');
    expect(cp.binlogFile).toBe('mariadb-bin.000000');
  });

  it('renders bytes in event fields as {"hex"} and marks inner payload events', () => {
    const x = parse(eventJson(ev({ kind: 'xa_prepare', onePhase: false, formatId: 1, gtrid: new Uint8Array([0xab, 0x01]), bqual: new Uint8Array() }, { payloadIndex: 2 })));
    expect(x).toMatchObject({ type: 'xa_prepare', gtrid: { hex: 'ab01' }, bqual: { hex: '' }, payloadIndex: 2 });
  });

  it('uses stable snake-case type names for every body kind', () => {
    const kinds: EventBody[] = [
      { kind: 'stop' },
      { kind: 'intvar', intvarType: 'INSERT_ID', value: 3n },
      { kind: 'rand', seed1: 1n, seed2: 2n },
      { kind: 'user_var', name: 'a', isNull: false, valueType: 0, collationId: 33, value: 'x', flags: 0 },
      { kind: 'incident', incidentType: 1, message: 'lost events' },
      { kind: 'heartbeat', logFile: 'f' },
      { kind: 'ignorable', typeCode: 99 },
      { kind: 'begin_load_query', fileId: 1, blockLength: 3 },
      { kind: 'execute_load_query', fileId: 1, db: 'd', query: 'LOAD DATA' },
      { kind: 'annotate_rows', query: 'insert' },
      { kind: 'previous_gtids', gtidSet: '' },
      { kind: 'rows_query', query: 'insert' },
      { kind: 'transaction_context', serverUuid: 'u', threadId: 1, gtidSpecified: false },
      { kind: 'view_change', viewId: 'v', seqNumber: 1n },
      { kind: 'transaction_payload', compressionType: 0, payloadSize: 10, uncompressedSize: 20 },
      { kind: 'unknown', typeCode: 200 },
    ];
    for (const b of kinds) expect(parse(eventJson(ev(b))).type).toBe(b.kind);
  });

  it('renders table_map columns without undefined fields', () => {
    const t = parse(eventJson(ev(table([col(0, 3, { name: 'id', unsigned: true, nullable: false })]))));
    expect(t).toMatchObject({ type: 'table_map', db: 'shop', table: 'orders', tableId: 18 });
    expect(t.columns).toEqual([{ index: 0, name: 'id', type: 'LONG', typeCode: 3, meta: 0, nullable: false, unsigned: true, primaryKey: false }]);
  });
});

describe('eventJson rows values', () => {
  const cols = [
    col(0, 3, { name: 'id' }), // LONG
    col(1, 8, { name: 'big' }), // LONGLONG
    col(2, 246, { name: 'price', meta: (10 << 8) | 2 }), // NEWDECIMAL
    col(3, 5, { name: 'ratio' }), // DOUBLE
    col(4, 15, { name: 'note', collationId: 45 }), // VARCHAR
    col(5, 252, { name: 'blob', collationId: 63 }), // BLOB
    col(6, 18, { name: 'dt', meta: 6 }), // DATETIME2
    col(7, 17, { name: 'ts', meta: 3 }), // TIMESTAMP2
    col(8, 13, { name: 'y' }), // YEAR
    col(9, 245, { name: 'doc' }), // JSON
    col(10, 254, { name: 'e', meta: (247 << 8) | 1, enumValues: ['a', 'b'] }),
    col(11, 254, { name: 's', meta: (248 << 8) | 1, setValues: ['x', 'y'] }),
    col(12, 16, { name: 'flags', meta: (1 << 8) | 0 }),
    col(13, 10, { name: 'd' }),
    col(14, 19, { name: 't', meta: 0 }),
  ];
  const t = table(cols);

  it('maps each value kind per DESIGN.md', () => {
    const after: RowImage = [
      -5,
      -9223372036854775808n,
      '-12.50',
      -0,
      'héllo "q"\n',
      new Uint8Array([0, 255]),
      '2026-05-25 14:30:07.000001',
      { kind: 'timestamp', seconds: 1779712207, micros: 120000, fsp: 3 },
      2026,
      '{"a": [1, 2]}',
      { kind: 'enum', index: 2, name: 'b' },
      { kind: 'set', bits: 3n, names: ['x', 'y'] },
      new Uint8Array([5]),
      '2026-05-25',
      '-838:59:59',
    ];
    const line = eventJson(ev(rows('write', t, [{ after }])));
    expect(line).toContain('"ratio":-0');
    const r = parse(line);
    expect(r).toMatchObject({ type: 'write', db: 'shop', table: 'orders' });
    expect((r.rows as unknown[])[0]).toEqual({
      after: {
        id: -5,
        big: '-9223372036854775808',
        price: '-12.50',
        ratio: -0,
        note: 'héllo "q"\n',
        blob: { hex: '00ff' },
        dt: '2026-05-25 14:30:07.000001',
        ts: '2026-05-25 12:30:07.120',
        y: 2026,
        doc: '{"a": [1, 2]}',
        e: 'b',
        s: 'x,y',
        flags: { hex: '05' },
        d: '2026-05-25',
        t: '-838:59:59',
      },
    });
  });

  it('uses @N keys, ENUM index and SET bitmap numbers, and hex text when the binlog says nothing', () => {
    const bare = table([col(0, 3), col(1, 254, { meta: (247 << 8) | 1 }), col(2, 254, { meta: (248 << 8) | 8 }), col(3, 15)]);
    const r = parse(
      eventJson(ev(rows('delete', bare, [{ before: [1, { kind: 'enum', index: 2, name: undefined }, { kind: 'set', bits: 1n << 63n, names: undefined }, new Uint8Array([0x61])] }]))),
    );
    expect((r.rows as unknown[])[0]).toEqual({ before: { '@1': 1, '@2': 2, '@3': '9223372036854775808', '@4': { hex: '61' } } });
  });

  it('keeps NULL and omits columns absent from the image; updates carry before and after', () => {
    const r = parse(eventJson(ev(rows('update', t, [{ before: [1, null, undefined], after: [1, 7n] }]))));
    expect((r.rows as unknown[])[0]).toEqual({ before: { id: 1, big: null }, after: { id: 1, big: 7 } });
    expect(eventJson(ev(rows('update', t, [{ before: [1], after: [2] }])))).toContain('"rows":[{"before":{"id":1},"after":{"id":2}}]');
  });

  it('carries MySQL partial JSON updates whose old value is not logged', () => {
    const tt = table([col(0, 3, { name: 'id' }), col(1, 245, { name: 'doc' })]);
    const body = rows('update', tt, [{ before: [1, undefined], after: [1, undefined], jsonPartialUpdates: { 1: [{ operation: 'REPLACE', path: '$.a', value: '1' }] } }]);
    const r = parse(eventJson(ev(body)));
    expect((r.rows as unknown[])[0]).toEqual({ before: { id: 1 }, after: { id: 1 }, jsonPartialUpdates: { doc: [{ operation: 'REPLACE', path: '$.a', value: '1' }] } });
  });

  it('renders the zero TIMESTAMP and fsp 0', () => {
    const tt = table([col(0, 17, { name: 'ts', meta: 0 }), col(1, 17, { name: 'z', meta: 2 })]);
    const r = parse(
      eventJson(
        ev(
          rows('write', tt, [
            {
              after: [
                { kind: 'timestamp', seconds: 1, micros: 0, fsp: 0 },
                { kind: 'timestamp', seconds: 0, micros: 0, fsp: 2 },
              ],
            },
          ]),
        ),
      ),
    );
    expect((r.rows as { after: unknown }[])[0]!.after).toEqual({ ts: '1970-01-01 00:00:01', z: '0000-00-00 00:00:00.00' });
  });

  it('renders MariaDB UUID/INET6/INET4 as the server prints them when a schema says so', () => {
    const tt = table([
      col(0, 254, { name: 'u1', sqlType: 'uuid' }),
      col(1, 254, { name: 'u7', sqlType: 'uuid' }),
      col(2, 254, { name: 'ip6', sqlType: 'inet6' }),
      col(3, 254, { name: 'ip4', sqlType: 'inet4' }),
      col(4, 254, { name: 'mapped', sqlType: 'inet6' }),
      col(5, 254, { name: 'raw' }),
    ]);
    // the binlog carries UUIDs in text order (not the record's swapped order), any version
    const v1 = Buffer.from('123e4567e89b12d3a456426655440000', 'hex');
    const v7 = Buffer.from('01890a5d8a3c7cde8f0a0123456789ab', 'hex');
    const ip6 = Buffer.from('20010db8000000000000000000000001', 'hex');
    const mapped = Buffer.from('00000000000000000000ffffc0000201', 'hex');
    // trailing zero bytes are stripped in the row image, as for BINARY(n)
    const stripped = v1.subarray(0, 14);
    const r = parse(eventJson(ev(rows('write', tt, [{ after: [stripped, v7, ip6, new Uint8Array([192, 168]), mapped, new Uint8Array([1])] }]))));
    expect((r.rows as { after: unknown }[])[0]!.after).toEqual({
      u1: '123e4567-e89b-12d3-a456-426655440000',
      u7: '01890a5d-8a3c-7cde-8f0a-0123456789ab',
      ip6: '2001:db8::1',
      ip4: '192.168.0.0',
      mapped: '::ffff:192.0.2.1',
      raw: { hex: '01' },
    });
  });
});
