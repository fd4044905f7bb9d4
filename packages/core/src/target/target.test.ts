import { describe, expect, it } from 'vitest';
import { describeTarget, parseTarget, type Target } from './target.js';
import { machineTimeZone } from './time.js';
import { usageError } from '../test-support/errors.js';


const us = (iso: string, micros = 0n): bigint => BigInt(Date.parse(iso)) * 1000n + micros;
const UUID = '3e11fa47-71ca-11e1-9e33-c80aa9429562';

describe('parseTarget: times', () => {
  it.each([
    // text, tz, utc, epochUs, tz name, zone source
    ['2026-05-25 14:30', 'Europe/Berlin', '2026-05-25T12:30:00Z', us('2026-05-25T12:30:00Z'), 'Europe/Berlin', 'option'],
    ['2026-05-25 14:30:07', 'Europe/Berlin', '2026-05-25T12:30:07Z', us('2026-05-25T12:30:07Z'), 'Europe/Berlin', 'option'],
    ['2026-05-25 14:30:07.123456', 'UTC', '2026-05-25T14:30:07.123456Z', us('2026-05-25T14:30:07Z', 123456n), 'UTC', 'option'],
    ['2026-05-25 14:30:07.5', 'UTC', '2026-05-25T14:30:07.5Z', us('2026-05-25T14:30:07Z', 500000n), 'UTC', 'option'],
    ['2026-05-25T14:30:07Z', 'Asia/Tokyo', '2026-05-25T14:30:07Z', us('2026-05-25T14:30:07Z'), 'UTC', 'text'],
    ['2026-05-25 14:30:07+02:00', 'Asia/Tokyo', '2026-05-25T12:30:07Z', us('2026-05-25T12:30:07Z'), '+02:00', 'text'],
    ['2026-05-25T14:30:07-0530', undefined, '2026-05-25T20:00:07Z', us('2026-05-25T20:00:07Z'), '-05:30', 'text'],
    ['2026-05-25 14:30', '-05:00', '2026-05-25T19:30:00Z', us('2026-05-25T19:30:00Z'), '-05:00', 'option'],
    ['  2026-01-15 12:00:00  ', 'America/New_York', '2026-01-15T17:00:00Z', us('2026-01-15T17:00:00Z'), 'America/New_York', 'option'],
    // DST edges around Europe/Berlin's changes: the last second before and the first after.
    ['2026-03-29 01:59:59', 'Europe/Berlin', '2026-03-29T00:59:59Z', us('2026-03-29T00:59:59Z'), 'Europe/Berlin', 'option'],
    ['2026-03-29 03:00:00', 'Europe/Berlin', '2026-03-29T01:00:00Z', us('2026-03-29T01:00:00Z'), 'Europe/Berlin', 'option'],
    ['2026-10-25 02:30:00+01:00', 'Europe/Berlin', '2026-10-25T01:30:00Z', us('2026-10-25T01:30:00Z'), '+01:00', 'text'],
  ] as const)('%j in %s', (text, tz, utc, epochUs, tzName, zoneSource) => {
    const t = parseTarget(text, { tz });
    expect(t).toEqual({ kind: 'time', text: text.trim(), epochUs, utc, tz: tzName, zoneSource, exclusive: false });
  });

  it('defaults to the machine zone and says so', () => {
    const t = parseTarget('2026-05-25 14:30:07');
    expect(t.kind === 'time' && t.zoneSource).toBe('machine');
    expect(t.kind === 'time' && t.tz).toBe(machineTimeZone());
    expect(t.kind === 'time' && t.epochUs).toBe(BigInt(new Date(2026, 4, 25, 14, 30, 7).getTime()) * 1000n);
    expect(parseTarget('2026-05-25 14:30:07', { tz: '' }).kind === 'time').toBe(true);
  });

  it('carries --exclusive', () => {
    expect(parseTarget('2026-05-25 14:30', { tz: 'UTC', exclusive: true }).exclusive).toBe(true);
  });

  it('refuses a wall time in a spring-forward gap, naming both offsets', () => {
    const e = usageError(() => parseTarget('2026-03-29 02:30:00', { tz: 'Europe/Berlin' }));
    expect(e.message).toMatch(/does not exist in Europe\/Berlin/);
    expect(e.hints.join('\n')).toMatch(/\+01:00.*\+02:00/s);
  });

  it('refuses an ambiguous wall time in a fall-back overlap', () => {
    const e = usageError(() => parseTarget('2026-10-25 02:30:00', { tz: 'Europe/Berlin' }));
    expect(e.message).toMatch(/ambiguous/);
    expect(e.hints.join('\n')).toContain('"2026-10-25 02:30:00+02:00"');
    // America/New_York falls back at 02:00 EDT -> 01:00 EST.
    usageError(() => parseTarget('2026-11-01 01:30', { tz: 'America/New_York' }));
    expect(parseTarget('2026-11-01 01:30-04:00', { tz: 'America/New_York' }).kind).toBe('time');
  });

  it.each([
    ['2026-05-25', 'without a time of day', '2026-05-25 00:00'],
    ['2026-5-25 14:30', 'cannot use', 'YYYY-MM-DD HH:MM[:SS'],
    ['2026-5-25', 'cannot use', 'YYYY-MM-DD HH:MM[:SS'],
    ['2026-02-30 10:00', 'not a valid date', 'YYYY-MM-DD HH:MM[:SS'],
    ['2026-05-25 24:00', 'not a valid date', 'with optional time zone'],
    ['2026-05-25 14:30:07.1234567', 'cannot use', 'time format must be'],
    ['2026-05-25 14:30:07 PST', 'cannot use', 'time format must be'],
    ['2026-05-25 14:30+15:00', 'out of range', '-14:00 to +14:00'],
  ])('refuses %j', (text, message, hint) => {
    const e = usageError(() => parseTarget(text, { tz: 'UTC' }));
    expect(e.message).toContain(message);
    expect(e.hints.join('\n')).toContain(hint);
    expect(e.hints.join('\n')).not.toContain('did you mean gtid');
  });

  it('refuses an unknown --tz', () => {
    const e = usageError(() => parseTarget('2026-05-25 14:30', { tz: 'Mars/Olympus' }));
    expect(e.message).toMatch(/unknown time zone/);
    expect(e.hints[0]).toMatch(/IANA/);
  });
});

