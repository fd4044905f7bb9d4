/**
 * Does the server's binlog history continue the archived timeline, and where does it go on?
 *
 * The archive ends with `last`: the file being received (open) or the last closed file. Against
 * the server's file list (SHOW BINARY LOGS) and the first events of its files (FDE: created when,
 * by which server id; GTID_LIST / PREVIOUS_GTIDS: the GTID state before the file):
 *
 * - the server has `last` under the same name and it is the same file (same creation time, server
 *   id and GTID state before it; at least as long; a closed one exactly as long) → continue;
 * - the server has `last` under that name but it is another file (RESET MASTER followed by as many
 *   FLUSHes, a rebuilt server reusing file names) → a new timeline;
 * - the server no longer has `last`, and all its files come after it → it purged files before
 *   they were archived: a gap from the end of `last` to its oldest file, unless the GTIDs of
 *   that file go back behind the archive's last GTID (then it is another history: a new timeline);
 * - the server's files do not come after it (RESET MASTER: numbering starts over) → a new timeline.
 *
 * Pure apart from `firstEvents` (which asks the server), so it is tested without a server.
 */
import { compareBinlogNames } from '@pitr/core';
import type { BinlogFileStats } from './binlog-file-scanner.js';
import type { BinaryLogFile } from './replication-source.js';

/** What the archive knows of its last file. */
export interface ArchiveEnd {
  readonly name: string;
  /** Offset up to which it is archived. */
  readonly endPos: number;
  readonly state: 'open' | 'closed';
  /** FDE time, epoch seconds. */
  readonly createdTime: number | undefined;
  readonly serverId: number | undefined;
  readonly gtidStateAtStart: string | undefined;
  readonly lastGtid: string | undefined;
  /** ISO UTC. */
  readonly lastCommitTime: string | undefined;
}

export type HistoryDecision =
  | { readonly kind: 'start'; readonly file: string; readonly pos: number }
  /** Nothing new on the server. */
  | { readonly kind: 'idle' }
  | {
      readonly kind: 'gap';
      /** Start receiving here after recording the gap. */
      readonly file: string;
      readonly pos: number;
      readonly missingFiles: readonly string[];
      /** The server's GTID state before `file`, and its creation time (ISO). */
      readonly gtidStateAfter: string | undefined;
      readonly timeAfter: string | undefined;
      readonly message: string;
    }
  | { readonly kind: 'new-timeline'; readonly reason: string };

/** See the file comment. */
export async function decideServerHistory(
  last: ArchiveEnd | undefined,
  serverFiles: readonly BinaryLogFile[],
  firstEvents: (file: string) => Promise<BinlogFileStats>,
): Promise<HistoryDecision> {
  const first = serverFiles[0];
  if (first === undefined) return { kind: 'idle' };
  if (last === undefined) return { kind: 'start', file: first.name, pos: 4 };
  const onServer = serverFiles.find((f) => f.name === last.name);
  if (onServer !== undefined) {
    const theirs = await firstEvents(last.name);
    const differs = differences(last, theirs);
    if (differs !== undefined) {
      return { kind: 'new-timeline', reason: `the server's ${last.name} is not the archived ${last.name} (${differs})` };
    }
    if (last.state === 'open') {
      if (onServer.sizeBytes < last.endPos) {
        return { kind: 'new-timeline', reason: `the server's ${last.name} has ${onServer.sizeBytes} bytes, but the archive already holds ${last.endPos} of it` };
      }
      return { kind: 'start', file: last.name, pos: last.endPos };
    }
    if (onServer.sizeBytes !== last.endPos) {
      return { kind: 'new-timeline', reason: `the server's ${last.name} has ${onServer.sizeBytes} bytes, the archived (closed) one ${last.endPos}` };
    }
    const next = serverFiles.find((f) => compareBinlogNames(f.name, last.name) > 0);
    if (next === undefined) return { kind: 'idle' };
    if (isSuccessor(last.name, next.name)) return { kind: 'start', file: next.name, pos: 4 };
    return gapTo(last, next.name, serverFiles, await firstEvents(next.name));
  }
  if (serverFiles.every((f) => compareBinlogNames(f.name, last.name) > 0 && sameBase(f.name, last.name))) {
    const theirs = await firstEvents(first.name);
    const back = gtidWentBack(last.lastGtid, theirs.gtidStateAtStart);
    if (back !== undefined) {
      return { kind: 'new-timeline', reason: `the server's oldest file ${first.name} comes after the archived ${last.name}, but its GTID state ${back}` };
    }
    // the archive has all of `last` and the server purged it after: no gap
    if (last.state === 'closed' && isSuccessor(last.name, first.name)) return { kind: 'start', file: first.name, pos: 4 };
    return gapTo(last, first.name, serverFiles, theirs);
  }
  const names = `${first.name} … ${serverFiles[serverFiles.length - 1]!.name}`;
  return {
    kind: 'new-timeline',
    reason: `the server's binlogs (${names}) do not continue the archive, which ends with ${last.name}:${last.endPos} (RESET MASTER, or another server with the same identity)`,
  };
}

