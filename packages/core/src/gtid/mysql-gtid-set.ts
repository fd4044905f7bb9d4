/**
 * MySQL GTIDs and GTID sets (https://dev.mysql.com/doc/refman/8.4/en/replication-gtids-concepts.html).
 *
 * A GTID is `uuid:gno`, or since MySQL 8.3/8.4 `uuid:tag:gno` (WL#15294). A set is text such as
 * `uuid:1-5:7-9:tag:1-3,uuid2:1-3`: per uuid, the untagged intervals, then a tag followed by its
 * intervals. (uuid, tag) — the TSID — names an independent numbering; the untagged one is the
 * empty tag. GNOs run from 1 to 2^63-2.
 *
 * Sets here are immutable and normalised: uuids and tags lower-case (both are case-insensitive),
 * intervals merged (1-3:4-5 is 1-5) and sorted, TSIDs sorted by uuid then tag with the untagged
 * numbering first — the order MySQL prints @@gtid_executed in, so equal sets print identically.
 * Operations are linear merges of sorted interval lists.
 */
import { PitrError } from '../errors/pitr-error.js';

export interface MysqlGtid {
  /** Lower-case, 8-4-4-4-12 hex digits. */
  readonly uuid: string;
  /** Lower-case tag, or undefined for an untagged GTID. */
  readonly tag: string | undefined;
  readonly gno: bigint;
}

/** One numbering (uuid, tag) of a set and its intervals, inclusive bounds, sorted and disjoint. */
export interface MysqlGtidSetEntry {
  readonly uuid: string;
  readonly tag: string | undefined;
  readonly intervals: readonly { readonly start: bigint; readonly end: bigint }[];
}

/**
 * Largest GNO: rpl_gno is a signed 64-bit integer and GNO_END = INT64_MAX is "one past the max"
 * (sql/rpl_gtid.h), so 2^63 - 2.
 */
export const MYSQL_MAX_GNO = 0x7fff_ffff_ffff_fffen;

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
// Tags: a letter or underscore, then letters, digits, underscores; at most 32 characters.
const TAG_RE = /^[a-z_][a-z0-9_]{0,31}$/i;
// Bounded digit runs so hostile text cannot make BigInt parse megabytes.
const INTERVAL_RE = /^(\d{1,20})(?:-(\d{1,20}))?$/;

const GTID_HINT =
  'a MySQL GTID is uuid:number or uuid:tag:number, e.g. 3e11fa47-71ca-11e1-9e33-c80aa9429562:23 or 3e11fa47-71ca-11e1-9e33-c80aa9429562:batch_1:23';
const SET_HINT =
  'a MySQL GTID set is uuid:interval[:interval...][:tag:interval...] joined by commas, e.g. 3e11fa47-71ca-11e1-9e33-c80aa9429562:1-5:7,8a94f357-aab4-11df-86ab-c80aa9429562:1-3';
const TAG_HINT = 'a tag starts with a letter or "_", then letters, digits or "_", at most 32 characters';
const GNO_HINT = `transaction numbers run from 1 to ${MYSQL_MAX_GNO}`;

/** Parses one GTID `uuid:gno` or `uuid:tag:gno` (whitespace around parts ignored). */
export function parseMysqlGtid(text: string): MysqlGtid {
  const parts = text.split(':').map((p) => p.trim());
  const fail = (message: string, hints: string[] = []): PitrError =>
    new PitrError('USAGE', `cannot read "${text}" as a MySQL GTID: ${message}`, { hints: [...hints, GTID_HINT] });
  if (text.includes(',')) throw fail('a list', ['only one transaction is expected here, not a GTID set']);
  if (parts.length !== 2 && parts.length !== 3) {
    throw fail(parts.length < 2 ? 'expected uuid:number' : 'too many ":"-separated parts', parts.length > 3 ? ['only one transaction is expected here, not a GTID set'] : []);
  }
  const uuid = parseUuid(parts[0] as string, fail);
  const tag = parts.length === 3 ? parseTag(parts[1] as string, fail) : undefined;
  const gnoText = parts[parts.length - 1] as string;
  if (!/^\d{1,20}$/.test(gnoText)) {
    throw fail(`"${gnoText}" is not a transaction number`, /^\d+-\d+$/.test(gnoText) ? ['a range names several transactions; give one number'] : []);
  }
  return { uuid, tag, gno: parseGno(gnoText, fail) };
}

