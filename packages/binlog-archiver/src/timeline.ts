/**
 * Timelines: `<repo>/binlogs/<timeline>/` holds the binlogs of one server history, under the
 * server's own file names, with its manifest.json. A name is `NNNN-<flavor>-<server id>`
 * (0001-mariadb-1234): the sequence number orders timelines by creation, the rest says whose
 * binlogs they are.
 *
 * The archiver continues the newest timeline when the source is the same server (flavor, server id,
 * server uuid on MySQL, binlog file prefix), and starts a new timeline otherwise (with a warning),
 * so files of another server that reuse the same names never overwrite archived ones. A RESET
 * MASTER or a rebuilt server with the same identity is found by comparing the server's files with
 * the archive (server-history.ts); the archiver then asks for a new timeline here (`newHistory`)
 * and seals the old one (manifest `sealed`).
 */
import { mkdir, readdir } from 'node:fs/promises';
import type { PitrRepo } from '@pitr/core';
import { ERROR_CODES, PitrError, errnoCode } from '@pitr/core';
import { MANIFEST_FORMAT, MANIFEST_VERSION, readManifest, writeManifest, type BinlogManifest, type TimelineSource } from '@pitr/core';

const TIMELINE_NAME = /^(\d{4,})-([a-z]+)-(\d+)$/;

export interface ChosenTimeline {
  readonly name: string;
  readonly dir: string;
  readonly manifest: BinlogManifest;
  readonly created: boolean;
}

/** Timeline names in the repository, oldest first. */
export async function listTimelines(repo: PitrRepo): Promise<string[]> {
  let names: string[];
  try {
    names = await readdir(repo.layout.binlogsDir);
  } catch (e) {
    if (errnoCode(e) === 'ENOENT') return [];
    throw new PitrError(ERROR_CODES.IO, `could not list ${repo.layout.binlogsDir}: ${errnoCode(e) ?? String(e)}`, { cause: e });
  }
  return names
    .filter((n) => TIMELINE_NAME.test(n))
    .sort((a, b) => Number(TIMELINE_NAME.exec(a)![1]) - Number(TIMELINE_NAME.exec(b)![1]) || (a < b ? -1 : 1));
}

/** Same server history as far as identity goes (RESET MASTER is not visible here). */
export function sameSource(a: TimelineSource, b: TimelineSource): boolean {
  return (
    a.flavor === b.flavor &&
    a.serverId === b.serverId &&
    a.binlogBasename === b.binlogBasename &&
    (a.serverUuid === undefined || b.serverUuid === undefined || a.serverUuid === b.serverUuid)
  );
}

/**
 * The timeline to archive `source` into: the newest one when it is the same server, else a new
 * one (its directory and an empty manifest are created before anything else is written in it).
 */
export async function chooseTimeline(
  repo: PitrRepo,
  source: TimelineSource,
  onWarning?: (message: string) => void,
  options: { newHistory?: boolean } = {},
): Promise<ChosenTimeline> {
  const names = await listTimelines(repo);
  const newest = names[names.length - 1];
  let seq = 1;
  if (newest !== undefined && options.newHistory === true) {
    seq = Number(TIMELINE_NAME.exec(newest)![1]) + 1;
  } else if (newest !== undefined) {
    const manifest = await readManifest(repo, newest);
    if (manifest !== undefined && manifest.sealed === undefined && sameSource(manifest.source, source)) {
      return { name: newest, dir: repo.layout.timelineDir(newest), manifest, created: false };
    }
    if (manifest === undefined) {
      // A directory without a manifest: created by a run that stopped before writing anything.
      const m = TIMELINE_NAME.exec(newest)!;
      if (m[2] === source.flavor && Number(m[3]) === source.serverId) {
        return { name: newest, dir: repo.layout.timelineDir(newest), manifest: await createManifest(repo, newest, source), created: true };
      }
    } else if (manifest.sealed === undefined) {
      onWarning?.(
        `the source (${describe(source)}) is not the server of the newest timeline ${newest} (${describe(manifest.source)}): ` +
          'its binlogs go to a new timeline; if this is not a failover or a rebuilt server, check --source',
      );
    }
    seq = Number(TIMELINE_NAME.exec(newest)![1]) + 1;
  }
  const name = `${String(seq).padStart(4, '0')}-${source.flavor}-${source.serverId}`;
  return { name, dir: repo.layout.timelineDir(name), manifest: await createManifest(repo, name, source), created: true };
}

async function createManifest(repo: PitrRepo, name: string, source: TimelineSource): Promise<BinlogManifest> {
  const dir = repo.layout.timelineDir(name);
  try {
    await mkdir(dir, { recursive: true });
  } catch (e) {
    throw new PitrError(ERROR_CODES.IO, `could not create ${dir}: ${errnoCode(e) ?? String(e)}`, { cause: e });
  }
  const now = new Date().toISOString();
  const manifest: BinlogManifest = { format: MANIFEST_FORMAT, manifestVersion: MANIFEST_VERSION, timeline: name, source, createdAt: now, updatedAt: now, files: [] };
  await writeManifest(repo, manifest);
  return manifest;
}

function describe(s: TimelineSource): string {
  return `${s.flavor} server id ${s.serverId}${s.serverUuid === undefined ? '' : ` uuid ${s.serverUuid}`}, files ${s.binlogBasename}.*`;
}