function gapTo(last: ArchiveEnd, next: string, serverFiles: readonly BinaryLogFile[], theirs: BinlogFileStats): HistoryDecision {
  const missing = namesBetween(last.name, next);
  const partial = last.state === 'open' ? `the rest of ${last.name} (after offset ${last.endPos})` : undefined;
  const what = [partial, missing.length === 0 ? undefined : missing.length === 1 ? missing[0] : `${missing[0]} … ${missing[missing.length - 1]} (${missing.length} files)`]
    .filter((x) => x !== undefined)
    .join(' and ');
  void serverFiles;
  return {
    kind: 'gap',
    file: next,
    pos: 4,
    missingFiles: missing,
    gtidStateAfter: theirs.gtidStateAtStart,
    timeAfter: theirs.createdTime === undefined ? undefined : new Date(theirs.createdTime * 1000).toISOString().replace('.000Z', 'Z'),
    message:
      `GAP IN THE ARCHIVE: the server purged ${what} before it was archived; the archive goes on with ${next}. ` +
      `Transactions after ${last.name}:${last.endPos}${last.lastGtid === undefined ? '' : ` (GTID ${last.lastGtid})`} and before ${next} cannot be restored; ` +
      'take a new backup now, and keep binlogs on the server longer than the archiver may be down (expire_logs_days / binlog_expire_logs_seconds)',
  };
}

/** Why the server's first events show another file than the archived one, or undefined when they match. */
function differences(last: ArchiveEnd, theirs: BinlogFileStats): string | undefined {
  const out: string[] = [];
  if (last.createdTime !== undefined && theirs.createdTime !== undefined && last.createdTime !== theirs.createdTime) {
    out.push(`created at ${iso(theirs.createdTime)}, the archived one at ${iso(last.createdTime)}`);
  }
  if (last.serverId !== undefined && theirs.serverId !== undefined && last.serverId !== theirs.serverId) {
    out.push(`written by server id ${theirs.serverId}, the archived one by ${last.serverId}`);
  }
  if (last.gtidStateAtStart !== undefined && theirs.gtidStateAtStart !== undefined && !sameGtidState(last.gtidStateAtStart, theirs.gtidStateAtStart)) {
    out.push(`GTID state before it ${theirs.gtidStateAtStart || '(empty)'}, the archived one's ${last.gtidStateAtStart || '(empty)'}`);
  }
  return out.length === 0 ? undefined : out.join('; ');
}

/**
 * A GTID state that does not reach the archive's last GTID: MariaDB `D-S-N` needs an entry of
 * domain D with a sequence number ≥ N; MySQL `UUID:N` needs its UUID in the set. Undefined when
 * it does (or when there is nothing to compare).
 */
export function gtidWentBack(lastGtid: string | undefined, stateAfter: string | undefined): string | undefined {
  if (lastGtid === undefined || stateAfter === undefined) return undefined;
  const maria = /^(\d+)-(\d+)-(\d+)$/.exec(lastGtid);
  if (maria !== null) {
    const domain = maria[1]!;
    const seq = BigInt(maria[3]!);
    let best: bigint | undefined;
    for (const g of stateAfter.split(',')) {
      const m = /^(\d+)-(\d+)-(\d+)$/.exec(g.trim());
      if (m !== null && m[1] === domain && (best === undefined || BigInt(m[3]!) > best)) best = BigInt(m[3]!);
    }
    if (best === undefined || best < seq) return `(${stateAfter || 'empty'}) is behind the archive's last GTID ${lastGtid}`;
    return undefined;
  }
  const mysql = /^([0-9a-f-]{36}):/i.exec(lastGtid);
  if (mysql !== null && !stateAfter.toLowerCase().includes(mysql[1]!.toLowerCase())) {
    return `(${stateAfter || 'empty'}) does not contain the archive's last GTID ${lastGtid}`;
  }
  return undefined;
}

function sameGtidState(a: string, b: string): boolean {
  const norm = (s: string): string =>
    s
      .split(',')
      .map((x) => x.trim().toLowerCase())
      .filter((x) => x !== '')
      .sort()
      .join(',');
  return norm(a) === norm(b);
}

function iso(sec: number): string {
  return new Date(sec * 1000).toISOString();
}

function sameBase(a: string, b: string): boolean {
  return a.replace(/\.\d+$/, '') === b.replace(/\.\d+$/, '');
}

/** `mariadb-bin.000008` directly follows `mariadb-bin.000007`. */
export function isSuccessor(prev: string, next: string): boolean {
  const a = /^(.*)\.(\d+)$/.exec(prev);
  const b = /^(.*)\.(\d+)$/.exec(next);
  return a !== null && b !== null && a[1] === b[1] && Number(b[2]) === Number(a[2]) + 1;
}

/** The names strictly between two files of the same base (`x.000003`, `x.000006` → 4, 5). */
export function namesBetween(a: string, b: string): string[] {
  const ma = /^(.*)\.(\d+)$/.exec(a);
  const mb = /^(.*)\.(\d+)$/.exec(b);
  if (ma === null || mb === null || ma[1] !== mb[1]) return [];
  const width = ma[2]!.length;
  const out: string[] = [];
  for (let k = Number(ma[2]) + 1; k < Number(mb[2]); k++) out.push(`${ma[1]}.${String(k).padStart(width, '0')}`);
  return out;
}
