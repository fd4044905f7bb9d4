/**
 * `pitr history DB.TABLE --where EXPR SOURCE [--from T] [--until T]`: every version of the records
 * the filter selects (@pitr/granular-restore row-history.ts says which), each with the transaction
 * that made it — as text grouped by record, or NDJSON (one change per line) with `--json`.
 */
import { PitrError } from '@pitr/core';
import { type RowVersion, WhereFilter, columnValueText, rowHistory, rowJson } from '@pitr/granular-restore';
import type { CommandContext } from '../command-context.js';
import { EXIT, type ExitCode } from '../exit-codes.js';
import { OutputSink } from '../output-sink.js';
import { displayZone, granularSource, localTime, oneLine, rangeArgs, scanProgress, tableArg, warner } from './find.js';

export async function history(ctx: CommandContext): Promise<ExitCode> {
  const v = ctx.values;
  const [tableText, ...extra] = ctx.positionals;
  if (tableText === undefined) throw new PitrError('USAGE', 'no DB.TABLE given', { hints: ['e.g. pitr history shop.customers --where "id = 7" --dump backup.sql.gz --binlog-dir ./binlogs'] });
  if (extra.length > 0) throw new PitrError('USAGE', `unexpected argument '${extra[0]}' after the table`, { hints: ['quote the filter: --where "id = 7"'] });
  if (typeof v.where !== 'string') throw new PitrError('USAGE', '--where is missing: history shows the records a filter selects', { hints: ['e.g. --where "id = 7", or --where "1" for every row of the table'] });
  const table = tableArg(tableText, 'the table');
  const where = WhereFilter.parse(v.where); // a bad filter fails before any file is read
  const range = rangeArgs(ctx);
  const source = await granularSource(ctx, 'history');
  const zone = displayZone(ctx);
  const { progress, onProgress } = scanProgress(ctx, 'history: reading binlogs');
  let result;
  try {
    result = await rowHistory({ source, table, where, range, timeZone: typeof v.tz === 'string' ? v.tz : '+00:00', onWarning: warner(ctx), onProgress });
  } finally {
    progress.clear();
  }
  const out = new OutputSink(ctx.io.stdout);
  try {
    if (v.json === true) {
      for (const x of result.versions) await out.write(`${JSON.stringify(versionJson(x))}\n`);
    } else {
      await out.write(`History of ${table.db}.${table.table} WHERE ${v.where}: ${result.records} record(s), ${result.versions.length} change(s) in ${result.scan.start.file}:${result.scan.start.pos} … ${result.scan.end.file}:${result.scan.end.pos} (times in ${zone})\n`);
      let record = 0;
      for (const x of result.versions) {
        if (x.record !== record) {
          record = x.record;
          await out.write(`\nrecord ${record}${x.key === null ? ' (the table has no primary key: changes are listed one by one)' : `: ${keyText(x)}`}\n`);
        }
        await out.write(renderVersion(x, zone));
      }
      if (result.versions.length === 0) await out.write('\nNo change in the range touched a row matching the filter.\n');
    }
    if (result.unevaluable > 0) ctx.io.stderr.write(`pitr: warning: ${result.unevaluable} row image(s) lack a column the filter reads (binlog_row_image=MINIMAL/NOBLOB, or a column added or dropped in the range): they were taken as not matching\n`);
  } finally {
    await out.close();
  }
  return EXIT.OK;
}

function keyText(x: RowVersion): string {
  return Object.entries(x.key ?? {})
    .map(([k, val]) => `${k}=${typeof val === 'string' ? `'${val}'` : JSON.stringify(val)}`)
    .join(' ');
}

function renderVersion(x: RowVersion, zone: string): string {
  const lines = [`  ${localTime(x.commitTimeUs, zone)}  ${x.op.toUpperCase().padEnd(6)}  ${x.gtid === null ? '(no GTID)' : `gtid:${x.gtid}`}  ${x.file}:${x.pos}`];
  if (x.statement !== null) lines.push(`      statement: ${oneLine(x.statement, 200)}`);
  const cols = x.columns;
  const show = (image: NonNullable<RowVersion['after']>): string =>
    cols
      .filter((c) => image[c.index] !== undefined)
      .map((c) => `${c.name ?? `@${c.index + 1}`}=${columnValueText(image[c.index]!, c)}`)
      .join(', ');
  if (x.op === 'insert') lines.push(`      row: ${show(x.after!)}`);
  else if (x.op === 'delete') lines.push(`      row (deleted): ${show(x.before!)}`);
  else {
    for (const name of x.changed) {
      const c = cols.find((k) => (k.name ?? `@${k.index + 1}`) === name)!;
      lines.push(`      ${name}: ${columnValueText(x.before![c.index]!, c)} → ${columnValueText(x.after![c.index]!, c)}`);
    }
    if (x.changed.length === 0) lines.push('      (no logged column changed value)');
  }
  return `${lines.join('\n')}\n`;
}

function versionJson(x: RowVersion): Record<string, unknown> {
  return {
    record: x.record,
    key: x.key,
    op: x.op,
    gtid: x.gtid,
    file: x.file,
    pos: x.pos,
    commitTime: x.commitTime,
    statement: x.statement,
    ...(x.before === undefined ? {} : { before: rowJson(x.before, x.columns) }),
    ...(x.after === undefined ? {} : { after: rowJson(x.after, x.columns) }),
    ...(x.op === 'update' ? { changed: x.changed } : {}),
  };
}
