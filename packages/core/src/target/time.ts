/**
 * Parsing of user-given times (`--start-datetime`, time targets): local wall time in a zone, or an
 * ISO string with `Z`/an offset taken as written. Zone conversion uses Intl (IANA tz database that
 * ships with Node), no dependency.
 *
 * A wall time that does not exist (spring-forward gap) or exists twice (fall-back overlap) in the
 * zone is refused with a hint naming the offsets that would make it exact: guessing one of them
 * would silently restore to the wrong hour.
 */
import { PitrError } from '../errors/pitr-error.js';

export interface TargetTime {
  /** The instant, milliseconds since the epoch (fraction below 1 ms truncated; see epochUs). */
  readonly epochMs: number;
  /** The instant, microseconds since the epoch (exact for inputs with up to 6 fraction digits). */
  readonly epochUs: bigint;
  /** The instant in UTC, ISO 8601 with `Z`, fraction digits only when given (`2026-05-25T12:30:07Z`). */
  readonly utc: string;
  /** The zone the text was read in: an IANA name, a `±HH:MM` offset, or the offset written in the text. */
  readonly tz: string;
}

const FORMAT_HINT =
  'time format is YYYY-MM-DD HH:MM[:SS[.ffffff]] (local time in --tz), or ISO 8601 with Z or an offset, e.g. 2026-05-25T14:30:07Z or 2026-05-25 14:30:07+02:00';

// YYYY-MM-DD[( |T)HH:MM[:SS[.f{1,6}]]][Z|±HH[:MM]|±HHMM]
const TIME_RE =
  /^(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,6}))?)?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?$/i;
const OFFSET_RE = /^([+-])(\d{2})(?::?(\d{2}))?$/;

/** The machine's zone as Node sees it (honours TZ). */
export function machineTimeZone(): string {
  return new Intl.DateTimeFormat().resolvedOptions().timeZone;
}

/**
 * Resolves a zone argument: an IANA name (`Europe/Berlin`, `UTC`), a fixed offset (`+02:00`,
 * `-0530`, `Z`), or undefined/empty for the machine zone. Returns a canonical spelling.
 */
export function resolveTimeZone(tz: string | undefined): { name: string; fixedOffsetMin: number | undefined } {
  if (tz === undefined || tz === '' || tz.toUpperCase() === 'SYSTEM') {
    return { name: machineTimeZone(), fixedOffsetMin: undefined };
  }
  if (tz === 'Z' || tz === 'z') return { name: '+00:00', fixedOffsetMin: 0 };
  const m = OFFSET_RE.exec(tz);
  if (m !== null) {
    const minutes = parseOffset(m, tz);
    return { name: formatOffset(minutes), fixedOffsetMin: minutes };
  }
  try {
    const name = new Intl.DateTimeFormat('en-US', { timeZone: tz }).resolvedOptions().timeZone;
    return { name, fixedOffsetMin: undefined };
  } catch {
    throw new PitrError('USAGE', `unknown time zone "${tz}"`, {
      hints: ['give an IANA zone name (e.g. Europe/Berlin, America/New_York, UTC) or an offset such as +02:00'],
    });
  }
}

/**
 * Parses `text` as a point in time. Without an offset in the text it is wall time in `tz`
 * (default: the machine zone). Throws PitrError('USAGE') with hints on anything unclear.
 */
export function parseTargetTime(text: string, tz?: string): TargetTime {
  const trimmed = text.trim();
  const m = TIME_RE.exec(trimmed);
  if (m === null) {
    throw new PitrError('USAGE', `cannot read "${text}" as a time`, { hints: [FORMAT_HINT] });
  }
  const year = Number(m[1]);
  const month = Number(m[2]);
  const day = Number(m[3]);
  const hour = m[4] === undefined ? 0 : Number(m[4]);
  const minute = m[5] === undefined ? 0 : Number(m[5]);
  const second = m[6] === undefined ? 0 : Number(m[6]);
  const fraction = m[7] ?? '';
  const micros = fraction === '' ? 0 : Number(fraction.padEnd(6, '0'));
  if (
    year < 1000 ||
    month < 1 ||
    month > 12 ||
    day < 1 ||
    day > daysInMonth(year, month) ||
    hour > 23 ||
    minute > 59 ||
    second > 59
  ) {
    throw new PitrError('USAGE', `"${text}" is not a valid date and time`, { hints: [FORMAT_HINT] });
  }
  const wallMs = utcMs(year, month, day, hour, minute, second);

  let epochSec: number;
  let zoneName: string;
  const offsetText = m[8];
  if (offsetText !== undefined) {
    const minutes = offsetText.toUpperCase() === 'Z' ? 0 : parseOffset(OFFSET_RE.exec(offsetText), text);
    epochSec = wallMs / 1000 - minutes * 60;
    zoneName = offsetText.toUpperCase() === 'Z' ? 'UTC' : formatOffset(minutes);
  } else {
    const zone = resolveTimeZone(tz);
    zoneName = zone.name;
    if (zone.fixedOffsetMin !== undefined) {
      epochSec = wallMs / 1000 - zone.fixedOffsetMin * 60;
    } else {
      epochSec = resolveWallTime(wallMs / 1000, zone.name, trimmed);
    }
  }
  const epochUs = BigInt(epochSec) * 1_000_000n + BigInt(micros);
  const epochMs = epochSec * 1000 + Math.floor(micros / 1000);
  return { epochMs, epochUs, utc: formatUtc(epochSec, fraction), tz: zoneName };
}

/**
 * Finds the one instant whose wall clock in `zone` reads `wallSec` (wall fields encoded as if UTC).
 * Candidate offsets are those in force within a day either side; each candidate is kept only if
 * the zone really uses that offset at the resulting instant.
 */
