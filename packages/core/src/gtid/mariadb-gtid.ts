/**
 * MariaDB global transaction ids and GTID positions.
 *
 * A GTID is `domain-server-seq` (https://mariadb.com/kb/en/gtid/): domain_id and server_id are
 * 32-bit unsigned, seq_no 64-bit unsigned. Within one replication domain the sequence number alone
 * orders transactions; the server id only says which server first wrote the transaction and is not
 * part of the order (after a failover the same domain continues with another server id).
 * Different domains are independent streams: there is no order between them.
 *
 * A GTID position (`gtid_slave_pos`, `gtid_binlog_pos`, what `mariadb-dump --gtid` records) holds
 * at most one GTID per domain: the last transaction applied in that domain. A transaction is "at or
 * before" a position when the position names its domain with a sequence number at least as large.
 */
import { PitrError } from '../errors/pitr-error.js';

export interface MariadbGtid {
  readonly domainId: number;
  readonly serverId: number;
  readonly seqNo: bigint;
}

const U32_MAX = 0xffff_ffff;
const U64_MAX = 0xffff_ffff_ffff_ffffn;

const GTID_HINT = 'a MariaDB GTID is domain-server-sequence, three numbers joined by "-", e.g. 0-1-1234';
const RANGE_HINT = 'domain and server ids run from 0 to 4294967295, sequence numbers from 0 to 18446744073709551615';
const POSITION_HINT =
  'a MariaDB GTID position is a comma-separated list with one GTID per domain, as in gtid_slave_pos or gtid_binlog_pos, e.g. 0-1-100,1-2-7';

// Bounded digit runs so a hostile string cannot make BigInt parse megabytes.
const GTID_RE = /^(\d{1,10})-(\d{1,10})-(\d{1,20})$/;

/** Parses one GTID `domain-server-seq` (surrounding whitespace ignored). Throws PitrError USAGE. */
export function parseMariadbGtid(text: string): MariadbGtid {
  const trimmed = text.trim();
  const m = GTID_RE.exec(trimmed);
  if (m === null) {
    const hints = [GTID_HINT];
    if (/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}:/i.test(trimmed)) {
      hints.push('this looks like a MySQL GTID (uuid:number); MariaDB servers do not use them');
    } else if (trimmed.includes(',')) {
      hints.push('only one GTID is expected here, not a GTID position (a list)');
    }
    throw new PitrError('USAGE', `cannot read "${text}" as a MariaDB GTID`, { hints });
  }
  const domainId = Number(m[1]);
  const serverId = Number(m[2]);
  const seqNo = BigInt(m[3] as string);
  if (domainId > U32_MAX) throw outOfRange('domain id', m[1] as string, text);
  if (serverId > U32_MAX) throw outOfRange('server id', m[2] as string, text);
  if (seqNo > U64_MAX) throw outOfRange('sequence number', m[3] as string, text);
  return { domainId, serverId, seqNo };
}

function outOfRange(what: string, value: string, text: string): PitrError {
  return new PitrError('USAGE', `${what} ${value} in MariaDB GTID "${text.trim()}" is out of range`, { hints: [RANGE_HINT] });
}

/** `domain-server-seq`, the form the server prints. */
export function formatMariadbGtid(gtid: MariadbGtid): string {
  return `${gtid.domainId}-${gtid.serverId}-${gtid.seqNo}`;
}

/**
 * Order of two GTIDs in their domain: negative, 0 or positive as `a`'s sequence number is lower,
 * equal or higher than `b`'s. The server id is ignored (it is not part of the order), so 0 does
 * not mean "the same transaction" (see mariadbGtidEquals). `undefined` when the domains differ:
 * transactions of different domains have no order.
 */
export function compareMariadbGtid(a: MariadbGtid, b: MariadbGtid): -1 | 0 | 1 | undefined {
  if (a.domainId !== b.domainId) return undefined;
  return a.seqNo < b.seqNo ? -1 : a.seqNo > b.seqNo ? 1 : 0;
}

/** The same transaction: all three parts equal. */
export function mariadbGtidEquals(a: MariadbGtid, b: MariadbGtid): boolean {
  return a.domainId === b.domainId && a.serverId === b.serverId && a.seqNo === b.seqNo;
}

/**
 * A GTID position: at most one GTID per domain, immutable. Iteration and `toString` are in domain
 * order, so equal positions print identically.
 */
export class MariadbGtidPosition {
  static readonly EMPTY = new MariadbGtidPosition(new Map());

  /** Domain id → GTID, sorted by domain id. */
  readonly #byDomain: ReadonlyMap<number, MariadbGtid>;

  private constructor(byDomain: Map<number, MariadbGtid>) {
    this.#byDomain = new Map([...byDomain].sort((x, y) => x[0] - y[0]));
  }

