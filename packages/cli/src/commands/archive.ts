/**
 * `pitr archive --source URL --repo DIR [--follow] [--server-id N] [--compress gzip|zstd|none] [--json]`:
 * copies the server's binary logs into the repository over the replication protocol (byte for
 * byte, closed files compressed, a manifest per timeline) and prints what was archived. Without
 * --follow it stops at the server's current end; with --follow it keeps receiving until SIGINT or
 * SIGTERM, then records what it has and exits 0; a lost connection is retried with backoff, and
 * what it is doing (caught up, lag every minute, reconnected) goes to stderr with the warnings.
 * For monitoring, the archiver keeps <repo>/binlogs/status.json.
 */
import { PitrError } from '@pitr/core';
import { archiveBinlogs, type ArchiveBinlogsOptions, type ArchiveCompression, type ArchiveProgress, type ArchiveResult, type ManifestFileEntry } from '@pitr/binlog-archiver';
import type { CommandContext } from '../command-context.js';
import { EXIT, type ExitCode } from '../exit-codes.js';
import { OutputSink } from '../output-sink.js';
import { Progress } from '../progress.js';
import { formatBytes, formatDuration, repoArg } from './repo-format.js';

export interface ArchiveArgs {
  readonly source: string;
  readonly repo: string;
  readonly follow: boolean;
  readonly serverId: number | undefined;
  readonly compression: ArchiveCompression;
  readonly json: boolean;
}

const COMPRESSIONS: readonly ArchiveCompression[] = ['gzip', 'zstd', 'none'];

/** Option values → checked arguments. */
export function archiveArgs(ctx: Pick<CommandContext, 'values'>): ArchiveArgs {
  const v = ctx.values;
  if (typeof v.source !== 'string') {
    throw new PitrError('USAGE', 'pitr archive needs --source URL (the server whose binlogs to archive)', {
      hints: ['e.g. PITR_PASSWORD=… pitr archive --source mysql://repl@db1:3306/ --repo /backups/db1'],
    });
  }
  const compress = v.compress ?? 'gzip';
  if (typeof compress !== 'string' || !COMPRESSIONS.includes(compress as ArchiveCompression)) {
    throw new PitrError('USAGE', `--compress ${String(compress)} is not one of ${COMPRESSIONS.join(', ')}`, { hints: ["run 'pitr archive --help'"] });
  }
  const serverId = v['server-id'];
  if (serverId !== undefined && (typeof serverId !== 'number' || serverId > 0xffffffff)) {
    throw new PitrError('USAGE', `--server-id ${String(serverId)} is out of range`, { hints: ['a server id is 1 to 4294967295'] });
  }
  return {
    source: v.source,
    repo: repoArg(ctx, 'archive'),
    follow: v.follow === true,
    serverId: serverId as number | undefined,
    compression: compress as ArchiveCompression,
    json: v.json === true,
  };
}

export interface ArchiveDeps {
  readonly archiveBinlogs: (options: ArchiveBinlogsOptions) => Promise<ArchiveResult>;
  /** Where SIGINT/SIGTERM come from (tests pass an emitter). */
  readonly signals?: Pick<NodeJS.Process, 'once' | 'off'>;
}

export function archive(ctx: CommandContext): Promise<ExitCode> {
  return runArchive(ctx, { archiveBinlogs });
}

