/**
 * Compares our decoder's row events of one binlog file with mariadb-binlog -vv's reading of the
 * same file: event positions (start, end) and kinds of every row event, row counts, which columns
 * each image carries (MINIMAL/NOBLOB images must omit the same columns on both sides) and every
 * value, through the canonical forms of ./canonical-value.ts.
 */
import { basename } from 'node:path';
import { canonFromOurs, canonFromVerbose, describeCanon, sameCanon, type Canon, type OursContext } from './canonical-value.js';
import { readMariadbBinlogVerbose, type VerboseRow, type VerboseValue } from './mariadb-binlog-verbose.js';
import { readOurEventPositions, readOurRowEvents, type OurRowEvent } from './our-row-events.js';

export type MismatchWhat = 'framing' | 'position' | 'event' | 'row-count' | 'row' | 'presence' | 'value';

export interface Mismatch {
  readonly what: MismatchWhat;
  readonly file: string;
  /** Position of the row event (ours when known, else mariadb-binlog's). */
  readonly pos: number;
  readonly table?: string;
  /** Column name (ours) and 1-based number. */
  readonly column?: string;
  readonly image?: 'before' | 'after';
  readonly rowIndex?: number;
  readonly ours: string;
  readonly theirs: string;
}

export interface CompareStats {
  files: number;
  /** All events (any type) whose start/end were cross-checked. */
  events: number;
  rowEvents: number;
  rows: number;
  values: number;
  absentColumns: number;
  /** Row events that were MariaDB compressed (Write_compressed_rows...). */
  compressedEvents: number;
  /** Values compared per canonical type, e.g. { int: 1234, quoted: 99 }. */
  byType: Record<string, number>;
}

export interface CompareResult {
  readonly mismatches: Mismatch[];
  readonly stats: CompareStats;
}

export function emptyStats(): CompareStats {
  return { files: 0, events: 0, rowEvents: 0, rows: 0, values: 0, absentColumns: 0, compressedEvents: 0, byType: {} };
}

function colLabel(ev: OurRowEvent<Canon> | undefined, idx: number): string {
  const name = ev?.columns[idx]?.name;
  return name !== undefined ? `${name} (@${idx + 1})` : `@${idx + 1}`;
}

function compareImage(
  file: string,
  ev: OurRowEvent<Canon>,
  rowIndex: number,
  image: 'before' | 'after',
  ours: (Canon | undefined)[] | undefined,
  theirs: ReadonlyMap<number, VerboseValue> | undefined,
  out: Mismatch[],
  stats: CompareStats,
): void {
  const table = `${ev.db}.${ev.table}`;
  if (!ours || !theirs) {
    if (ours || theirs) {
      out.push({ what: 'row', file, pos: ev.pos, table, image, rowIndex, ours: ours ? 'image present' : 'no image', theirs: theirs ? 'image present' : 'no image' });
    }
    return;
  }
  const n = Math.max(ours.length, ...[...theirs.keys()].map((k) => k));
  for (let i = 0; i < n; i++) {
    const o = ours[i];
    const t = theirs.get(i + 1);
    if (o === undefined && t === undefined) {
      stats.absentColumns++;
      continue;
    }
    if (o === undefined || t === undefined) {
      out.push({
        what: 'presence', file, pos: ev.pos, table, column: colLabel(ev, i), image, rowIndex,
        ours: o === undefined ? 'absent from image' : describeCanon(o),
        theirs: t === undefined ? 'absent from image' : `${t.text} /* ${t.typeName} */`,
      });
      continue;
    }
    const tc = canonFromVerbose(t);
    stats.values++;
    stats.byType[tc.t] = (stats.byType[tc.t] ?? 0) + 1;
    if (!sameCanon(o, tc)) {
      out.push({
        what: 'value', file, pos: ev.pos, table, column: colLabel(ev, i), image, rowIndex,
        ours: describeCanon(o),
        theirs: `${describeCanon(tc)} printed ${JSON.stringify(t.text.length > 120 ? `${t.text.slice(0, 100)}…` : t.text)} /* ${t.typeName} meta=${t.meta} */`,
      });
    }
  }
}

