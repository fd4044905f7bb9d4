/**
 * The binlog files of a `--binlog-dir`: which ones a replay needs, in binlog order, and whether
 * the sequence is complete. Files are named as the server names them (`mariadb-bin.000042`), plain
 * or compressed (`.gz`, `.zst`: the reader detects the format by content); the server's `.index`
 * file and anything else is ignored.
 */
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { ERROR_CODES, PitrError } from '@pitr/core';

export interface BinlogFile {
  /** The binlog's own name (`mariadb-bin.000042`), without a compression suffix. */
  readonly name: string;
  readonly path: string;
  readonly size: number;
  readonly compressed: boolean;
  /** Sequence number from the name. */
  readonly seq: number;
  readonly base: string;
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
  const files = all.filter((f) => f.base === first.base && f.seq >= first.seq);
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