  /**
   * Parses `0-1-100,1-2-7` (whitespace around the GTIDs ignored; empty text is the empty position,
   * as an empty gtid_slave_pos). Two GTIDs of one domain are refused: that is a binlog *state*
   * (gtid_binlog_state, one GTID per domain and server), not a position.
   */
  static parse(text: string): MariadbGtidPosition {
    if (text.trim() === '') return MariadbGtidPosition.EMPTY;
    const byDomain = new Map<number, MariadbGtid>();
    for (const part of text.split(',')) {
      if (part.trim() === '') {
        throw new PitrError('USAGE', `empty entry in MariaDB GTID position "${text}"`, { hints: [POSITION_HINT] });
      }
      let gtid: MariadbGtid;
      try {
        gtid = parseMariadbGtid(part);
      } catch (e) {
        if (!(e instanceof PitrError)) throw e;
        throw new PitrError('USAGE', `cannot read "${part.trim()}" in MariaDB GTID position "${text}"`, { hints: [...e.hints, POSITION_HINT], cause: e });
      }
      const prior = byDomain.get(gtid.domainId);
      if (prior !== undefined) {
        throw new PitrError('USAGE', `MariaDB GTID position "${text}" names domain ${gtid.domainId} twice (${formatMariadbGtid(prior)} and ${formatMariadbGtid(gtid)})`, {
          hints: [POSITION_HINT, 'gtid_binlog_state lists one GTID per domain and server; use gtid_binlog_pos (or gtid_slave_pos) instead'],
        });
      }
      byDomain.set(gtid.domainId, gtid);
    }
    return new MariadbGtidPosition(byDomain);
  }

  /** From GTIDs with distinct domains; a repeated domain is refused as in `parse`. */
  static of(gtids: Iterable<MariadbGtid>): MariadbGtidPosition {
    const byDomain = new Map<number, MariadbGtid>();
    for (const g of gtids) {
      const prior = byDomain.get(g.domainId);
      if (prior !== undefined) {
        throw new PitrError('USAGE', `GTID position names domain ${g.domainId} twice (${formatMariadbGtid(prior)} and ${formatMariadbGtid(g)})`, { hints: [POSITION_HINT] });
      }
      byDomain.set(g.domainId, copy(g));
    }
    return new MariadbGtidPosition(byDomain);
  }

  /**
   * The position a binlog state stands for, e.g. a GTID_LIST_EVENT's list: several GTIDs per
   * domain (one per server id) are allowed and the LAST one of each domain wins. The server writes
   * each domain's most recent GTID after the domain's other entries (rpl_binlog_state::get_gtid_list),
   * which is what gtid_binlog_pos shows. This is not "highest sequence number": outside
   * gtid_strict_mode a domain's latest transaction may have a lower one.
   */
  static fromBinlogState(gtids: Iterable<MariadbGtid>): MariadbGtidPosition {
    const byDomain = new Map<number, MariadbGtid>();
    for (const g of gtids) byDomain.set(g.domainId, copy(g));
    return new MariadbGtidPosition(byDomain);
  }

  /** GTIDs in domain order. */
  get gtids(): readonly MariadbGtid[] {
    return [...this.#byDomain.values()];
  }

  get size(): number {
    return this.#byDomain.size;
  }

  get isEmpty(): boolean {
    return this.#byDomain.size === 0;
  }

  /** The position's GTID for a domain. */
  get(domainId: number): MariadbGtid | undefined {
    return this.#byDomain.get(domainId);
  }

  /**
   * Whether transaction `gtid` is at or before this position: the position names its domain with a
   * sequence number ≥ gtid's (server ids ignored). A domain the position does not name has had
   * nothing applied, so its transactions are not included.
   */
  includes(gtid: MariadbGtid): boolean {
    const mine = this.#byDomain.get(gtid.domainId);
    return mine !== undefined && gtid.seqNo <= mine.seqNo;
  }

  /**
   * Whether every transaction up to `other` is also up to this position: each domain of `other`
   * is here with a sequence number at least as large. (`a.covers(b)` ⇔ b is at or before a.)
   */
  covers(other: MariadbGtidPosition): boolean {
    for (const g of other.#byDomain.values()) if (!this.includes(g)) return false;
    return true;
  }

  /**
   * The position after applying `gtid`: its domain's entry becomes `gtid`, as the server updates
   * gtid_slave_pos. Replacement, not maximum: outside gtid_strict_mode a domain may continue with a
   * lower sequence number and the position follows the last applied transaction.
   */
  advance(gtid: MariadbGtid): MariadbGtidPosition {
    const mine = this.#byDomain.get(gtid.domainId);
    if (mine !== undefined && mariadbGtidEquals(mine, gtid)) return this;
    const next = new Map(this.#byDomain);
    next.set(gtid.domainId, copy(gtid));
    return new MariadbGtidPosition(next);
  }

  /** Same domains with the same GTIDs (server ids included). */
  equals(other: MariadbGtidPosition): boolean {
    if (this.#byDomain.size !== other.#byDomain.size) return false;
    for (const [domain, g] of this.#byDomain) {
      const o = other.#byDomain.get(domain);
      if (o === undefined || !mariadbGtidEquals(g, o)) return false;
    }
    return true;
  }

  /** `0-1-100,1-2-7` in domain order; `''` for the empty position. */
  toString(): string {
    return [...this.#byDomain.values()].map(formatMariadbGtid).join(',');
  }
}

/** Keeps only the three GTID fields (callers may pass whole event bodies). */
function copy(g: MariadbGtid): MariadbGtid {
  return { domainId: g.domainId, serverId: g.serverId, seqNo: g.seqNo };
}