/** Compares one file; appends to `out` and `stats`. */
export async function compareFileWithMariadbBinlog(path: string, ctx: OursContext, out: Mismatch[], stats: CompareStats): Promise<void> {
  const file = basename(path);
  const [ours, theirs, ourEvents] = await Promise.all([
    readOurRowEvents(path, (v, col) => canonFromOurs(v, col, ctx)),
    readMariadbBinlogVerbose(path),
    readOurEventPositions(path),
  ]);
  stats.files++;
  stats.events += ourEvents.length;

  // 0. Framing: every event (any type) starts and ends at the same offsets.
  const theirSpans = theirs.events.map((e) => `${e.pos}..${e.end}`);
  const ourSpans = ourEvents.map((e) => `${e.pos}..${e.end}`);
  const theirSet = new Set(theirSpans);
  const ourSet = new Set(ourSpans);
  for (const e of ourEvents) {
    if (!theirSet.has(`${e.pos}..${e.end}`)) out.push({ what: 'framing', file, pos: e.pos, ours: `${e.typeName} ${e.pos}..${e.end}`, theirs: 'no such event' });
  }
  for (const e of theirs.events) {
    if (!ourSet.has(`${e.pos}..${e.end}`)) out.push({ what: 'framing', file, pos: e.pos, ours: 'no such event', theirs: `${e.name} ${e.pos}..${e.end}` });
  }
  stats.rowEvents += ours.length;
  stats.compressedEvents += ours.filter((e) => e.compressed).length;

  // 1. Row event positions and kinds, in file order.
  const theirEvents = theirs.groups.flatMap((g) => g.events);
  const oursByPos = new Map(ours.map((e) => [e.pos, e]));
  const theirsByPos = new Map(theirEvents.map((e) => [e.pos, e]));
  for (const e of ours) {
    const t = theirsByPos.get(e.pos);
    if (!t) {
      out.push({ what: 'position', file, pos: e.pos, table: `${e.db}.${e.table}`, ours: `${e.eventName} ${e.pos}..${e.end}`, theirs: 'no row event starts here' });
    } else if (t.end !== e.end || t.kind !== e.kind || t.compressed !== e.compressed) {
      out.push({
        what: 'event', file, pos: e.pos, table: `${e.db}.${e.table}`,
        ours: `${e.eventName} ${e.kind}${e.compressed ? ' compressed' : ''} ${e.pos}..${e.end}`,
        theirs: `${t.eventName} ${t.kind}${t.compressed ? ' compressed' : ''} ${t.pos}..${t.end}`,
      });
    }
  }
  for (const t of theirEvents) {
    if (!oursByPos.has(t.pos)) {
      out.push({ what: 'position', file, pos: t.pos, ours: 'no row event starts here', theirs: `${t.eventName} ${t.pos}..${t.end}` });
    }
  }

  // 2. Rows, per statement group (mariadb-binlog prints the rows of a multi-event statement together).
  for (const g of theirs.groups) {
    const evs = g.events.map((e) => oursByPos.get(e.pos));
    if (evs.some((e) => e === undefined)) continue; // already reported as a position mismatch
    const ourRows: { ev: OurRowEvent<Canon>; row: OurRowEvent<Canon>['rows'][number] }[] = [];
    for (const ev of evs as OurRowEvent<Canon>[]) for (const row of ev.rows) ourRows.push({ ev, row });
    const firstPos = g.events[0]!.pos;
    if (ourRows.length !== g.rows.length) {
      out.push({ what: 'row-count', file, pos: firstPos, ours: `${ourRows.length} rows in events at ${g.events.map((e) => e.pos).join(',')}`, theirs: `${g.rows.length} rows` });
      continue;
    }
    for (let r = 0; r < g.rows.length; r++) {
      const { ev, row } = ourRows[r]!;
      const trow: VerboseRow = g.rows[r]!;
      stats.rows++;
      if (trow.kind !== ev.kind || trow.db !== ev.db || trow.table !== ev.table) {
        out.push({ what: 'row', file, pos: ev.pos, rowIndex: r, ours: `${ev.kind} ${ev.db}.${ev.table}`, theirs: `${trow.kind} ${trow.db}.${trow.table}` });
        continue;
      }
      compareImage(file, ev, r, 'before', row.before, trow.before, out, stats);
      compareImage(file, ev, r, 'after', row.after, trow.after, out, stats);
    }
  }
}

/** Compares every file; returns all mismatches and counts. */
export async function compareFilesWithMariadbBinlog(paths: readonly string[], ctx: OursContext): Promise<CompareResult> {
  const mismatches: Mismatch[] = [];
  const stats = emptyStats();
  for (const p of paths) await compareFileWithMariadbBinlog(p, ctx, mismatches, stats);
  return { mismatches, stats };
}

/** A readable report: first `limit` mismatches plus a count per (what, table, column). */
export function formatMismatches(mismatches: readonly Mismatch[], limit = 40): string {
  if (mismatches.length === 0) return 'no mismatches';
  const counts = new Map<string, number>();
  for (const m of mismatches) {
    const k = `${m.what} ${m.table ?? ''} ${m.column ?? ''}`.trim();
    counts.set(k, (counts.get(k) ?? 0) + 1);
  }
  const lines = [`${mismatches.length} mismatches; by kind/table/column:`];
  for (const [k, n] of [...counts].sort((a, b) => b[1] - a[1])) lines.push(`  ${n}× ${k}`);
  lines.push(`first ${Math.min(limit, mismatches.length)}:`);
  for (const m of mismatches.slice(0, limit)) {
    lines.push(
      `  [${m.what}] ${m.file}@${m.pos}${m.table ? ` ${m.table}` : ''}${m.rowIndex !== undefined ? ` row ${m.rowIndex}` : ''}` +
        `${m.image ? ` ${m.image}` : ''}${m.column ? ` ${m.column}` : ''}\n      ours:   ${m.ours}\n      theirs: ${m.theirs}`,
    );
  }
  return lines.join('\n');
}