/** `uuid:gno` or `uuid:tag:gno`. */
export function formatMysqlGtid(gtid: MysqlGtid): string {
  return gtid.tag === undefined ? `${gtid.uuid}:${gtid.gno}` : `${gtid.uuid}:${gtid.tag}:${gtid.gno}`;
}

/** The same transaction (uuid and tag compared case-insensitively). */
export function mysqlGtidEquals(a: MysqlGtid, b: MysqlGtid): boolean {
  return a.gno === b.gno && a.uuid.toLowerCase() === b.uuid.toLowerCase() && (a.tag ?? '').toLowerCase() === (b.tag ?? '').toLowerCase();
}

function parseUuid(text: string, fail: (m: string, h?: string[]) => PitrError): string {
  if (!UUID_RE.test(text)) throw fail(`"${text}" is not a server uuid (8-4-4-4-12 hex digits)`);
  return text.toLowerCase();
}

function parseTag(text: string, fail: (m: string, h?: string[]) => PitrError): string {
  if (!TAG_RE.test(text)) throw fail(`"${text}" is not a valid tag`, [TAG_HINT]);
  return text.toLowerCase();
}

function parseGno(text: string, fail: (m: string, h?: string[]) => PitrError): bigint {
  const gno = BigInt(text);
  if (gno < 1n || gno > MYSQL_MAX_GNO) throw fail(`transaction number ${text} is out of range`, [GNO_HINT]);
  return gno;
}

/** Key of a numbering: `uuid` or `uuid:tag`. Sorting keys as strings gives MySQL's print order. */
function tsidKey(uuid: string, tag: string | undefined): string {
  return tag === undefined ? uuid : `${uuid}:${tag}`;
}

function splitKey(key: string): { uuid: string; tag: string | undefined } {
  return key.length === 36 ? { uuid: key, tag: undefined } : { uuid: key.slice(0, 36), tag: key.slice(37) };
}

/**
 * Intervals as a flat sorted array [start0, end0, start1, end1, ...], inclusive, disjoint and not
 * adjacent (end_i + 1 < start_{i+1}).
 */
type Intervals = readonly bigint[];

export class MysqlGtidSet {
  static readonly EMPTY = new MysqlGtidSet(new Map());

  /** Numbering key → normalised intervals; never holds an empty list; keys sorted. */
  readonly #byTsid: ReadonlyMap<string, Intervals>;

  private constructor(byTsid: Map<string, Intervals>) {
    this.#byTsid = byTsid;
  }