describe('parseTarget: GTIDs', () => {
  it.each([
    ['gtid:0-1-1234', { flavor: 'mariadb', gtid: { domainId: 0, serverId: 1, seqNo: 1234n } }],
    ['GTID:  7-100-18446744073709551615 ', { flavor: 'mariadb', gtid: { domainId: 7, serverId: 100, seqNo: 18446744073709551615n } }],
    [`gtid:${UUID.toUpperCase()}:23`, { flavor: 'mysql', gtid: { uuid: UUID, tag: undefined, gno: 23n } }],
    [`gtid:${UUID}:Batch_1:23`, { flavor: 'mysql', gtid: { uuid: UUID, tag: 'batch_1', gno: 23n } }],
  ] as const)('%s', (text, expected) => {
    expect(parseTarget(text)).toEqual({ kind: 'gtid', text: text.trim(), exclusive: false, ...expected });
    expect(parseTarget(text, { exclusive: true }).exclusive).toBe(true);
  });

  it.each([
    ['gtid:', 'names no GTID'],
    ['gtid:0-1', 'cannot use "gtid:0-1"'],
    ['gtid:0-1-2,1-1-5', 'several transactions'],
    [`gtid:${UUID}:1-5`, 'not a transaction number'],
    [`gtid:${UUID}:1,${UUID}:2`, 'several transactions'],
    [`gtid:${UUID}`, 'expected uuid:number'],
    [`gtid:${UUID}:0`, 'out of range'],
    ['gtid:0-1-99999999999999999999', 'out of range'],
    ['gtid:4294967296-1-1', 'out of range'],
    ['gtid:abc', 'cannot read "gtid:abc" as a GTID target'],
    ['gtid:ANONYMOUS', 'as a GTID target'],
  ])('refuses %j', (text, message) => {
    expect(usageError(() => parseTarget(text)).message).toContain(message);
  });
});

