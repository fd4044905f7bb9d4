/**
 * `pitr plan TARGET SOURCE` (also `pitr restore TARGET … --dry-run`): builds and validates the
 * restore plan and prints it for review — text, or the Plan object as JSON (`--json`, the stable
 * schema documented in @pitr/pitr-planner plan.ts). Writes nothing anywhere.
 */
import { DbRewrite, PitrError, parseTarget, type Target } from '@pitr/core';
import { buildPlan, renderPlan, type Plan, type PlanSource } from '@pitr/pitr-planner';
import type { CommandContext } from '../command-context.js';
import { EXIT, type ExitCode } from '../exit-codes.js';
import { Progress } from '../progress.js';

export interface RestoreTargetArgs {
  readonly target: Target;
  readonly source: PlanSource;
  readonly skipGtids: readonly string[];
  readonly rewriteDb?: ReadonlyMap<string, string>;
}

/** TARGET and SOURCE of plan/restore, checked; every problem is a USAGE error naming the option. */
export function restoreTargetArgs(ctx: Pick<CommandContext, 'positionals' | 'values'>): RestoreTargetArgs {
  const v = ctx.values;
  const [text, ...extra] = ctx.positionals;
  if (text === undefined) throw new PitrError('USAGE', 'no TARGET given', { hints: ['e.g. pitr plan "2026-05-25 14:30" --dump backup.sql.gz --binlog-dir ./binlogs'] });
  if (extra.length > 0) throw new PitrError('USAGE', `unexpected argument '${extra[0]}' after the target`, { hints: ['quote a time target: "2026-05-25 14:30"'] });
  const target = parseTarget(text, { tz: typeof v.tz === 'string' ? v.tz : undefined, exclusive: v.exclusive === true });
  const skipGtids = typeof v['skip-gtid'] === 'string' ? v['skip-gtid'].split(',').map((g) => g.trim().replace(/^gtid:/, '')).filter((g) => g !== '') : [];
  let rewriteDb: Map<string, string> | undefined;
  if (typeof v['rewrite-db'] === 'string') {
    try {
      rewriteDb = DbRewrite.parse([v['rewrite-db']]);
    } catch (e) {
      throw new PitrError('USAGE', `--rewrite-db ${v['rewrite-db']}: ${(e as Error).message}`, { hints: ['e.g. --rewrite-db shop:shop_restored (several: a:a2,b:b2)'] });
    }
  }
  const extraArgs = rewriteDb === undefined ? {} : { rewriteDb };
  const dump = typeof v.dump === 'string' ? v.dump : undefined;
  const binlogDir = typeof v['binlog-dir'] === 'string' ? v['binlog-dir'] : undefined;
  if (typeof v.repo === 'string') {
    if (dump !== undefined) throw new PitrError('USAGE', '--repo and --dump are two different sources: give one', { hints: ['--repo DIR takes the newest suitable backup of the repository; --dump FILE a dump file'] });
    // binlogs from the repository's archive (pitr archive), unless --binlog-dir names others
    return { target, source: binlogDir === undefined ? { kind: 'repo', repo: v.repo } : { kind: 'repo', repo: v.repo, binlogDir }, skipGtids, ...extraArgs };
  }
  if (dump === undefined || binlogDir === undefined) {
    throw new PitrError('USAGE', `${dump === undefined ? '--dump' : '--binlog-dir'} is missing: the SOURCE is --repo DIR --binlog-dir DIR, or --dump FILE.sql[.gz] --binlog-dir DIR`, {
      hints: ['the dump must carry its binlog coordinates (mariadb-dump --master-data=2 --gtid, mysqldump --source-data=2)'],
    });
  }
  return { target, source: { kind: 'files', dump, binlogDir }, skipGtids, ...extraArgs };
}

/** Builds the plan with a progress line on a terminal. */
export async function planWithProgress(ctx: CommandContext, args: RestoreTargetArgs): Promise<Plan> {
  const progress = new Progress(ctx.io.stdout, ctx.io.stderr);
  try {
    return await buildPlan({ ...args, onProgress: (done, total) => progress.update('planning: reading binlogs', done, total, 0) });
  } finally {
    progress.clear();
  }
}

export async function plan(ctx: CommandContext): Promise<ExitCode> {
  const args = restoreTargetArgs(ctx);
  const p = await planWithProgress(ctx, args);
  ctx.io.stdout.write(ctx.values.json === true ? `${JSON.stringify(p, null, 2)}\n` : renderPlan(p));
  return EXIT.OK;
}
