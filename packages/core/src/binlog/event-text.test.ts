import { describe, expect, it } from 'vitest';
import type { BinlogEvent, ColumnDef, EventBody, RowChange, RowsBody, TableMapBody } from './types.js';
import type { RowImage } from './columns/values.js';
import { EventText } from './event-text.js';
import { FDE as fde, col, ev, rows as rowsOf, table } from '../test-support/events.js';

const rows = (kind: RowsBody['kind'], t: TableMapBody, images: RowChange[]) => rowsOf(kind, t, images, 1);

describe('EventText', () => {
  it('prints a preamble once and mariadb-binlog style header lines with the CRC32', () => {
    const r = new EventText({ tz: 'UTC' });
    const first = r.render(ev(fde, { pos: 4, end: 256 }));
    expect(first).toMatch(/^# pitr binlog decode: a human-readable listing/);
    expect(first).toContain('not replayable SQL');
    expect(first).toContain('# at 4\n#260525 12:30:07 server id 7  end_log_pos 300 CRC32 0x12345678 \tStart: binlog v 4, server v 10.11.6-MariaDB-log\n');
    const second = r.render(ev({ kind: 'xid', xid: 42n }));
    expect(second).not.toContain('pitr binlog decode');
    expect(second).toBe('# at 256\n#260525 12:30:07 server id 7  end_log_pos 300 CRC32 0x12345678 \tXid = 42\nCOMMIT/*!*/;\n');
  });

  it('prints header times in the --tz zone', () => {
    const r = new EventText({ tz: 'Europe/Berlin' });
    expect(r.render(ev({ kind: 'stop' }))).toContain('#260525 14:30:07 server id 7');
  });

  it('prints queries with the default database, GTIDs and annotate_rows text', () => {
    const r = new EventText({ tz: 'UTC' });
    const g = r.render(ev({ kind: 'gtid', flavor: 'mariadb', gtid: '0-7-12', domainId: 0, serverId: 7, seqNo: 12n, flags: 32, standalone: true, transactional: false, ddl: true, commitId: undefined }));
    expect(g).toContain('\tGTID 0-7-12 ddl\n');
    const q = r.render(ev({ kind: 'query', threadId: 5, execTimeSec: 0, errorCode: 0, db: 'shop', query: 'CREATE TABLE t (a INT)', statusVars: {}, compressed: false }));
    expect(q).toContain('\tQuery\tthread_id=5\texec_time=0\terror_code=0\n');
    expect(q).toContain('use `shop`/*!*/;\nCREATE TABLE t (a INT)\n/*!*/;\n');
    const q2 = r.render(ev({ kind: 'query', threadId: 5, execTimeSec: 0, errorCode: 0, db: 'shop', query: 'BEGIN', statusVars: {}, compressed: false }));
    expect(q2).not.toContain('use `shop`');
    expect(r.render(ev({ kind: 'annotate_rows', query: 'insert into t\nvalues (1)' }))).toContain('#Q> insert into t\n#Q> values (1)\n');
    // CREATE DATABASE carries the new database with LOG_EVENT_SUPPRESS_USE_F: no `use` for it
    const cd = r.render(
      ev(
        { kind: 'query', threadId: 5, execTimeSec: 0, errorCode: 0, db: 'newdb', query: 'CREATE DATABASE newdb', statusVars: {}, compressed: false },
        { header: { timestamp: 1779712207, typeCode: 2, serverId: 7, eventSize: 44, logPos: 300, flags: 0x8 } },
      ),
    );
    expect(cd).not.toContain('use `newdb`');
  });

  it('prints rows as ### pseudo-SQL with names when known', () => {
    const t = table([col(0, 3, { name: 'id', unsigned: false, nullable: false }), col(1, 15, { name: 'note', meta: 40, collationId: 45 }), col(2, 246, { name: 'price', meta: (10 << 8) | 2, unsigned: false })], {
      metadataFields: ['COLUMN_NAME', 'SIGNEDNESS', 'DEFAULT_CHARSET'],
    });
    const r = new EventText({ tz: 'UTC' });
    const tm = r.render(ev(t));
    expect(tm).toContain('\tTable_map: `shop`.`orders` mapped to number 18\n');
    expect(tm).not.toContain('NOTE');
    const w = r.render(ev(rows('write', t, [{ after: [1, "it's", '9.90'] }])));
    expect(w).toContain('\tWrite_rows_v1: table id 18 flags: STMT_END_F\n');
    expect(w).toContain(
      [
        '### INSERT INTO `shop`.`orders`',
        '### SET',
        '###   `id`=1 /* INT meta=0 nullable=0 is_null=0 */',
        "###   `note`='it\\'s' /* VARSTRING(40) meta=40 nullable=1 is_null=0 */",
        '###   `price`=9.90 /* DECIMAL(10,2) meta=2562 nullable=1 is_null=0 */',
        '',
      ].join('\n'),
    );
    const u = r.render(ev(rows('update', t, [{ before: [1, null, undefined], after: [1, 'x', undefined] }])));
    expect(u).toContain('### UPDATE `shop`.`orders`\n### WHERE\n###   `id`=1 /* INT meta=0 nullable=0 is_null=0 */\n###   `note`=NULL /* VARSTRING(40) meta=40 nullable=1 is_null=1 */\n### SET\n###   `id`=1');
    expect(u).not.toContain('price');
    const d = r.render(ev(rows('delete', t, [{ before: [2, 'y', '0.00'] }])));
    expect(d).toContain('### DELETE FROM `shop`.`orders`\n### WHERE\n###   `id`=2');
  });

  it('says once per table when names, signedness and charsets are unknown, and prints only what the binlog determines', () => {
    const t = table([
      col(0, 3),
      col(1, 8),
      col(2, 15, { meta: 10 }),
      col(3, 254, { meta: (247 << 8) | 1 }),
      col(4, 254, { meta: (248 << 8) | 1 }),
      col(5, 17, { meta: 0 }),
      col(6, 16, { meta: (1 << 8) | 1 }),
    ]);
    const r = new EventText({ tz: 'UTC' });
    const tm = r.render(ev(t));
    expect(tm).toContain('# NOTE: the binlog carries no column names, signedness or charsets for `shop`.`orders` (binlog_row_metadata=NO_LOG or MINIMAL)');
    expect(tm).toContain('--schema-from');
    expect(r.render(ev(t))).not.toContain('NOTE');
    const w = r.render(
      ev(
        rows('write', t, [
          {
            after: [
              -1,
              -2n,
              new Uint8Array([0x68, 0x69]),
              { kind: 'enum', index: 2, name: undefined },
              { kind: 'set', bits: 5n, names: undefined },
              { kind: 'timestamp', seconds: 1779712207, micros: 0, fsp: 0 },
              new Uint8Array([1, 0x81]),
            ],
          },
        ]),
      ),
    );
    expect(w).toContain('###   @1=-1 (4294967295) /* INT signedness unknown meta=0 nullable=1 is_null=0 */');
    expect(w).toContain('###   @2=-2 (18446744073709551614) /* LONGINT signedness unknown');
    expect(w).toContain("###   @3=X'6869' /* VARSTRING(10) charset unknown meta=10");
    expect(w).toContain('###   @4=2 /* ENUM(1 byte) index, names unknown');
    expect(w).toContain('###   @5=5 /* SET(1 byte) bitmap, names unknown');
    expect(w).toContain("###   @6='2026-05-25 12:30:07' /* TIMESTAMP(0) in UTC meta=0");
    expect(w).toContain("###   @7=b'110000001' /* BIT(9)");
  });

  it('prints partial JSON updates as JSON functions of the old value', () => {
    const t = table([col(0, 3, { name: 'id', unsigned: false }), col(1, 245, { name: 'doc', meta: 4 })]);
    const body: RowsBody = {
      ...rows('update', t, [
        {
          before: [1, undefined],
          after: [1, undefined],
          jsonPartialUpdates: { 1: [{ operation: 'REPLACE', path: '$.a', value: '1' }, { operation: 'REMOVE', path: '$.b', value: undefined }] },
        },
      ]),
    };
    const out = new EventText({ tz: 'UTC' }).render(ev(body));
    expect(out).toContain("###   `doc`=JSON_REMOVE(JSON_REPLACE(`doc`, '$.a', CAST('1' AS JSON)), '$.b') /* JSON meta=4 nullable=1 is_null=0 partial */\n");
  });

  it('prints MySQL GTIDs with commit timestamps and marks payload events', () => {
    const r = new EventText({ tz: 'UTC' });
    const out = r.render(
      ev(
        {
          kind: 'gtid',
          flavor: 'mysql',
          gtid: '3e11fa47-71ca-11e1-9e33-c80aa9429562:23',
          anonymous: false,
          uuid: '3e11fa47-71ca-11e1-9e33-c80aa9429562',
          tag: undefined,
          gno: 23n,
          commitFlag: true,
          lastCommitted: 4n,
          sequenceNumber: 5n,
          immediateCommitTimestampUs: 1690539845123456n,
          originalCommitTimestampUs: undefined,
          transactionLength: undefined,
          immediateServerVersion: undefined,
          originalServerVersion: undefined,
        },
        { payloadIndex: 1 },
      ),
    );
    expect(out).toContain('# at 256 (event 1 inside the transaction payload)');
    expect(out).not.toContain('CRC32');
    expect(out).toContain('\tGTID\tlast_committed=4\tsequence_number=5\n');
    expect(out).toContain('# immediate_commit_timestamp=1690539845123456 (2023-07-28 10:24:05.123456 UTC)\n');
    expect(out).toContain("SET @@SESSION.GTID_NEXT= '3e11fa47-71ca-11e1-9e33-c80aa9429562:23'/*!*/;\n");
  });
});
