import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  compareMariadbGtid,
  formatMariadbGtid,
  MariadbGtidPosition,
  mariadbGtidEquals,
  parseMariadbGtid,
  type MariadbGtid,
} from './mariadb-gtid.js';
import { usageError } from '../test-support/errors.js';


const g = (domainId: number, serverId: number, seqNo: bigint): MariadbGtid => ({ domainId, serverId, seqNo });

describe('parseMariadbGtid', () => {
  it.each([
    ['0-1-1234', g(0, 1, 1234n)],
    ['  1-2-7 ', g(1, 2, 7n)],
    ['4294967295-4294967295-18446744073709551615', g(4294967295, 4294967295, 18446744073709551615n)],
    ['0-0-0', g(0, 0, 0n)],
    ['007-01-0100', g(7, 1, 100n)],
  ])('reads %s', (text, expected) => {
    expect(parseMariadbGtid(text)).toEqual(expected);
  });

  it.each([
    ['', 'domain-server-sequence'],
    ['0-1', 'domain-server-sequence'],
    ['0-1-2-3', 'domain-server-sequence'],
    ['a-1-2', 'domain-server-sequence'],
    ['-1-1-2', 'domain-server-sequence'],
    ['0-1-+2', 'domain-server-sequence'],
    ['0 -1-2', 'domain-server-sequence'],
    ['0-1-1.5', 'domain-server-sequence'],
    ['0-1-100,1-2-7', 'not a GTID position'],
    ['3e11fa47-71ca-11e1-9e33-c80aa9429562:23', 'MySQL GTID'],
    ['4294967296-1-1', 'run from 0 to 4294967295'],
    ['0-4294967296-1', 'run from 0 to 4294967295'],
    ['0-1-18446744073709551616', '18446744073709551615'],
    ['0-1-123456789012345678901', 'domain-server-sequence'],
  ])('refuses %j', (text, hint) => {
    const e = usageError(() => parseMariadbGtid(text));
    expect(e.hints.join('\n')).toContain(hint);
  });

  it('formats canonically', () => {
    expect(formatMariadbGtid(parseMariadbGtid('007-01-0100'))).toBe('7-1-100');
  });
});

describe('compareMariadbGtid', () => {
  it('orders by sequence number within a domain, ignoring the server id', () => {
    expect(compareMariadbGtid(g(0, 1, 5n), g(0, 2, 6n))).toBe(-1);
    expect(compareMariadbGtid(g(0, 9, 7n), g(0, 1, 6n))).toBe(1);
    expect(compareMariadbGtid(g(0, 1, 5n), g(0, 2, 5n))).toBe(0);
    expect(mariadbGtidEquals(g(0, 1, 5n), g(0, 2, 5n))).toBe(false);
    expect(mariadbGtidEquals(g(0, 1, 5n), g(0, 1, 5n))).toBe(true);
  });

  it('has no order across domains', () => {
    expect(compareMariadbGtid(g(0, 1, 5n), g(1, 1, 6n))).toBeUndefined();
  });
});

