/**
 * `pitr restore-table DB.TABLE --at TARGET SOURCE [--where EXPR] (--to URL [--into DB.NEWTABLE]
 * [--replace] | --sql-out FILE)`: parses, calls @pitr/granular-restore's restoreTable, reports.
 */
import { PitrError, parseTarget } from '@pitr/core';
import { type RestoreTableOutput, type RestoreTableResult, WhereFilter, restoreTable as runRestoreTable } from '@pitr/granular-restore';
import type { CommandContext } from '../command-context.js';
import { EXIT, type ExitCode } from '../exit-codes.js';
import { OutputSink } from '../output-sink.js';
import { Progress } from '../progress.js';
import { granularSource, tableArg, warner } from './find.js';

export async function restoreTable(ctx: CommandContext): Promise<ExitCode> {
  const v = ctx.values;
  const [tableText, ...extra] = ctx.positionals;
  if (tableText === undefined) throw new PitrError('USAGE', 'no DB.TABLE given', { hints: ['e.g. pitr restore-table shop.orders --at "2026-05-25 14:29" --repo /backups/db1 --to mysql://root@localhost/'] });
  if (extra.length > 0) throw new PitrError('USAGE', `unexpected argument '${extra[0]}' after the table`, { hints: ['quote the filter and the time: --where "id = 7" --at "2026-05-25 14:29"'] });
  const table = tableArg(tableText, 'the table');
  if (typeof v.at !== 'string') throw new PitrError('USAGE', '--at is missing: the moment the table is restored to', { hints: ['e.g. --at "2026-05-25 14:29", --at gtid:0-1-4710, --at pos:mariadb-bin.000042:1234, --at latest'] });
  const tz = typeof v.tz === 'string' ? v.tz : undefined;
  let at;
  try {
    at = parseTarget(v.at, { tz });
  } catch (e) {
    if (e instanceof PitrError) throw new PitrError('USAGE', `--at: ${e.message}`, { hints: e.hints, cause: e });
    throw e;
  }
  // a bad filter fails before any file is read
  const where = typeof v.where === 'string' ? WhereFilter.parse(v.where) : undefined;
  const to = typeof v.to === 'string' ? v.to : undefined;
  const sqlOut = typeof v['sql-out'] === 'string' ? v['sql-out'] : undefined;
  const into = typeof v.into === 'string' ? tableArg(v.into, '--into') : undefined;
  const replace = v.replace === true;
  if ((to === undefined) === (sqlOut === undefined)) {
    throw new PitrError('USAGE', to === undefined ? 'say where the table goes: --to URL (a new table, or --replace) or --sql-out FILE' : '--to and --sql-out are two different outputs: give one', {
      hints: ['--sql-out FILE writes SQL to review; --to URL creates a new table; --to URL --replace writes into the live table'],
    });
  }
  if (replace && to === undefined) throw new PitrError('USAGE', '--replace writes into the live table on a server: it needs --to URL');
  if (replace && into !== undefined) throw new PitrError('USAGE', '--replace writes into the table itself; --into names a new table: give one of them');
  const output: RestoreTableOutput =
    sqlOut !== undefined ? { kind: 'sql', path: sqlOut, into } : replace ? { kind: 'replace', url: to!, env: ctx.env } : { kind: 'table', url: to!, into, env: ctx.env };
  const source = await granularSource(ctx, 'restore-table', at);
  const progress = new Progress(ctx.io.stdout, ctx.io.stderr);
  let result: RestoreTableResult;
  try {
    result = await runRestoreTable({
      source,
      table,
      at,
      where,
      timeZone: tz ?? '+00:00',
      output,
      onWarning: warner(ctx),
      onProgress: (phase, done, total) => progress.update(phase === 'binlogs' ? 'restore-table: reading binlogs' : 'restore-table: reading the backup', done, total, 0),
    });
  } finally {
    progress.clear();
  }
  const out = new OutputSink(ctx.io.stdout);
  try {
    await out.write(v.json === true ? `${JSON.stringify(resultJson(result))}\n` : renderResult(result, output, where));
  } finally {
    await out.close();
  }
  return EXIT.OK;
}

function name(t: { db: string; table: string } | undefined): string {
  return t === undefined ? '' : `${t.db}.${t.table}`;
}

function resultJson(r: RestoreTableResult): Record<string, unknown> {
  return {
    table: name(r.table),
    backupName: r.backupName === undefined ? null : name(r.backupName),
    copy: r.copy === undefined ? null : name(r.copy),
    rows: r.rows,
    fromBackup: r.fromBackup,
    fromBinlog: r.fromBinlog,
    backupRowsRead: r.backupRowsRead,
    binlogRowChanges: r.binlogRowChanges,
    lastApplied: r.lastApplied ?? null,
    ddl: r.ddl,
    droppedForeignKeys: r.droppedForeignKeys,
    replaced: r.replaced ?? null,
    binlogs: { start: r.scan.start, end: r.scan.end, transactionsRead: r.scan.transactionsRead },
  };
}

function renderResult(r: RestoreTableResult, output: RestoreTableOutput, where: WhereFilter | undefined): string {
  const lines: string[] = [];
  const state = r.lastApplied === undefined ? 'as in the backup (no transaction after it up to the target)' : `as of ${r.lastApplied.gtid === null ? `${r.lastApplied.file}:${r.lastApplied.pos}` : `gtid:${r.lastApplied.gtid}`} (committed ${r.lastApplied.commitTime})`;
  lines.push(`${name(r.table)} ${state}${where === undefined ? '' : `, rows where ${where.text}`}:`);
  if (r.backupName !== undefined && name(r.backupName) !== name(r.table)) lines.push(`  followed from ${name(r.backupName)} in the backup`);
  for (const d of r.ddl) lines.push(`  DDL followed: ${d}`);
  if (output.kind === 'replace') {
    const c = r.replaced!;
    lines.push(`  ${r.rows} row(s) at the target; in the live table: ${c.inserted} inserted, ${c.updated} updated, ${c.deleted} deleted, ${c.unchanged} already right (one transaction, committed)`);
  } else {
    lines.push(`  ${r.rows} row(s): ${r.fromBackup} as in the backup, ${r.fromBinlog} from the binlogs (${r.binlogRowChanges} row change(s) of the table read)`);
    lines.push(output.kind === 'sql' ? `  SQL written to ${output.path}: it creates ${name(r.copy)} (nothing was sent to any server)` : `  written to the new table ${name(r.copy)}`);
    if (r.droppedForeignKeys.length > 0) lines.push(`  FOREIGN KEY constraints not copied (their names would clash with the original's): ${r.droppedForeignKeys.join(', ')}`);
  }
  return `${lines.join('\n')}\n`;
}
