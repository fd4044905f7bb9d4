/**
 * The cache of generated benchmark workloads (a dump plus binlogs, by workload version and size):
 * where it lives, and whether a cached one is complete. Shared by replay-workload.ts and
 * granular-workload.ts.
 */
import { existsSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { TestServer } from '../src/index.js';

/** What every workload's meta.json records about its files. */
export interface WorkloadFilesMeta {
  workloadVersion: string;
  /** The dump's file name in the workload directory, and its size. */
  dump: string;
  dumpBytes: number;
  binlogs: { name: string; bytes: number }[];
}

export interface CachedWorkload<M extends WorkloadFilesMeta> {
  dir: string;
  dumpFile: string;
  binlogDir: string;
  binlogFiles: string[];
  meta: M;
  reused: boolean;
}

export function defaultCacheRoot(): string {
  return process.env.PITR_BENCH_DIR ?? join(homedir(), '.cache', 'pitr-bench');
}

/** A name safe for a directory (server versions, workload names). */
export function slug(text: string): string {
  return text.replace(/[^A-Za-z0-9.]+/g, '_').replace(/^_+|_+$/g, '');
}

/** A mariadb client option file for `server`. */
export function clientConfigText(server: Pick<TestServer, 'user' | 'password' | 'host' | 'port'>): string {
  return `[client]\nuser=${server.user}\npassword=${server.password}\nhost=${server.host}\nport=${server.port}\n`;
}

/** The workload cached in `dir` when it is complete (its version, and every file at its recorded size). */
export async function completeWorkload<M extends WorkloadFilesMeta>(dir: string, version: string): Promise<CachedWorkload<M> | undefined> {
  const metaPath = join(dir, 'meta.json');
  if (!existsSync(metaPath)) return undefined;
  const meta = JSON.parse(await readFile(metaPath, 'utf8')) as M;
  if (meta.workloadVersion !== version) return undefined;
  const dumpFile = join(dir, meta.dump);
  const binlogDir = join(dir, 'binlogs');
  try {
    if ((await stat(dumpFile)).size !== meta.dumpBytes) return undefined;
    for (const b of meta.binlogs) if ((await stat(join(binlogDir, b.name))).size !== b.bytes) return undefined;
  } catch {
    return undefined;
  }
  return { dir, dumpFile, binlogDir, binlogFiles: meta.binlogs.map((b) => join(binlogDir, b.name)), meta, reused: true };
}
