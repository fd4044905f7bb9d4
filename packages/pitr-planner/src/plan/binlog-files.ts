/**
 * The binlog files of a `--binlog-dir`: which ones a replay needs, in binlog order, and whether
 * the sequence is complete. Files are named as the server names them (`mariadb-bin.000042`), plain
 * or compressed (`.gz`, `.zst`: the reader detects the format by content); the server's `.index`
 * file and anything else is ignored.
 *
 * A timeline directory of a pitr archive (`<repo>/binlogs/<timeline>/`, with its manifest.json)
 * may record gaps: binlogs the server purged before they were archived. The file where a gap
 * begins carries it (`gapAfter`), and a replay stops there: `replayFiles` returns the files up to
 * it, so a target beyond it is not reached (the plan then names the gap).
 */
import { readFile, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { ERROR_CODES, MANIFEST_FILE, PitrError, errnoCode, validateManifest } from '@pitr/core';
import type { BinlogManifest } from '@pitr/core';

/** A gap recorded in an archive's manifest (core's ManifestGap). */
export type RecordedGap = NonNullable<BinlogManifest['gaps']>[number];

export interface BinlogFile {
  /** The binlog's own name (`mariadb-bin.000042`), without a compression suffix. */
  readonly name: string;
  readonly path: string;
  readonly size: number;
  readonly compressed: boolean;
  /** Sequence number from the name. */
  readonly seq: number;
  readonly base: string;
  /** The archive has nothing after this file (or after its archived part) up to `gapAfter.to`. */
  readonly gapAfter?: RecordedGap;
}

/** `pitr: …` text of a gap for messages: where it begins and ends, what is missing. */
export function describeGap(g: RecordedGap): string {
  const missing = [...(g.partialFile === undefined ? [] : [`the rest of ${g.partialFile}`]), ...g.missingFiles];
  return (
    `${g.from.file}:${g.from.pos}${g.from.time === undefined ? '' : ` (last commit ${g.from.time})`} → ${g.to.file}:${g.to.pos}${g.to.time === undefined ? '' : ` (${g.to.time})`}` +
    ` (${missing.join(', ')} purged by the server before it was archived)`
  );
}

/** The manifest of an archive timeline directory, if `dir` is one. */
async function archiveManifest(dir: string): Promise<BinlogManifest | undefined> {
  const path = join(dir, MANIFEST_FILE);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    if (errnoCode(e) === 'ENOENT') return undefined;
    throw new PitrError(ERROR_CODES.PLAN, `cannot read ${path}: ${errnoCode(e) ?? String(e)}`, { cause: e });
  }
  try {
    return validateManifest(JSON.parse(text), path);
  } catch (e) {
    if (e instanceof PitrError) throw e;
    throw new PitrError(ERROR_CODES.PLAN, `${path} is damaged: ${(e as Error).message}`, { cause: e, hints: ['run pitr verify --repo DIR'] });
  }
}

const NAME_RE = /^(.+)\.(\d{6,})(\.gz|\.zst)?$/;

/** The binlog files in `dir`, in sequence order. */
export async function listBinlogDir(dir: string): Promise<BinlogFile[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (e) {
    throw new PitrError(ERROR_CODES.PLAN, `cannot read the binlog directory ${dir}: ${(e as Error).message}`, {
      hints: ['--binlog-dir is the directory holding the binlog files (e.g. a copy of the server\'s mariadb-bin.NNNNNN files)'],
      cause: e,
    });
  }
  const byName = new Map<string, BinlogFile>();
  for (const n of names) {
    const m = NAME_RE.exec(n);
    if (m === null) continue;
    const path = join(dir, n);
    const st = await stat(path);
    if (!st.isFile()) continue;
    const name = `${m[1]!}.${m[2]!}`;
    const f: BinlogFile = { name, path, size: st.size, compressed: m[3] !== undefined, seq: Number(m[2]), base: m[1]! };
    const prev = byName.get(name);
    if (prev !== undefined) {
      throw new PitrError(ERROR_CODES.PLAN, `binlog ${name} is in ${dir} twice (${prev.path.split('/').pop()} and ${n})`, {
        hints: ['keep one copy of each binlog file'],
      });
    }
    byName.set(name, f);
  }
  const manifest = await archiveManifest(dir);
  for (const g of manifest?.gaps ?? []) {
    const f = byName.get(g.from.file);
    if (f !== undefined) byName.set(f.name, { ...f, gapAfter: g });
  }
  return [...byName.values()].sort((a, b) => (a.base === b.base ? a.seq - b.seq : a.base < b.base ? -1 : 1));
}

/**
 * The files a replay from `startFile` reads: that file and every later one of the same base name,
 * which must follow without a gap.
 */
export function replayFiles(all: readonly BinlogFile[], startFile: string, dir: string): BinlogFile[] {
  const first = all.find((f) => f.name === startFile);
  if (first === undefined) {
    const same = all.filter((f) => startFile.startsWith(`${f.base}.`));
    throw new PitrError(ERROR_CODES.PLAN, `the backup's binlog file ${startFile} is not in ${dir}`, {
      hints: [
        same.length > 0
          ? `the directory holds ${same[0]!.name} … ${same[same.length - 1]!.name}: the replay must start at ${startFile}, so that file is needed (was it purged or not copied?)`
          : `copy the server's binlog files from ${startFile} on into ${dir}`,
      ],
    });
  }
  let files = all.filter((f) => f.base === first.base && f.seq >= first.seq);
  // a recorded gap ends the replay: nothing after it continues these transactions
  const gapAt = files.findIndex((f) => f.gapAfter !== undefined);
  if (gapAt >= 0) files = files.slice(0, gapAt + 1);
  for (let i = 1; i < files.length; i++) {
    if (files[i]!.seq !== files[i - 1]!.seq + 1) {
      const missing = `${first.base}.${String(files[i - 1]!.seq + 1).padStart(6, '0')}`;
      throw new PitrError(ERROR_CODES.PLAN, `binlog ${missing} is missing from ${dir} (between ${files[i - 1]!.name} and ${files[i]!.name}): the replay would skip its transactions`, {
        hints: ['copy the missing file into the directory; a replay never jumps over a gap'],
      });
    }
  }
  return files;
}
