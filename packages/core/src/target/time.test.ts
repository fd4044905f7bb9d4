import { describe, expect, it } from 'vitest';
import { formatOffset, parseTargetTime, resolveTimeZone } from './time.js';
import { usageError as usageErrorWithHints } from '../test-support/errors.js';

const usageError = (fn: () => unknown) => usageErrorWithHints(fn, false);


describe('parseTargetTime', () => {
  it('reads local wall time in an IANA zone', () => {
    const t = parseTargetTime('2026-05-25 14:30:07', 'Europe/Berlin');
    expect(t.utc).toBe('2026-05-25T12:30:07Z');
    expect(t.epochMs).toBe(Date.UTC(2026, 4, 25, 12, 30, 7));
    expect(t.tz).toBe('Europe/Berlin');
  });

  it('accepts minutes-only and date-only forms', () => {
    expect(parseTargetTime('2026-05-25 14:30', 'UTC').utc).toBe('2026-05-25T14:30:00Z');
    expect(parseTargetTime('2026-05-25', 'UTC').utc).toBe('2026-05-25T00:00:00Z');
  });

  it('keeps microseconds exactly', () => {
    const t = parseTargetTime('2026-05-25 14:30:07.123456', 'UTC');
    expect(t.epochUs).toBe(BigInt(Date.UTC(2026, 4, 25, 14, 30, 7)) * 1000n + 123456n);
    expect(t.epochMs).toBe(Date.UTC(2026, 4, 25, 14, 30, 7) + 123);
    expect(t.utc).toBe('2026-05-25T14:30:07.123456Z');
  });

  it('takes ISO strings with Z or an offset as written, whatever --tz says', () => {
    expect(parseTargetTime('2026-05-25T14:30:07Z', 'Asia/Tokyo').utc).toBe('2026-05-25T14:30:07Z');
    const t = parseTargetTime('2026-05-25 14:30:07+02:00', 'Asia/Tokyo');
    expect(t.utc).toBe('2026-05-25T12:30:07Z');
    expect(t.tz).toBe('+02:00');
    expect(parseTargetTime('2026-05-25T14:30:07-0530').utc).toBe('2026-05-25T20:00:07Z');
  });

  it('reads fixed-offset zones', () => {
    expect(parseTargetTime('2026-01-01 00:00:00', '-05:00').utc).toBe('2026-01-01T05:00:00Z');
    expect(parseTargetTime('2026-01-01 00:00:00', '+0530').utc).toBe('2025-12-31T18:30:00Z');
  });

  it('defaults to the machine zone', () => {
    const local = new Date(2026, 4, 25, 14, 30, 7).getTime();
    expect(parseTargetTime('2026-05-25 14:30:07').epochMs).toBe(local);
  });

  it('handles America/New_York standard and daylight time', () => {
    expect(parseTargetTime('2026-01-15 12:00:00', 'America/New_York').utc).toBe('2026-01-15T17:00:00Z');
    expect(parseTargetTime('2026-07-15 12:00:00', 'America/New_York').utc).toBe('2026-07-15T16:00:00Z');
  });

  it('refuses a wall time inside a spring-forward gap', () => {
    // Europe/Berlin: 2026-03-29 02:00 CET -> 03:00 CEST
    const e = usageError(() => parseTargetTime('2026-03-29 02:30:00', 'Europe/Berlin'));
    expect(e.message).toMatch(/does not exist in Europe\/Berlin/);
    expect(e.hints.join('\n')).toMatch(/\+01:00/);
    expect(e.hints.join('\n')).toMatch(/\+02:00/);
    // the edges are fine
    expect(parseTargetTime('2026-03-29 01:59:59', 'Europe/Berlin').utc).toBe('2026-03-29T00:59:59Z');
    expect(parseTargetTime('2026-03-29 03:00:00', 'Europe/Berlin').utc).toBe('2026-03-29T01:00:00Z');
  });

  it('refuses an ambiguous wall time in a fall-back overlap and names both offsets', () => {
    // Europe/Berlin: 2026-10-25 03:00 CEST -> 02:00 CET
    const e = usageError(() => parseTargetTime('2026-10-25 02:30:00', 'Europe/Berlin'));
    expect(e.message).toMatch(/ambiguous/);
    expect(e.message).toMatch(/\+02:00 and \+01:00/);
    // and the hinted forms resolve
    expect(parseTargetTime('2026-10-25 02:30:00+02:00').utc).toBe('2026-10-25T00:30:00Z');
    expect(parseTargetTime('2026-10-25 02:30:00+01:00').utc).toBe('2026-10-25T01:30:00Z');
    expect(parseTargetTime('2026-10-25 03:00:00', 'Europe/Berlin').utc).toBe('2026-10-25T02:00:00Z');
    expect(parseTargetTime('2026-10-25 01:59:59', 'Europe/Berlin').utc).toBe('2026-10-24T23:59:59Z');
  });

  it('handles a southern-hemisphere zone and a 30-minute DST zone', () => {
    // Australia/Sydney: 2026-10-04 02:00 AEST -> 03:00 AEDT
    usageError(() => parseTargetTime('2026-10-04 02:15:00', 'Australia/Sydney'));
    // Australia/Lord_Howe shifts by 30 minutes: 2026-10-04 02:00 -> 02:30
    usageError(() => parseTargetTime('2026-10-04 02:10:00', 'Australia/Lord_Howe'));
    expect(parseTargetTime('2026-10-04 02:40:00', 'Australia/Lord_Howe').utc).toBe('2026-10-03T15:40:00Z');
  });

  it('rejects malformed and impossible inputs with a format hint', () => {
    for (const bad of ['yesterday', '2026-5-25 14:30', '2026-02-30 00:00:00', '2026-05-25 24:00:00', '2026-05-25 14:61', '2026-05-25 14:30:07.1234567']) {
      const e = usageError(() => parseTargetTime(bad, 'UTC'));
      expect(e.hints.join('\n')).toMatch(/YYYY-MM-DD HH:MM/);
    }
    expect(parseTargetTime('2024-02-29 00:00:00', 'UTC').utc).toBe('2024-02-29T00:00:00Z');
  });

  it('rejects an unknown zone with a hint', () => {
    const e = usageError(() => parseTargetTime('2026-05-25 14:30', 'Mars/Olympus'));
    expect(e.message).toMatch(/unknown time zone "Mars\/Olympus"/);
    expect(e.hints[0]).toMatch(/IANA/);
  });
});

describe('resolveTimeZone / formatOffset', () => {
  it('canonicalises offsets', () => {
    expect(resolveTimeZone('+0200')).toEqual({ name: '+02:00', fixedOffsetMin: 120 });
    expect(resolveTimeZone('-03:30')).toEqual({ name: '-03:30', fixedOffsetMin: -210 });
    expect(resolveTimeZone('Z')).toEqual({ name: '+00:00', fixedOffsetMin: 0 });
    expect(resolveTimeZone('UTC').fixedOffsetMin).toBeUndefined();
    expect(formatOffset(0)).toBe('+00:00');
    expect(formatOffset(-330)).toBe('-05:30');
  });
});

describe('wallClock', () => {
  it('is the inverse of parseTargetTime', async () => {
    const { wallClock } = await import('./time.js');
    const t = parseTargetTime('2026-10-25 02:30:00+01:00');
    expect(wallClock(t.epochMs / 1000, 'Europe/Berlin')).toEqual({ year: 2026, month: 10, day: 25, hour: 2, minute: 30, second: 0 });
    expect(wallClock(0, '+05:30')).toEqual({ year: 1970, month: 1, day: 1, hour: 5, minute: 30, second: 0 });
  });
});
