/**
 * Small formatters and the --repo argument shared by the repository commands, apart from list.ts so
 * that a command (archive, backup) does not load the planner just to print a size.
 */
import { PitrError } from '@pitr/core';
import type { BackupCoordinates } from '@pitr/pitr-planner';
import type { CommandContext } from '../command-context.js';

/** `--repo`, required by every repository command. */
export function repoArg(ctx: Pick<CommandContext, 'values'>, command: string): string {
  const repo = ctx.values.repo;
  if (typeof repo !== 'string') {
    throw new PitrError('USAGE', `pitr ${command} needs --repo DIR`, { hints: [`run 'pitr ${command} --help'`] });
  }
  return repo;
}

export function formatCoordinates(c: BackupCoordinates): string {
  return `${c.file}:${c.pos}${c.gtid === undefined ? '' : ` (gtid ${c.gtid})`}`;
}

/** `2026-05-25 14:30:07` from an ISO UTC time. */
export function formatTime(iso: string): string {
  return iso.replace('T', ' ').replace(/(\.\d+)?Z$/, '');
}

export function formatDuration(ms: number): string {
  if (ms < 1000) return `${ms} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const s = Math.round(ms / 1000);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  return h > 0 ? `${h} h ${m} min` : `${m} min ${s % 60} s`;
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v.toFixed(1)} ${units[i]}`;
}
