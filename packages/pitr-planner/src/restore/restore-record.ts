/**
 * The record of one restore (DESIGN.md "Restore safety": every restore is recorded with a status
 * lifecycle, who, when, what, duration and counts). Written when the restore starts (`running`)
 * and rewritten once at the end (`completed` or `failed` with the error), atomically, in the
 * repository's `restores/` or, for a restore from files, in `--state-dir`/restores.
 */
import { randomBytes } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { hostname, userInfo } from 'node:os';
import { join } from 'node:path';
import { redactUrl, writeJsonAtomic } from '@pitr/core';
import type { Plan } from '../plan/plan.js';
import type { RestoreResult } from './run-restore.js';

export const RESTORE_RECORD_VERSION = 1;

export interface RestoreRecord {
  recordVersion: number;
  id: string;
  status: 'running' | 'completed' | 'failed';
  startedAt: string;
  endedAt: string | null;
  durationMs: number | null;
  who: { user: string; host: string; pid: number };
  target: { text: string; description: string; utc: string | null };
  planDigest: string;
  backup: { path: string; binlogFile: string; binlogPos: number; gtid: string | null };
  binlogs: string[];
  /** The target server, password redacted. */
  to: string;
  planned: { transactions: number; rows: number; stop: { file: string; pos: number } | null };
  result: RestoreResult | null;
  /** Error message and code on failure (no passwords: messages never carry them). */
  error: { code: string; message: string; hints: readonly string[] } | null;
}

function newRestoreId(now: Date): string {
  const t = now.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  return `r${t}-${randomBytes(2).toString('hex')}`;
}

function who(): RestoreRecord['who'] {
  let user = 'unknown';
  try {
    user = userInfo().username;
  } catch {
    // no passwd entry (containers): keep 'unknown'
  }
  return { user, host: hostname(), pid: process.pid };
}

/** Writes the `running` record; returns a handle that finishes it. */
export async function startRestoreRecord(dir: string, plan: Plan, to: string): Promise<{ record: RestoreRecord; path: string; finish(result: RestoreResult | null, error: unknown): Promise<RestoreRecord> }> {
  await mkdir(dir, { recursive: true });
  const started = new Date();
  const record: RestoreRecord = {
    recordVersion: RESTORE_RECORD_VERSION,
    id: newRestoreId(started),
    status: 'running',
    startedAt: started.toISOString(),
    endedAt: null,
    durationMs: null,
    who: who(),
    target: { text: plan.target.text, description: plan.target.description, utc: plan.target.utc ?? null },
    planDigest: plan.digest,
    backup: { path: plan.backup.path, binlogFile: plan.backup.binlogFile, binlogPos: plan.backup.binlogPos, gtid: plan.backup.gtid },
    binlogs: plan.binlogs.map((b) => b.name),
    to: redactUrl(to),
    planned: { transactions: plan.replay.transactions, rows: plan.replay.rows, stop: plan.replay.stop },
    result: null,
    error: null,
  };
  const path = join(dir, `${record.id}.json`);
  await writeJsonAtomic(path, record);
  return {
    record,
    path,
    async finish(result, error) {
      const ended = new Date();
      const e = error as { code?: string; message?: string; hints?: readonly string[] } | undefined;
      const done: RestoreRecord = {
        ...record,
        status: error === undefined || error === null ? 'completed' : 'failed',
        endedAt: ended.toISOString(),
        durationMs: ended.getTime() - started.getTime(),
        result,
        error: error === undefined || error === null ? null : { code: e?.code ?? 'INTERNAL', message: e?.message ?? String(error), hints: e?.hints ?? [] },
      };
      await writeJsonAtomic(path, done);
      return done;
    },
  };
}
