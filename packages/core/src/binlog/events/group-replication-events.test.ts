/**
 * MySQL group-replication events, built byte by byte from MySQL's documented layouts
 * (libbinlogevents control_events.h: Transaction_context_event post-header of 18 bytes
 * server_uuid_len(1) thread_id(4) gtid_specified(1) snapshot_version_len(4) write_set_len(4)
 * read_set_len(4); View_change_event post-header of 52 bytes view_id(40) seq_number(8)
 * cert_info_len(4)). No fixture binlog has them (they appear only under group replication).
 */
import { describe, expect, it } from 'vitest';
import { testContext } from '../../test-support/fixtures.js';
import { decodeTransactionContextEvent, decodeViewChangeEvent } from './mysql-gtid-events.js';
import { isPitrError } from '../../errors/pitr-error.js';

const TRANSACTION_CONTEXT_EVENT = 36;
const VIEW_CHANGE_EVENT = 37;

function ctxWithPostHeaders() {
  const ctx = testContext('mysql');
  return { ...ctx, postHeaderLength: (t: number) => (t === TRANSACTION_CONTEXT_EVENT ? 18 : t === VIEW_CHANGE_EVENT ? 52 : 8) };
}

function u32(n: number): number[] {
  return [n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, (n >>> 24) & 0xff];
}

describe('TRANSACTION_CONTEXT_EVENT', () => {
  const uuid = '3e11fa47-71ca-11e1-9e33-c80aa9429562';
  const snapshot = [1, 2, 3];
  const body = Uint8Array.from([
    uuid.length,
    ...u32(4242),
    1,
    ...u32(snapshot.length),
    ...u32(1),
    ...u32(0),
    ...Buffer.from(uuid, 'latin1'),
    ...snapshot,
    2, 0, 0x61, 0x62, // one write-set item: length 2, "ab"
  ]);

  it('decodes server uuid, thread id and gtid_specified', () => {
    expect(decodeTransactionContextEvent(body, ctxWithPostHeaders(), 100)).toEqual({
      kind: 'transaction_context',
      serverUuid: uuid,
      threadId: 4242,
      gtidSpecified: true,
    });
  });

  it('a truncated body is a positioned format error', () => {
    let err: unknown;
    try {
      decodeTransactionContextEvent(body.subarray(0, 20), ctxWithPostHeaders(), 100);
    } catch (e) {
      err = e;
    }
    expect(isPitrError(err)).toBe(true);
  });
});

describe('VIEW_CHANGE_EVENT', () => {
  it('decodes the NUL-padded view id and the sequence number', () => {
    const viewId = '15886514946587651:7';
    const id = new Uint8Array(40);
    id.set(Buffer.from(viewId, 'latin1'));
    const body = Uint8Array.from([...id, ...u32(0x89abcdef), ...u32(0x01234567), ...u32(0)]);
    expect(decodeViewChangeEvent(body, ctxWithPostHeaders(), 200)).toEqual({
      kind: 'view_change',
      viewId,
      seqNumber: 0x0123456789abcdefn,
    });
  });
});
