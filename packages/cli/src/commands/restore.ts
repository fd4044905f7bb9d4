/**
 * `pitr restore TARGET SOURCE --to URL` (and `pitr TARGET …`): plans, validates, and only then
 * writes — the dump, then the binlog replay up to the target. `--dry-run` prints the plan and stops.
 */
import { PitrError, redactUrl, repoLayout } from '@pitr/core';
import { join } from 'node:path';
import { renderPlan, runRestore, startRestoreRecord, type RestoreResult } from '@pitr/pitr-planner';
import type { CommandContext } from '../command-context.js';
import { EXIT, type ExitCode } from '../exit-codes.js';
import { planWithProgress, restoreTargetArgs } from './plan.js';

export async function restore(ctx: CommandContext): Promise<ExitCode> {
  const args = restoreTargetArgs(ctx);
  const to = typeof ctx.values.to === 'string' ? ctx.values.to : undefined;
  const dryRun = ctx.values['dry-run'] === true;
  if (to === undefined && !dryRun) {
    throw new PitrError('USAGE', '--to is missing: the server to restore onto', { hints: ['--to mysql://user@host:3306/ (password in PITR_PASSWORD), or --dry-run to only print the plan'] });
  }
  const { io } = ctx;
  const plan = await planWithProgress(ctx, args);
  if (dryRun) {
    io.stdout.write(ctx.values.json === true ? `${JSON.stringify(plan, null, 2)}\n` : renderPlan(plan));
    return EXIT.OK;
  }
  const tty = io.stderr.isTTY === true;
  let lastMs = 0;
  let phase = '';
  let phaseStart = Date.now();
  const log = (line: string): void => {
    if (tty) io.stderr.write('\r\x1b[K');
    io.stderr.write(`${line}\n`);
  };
  log(`pitr: restoring to ${plan.target.description}`);
  log(`pitr: onto ${redactUrl(to!)}: dump ${plan.backup.path}, then ${plan.replay.transactions} transactions from ${plan.binlogs.length} binlog file(s)`);
  if (plan.rewriteDb !== undefined) log(`pitr: --rewrite-db: restoring only ${plan.rewriteDb.map((x) => `${x.from} as ${x.to}`).join(', ')}`);
  const stateDir = typeof ctx.values['state-dir'] === 'string' ? ctx.values['state-dir'] : '.pitr';
  const recordsDir = args.source.kind === 'repo' ? repoLayout(args.source.repo).restoresDir : join(stateDir, 'restores');
  const record = await startRestoreRecord(recordsDir, plan, to!);
  const force = ctx.values.force === true;
  const skipFull = ctx.values['skip-full'] === true;
  const resume = ctx.values.resume === true;
  if (force && resume) throw new PitrError('USAGE', '--force and --resume contradict each other', { hints: ['--resume continues what is on the target; --force replaces it'] });
  if (force && skipFull) throw new PitrError('USAGE', '--force and --skip-full contradict each other', { hints: ['--skip-full replays onto a target that already holds the dump; --force replaces what the target holds'] });
  const preRestoreBackupRepo = !force || ctx.values['pre-restore-backup'] === false ? undefined : args.source.kind === 'repo' ? args.source.repo : join(stateDir, 'repo');
  if (force && preRestoreBackupRepo === undefined) log('pitr: WARNING: --no-pre-restore-backup: databases on the target that this restore replaces are dropped WITHOUT a backup');
  let result: RestoreResult;
  try {
    result = await runRestore({
      force,
      skipFull,
      resume,
      ...(preRestoreBackupRepo === undefined ? {} : { preRestoreBackupRepo }),
    plan,
    to: to!,
    env: ctx.env,
    onWarning: (m) => log(`pitr: warning: ${m}`),
    onProgress: (p) => {
      if (!tty) return;
      const now = Date.now();
      if (now - lastMs < 200 && p.phase !== 'done') return;
      lastMs = now;
      if (p.phase !== phase) {
        phase = p.phase;
        phaseStart = now;
      }
      const secs = (now - phaseStart) / 1000;
      const frac = p.total > 0 ? Math.min(1, p.done / p.total) : 0;
      const pct = p.total > 0 ? ` ${Math.floor(frac * 100)}% of ${(p.total / 1048576).toFixed(1)} MiB` : '';
      const rate = p.phase === 'replay' && secs > 0 ? `, ${Math.round(p.transactions / secs)} transactions/s` : '';
      const eta = frac > 0.02 && frac < 1 && secs > 1 ? `, ETA ${Math.ceil((secs / frac) * (1 - frac))} s` : '';
      io.stderr.write(`\r\x1b[K${p.phase}${pct}, ${p.transactions}/${plan.replay.transactions} transactions${rate}${eta}`);
    },
    });
  } catch (e) {
    if (tty) io.stderr.write('\r\x1b[K');
    await record.finish(null, e).catch(() => undefined);
    log(`pitr: the restore failed; recorded in ${record.path}`);
    throw e;
  }
  await record.finish(result, null);
  if (tty) io.stderr.write('\r\x1b[K');
  const summary = {
    status: 'completed',
    restoreId: record.record.id,
    target: plan.target.description,
    planDigest: plan.digest,
    ...result,
  };
  if (ctx.values.json === true) io.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
  else {
    io.stdout.write(
      [
        `restored: ${result.statementsLoaded} dump statements (${(result.loadMs / 1000).toFixed(1)} s), ${result.transactionsApplied} transactions / ${result.rowsApplied} row changes replayed (${(result.replayMs / 1000).toFixed(1)} s), ${result.triggersCreated} trigger(s) created`,
        `GTID position of the target: ${result.gtidPosition ?? (plan.rewriteDb !== undefined ? '(not set: --rewrite-db restores part of the source)' : '(not set)')}`,
        ...(result.droppedDatabases.length > 0 ? [`replaced on the target: ${result.droppedDatabases.join(', ')}${result.preRestoreBackupId === null ? ' (no pre-restore backup)' : `; their previous content is backup ${result.preRestoreBackupId}`}`] : []),
        `the replay was ${result.writesToTargetBinlog ? '' : 'not '}written to the target's own binlog`,
        `done in ${(result.durationMs / 1000).toFixed(1)} s; recorded in ${record.path}`,
        '',
      ].join('\n'),
    );
  }
  return EXIT.OK;
}