describe('parseTarget: positions and latest', () => {
  it.each([
    ['pos:binlog.000012:4567', 'binlog.000012', 4567],
    ['POS: mysql-bin.000001 : 4', 'mysql-bin.000001', 4],
    ['pos:host_name-bin.1000000:9007199254740991', 'host_name-bin.1000000', 9007199254740991],
  ])('%s', (text, file, position) => {
    expect(parseTarget(text)).toEqual({ kind: 'position', text: text.trim(), file, position, exclusive: false });
  });

  it.each([
    ['pos:binlog.000012', 'needs a file and an offset'],
    ['pos::4567', 'needs a file and an offset'],
    ['pos:binlog.000012:', 'needs a file and an offset'],
    ['pos:/var/lib/mysql/binlog.000012:4567', 'names a path'],
    ['pos:binlog:4567', 'not a binlog file name'],
    ['pos:binlog.000012:0x10', 'not a byte offset'],
    ['pos:binlog.000012:-5', 'not a byte offset'],
    ['pos:binlog.000012:3', 'out of range'],
    ['pos:binlog.000012:99999999999999999', 'not a byte offset'],
  ])('refuses %j', (text, message) => {
    expect(usageError(() => parseTarget(text)).message).toContain(message);
  });

  it('reads latest', () => {
    expect(parseTarget('latest')).toEqual({ kind: 'latest', text: 'latest', exclusive: false });
    expect(parseTarget(' LATEST ').kind).toBe('latest');
  });

  it('refuses --exclusive where it has no meaning', () => {
    expect(usageError(() => parseTarget('latest', { exclusive: true })).message).toContain('--exclusive');
    expect(usageError(() => parseTarget('pos:binlog.000012:4567', { exclusive: true })).hints.join(' ')).toContain('already stops before');
  });
});

describe('parseTarget: unreadable input says what it resembles', () => {
  it.each([
    ['', 'is empty', 'a target is a time'],
    ['yesterday', 'cannot read "yesterday"', 'a target is a time'],
    ['0-1-1234', 'cannot read', 'did you mean gtid:0-1-1234?'],
    ['1000-1-5', 'cannot use', 'did you mean gtid:1000-1-5?'],
    [`${UUID}:23`, 'cannot read', `did you mean gtid:${UUID}:23?`],
    ['binlog.000012:4567', 'cannot read', 'did you mean pos:binlog.000012:4567?'],
    ['14:30', 'cannot read', 'give the date too'],
    ['1779719407', 'cannot read', 'epoch numbers are not accepted'],
    ['now', 'cannot read', 'latest'],
  ])('%j', (text, message, hint) => {
    const e = usageError(() => parseTarget(text, { tz: 'UTC' }));
    expect(e.message).toContain(message);
    expect(e.hints.join('\n')).toContain(hint);
  });
});

describe('describeTarget', () => {
  const cases: [Target, string][] = [
    [parseTarget('latest'), 'latest: every archived transaction'],
    [
      parseTarget('pos:binlog.000012:4567'),
      'position binlog.000012:4567: every transaction that ends at or before it; the event group starting there is not applied',
    ],
    [parseTarget('gtid:0-1-1234'), 'GTID 0-1-1234 (MariaDB, domain 0): every transaction in binlog order up to and including that transaction'],
    [
      parseTarget(`gtid:${UUID.toUpperCase()}:T:23`, { exclusive: true }),
      `GTID ${UUID}:t:23 (MySQL): every transaction in binlog order up to the transaction before it (exclusive)`,
    ],
    [
      parseTarget('2026-05-25 14:30:07', { tz: 'Europe/Berlin' }),
      'time 2026-05-25T12:30:07Z (2026-05-25 14:30:07 in Europe/Berlin, from --tz): every transaction committed at or before it; on MariaDB (whole-second commit times) everything committed during that second',
    ],
    [
      parseTarget('2026-05-25 14:30:07+02:00', { exclusive: true }),
      'time 2026-05-25T12:30:07Z (2026-05-25 14:30:07 in +02:00, zone as written): every transaction committed strictly before it (exclusive); on MariaDB (whole-second commit times) nothing committed during that second',
    ],
    [
      parseTarget('2026-05-25T12:30:07.25Z'),
      'time 2026-05-25T12:30:07.25Z (2026-05-25 12:30:07.250000 in UTC, zone as written): every transaction committed at or before it; MariaDB commit times are whole seconds and count as the start of their second',
    ],
  ];
  it.each(cases)('%#', (target, text) => {
    expect(describeTarget(target)).toBe(text);
  });

  it('names the machine zone when no --tz was given', () => {
    expect(describeTarget(parseTarget('2026-05-25 14:30'))).toContain(`in ${machineTimeZone()}, the machine's zone`);
  });

  it('shows the wall time on the later side of a fall-back change', () => {
    expect(describeTarget(parseTarget('2026-10-25 02:30:00+01:00'))).toContain('(2026-10-25 02:30:00 in +01:00, zone as written)');
  });
});
