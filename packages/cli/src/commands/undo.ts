/**
 * `pitr undo SOURCE (--from T --until T | --gtid G,...) [--table DB.T] [--where EXPR] --sql-out FILE`:
 * writes the SQL that reverts those transactions' row changes (@pitr/granular-restore undo-sql.ts
 * says how it is guarded) for review; nothing is sent to any server.
 */
import { writeFile } from 'node:fs/promises';
import { PitrError } from '@pitr/core';
import { WhereFilter, undoSql } from '@pitr/granular-restore';
import type { CommandContext } from '../command-context.js';
import { EXIT, type ExitCode } from '../exit-codes.js';
import { granularSource, oneLine, rangeArgs, scanProgress, tableArg, warner } from './find.js';

export async function undo(ctx: CommandContext): Promise<ExitCode> {
  const v = ctx.values;
  if (ctx.positionals.length > 0) throw new PitrError('USAGE', `unexpected argument '${ctx.positionals[0]}'`, { hints: ['give the transactions with --gtid G,... or --from T --until T'] });
  const out = typeof v['sql-out'] === 'string' ? v['sql-out'] : undefined;
  if (out === undefined) throw new PitrError('USAGE', '--sql-out FILE is missing: undo writes reviewable SQL to a file (nothing is run)', { hints: ['e.g. --sql-out undo.sql, then review it and run: mariadb < undo.sql'] });
  const gtids = typeof v.gtid === 'string' ? v.gtid.split(',').map((g) => g.trim().replace(/^gtid:/, '')).filter((g) => g !== '') : undefined;
  const { from, until } = rangeArgs(ctx);
  if (gtids !== undefined && (from !== undefined || until !== undefined)) throw new PitrError('USAGE', '--gtid and --from/--until are two ways to say which transactions: give one');
  if (gtids === undefined && (from === undefined || until === undefined)) {
    throw new PitrError('USAGE', 'say which transactions to revert: --from T --until T, or --gtid G,...', { hints: ['pitr find lists transactions with their GTIDs, e.g. pitr find --table shop.orders --op delete …'] });
  }
  if (gtids !== undefined && gtids.length === 0) throw new PitrError('USAGE', '--gtid names no transaction');
  const table = typeof v.table === 'string' ? tableArg(v.table, '--table') : undefined;
  if (typeof v.where === 'string' && table === undefined) throw new PitrError('USAGE', '--where needs --table: a filter is evaluated on one table\'s rows', { hints: ['e.g. --table shop.orders --where "customer_id = 7"'] });
  const where = typeof v.where === 'string' ? WhereFilter.parse(v.where) : undefined; // fails before any file is read
  const source = await granularSource(ctx, 'undo');
  const { progress, onProgress } = scanProgress(ctx, 'undo: reading binlogs');
  let result;
  try {
    result = await undoSql({ source, range: gtids !== undefined ? { gtids } : { from, until }, table, where, timeZone: typeof v.tz === 'string' ? v.tz : '+00:00', onWarning: warner(ctx), onProgress });
  } finally {
    progress.clear();
  }
  try {
    await writeFile(out, result.sql);
  } catch (e) {
    throw new PitrError('IO', `cannot write ${out}: ${(e as Error).message}`, { cause: e });
  }
  if (v.json === true) {
    ctx.io.stdout.write(`${JSON.stringify({ sqlOut: out, statements: result.statements, transactions: result.transactions, ddl: result.ddl, warnings: result.warnings }, null, 2)}\n`);
    return EXIT.OK;
  }
  const lines = [`Wrote ${out}: ${result.statements} statement(s) reverting the row changes of ${result.transactions.length} transaction(s), newest first, in one transaction.`];
  for (const t of result.transactions) lines.push(`  ${t.gtid === null ? '(no GTID)' : `gtid:${t.gtid}`}  ${t.file}:${t.pos}  ${t.commitTime}  ${t.changes} row change(s)`);
  if (result.ddl.length > 0) {
    lines.push(`DDL in the range is NOT reverted (${result.ddl.length}):`);
    for (const d of result.ddl) lines.push(`  ${d.gtid === null ? '(no GTID)' : `gtid:${d.gtid}`}  ${d.file}:${d.pos}  ${oneLine(d.statement, 200)}`);
  }
  lines.push('Review it, then run it on the server (e.g. mariadb < FILE); its last SELECT reports the changes skipped because their row changed again since.');
  ctx.io.stdout.write(`${lines.join('\n')}\n`);
  return EXIT.OK;
}
