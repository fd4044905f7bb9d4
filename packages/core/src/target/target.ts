/**
 * Restore targets as users write them (DESIGN.md "Targets and their meaning"):
 *
 *   "2026-05-25 14:30", "2026-05-25 14:30:07[.ffffff]"   wall time in --tz (default: machine zone)
 *   "2026-05-25T14:30:07Z", "2026-05-25 14:30:07+02:00"  ISO with Z or an offset, taken as written
 *   gtid:0-1-1234                                         a MariaDB transaction
 *   gtid:3e11fa47-71ca-11e1-9e33-c80aa9429562:23          a MySQL transaction (optionally uuid:tag:23)
 *   pos:binlog.000012:4567                                a binlog position
 *   latest                                                everything archived
 *
 * Parsing resolves times to a UTC instant once, here, so a plan shows exactly the instant that
 * replay compares against. What each target keeps is decided in target-match.ts.
 */
import { PitrError } from '../errors/pitr-error.js';
import { formatMariadbGtid, parseMariadbGtid, type MariadbGtid } from '../gtid/mariadb-gtid.js';
import { formatMysqlGtid, parseMysqlGtid, type MysqlGtid } from '../gtid/mysql-gtid-set.js';
import { parseTargetTime, wallClock, type TargetTime } from './time.js';

export interface TimeTarget {
  readonly kind: 'time';
  /** The text as given. */
  readonly text: string;
  /** The instant, microseconds since the epoch (UTC). */
  readonly epochUs: bigint;
  /** The instant in UTC, ISO 8601 (`2026-05-25T12:30:07Z`, fraction digits only when given). */
  readonly utc: string;
  /** The zone the text was read in: IANA name, `±HH:MM`, or `UTC` for a trailing Z. */
  readonly tz: string;
  /** Where that zone came from: written in the text, the --tz option, or the machine's zone. */
  readonly zoneSource: 'text' | 'option' | 'machine';
  /** `--exclusive`: keep only transactions committed strictly before the instant. */
  readonly exclusive: boolean;
}

export interface MariadbGtidTarget {
  readonly kind: 'gtid';
  readonly flavor: 'mariadb';
  readonly text: string;
  readonly gtid: MariadbGtid;
  /** `--exclusive`: stop before this transaction instead of after it. */
  readonly exclusive: boolean;
}

export interface MysqlGtidTarget {
  readonly kind: 'gtid';
  readonly flavor: 'mysql';
  readonly text: string;
  readonly gtid: MysqlGtid;
  /** `--exclusive`: stop before this transaction instead of after it. */
  readonly exclusive: boolean;
}

export type GtidTarget = MariadbGtidTarget | MysqlGtidTarget;

export interface PositionTarget {
  readonly kind: 'position';
  readonly text: string;
  /** Binlog file base name, e.g. `binlog.000012`. */
  readonly file: string;
  /** Byte offset in that file; the event group starting here is the first one not applied. */
  readonly position: number;
  /** Always false: a position already stops before the group that starts there. */
  readonly exclusive: false;
}

export interface LatestTarget {
  readonly kind: 'latest';
  readonly text: string;
  readonly exclusive: false;
}

export type Target = TimeTarget | GtidTarget | PositionTarget | LatestTarget;

export interface ParseTargetOptions {
  /** Zone for wall times without an offset (IANA name or ±HH:MM); default the machine's zone. */
  readonly tz?: string | undefined;
  /** `--exclusive`: for time and GTID targets, stop strictly before the target. */
  readonly exclusive?: boolean | undefined;
}

const FORMS_HINT =
  'a target is a time "YYYY-MM-DD HH:MM[:SS]" (local time in --tz) or ISO 8601 with Z or an offset, gtid:DOMAIN-SERVER-SEQ (MariaDB), gtid:UUID[:TAG]:NUMBER (MySQL), pos:FILE:OFFSET, or latest';
const TIME_HINT =
  'time format must be YYYY-MM-DD HH:MM[:SS[.ffffff]] with optional time zone (Z or an offset such as +02:00), e.g. "2026-05-25 14:30:07" or "2026-05-25T12:30:07Z"';
const POS_HINT = 'a position target is pos:FILE:OFFSET with the binlog file name and a byte offset, e.g. pos:binlog.000012:4567';

// A binlog file name: base name, a dot, the sequence number. No directories: positions name files
// as the server does (SHOW BINARY LOGS, the dump's CHANGE MASTER comment).
const BINLOG_FILE_RE = /^[A-Za-z0-9_][A-Za-z0-9_.-]*\.\d+$/;
const UUID_PREFIX_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}(?::|$)/i;
const MARIADB_GTID_LIKE_RE = /^\d+-\d+-\d+$/;
const DATE_ONLY_RE = /^\d{4}-\d{2}-\d{2}$/;

/**
 * Parses a target as written on the command line. Throws PitrError USAGE with hints on anything
 * unclear; never guesses (a date without a time, a bare GTID, a DST-ambiguous wall time all fail).
 */
