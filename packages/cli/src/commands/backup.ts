/**
 * `pitr backup --source URL --repo DIR [--databases a,b] [--exclude-tables db.t,...] [--json]`:
 * takes a full logical backup into the repository (creating it when DIR does not exist or is
 * empty) and prints what was recorded. Warnings (ENUM members the dump cannot represent, FLOAT
 * values that could not be made exact, …) go to stderr as they are found and are kept in the
 * record; on a terminal, stderr also shows progress.
 */
import { PitrError } from '@pitr/core';
import { takeBackup, type BackupProgress, type TakeBackupOptions, type TakeBackupResult } from '@pitr/pitr-planner';
import type { CommandContext } from '../command-context.js';
import { EXIT, type ExitCode } from '../exit-codes.js';
import { OutputSink } from '../output-sink.js';
import { Progress } from '../progress.js';
import { formatBytes, formatCoordinates, formatDuration, repoArg } from './repo-format.js';

export interface BackupArgs {
  readonly source: string;
  readonly repo: string;
  readonly databases: readonly string[] | undefined;
  readonly excludeTables: readonly string[];
  readonly json: boolean;
}

function list(text: string | number | boolean | undefined): string[] | undefined {
  if (typeof text !== 'string') return undefined;
  return text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

/** Option values → checked arguments. */
export function backupArgs(ctx: Pick<CommandContext, 'values'>): BackupArgs {
  const v = ctx.values;
  if (typeof v.source !== 'string') {
    throw new PitrError('USAGE', 'pitr backup needs --source URL (the server to back up)', {
      hints: ['e.g. PITR_PASSWORD=… pitr backup --source mysql://backup@db1:3306/ --repo /backups/db1'],
    });
  }
  const databases = list(v.databases);
  if (databases !== undefined && databases.length === 0) {
    throw new PitrError('USAGE', '--databases names no database', { hints: ['give a comma-separated list: --databases shop,crm'] });
  }
  return { source: v.source, repo: repoArg(ctx, 'backup'), databases, excludeTables: list(v['exclude-tables']) ?? [], json: v.json === true };
}

export interface BackupDeps {
  readonly takeBackup: (options: TakeBackupOptions) => Promise<TakeBackupResult>;
}

export function backup(ctx: CommandContext): Promise<ExitCode> {
  return runBackup(ctx, { takeBackup });
}

export async function runBackup(ctx: CommandContext, deps: BackupDeps): Promise<ExitCode> {
  const args = backupArgs(ctx);
  const { io } = ctx;
  const progress = new Progress(io.stdout, io.stderr, { stdoutQuiet: true });
  const onProgress = (p: BackupProgress): void => {
    if (!progress.enabled) return;
    const what =
      p.phase === 'connect' ? 'connecting' : p.phase === 'check' ? 'reading the dump back' : p.phase === 'done' ? 'done' : `dumping${p.table === undefined ? '' : ` ${p.table}`}`;
    // phase changes show at once, the dump's byte counts at most every 200 ms
    progress.show(`backup: ${what}, ${formatBytes(p.inputBytes)} dumped, ${formatBytes(p.outputBytes)} written`, p.phase !== 'dump');
  };
  const onWarning = (message: string): void => progress.say(`pitr: warning: ${message}`);
  const dumpTool = ctx.env['PITR_DUMP_TOOL'];
  let result: TakeBackupResult;
  try {
    result = await deps.takeBackup({
      source: args.source,
      repo: args.repo,
      ...(args.databases === undefined ? {} : { databases: args.databases }),
      excludeTables: args.excludeTables,
      env: ctx.env,
      onProgress,
      onWarning,
      onRepoCreated: (dir) => progress.say(`pitr: created repository ${dir}`),
      ...(dumpTool === undefined || dumpTool === '' ? {} : { dumpTool }),
    });
  } finally {
    progress.clear();
  }
  const out = new OutputSink(io.stdout);
  if (args.json) {
    await out.write(`${JSON.stringify({ backup: result.record, repository: result.repoDir, repoCreated: result.repoCreated, dumpFile: result.dumpFile, warnings: result.warnings }, null, 2)}\n`);
  } else {
    await out.write(renderBackup(result));
  }
  await out.close();
  return EXIT.OK;
}

export function renderBackup(result: TakeBackupResult): string {
  const r = result.record;
  const tables = r.databases.reduce((n, d) => n + d.tables.length, 0);
  const rows = r.databases.reduce((n, d) => n + d.tables.reduce((m, t) => m + (t.rowsEstimate ?? 0), 0), 0);
  const lines = [
    `backup ${r.id} ${r.status} in ${formatDuration(r.durationMs ?? 0)}`,
    `  file:         ${result.dumpFile} (${formatBytes(r.sizeBytes ?? 0)}, sha256 ${r.sha256 ?? '?'})`,
    `  coordinates:  ${r.coordinates === undefined ? '(none)' : formatCoordinates(r.coordinates)}`,
  ];
  if (r.server !== undefined) lines.push(`  server:       ${r.server.flavor} ${r.server.version}, server id ${r.server.serverId}`);
  lines.push(`  databases:    ${r.databases.map((d) => d.name).join(', ') || '(none)'} (${tables} tables, about ${rows} rows)`);
  if (r.dumpTool !== undefined) lines.push(`  dump tool:    ${r.dumpTool.name} ${r.dumpTool.version}`);
  if (r.floatFixups !== undefined) lines.push(`  exact FLOAT:  ${r.floatFixups.rows} rows in ${r.floatFixups.tables.join(', ')} (corrected after mariadb-dump's 6-digit text)`);
  if (result.warnings.length > 0) lines.push(`  warnings:     ${result.warnings.length} (above, and in the record)`);
  return `${lines.join('\n')}\n`;
}
