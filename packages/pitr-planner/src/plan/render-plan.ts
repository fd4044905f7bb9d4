/**
 * The Plan as text for the person who approves a restore: what is restored from which backup,
 * which binlogs, which transactions are the last kept and the first lost (with their statements),
 * every DDL in the range, per-table counts, warnings. Times are UTC, as in the plan's JSON.
 */
import type { Plan, PlanTransaction } from './plan.js';

const MAX_DDL_SHOWN = 20;

export function renderPlan(plan: Plan): string {
  const out: string[] = [];
  const r = plan.replay;
  const b = plan.backup;
  out.push('Restore plan (nothing has been written)');
  out.push(`  target     ${plan.target.description}`);
  out.push(`  backup     ${b.id === null ? 'dump' : `repository backup ${b.id},`} ${b.path} (${mb(b.size)}${b.serverVersion === null ? '' : `, server ${b.serverVersion}`})`);
  out.push(`             databases: ${b.databases.length === 0 ? '(none named)' : b.databases.join(', ')}`);
  if (plan.rewriteDb !== undefined) out.push(`             restored only: ${plan.rewriteDb.map((x) => `${x.from} → ${x.to}`).join(', ')} (--rewrite-db)`);
  out.push(`             position ${b.binlogFile}:${b.binlogPos}${b.gtid === null ? '' : `, GTID ${b.gtid}`}`);
  if (b.lastIncludedCommitTime !== null) out.push(`             contains transactions committed up to ${b.lastIncludedCommitTime}`);
  const bytes = plan.binlogs.reduce((n, f) => n + f.size, 0);
  const first = plan.binlogs[0];
  const last = plan.binlogs[plan.binlogs.length - 1];
  out.push(`  binlogs    ${first === undefined ? '(none)' : first === last ? first.name : `${first.name} … ${last!.name}`} (${plan.binlogs.length} file${plan.binlogs.length === 1 ? '' : 's'}, ${mb(bytes)})`);
  out.push(`  replay     from ${r.start.file}:${r.start.pos} ${r.stop === null ? 'to the end of the binlogs' : `to ${r.stop.file}:${r.stop.pos} (the first transaction not applied starts there)`}`);
  out.push(`             ${n(r.transactions)} transaction${r.transactions === 1 ? '' : 's'}${r.rolledBack > 0 ? ` (${r.rolledBack} logged as rolled back)` : ''}, ${n(r.events)} events, ${n(r.rows)} row changes`);
  if (r.tables.length > 0) {
    const w = Math.max(12, ...r.tables.map((t) => t.db.length + t.table.length + 1));
    out.push('');
    out.push(`  ${'table'.padEnd(w)}  ${'insert'.padStart(9)}  ${'update'.padStart(9)}  ${'delete'.padStart(9)}`);
    for (const t of r.tables) out.push(`  ${`${t.db}.${t.table}`.padEnd(w)}  ${n(t.insert).padStart(9)}  ${n(t.update).padStart(9)}  ${n(t.delete).padStart(9)}`);
  }
  out.push('');
  if (r.ddl.length === 0) out.push('  DDL in the range: none');
  else {
    out.push(`  DDL in the range (${r.ddl.length}, applied in order):`);
    for (const d of r.ddl.slice(0, MAX_DDL_SHOWN)) out.push(`    ${d.commitTime}  ${d.gtid ?? '-'}  ${d.file}:${d.pos}  [${d.db || '-'}] ${oneLine(d.statement)}`);
    if (r.ddl.length > MAX_DDL_SHOWN) out.push(`    … ${r.ddl.length - MAX_DDL_SHOWN} more (pitr plan --json lists them all)`);
  }
  out.push('');
  out.push('  last transactions kept:');
  if (r.lastKept.length === 0) out.push('    (none: the restore is the backup as it is)');
  for (const t of r.lastKept) out.push(...transactionLines(t));
  if (r.skipped.length > 0) {
    out.push('  transactions left out (--skip-gtid):');
    for (const t of r.skipped) out.push(...transactionLines(t));
  }
  out.push('  first transactions lost:');
  if (r.firstLost.length === 0) out.push('    (none: everything in the binlogs is restored)');
  for (const t of r.firstLost) out.push(...transactionLines(t));
  if (r.lost.transactions > 0) out.push(`  lost in total: ${n(r.lost.transactions)} transaction${r.lost.transactions === 1 ? '' : 's'}, ${n(r.lost.rows)} row changes after the stop point`);
  out.push('');
  if (r.gtidAfter !== null) out.push(`  GTID position after the restore: ${r.gtidAfter}`);
  if (r.binlogsEndTime !== null) out.push(`  the binlogs end at ${r.binlogsEndTime}`);
  out.push(`  estimated restore time: ${duration(plan.estimate.seconds)} (${plan.estimate.basis})`);
  if (plan.warnings.length > 0) {
    out.push('');
    out.push('  warnings:');
    for (const w of plan.warnings) out.push(`    - ${w}`);
  }
  out.push('');
  out.push(`  plan digest ${plan.digest}`);
  return `${out.join('\n')}\n`;
}

function transactionLines(t: PlanTransaction): string[] {
  const head = `    ${t.commitTime}  ${t.gtid ?? '(no GTID)'}  ${t.file}:${t.startPos}  ${n(t.rows)} row${t.rows === 1 ? '' : 's'}${t.tables.length > 0 ? ` in ${t.tables.join(', ')}` : ''}${t.outcome === 'rollback' ? '  (rolled back)' : ''}`;
  return [head, ...t.statements.slice(0, 2).map((s) => `        ${oneLine(s)}`)];
}

function oneLine(s: string): string {
  const t = s.replace(/\s+/g, ' ').trim();
  return t.length > 160 ? `${t.slice(0, 160)}…` : t;
}

function n(x: number): string {
  return x.toLocaleString('en-US');
}

function mb(bytes: number): string {
  return bytes >= 1 << 20 ? `${(bytes / (1 << 20)).toFixed(1)} MB` : `${(bytes / 1024).toFixed(1)} KB`;
}

function duration(sec: number): string {
  if (sec < 60) return `~${sec} s`;
  if (sec < 3600) return `~${Math.round(sec / 60)} min`;
  return `~${(sec / 3600).toFixed(1)} h`;
}