export function parseTarget(text: string, opts: ParseTargetOptions = {}): Target {
  const trimmed = text.trim();
  const exclusive = opts.exclusive === true;
  if (trimmed === '') {
    throw new PitrError('USAGE', 'the restore target is empty', { hints: [FORMS_HINT] });
  }
  const lower = trimmed.toLowerCase();

  if (lower === 'latest') {
    if (exclusive) {
      throw new PitrError('USAGE', '--exclusive cannot be used with the target latest', {
        hints: ['latest replays everything archived; to stop before a transaction give its GTID or position'],
      });
    }
    return { kind: 'latest', text: trimmed, exclusive: false };
  }

  if (lower.startsWith('gtid:')) return parseGtidTarget(trimmed, trimmed.slice(5).trim(), exclusive);
  if (lower.startsWith('pos:')) return parsePositionTarget(trimmed, trimmed.slice(4).trim(), exclusive);

  if (/^\d{4}-\d{1,2}-\d{1,2}/.test(trimmed)) {
    if (DATE_ONLY_RE.test(trimmed)) {
      throw new PitrError('USAGE', `the target "${trimmed}" is a date without a time of day`, {
        hints: [TIME_HINT, `for the start of that day give "${trimmed} 00:00"; for its end "${trimmed} 23:59:59.999999"`],
      });
    }
    let t: TargetTime;
    try {
      t = parseTargetTime(trimmed, opts.tz);
    } catch (e) {
      if (!(e instanceof PitrError)) throw e;
      // Keep the DST/offset hints of parseTargetTime; add the target form when the text is unreadable.
      const hints = e.hints.some((h) => h.startsWith('time format')) ? [TIME_HINT] : [...e.hints];
      if (MARIADB_GTID_LIKE_RE.test(trimmed) && !looksLikeDate(trimmed)) hints.unshift(`did you mean gtid:${trimmed}?`);
      throw new PitrError('USAGE', `cannot use "${trimmed}" as a restore target: ${e.message}`, { hints, cause: e });
    }
    const zoneSource = hasOffset(trimmed) ? 'text' : opts.tz === undefined || opts.tz === '' || opts.tz.toUpperCase() === 'SYSTEM' ? 'machine' : 'option';
    return { kind: 'time', text: trimmed, epochUs: t.epochUs, utc: t.utc, tz: t.tz, zoneSource, exclusive };
  }

  // Everything else is refused; say which form it resembles.
  const hints = [FORMS_HINT];
  if (MARIADB_GTID_LIKE_RE.test(trimmed) || UUID_PREFIX_RE.test(trimmed)) hints.unshift(`did you mean gtid:${trimmed}?`);
  else if (/^[^:\s]+\.\d+:\d+$/.test(trimmed)) hints.unshift(`did you mean pos:${trimmed}?`);
  else if (/^\d{1,2}:\d{2}/.test(trimmed)) hints.unshift('give the date too: "YYYY-MM-DD HH:MM[:SS]"');
  else if (/^\d+$/.test(trimmed)) hints.unshift('epoch numbers are not accepted; give the time as "YYYY-MM-DD HH:MM:SS" with Z for UTC');
  throw new PitrError('USAGE', `cannot read "${trimmed}" as a restore target`, { hints });
}

/** `N-N-N` that is plausibly a (mistyped) date rather than a MariaDB GTID. */
function looksLikeDate(text: string): boolean {
  const [y, m, d] = text.split('-').map(Number) as [number, number, number];
  return y >= 1900 && y <= 2999 && m >= 1 && m <= 12 && d >= 1 && d <= 31;
}

/** Whether the time text carries its own zone (Z or ±HH[:MM] after the time of day). */
function hasOffset(text: string): boolean {
  return /(?:z|[+-]\d{2}(?::?\d{2})?)$/i.test(text) && /[ T]\d{2}:\d{2}/i.test(text);
}

function parseGtidTarget(text: string, body: string, exclusive: boolean): GtidTarget {
  if (body === '') {
    throw new PitrError('USAGE', `the target "${text}" names no GTID`, { hints: ['give gtid:0-1-1234 (MariaDB) or gtid:UUID:NUMBER (MySQL)'] });
  }
  if (body.includes(',')) {
    throw new PitrError('USAGE', `the target "${text}" names several transactions`, {
      hints: ['a GTID target is one transaction: the restore stops after it (before it with --exclusive)'],
    });
  }
  if (UUID_PREFIX_RE.test(body)) {
    return { kind: 'gtid', flavor: 'mysql', text, gtid: rethrow(text, () => parseMysqlGtid(body)), exclusive };
  }
  if (/^\d/.test(body) && !body.includes(':')) {
    return { kind: 'gtid', flavor: 'mariadb', text, gtid: rethrow(text, () => parseMariadbGtid(body)), exclusive };
  }
  throw new PitrError('USAGE', `cannot read "${text}" as a GTID target`, {
    hints: ['a MariaDB GTID is domain-server-sequence, e.g. gtid:0-1-1234', 'a MySQL GTID is uuid:number or uuid:tag:number, e.g. gtid:3e11fa47-71ca-11e1-9e33-c80aa9429562:23'],
  });
}