describe('MariadbGtidPosition', () => {
  it('parses, sorts by domain and prints canonically', () => {
    const p = MariadbGtidPosition.parse(' 1-2-7 , 0-1-100');
    expect(p.toString()).toBe('0-1-100,1-2-7');
    expect(p.size).toBe(2);
    expect(p.get(1)).toEqual(g(1, 2, 7n));
    expect(p.get(5)).toBeUndefined();
  });

  it('reads the empty position', () => {
    expect(MariadbGtidPosition.parse('').isEmpty).toBe(true);
    expect(MariadbGtidPosition.parse('  ').toString()).toBe('');
  });

  it.each([
    ['0-1-1,,1-2-3', 'empty entry'],
    ['0-1-1,', 'empty entry'],
    ['0-1-1,0-2-5', 'names domain 0 twice'],
    ['0-1-1,x', 'cannot read "x"'],
  ])('refuses %j', (text, message) => {
    const e = usageError(() => MariadbGtidPosition.parse(text));
    expect(e.message).toContain(message);
  });

  it('duplicate domains hint at gtid_binlog_pos', () => {
    expect(usageError(() => MariadbGtidPosition.parse('0-1-1,0-2-5')).hints.join(' ')).toContain('gtid_binlog_pos');
  });

  it('includes a transaction at or before it, per domain by sequence number', () => {
    const p = MariadbGtidPosition.parse('0-1-100,1-2-7');
    expect(p.includes(g(0, 1, 100n))).toBe(true);
    expect(p.includes(g(0, 1, 99n))).toBe(true);
    expect(p.includes(g(0, 3, 50n))).toBe(true); // server id is not part of the order
    expect(p.includes(g(0, 1, 101n))).toBe(false);
    expect(p.includes(g(1, 2, 8n))).toBe(false);
    expect(p.includes(g(2, 1, 1n))).toBe(false); // a domain never applied
    expect(MariadbGtidPosition.EMPTY.includes(g(0, 1, 0n))).toBe(false);
  });

  it('advances by replacing the domain entry', () => {
    const p = MariadbGtidPosition.parse('0-1-100');
    expect(p.advance(g(0, 2, 101n)).toString()).toBe('0-2-101');
    expect(p.advance(g(3, 1, 1n)).toString()).toBe('0-1-100,3-1-1');
    // Outside strict mode a domain can continue lower; the position follows the last applied.
    expect(p.advance(g(0, 1, 90n)).toString()).toBe('0-1-90');
    expect(p.advance(g(0, 1, 100n))).toBe(p);
    expect(p.toString()).toBe('0-1-100'); // immutable
  });

  it('covers positions that are at or before it', () => {
    const p = MariadbGtidPosition.parse('0-1-100,1-2-7');
    expect(p.covers(MariadbGtidPosition.parse('0-1-99'))).toBe(true);
    expect(p.covers(MariadbGtidPosition.parse('0-1-100,1-5-7'))).toBe(true);
    expect(p.covers(MariadbGtidPosition.parse('0-1-100,2-1-1'))).toBe(false);
    expect(p.covers(MariadbGtidPosition.parse('1-2-8'))).toBe(false);
    expect(p.covers(MariadbGtidPosition.EMPTY)).toBe(true);
  });

  it('equals compares server ids too', () => {
    expect(MariadbGtidPosition.parse('1-2-7,0-1-100').equals(MariadbGtidPosition.parse('0-1-100,1-2-7'))).toBe(true);
    expect(MariadbGtidPosition.parse('0-1-100').equals(MariadbGtidPosition.parse('0-2-100'))).toBe(false);
    expect(MariadbGtidPosition.parse('0-1-100').equals(MariadbGtidPosition.parse('0-1-100,1-1-1'))).toBe(false);
  });

  it('of() refuses a repeated domain; fromBinlogState() keeps the last GTID of each domain', () => {
    usageError(() => MariadbGtidPosition.of([g(0, 1, 5n), g(0, 2, 6n)]));
    // GTID_LIST order: a domain's other servers first, its most recent GTID last.
    const state = [g(0, 2, 50n), g(1, 1, 3n), g(0, 1, 40n)];
    expect(MariadbGtidPosition.fromBinlogState(state).toString()).toBe('0-1-40,1-1-3');
  });

  it('accepts GTID event bodies and copies only the GTID fields', () => {
    const body = { kind: 'gtid', flavor: 'mariadb', domainId: 0, serverId: 1, seqNo: 5n, flags: 0 };
    expect(MariadbGtidPosition.of([body]).gtids[0]).toEqual(g(0, 1, 5n));
  });

  const gtidArb = fc.record({
    domainId: fc.integer({ min: 0, max: 4 }),
    serverId: fc.constantFrom(0, 1, 2, 4294967295),
    seqNo: fc.bigInt({ min: 0n, max: 18446744073709551615n }),
  });

  it('property: format(parse(x)) round-trips and advance(g) includes g', () => {
    fc.assert(
      fc.property(fc.array(gtidArb, { maxLength: 8 }), gtidArb, (gtids, next) => {
        const p = MariadbGtidPosition.fromBinlogState(gtids);
        const text = p.toString();
        expect(MariadbGtidPosition.parse(text).equals(p)).toBe(true);
        expect(MariadbGtidPosition.parse(text).toString()).toBe(text);
        const q = p.advance(next);
        expect(q.includes(next)).toBe(true);
        expect(q.covers(MariadbGtidPosition.of([next]))).toBe(true);
        for (const d of p.gtids) if (d.domainId !== next.domainId) expect(q.get(d.domainId)).toEqual(d);
      }),
      { numRuns: 200 },
    );
  });
});