  /** Builds from unsorted keys, dropping empty interval lists. */
  static #build(byTsid: Map<string, Intervals>): MysqlGtidSet {
    const keys = [...byTsid.keys()].filter((k) => (byTsid.get(k) as Intervals).length > 0).sort();
    if (keys.length === 0) return MysqlGtidSet.EMPTY;
    return new MysqlGtidSet(new Map(keys.map((k) => [k, byTsid.get(k) as Intervals])));
  }

  /**
   * Parses a GTID set as MySQL prints or accepts it: whitespace (including the newlines of
   * SHOW BINARY LOG STATUS) around elements and parts ignored, a uuid may repeat, intervals in any
   * order and overlapping; empty text is the empty set. Refused: a uuid without intervals, a tag
   * without intervals, start > end, GNO 0.
   */
  static parse(text: string): MysqlGtidSet {
    if (text.trim() === '') return MysqlGtidSet.EMPTY;
    const pending = new Map<string, bigint[]>();
    for (const element of text.split(',')) {
      const fail = (message: string, hints: string[] = []): PitrError =>
        new PitrError('USAGE', `cannot read "${element.trim()}" in MySQL GTID set "${text}": ${message}`, { hints: [...hints, SET_HINT] });
      const parts = element.split(':').map((p) => p.trim());
      if (parts.length === 1 && parts[0] === '') throw fail('empty element');
      const uuid = parseUuid(parts[0] as string, fail);
      if (parts.length === 1) throw fail('a uuid without transaction numbers');
      let tag: string | undefined;
      let tagHasIntervals = true;
      for (let i = 1; i < parts.length; i++) {
        const part = parts[i] as string;
        const m = INTERVAL_RE.exec(part);
        if (m === null) {
          if (/^\d/.test(part) || part === '') throw fail(`"${part}" is not an interval (N or N-M)`);
          if (!tagHasIntervals) throw fail(`tag "${tag}" has no transaction numbers`);
          tag = parseTag(part, fail);
          tagHasIntervals = false;
          continue;
        }
        const start = parseGno(m[1] as string, fail);
        const end = m[2] === undefined ? start : parseGno(m[2], fail);
        if (end < start) throw fail(`interval ${part} ends before it starts`);
        const key = tsidKey(uuid, tag);
        let list = pending.get(key);
        if (list === undefined) pending.set(key, (list = []));
        list.push(start, end);
        tagHasIntervals = true;
      }
      if (!tagHasIntervals) throw fail(`tag "${tag}" has no transaction numbers`, ['write the tag before its intervals: uuid:tag:1-5']);
    }
    const byTsid = new Map<string, Intervals>();
    for (const [key, list] of pending) byTsid.set(key, normalise(list));
    return MysqlGtidSet.#build(byTsid);
  }

  /** The set of the given GTIDs. */
  static of(gtids: Iterable<MysqlGtid>): MysqlGtidSet {
    const pending = new Map<string, bigint[]>();
    for (const g of gtids) {
      const key = checkedKey(g);
      let list = pending.get(key);
      if (list === undefined) pending.set(key, (list = []));
      list.push(g.gno, g.gno);
    }
    const byTsid = new Map<string, Intervals>();
    for (const [key, list] of pending) byTsid.set(key, normalise(list));
    return MysqlGtidSet.#build(byTsid);
  }

  get isEmpty(): boolean {
    return this.#byTsid.size === 0;
  }

  /** Number of transactions in the set. */
  get count(): bigint {
    let n = 0n;
    for (const list of this.#byTsid.values()) for (let i = 0; i < list.length; i += 2) n += (list[i + 1] as bigint) - (list[i] as bigint) + 1n;
    return n;
  }

  /** Numberings in print order with their intervals. */
  get entries(): readonly MysqlGtidSetEntry[] {
    return [...this.#byTsid].map(([key, list]) => {
      const intervals: { start: bigint; end: bigint }[] = [];
      for (let i = 0; i < list.length; i += 2) intervals.push({ start: list[i] as bigint, end: list[i + 1] as bigint });
      return { ...splitKey(key), intervals };
    });
  }

  contains(gtid: MysqlGtid): boolean {
    const list = this.#byTsid.get(tsidKey(gtid.uuid.toLowerCase(), gtid.tag?.toLowerCase()));
    if (list === undefined) return false;
    // Binary search for the last interval starting at or before gno.
    let lo = 0;
    let hi = list.length / 2 - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if ((list[2 * mid] as bigint) <= gtid.gno) lo = mid + 1;
      else hi = mid - 1;
    }
    return hi >= 0 && gtid.gno <= (list[2 * hi + 1] as bigint);
  }

  /** This set plus one transaction. */
  add(gtid: MysqlGtid): MysqlGtidSet {
    if (this.contains(gtid)) return this;
    return this.union(MysqlGtidSet.of([gtid]));
  }

  union(other: MysqlGtidSet): MysqlGtidSet {
    if (other.isEmpty) return this;
    if (this.isEmpty) return other;
    const byTsid = new Map(this.#byTsid);
    for (const [key, list] of other.#byTsid) {
      const mine = byTsid.get(key);
      byTsid.set(key, mine === undefined ? list : unionIntervals(mine, list));
    }
    return MysqlGtidSet.#build(byTsid);
  }

  /** The transactions of this set that are not in `other`. */
  subtract(other: MysqlGtidSet): MysqlGtidSet {
    if (other.isEmpty || this.isEmpty) return this;
    const byTsid = new Map<string, Intervals>();
    for (const [key, list] of this.#byTsid) {
      const theirs = other.#byTsid.get(key);
      byTsid.set(key, theirs === undefined ? list : subtractIntervals(list, theirs));
    }
    return MysqlGtidSet.#build(byTsid);
  }

  intersect(other: MysqlGtidSet): MysqlGtidSet {
    return this.subtract(this.subtract(other));
  }

  /** Whether every transaction of this set is in `other`. */
  isSubsetOf(other: MysqlGtidSet): boolean {
    for (const [key, list] of this.#byTsid) {
      const theirs = other.#byTsid.get(key);
      if (theirs === undefined || subtractIntervals(list, theirs).length > 0) return false;
    }
    return true;
  }

  equals(other: MysqlGtidSet): boolean {
    if (this.#byTsid.size !== other.#byTsid.size) return false;
    for (const [key, list] of this.#byTsid) {
      const theirs = other.#byTsid.get(key);
      if (theirs === undefined || theirs.length !== list.length) return false;
      for (let i = 0; i < list.length; i++) if (list[i] !== theirs[i]) return false;
    }
    return true;
  }

  /** The normal form: `uuid:1-5:7:tag:1-3,uuid2:1-3`; `''` for the empty set. */
  toString(): string {
    const byUuid = new Map<string, string>();
    for (const [key, list] of this.#byTsid) {
      const { uuid, tag } = splitKey(key);
      let text = byUuid.get(uuid) ?? uuid;
      if (tag !== undefined) text += `:${tag}`;
      for (let i = 0; i < list.length; i += 2) {
        const start = list[i] as bigint;
        const end = list[i + 1] as bigint;
        text += start === end ? `:${start}` : `:${start}-${end}`;
      }
      byUuid.set(uuid, text);
    }
    return [...byUuid.values()].join(',');
  }
}

function checkedKey(g: MysqlGtid): string {
  const fail = (message: string, hints: string[] = []): PitrError =>
    new PitrError('USAGE', `invalid MySQL GTID ${formatMysqlGtid(g)}: ${message}`, { hints: [...hints, GTID_HINT] });
  const uuid = parseUuid(g.uuid, fail);
  const tag = g.tag === undefined || g.tag === '' ? undefined : parseTag(g.tag, fail);
  if (g.gno < 1n || g.gno > MYSQL_MAX_GNO) throw fail('transaction number out of range', [GNO_HINT]);
  return tsidKey(uuid, tag);
}

/** Sorts and merges a flat list of (possibly overlapping) inclusive intervals. */
function normalise(flat: readonly bigint[]): Intervals {
  const pairs: [bigint, bigint][] = [];
  for (let i = 0; i < flat.length; i += 2) pairs.push([flat[i] as bigint, flat[i + 1] as bigint]);
  pairs.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  const out: bigint[] = [];
  for (const [start, end] of pairs) {
    const last = out.length - 1;
    if (last > 0 && start <= (out[last] as bigint) + 1n) {
      if (end > (out[last] as bigint)) out[last] = end;
    } else {
      out.push(start, end);
    }
  }
  return out;
}

function unionIntervals(a: Intervals, b: Intervals): Intervals {
  // Both inputs are sorted: merge them, then coalesce.
  const merged: bigint[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    const takeA = j >= b.length || (i < a.length && (a[i] as bigint) <= (b[j] as bigint));
    const src = takeA ? a : b;
    const k = takeA ? i : j;
    const start = src[k] as bigint;
    const end = src[k + 1] as bigint;
    if (takeA) i += 2;
    else j += 2;
    const last = merged.length - 1;
    if (last > 0 && start <= (merged[last] as bigint) + 1n) {
      if (end > (merged[last] as bigint)) merged[last] = end;
    } else {
      merged.push(start, end);
    }
  }
  return merged;
}

function subtractIntervals(a: Intervals, b: Intervals): Intervals {
  const out: bigint[] = [];
  let j = 0;
  for (let i = 0; i < a.length; i += 2) {
    let start = a[i] as bigint;
    const end = a[i + 1] as bigint;
    // Skip b intervals wholly before this one; they cannot touch later a intervals either.
    while (j < b.length && (b[j + 1] as bigint) < start) j += 2;
    let k = j;
    while (k < b.length && (b[k] as bigint) <= end && start <= end) {
      const bs = b[k] as bigint;
      const be = b[k + 1] as bigint;
      if (bs > start) out.push(start, bs - 1n);
      start = be + 1n;
      k += 2;
    }
    if (start <= end) out.push(start, end);
  }
  return out;
}
