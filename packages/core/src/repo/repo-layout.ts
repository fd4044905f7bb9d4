import { mkdir, readdir, stat } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import { ERROR_CODES, PitrError } from '../errors/pitr-error.js';
import { errnoCode, isAtomicTempName, readJsonFile, readJsonFileIfExists, writeJsonAtomic } from './atomic-file.js';
import type { JsonValidator } from './atomic-file.js';

/**
 * The on-disk layout of a pitr repository, in one place so the archiver, the planner and the CLI
 * agree on every path:
 *
 *   DIR/pitr-repo.json                      marker + format version (REPO_FORMAT_VERSION)
 *   DIR/lock                                the writer lock (repo-lock.ts)
 *   DIR/backups/<id>/dump.sql.gz            a full logical backup
 *   DIR/backups/<id>/backup.json            its record (status lifecycle, coordinates, …)
 *   DIR/binlogs/<timeline>/…                archived binlogs of one server history
 *   DIR/catalog/                            indexes and manifests derived from the above
 *   DIR/restores/<id>.json                  one record per restore
 */
export const REPO_FORMAT = 'pitr-repo';
/** Bumped when the layout changes incompatibly; older pitr versions refuse newer repositories. */
export const REPO_FORMAT_VERSION = 1;

export const REPO_MARKER_FILE = 'pitr-repo.json';

export interface RepoLayout {
  /** Absolute repository directory. */
  readonly root: string;
  readonly markerFile: string;
  readonly lockFile: string;
  readonly backupsDir: string;
  readonly binlogsDir: string;
  readonly catalogDir: string;
  readonly restoresDir: string;
  backupDir(id: string): string;
  dumpFile(id: string): string;
  backupRecordFile(id: string): string;
  timelineDir(timeline: string): string;
  restoreRecordFile(id: string): string;
}

/** The content of pitr-repo.json. */
export interface RepoMarker {
  format: typeof REPO_FORMAT;
  formatVersion: number;
  createdAt: string;
  createdBy: { host: string; pitrFormatVersion: number };
}

/**
 * An opened repository: where everything is, its marker, and the atomic JSON I/O every metadata
 * file in it goes through (so packages that only receive a PitrRepo need no other core import).
 */
export interface PitrRepo {
  readonly dir: string;
  readonly layout: RepoLayout;
  readonly marker: RepoMarker;
  /** writeJsonAtomic: a reader sees the old or the new file, never a torn one. */
  writeJson(path: string, value: unknown): Promise<void>;
  /** readJsonFile: missing file, bad JSON or a rejected shape → PitrError. */
  readJson<T>(path: string, validate: JsonValidator<T>): Promise<T>;
  /** As readJson, but a missing file gives `undefined`. */
  readJsonIfExists<T>(path: string, validate: JsonValidator<T>): Promise<T | undefined>;
}

function repoHandle(layout: RepoLayout, marker: RepoMarker): PitrRepo {
  return {
    dir: layout.root,
    layout,
    marker,
    writeJson: (path, value) => writeJsonAtomic(path, value),
    readJson: (path, validate) => readJsonFile(path, validate),
    readJsonIfExists: (path, validate) => readJsonFileIfExists(path, validate),
  };
}

/**
 * Ids and timeline names become path components: refuse anything that could escape the
 * repository or collide with our temp files (`..`, `/`, a leading dot).
 */
const SAFE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

function safeName(kind: string, name: string): string {
  if (!SAFE_NAME.test(name) || name.includes('..')) {
    throw new PitrError(ERROR_CODES.USAGE, `invalid ${kind} ${JSON.stringify(name)}`, {
      hints: [`a ${kind} is letters, digits, '.', '_' and '-', starting with a letter or digit`],
    });
  }
  return name;
}

/** The paths of the repository at `dir` (nothing is read or created). */
export function repoLayout(dir: string): RepoLayout {
  const root = resolve(dir);
  const backupsDir = join(root, 'backups');
  const binlogsDir = join(root, 'binlogs');
  const restoresDir = join(root, 'restores');
  return {
    root,
    markerFile: join(root, REPO_MARKER_FILE),
    lockFile: join(root, 'lock'),
    backupsDir,
    binlogsDir,
    catalogDir: join(root, 'catalog'),
    restoresDir,
    backupDir: (id) => join(backupsDir, safeName('backup id', id)),
    dumpFile: (id) => join(backupsDir, safeName('backup id', id), 'dump.sql.gz'),
    backupRecordFile: (id) => join(backupsDir, safeName('backup id', id), 'backup.json'),
    timelineDir: (timeline) => join(binlogsDir, safeName('timeline', timeline)),
    restoreRecordFile: (id) => join(restoresDir, `${safeName('restore id', id)}.json`),
  };
}

const CREATE_HINT = (dir: string): string => `run \`pitr backup --repo ${dir}\` to create one`;

/**
 * Creates a repository at `dir` (and `dir` itself if needed). Idempotent on an existing
 * repository; refuses a non-empty directory that is not one, so a typo in `--repo` never
 * scatters files into someone's home directory.
 */