export async function runArchive(ctx: CommandContext, deps: ArchiveDeps): Promise<ExitCode> {
  const args = archiveArgs(ctx);
  const { io } = ctx;
  const progress = new Progress(io.stdout, io.stderr, { stdoutQuiet: true });
  const say = (line: string): void => progress.say(line);
  const onProgress = (p: ArchiveProgress): void => {
    if (progress.enabled) progress.show(`archive: ${p.file}:${p.position}, ${formatBytes(p.bytesReceived)} received, ${p.eventsReceived} events`);
  };
  // Stop cleanly on SIGINT/SIGTERM: what was received is synced and recorded.
  const controller = new AbortController();
  const signals = deps.signals ?? process;
  const stop = (): void => controller.abort();
  signals.once('SIGINT', stop);
  signals.once('SIGTERM', stop);
  let result: ArchiveResult;
  try {
    result = await deps.archiveBinlogs({
      source: args.source,
      repo: args.repo,
      env: ctx.env,
      follow: args.follow,
      compression: args.compression,
      ...(args.serverId === undefined ? {} : { serverId: args.serverId }),
      signal: controller.signal,
      onProgress,
      onWarning: (m) => say(`pitr: warning: ${m}`),
      onInfo: (m) => say(`pitr: ${m}`),
      onRepoCreated: (dir) => say(`pitr: created repository ${dir}`),
      ...(args.follow && !args.json ? { onFileClosed: (e: ManifestFileEntry) => say(`pitr: archived ${e.name} (${formatBytes(e.endPos)}, ${e.transactions} transactions)`) } : {}),
    });
  } finally {
    signals.off('SIGINT', stop);
    signals.off('SIGTERM', stop);
    progress.clear();
  }
  const out = new OutputSink(io.stdout);
  await out.write(args.json ? `${JSON.stringify(archiveJson(result), null, 2)}\n` : renderArchive(result));
  await out.close();
  return EXIT.OK;
}

/** The document of `pitr archive --json`. */
export function archiveJson(r: ArchiveResult): unknown {
  return {
    repository: r.repoDir,
    repoCreated: r.repoCreated,
    timeline: r.timeline,
    timelineCreated: r.timelineCreated,
    timelineDir: r.timelineDir,
    source: r.source,
    replicaServerId: r.serverId,
    from: r.from ?? null,
    to: r.to ?? null,
    closedFiles: r.closedFiles,
    openFile: r.openFile ?? null,
    bytesReceived: r.bytesReceived,
    eventsReceived: r.eventsReceived,
    transactionsReceived: r.transactionsReceived,
    recovered: r.recovered ?? null,
    gaps: r.gaps,
    newTimelines: r.newTimelines,
    reconnects: r.reconnects,
    durationMs: r.durationMs,
    warnings: r.warnings,
  };
}

export function renderArchive(r: ArchiveResult): string {
  const pos = (p: { file: string; pos: number } | undefined): string => (p === undefined ? '(nothing)' : `${p.file}:${p.pos}`);
  const lines = [
    `archive of ${r.source.url} (${r.source.flavor} ${r.source.serverVersion}, server id ${r.source.serverId}) in ${formatDuration(r.durationMs)}`,
    `  timeline:     ${r.timeline}${r.timelineCreated ? ' (new)' : ''} in ${r.timelineDir}`,
    `  received:     ${formatBytes(r.bytesReceived)}, ${r.eventsReceived} events, ${r.transactionsReceived} transactions, from ${pos(r.from)}`,
    `  archive ends: ${pos(r.to)}`,
  ];
  for (const t of r.newTimelines) lines.push(`  new timeline: ${t.name} after ${t.previous} (${t.reason})`);
  for (const g of r.gaps) {
    lines.push(`  GAP:          ${g.from.file}:${g.from.pos} → ${g.to.file}:${g.to.pos} (purged by the server before it was archived${g.missingFiles.length > 0 ? `: ${g.missingFiles.join(', ')}` : ''}); no restore can cross it`);
  }
  if (r.reconnects > 0) lines.push(`  reconnects:   ${r.reconnects}`);
  if (r.recovered !== undefined) lines.push(`  recovered:    cut ${r.recovered.cutBytes} bytes at the end of ${r.recovered.file} left by an interrupted run (${r.recovered.reason})`);
  for (const f of r.closedFiles) {
    lines.push(`  closed:       ${f.name} (${formatBytes(f.endPos)} → ${formatBytes(f.storedBytes)} ${f.compression}, ${f.transactions} transactions${f.lastGtid === undefined ? '' : `, last ${f.lastGtid}`}, sha256 ${f.sha256 ?? '?'})`);
  }
  if (r.openFile !== undefined) {
    const f = r.openFile;
    lines.push(`  open:         ${f.name} up to ${f.endPos} (${f.transactions} transactions${f.lastGtid === undefined ? '' : `, last ${f.lastGtid}`}; the server is still writing it)`);
  }
  if (r.warnings.length > 0) lines.push(`  warnings:     ${r.warnings.length} (above)`);
  return `${lines.join('\n')}\n`;
}