function rethrow<T>(text: string, parse: () => T): T {
  try {
    return parse();
  } catch (e) {
    if (!(e instanceof PitrError)) throw e;
    throw new PitrError('USAGE', `cannot use "${text}" as a restore target: ${e.message}`, { hints: e.hints, cause: e });
  }
}

function parsePositionTarget(text: string, body: string, exclusive: boolean): PositionTarget {
  const colon = body.lastIndexOf(':');
  const file = colon < 0 ? body : body.slice(0, colon).trim();
  const offsetText = colon < 0 ? '' : body.slice(colon + 1).trim();
  if (colon < 0 || file === '' || offsetText === '') {
    throw new PitrError('USAGE', `the target "${text}" needs a file and an offset`, { hints: [POS_HINT] });
  }
  if (file.includes('/') || file.includes('\\')) {
    throw new PitrError('USAGE', `the target "${text}" names a path; give the binlog file name only`, { hints: [POS_HINT] });
  }
  if (!BINLOG_FILE_RE.test(file)) {
    throw new PitrError('USAGE', `"${file}" in "${text}" is not a binlog file name`, {
      hints: [POS_HINT, 'binlog files are named BASE.NNNNNN, as listed by SHOW BINARY LOGS'],
    });
  }
  if (!/^\d{1,16}$/.test(offsetText)) {
    throw new PitrError('USAGE', `"${offsetText}" in "${text}" is not a byte offset`, { hints: [POS_HINT] });
  }
  const position = Number(offsetText);
  // Every binlog starts with a 4-byte magic number; the first event is at offset 4.
  if (position < 4 || !Number.isSafeInteger(position)) {
    throw new PitrError('USAGE', `offset ${offsetText} in "${text}" is out of range`, {
      hints: ['the first event of a binlog is at offset 4; use the end_log_pos / "at" offsets mariadb-binlog and mysqlbinlog print'],
    });
  }
  if (exclusive) {
    throw new PitrError('USAGE', '--exclusive cannot be used with a position target', {
      hints: ['a position target already stops before the event group that starts at that offset; give the offset where the replay should stop'],
    });
  }
  return { kind: 'position', text, file, position, exclusive: false };
}

/**
 * One line for plans and logs saying exactly what the target means: for times the resolved UTC
 * instant and the zone the text was read in.
 */
export function describeTarget(target: Target): string {
  switch (target.kind) {
    case 'latest':
      return 'latest: every archived transaction';
    case 'position':
      return `position ${target.file}:${target.position}: every transaction that ends at or before it; the event group starting there is not applied`;
    case 'gtid': {
      const id = target.flavor === 'mariadb' ? formatMariadbGtid(target.gtid) : formatMysqlGtid(target.gtid);
      const flavor = target.flavor === 'mariadb' ? `MariaDB, domain ${target.gtid.domainId}` : 'MySQL';
      const scope = target.exclusive ? 'up to the transaction before it (exclusive)' : 'up to and including that transaction';
      return `GTID ${id} (${flavor}): every transaction in binlog order ${scope}`;
    }
    case 'time': {
      const local = wallText(target);
      const source = target.zoneSource === 'text' ? 'zone as written' : target.zoneSource === 'option' ? 'from --tz' : "the machine's zone";
      const zone = `${local} in ${target.tz}, ${source}`;
      const scope = target.exclusive ? 'committed strictly before it (exclusive)' : 'committed at or before it';
      // MariaDB commit times are whole seconds and compare as the start of their second.
      const mariadb =
        target.epochUs % 1_000_000n !== 0n
          ? '; MariaDB commit times are whole seconds and count as the start of their second'
          : target.exclusive
            ? '; on MariaDB (whole-second commit times) nothing committed during that second'
            : '; on MariaDB (whole-second commit times) everything committed during that second';
      return `time ${target.utc} (${zone}): every transaction ${scope}${mariadb}`;
    }
  }
}

function wallText(target: TimeTarget): string {
  const sec = target.epochUs / 1_000_000n - (target.epochUs % 1_000_000n < 0n ? 1n : 0n);
  const frac = target.epochUs - sec * 1_000_000n;
  const w = wallClock(Number(sec), target.tz);
  const p = (n: number, width = 2): string => String(n).padStart(width, '0');
  const fracText = frac === 0n ? '' : `.${String(frac).padStart(6, '0')}`;
  return `${p(w.year, 4)}-${p(w.month)}-${p(w.day)} ${p(w.hour)}:${p(w.minute)}:${p(w.second)}${fracText}`;
}