export async function initRepo(dir: string): Promise<PitrRepo> {
  const layout = repoLayout(dir);
  try {
    await mkdir(layout.root, { recursive: true });
  } catch (e) {
    throw new PitrError(ERROR_CODES.IO, `could not create repository directory ${layout.root}: ${errnoCode(e) ?? String(e)}`, {
      cause: e,
      hints: ['check the path and its permissions'],
    });
  }
  const existing = await readJsonFileIfExists(layout.markerFile, validateRepoMarker);
  if (existing !== undefined) return openRepo(dir);
  // A writer killed while writing the marker leaves only its temp file: that is still an empty directory.
  const entries = (await readdir(layout.root)).filter((name) => !isAtomicTempName(name));
  if (entries.length > 0) {
    throw new PitrError(ERROR_CODES.USAGE, `${layout.root} is not empty and is not a pitr repository`, {
      hints: ['give --repo an empty or new directory', `a repository has a ${REPO_MARKER_FILE} file at its top`],
    });
  }
  // Marker first: a crash after it leaves a repository missing some subdirectories, which
  // openRepo re-creates; a crash before it leaves an empty directory (perhaps with the marker's
  // temp file, which `pitr verify` reports) that initRepo accepts again.
  const marker: RepoMarker = {
    format: REPO_FORMAT,
    formatVersion: REPO_FORMAT_VERSION,
    createdAt: new Date().toISOString(),
    createdBy: { host: hostname(), pitrFormatVersion: REPO_FORMAT_VERSION },
  };
  await writeJsonAtomic(layout.markerFile, marker);
  await ensureSubdirectories(layout);
  return repoHandle(layout, marker);
}

/** Opens an existing repository, checking its marker and format version. */
export async function openRepo(dir: string): Promise<PitrRepo> {
  const layout = repoLayout(dir);
  let isDir: boolean;
  try {
    isDir = (await stat(layout.root)).isDirectory();
  } catch (e) {
    if (errnoCode(e) === 'ENOENT') {
      throw new PitrError(ERROR_CODES.USAGE, `repository ${layout.root} does not exist`, { hints: [CREATE_HINT(dir)] });
    }
    throw new PitrError(ERROR_CODES.IO, `could not read repository ${layout.root}: ${errnoCode(e) ?? String(e)}`, { cause: e });
  }
  if (!isDir) {
    throw new PitrError(ERROR_CODES.USAGE, `${layout.root} is not a directory, so not a pitr repository`, {
      hints: ['--repo takes a directory', CREATE_HINT(dir)],
    });
  }
  const marker = await readJsonFileIfExists(layout.markerFile, validateRepoMarker);
  if (marker === undefined) {
    throw new PitrError(ERROR_CODES.USAGE, `${layout.root} is not a pitr repository (no ${REPO_MARKER_FILE})`, {
      hints: [CREATE_HINT(dir), 'or, for existing files without a repository, use --dump FILE --binlog-dir DIR'],
    });
  }
  if (marker.formatVersion > REPO_FORMAT_VERSION) {
    throw new PitrError(
      ERROR_CODES.USAGE,
      `repository ${layout.root} has format version ${marker.formatVersion}; this pitr reads up to ${REPO_FORMAT_VERSION}`,
      { hints: ['upgrade pitr to a version that knows this repository format'] },
    );
  }
  await ensureSubdirectories(layout);
  return repoHandle(layout, marker);
}

/** Reads just the marker (for tools that report on a repository without opening it). */
export async function readRepoMarker(dir: string): Promise<RepoMarker> {
  return readJsonFile(repoLayout(dir).markerFile, validateRepoMarker);
}

async function ensureSubdirectories(layout: RepoLayout): Promise<void> {
  try {
    for (const sub of [layout.backupsDir, layout.binlogsDir, layout.catalogDir, layout.restoresDir]) {
      await mkdir(sub, { recursive: true });
    }
  } catch (e) {
    throw new PitrError(ERROR_CODES.IO, `could not create the directories of repository ${layout.root}: ${errnoCode(e) ?? String(e)}`, {
      cause: e,
      hints: ['check the permissions of the repository directory'],
    });
  }
}

function validateRepoMarker(value: unknown, path: string): RepoMarker {
  const v = value as Partial<RepoMarker> | null;
  if (typeof v !== 'object' || v === null || v.format !== REPO_FORMAT) {
    throw new PitrError(ERROR_CODES.USAGE, `${path} is not a pitr repository marker`, {
      hints: ['the directory holds a file with that name that pitr did not write; use another directory'],
    });
  }
  if (typeof v.formatVersion !== 'number' || !Number.isInteger(v.formatVersion) || v.formatVersion < 1) {
    throw new PitrError(ERROR_CODES.IO, `${path}: formatVersion is missing or not a positive integer`, {
      hints: [`restore ${REPO_MARKER_FILE} from a copy of the repository`],
    });
  }
  return {
    format: REPO_FORMAT,
    formatVersion: v.formatVersion,
    createdAt: typeof v.createdAt === 'string' ? v.createdAt : '',
    createdBy: {
      host: typeof v.createdBy?.host === 'string' ? v.createdBy.host : '',
      pitrFormatVersion: typeof v.createdBy?.pitrFormatVersion === 'number' ? v.createdBy.pitrFormatVersion : v.formatVersion,
    },
  };
}