function resolveWallTime(wallSec: number, zone: string, text: string): number {
  const fmt = zoneFormatter(zone);
  const candidates = new Set<number>();
  for (let k = -4; k <= 4; k++) candidates.add(offsetSecAt(fmt, wallSec + k * 6 * 3600));
  const instants: { epochSec: number; offsetSec: number }[] = [];
  for (const offsetSec of candidates) {
    const epochSec = wallSec - offsetSec;
    if (offsetSecAt(fmt, epochSec) === offsetSec) instants.push({ epochSec, offsetSec });
  }
  instants.sort((a, b) => a.epochSec - b.epochSec);
  const first = instants[0];
  if (instants.length === 1 && first !== undefined) return first.epochSec;
  if (first === undefined) {
    // Spring forward: the wall clock jumps over this time. Say what the offsets around it are.
    const before = offsetSecAt(fmt, wallSec - 86400);
    const after = offsetSecAt(fmt, wallSec + 86400);
    throw new PitrError('USAGE', `"${text}" does not exist in ${zone}: the clocks skip that time at a daylight-saving change`, {
      hints: [
        `give the instant with an explicit offset, e.g. "${text}${formatOffset(before / 60)}" (the offset before the change) or "${text}${formatOffset(after / 60)}" (after it), or in UTC with Z`,
      ],
    });
  }
  const offsets = instants.map((i) => formatOffset(i.offsetSec / 60));
  throw new PitrError('USAGE', `"${text}" is ambiguous in ${zone}: that wall time happens twice (at ${offsets.join(' and ')}) at a daylight-saving change`, {
    hints: [
      `add the offset you mean: ${offsets.map((o, i) => `"${text}${o}" (${i === 0 ? 'the first' : 'the second'})`).join(' or ')}, or give the time in UTC with Z`,
    ],
  });
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function zoneFormatter(zone: string): Intl.DateTimeFormat {
  let fmt = formatters.get(zone);
  if (fmt === undefined) {
    fmt = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
      era: 'short',
    });
    formatters.set(zone, fmt);
  }
  return fmt;
}

/** UTC offset (seconds, east positive) of the zone at an instant. */
function offsetSecAt(fmt: Intl.DateTimeFormat, epochSec: number): number {
  const f: Record<string, number> = { year: 0, month: 0, day: 0, hour: 0, minute: 0, second: 0 };
  let bc = false;
  for (const part of fmt.formatToParts(epochSec * 1000)) {
    if (part.type === 'era') bc = part.value.startsWith('B');
    else if (part.type in f) f[part.type] = Number(part.value);
  }
  const year = bc ? 1 - (f.year ?? 0) : (f.year ?? 0);
  const wall = utcMs(year, f.month ?? 1, f.day ?? 1, f.hour ?? 0, f.minute ?? 0, f.second ?? 0) / 1000;
  return wall - epochSec;
}

function utcMs(year: number, month: number, day: number, hour: number, minute: number, second: number): number {
  const d = new Date(0);
  // setUTCFullYear, not Date.UTC: Date.UTC maps years 0..99 to 1900..1999.
  d.setUTCFullYear(year, month - 1, day);
  d.setUTCHours(hour, minute, second, 0);
  return d.getTime();
}

function daysInMonth(year: number, month: number): number {
  return new Date(utcMs(year, month + 1, 0, 0, 0, 0)).getUTCDate();
}

function parseOffset(m: RegExpExecArray | null, text: string): number {
  if (m === null) throw new PitrError('USAGE', `cannot read the offset in "${text}"`, { hints: [FORMAT_HINT] });
  const hours = Number(m[2]);
  const minutes = m[3] === undefined ? 0 : Number(m[3]);
  if (hours > 14 || minutes > 59) {
    throw new PitrError('USAGE', `offset in "${text}" is out of range`, { hints: ['offsets run from -14:00 to +14:00'] });
  }
  return (m[1] === '-' ? -1 : 1) * (hours * 60 + minutes);
}

/** `+02:00`, `-05:30`, `+00:00`; sub-minute historical offsets (LMT) keep their seconds. */
export function formatOffset(minutes: number): string {
  const sign = minutes < 0 ? '-' : '+';
  const abs = Math.abs(minutes);
  const h = Math.floor(abs / 60);
  const min = Math.floor(abs % 60);
  const sec = Math.round((abs * 60) % 60);
  return `${sign}${pad2(h)}:${pad2(min)}${sec === 0 ? '' : `:${pad2(sec)}`}`;
}

function formatUtc(epochSec: number, fraction: string): string {
  const iso = new Date(epochSec * 1000).toISOString(); // YYYY-MM-DDTHH:MM:SS.000Z
  return `${iso.slice(0, 19)}${fraction === '' ? '' : `.${fraction}`}Z`;
}

function pad2(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

export interface WallClock {
  readonly year: number;
  readonly month: number;
  readonly day: number;
  readonly hour: number;
  readonly minute: number;
  readonly second: number;
}

/**
 * The wall clock in `tz` (IANA name, ±HH:MM, or undefined for the machine zone) at an instant,
 * whole seconds. The inverse of parseTargetTime for display (event headers, plans).
 */
export function wallClock(epochSec: number, tz: string | undefined): WallClock {
  const zone = resolveTimeZone(tz);
  const sec = Math.floor(epochSec);
  const offsetSec = zone.fixedOffsetMin !== undefined ? zone.fixedOffsetMin * 60 : offsetSecAt(zoneFormatter(zone.name), sec);
  const d = new Date((sec + offsetSec) * 1000);
  return {
    year: d.getUTCFullYear(),
    month: d.getUTCMonth() + 1,
    day: d.getUTCDate(),
    hour: d.getUTCHours(),
    minute: d.getUTCMinutes(),
    second: d.getUTCSeconds(),
  };
}
