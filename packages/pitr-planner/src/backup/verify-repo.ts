/**
 * `pitr verify`: reads every completed backup in full and checks what a restore will rely on:
 *   - the file's size and SHA-256 match the record (the bytes are the bytes that were written);
 *   - the gzip stream decompresses to its end (CRC and length of every member);
 *   - the dump ends with its completion trailer (`-- Dump completed`): it was not cut short;
 *   - the dump carries binlog coordinates (core's DumpCoordinatesCollector, the same reader a
 *     restore uses) and they are the record's.
 * One streamed pass per backup (file → hash, file → gunzip → statement splitter): memory stays flat.
 * Every problem is listed, not just the first. Also reported: damaged records, running records
 * whose process is gone, and leftover `.pitr-tmp-*` files of interrupted writers.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { DumpCoordinatesCollector, DumpStatementSplitter, errnoCode, isAtomicTempName, openRepo, readBinlogFile, readManifest, readRepoLock } from '@pitr/core';
import type { BinlogManifest, DumpCoordinates, DumpStatement, ManifestFileEntry, PitrRepo } from '@pitr/core';

const BINLOG_MAGIC_BYTES = new Uint8Array([0xfe, 0x62, 0x69, 0x6e]);
import type { BackupRecord } from '../catalog/backup-record.js';
import { listBackups } from '../catalog/catalog.js';
import { classify } from './list-repo.js';
import type { BackupState } from './list-repo.js';

export interface BackupChecks {
  /** Size and SHA-256 of the file match the record. */
  checksum: boolean;
  /** The gzip stream decompressed completely. */
  gzip: boolean;
  /** `-- Dump completed` present. */
  trailer: boolean;
  /** Binlog coordinates present and equal to the record's. */
  coordinates: boolean;
}

export interface BackupVerification {
  id: string;
  state: BackupState;
  /** Whether the dump was read (only completed backups are). */
  checked: boolean;
  checks?: BackupChecks;
  /** Uncompressed dump bytes read. */
  dumpBytes?: number;
  problems: string[];
}

export interface RepoVerification {
  dir: string;
  /** No problem anywhere (warnings do not count). */
  ok: boolean;
  backups: BackupVerification[];
  /** Problems outside any one backup (damaged records). */
  problems: string[];
  /** Harmless but worth a look: interrupted backups, leftover temp files. */
  warnings: string[];
  /** Leftover temp files, relative to the repository. */
  leftovers: string[];
  /** Every archived binlog file (pitr archive), checked. */
  archive: ArchiveFileVerification[];
}

export interface ArchiveFileVerification {
  timeline: string;
  name: string;
  state: 'closed' | 'open';
  problems: string[];
}

export interface VerifyRepoOptions {
  /** Called before each backup is read. */
  onBackup?: (id: string, index: number, count: number) => void;
}

export async function verifyRepo(dir: string, options: VerifyRepoOptions = {}): Promise<RepoVerification> {
  const repo = await openRepo(dir);
  const problems: string[] = [];
  const warnings: string[] = [];
  const records = await listBackups(repo, { onProblem: (m) => problems.push(m) });
  const lock = await readRepoLock(repo.dir);
  const backups: BackupVerification[] = [];
  const completed = records.filter((r) => r.status === 'completed');
  let index = 0;
  for (const record of records) {
    const entry = classify(record, lock);
    if (record.status !== 'completed') {
      if (entry.state === 'interrupted') warnings.push(`backup ${record.id} was interrupted (${entry.interruptedReason}); \`pitr expire\` does not remove it, delete its directory when you no longer need its record`);
      backups.push({ id: record.id, state: entry.state, checked: false, problems: [] });
      continue;
    }
    options.onBackup?.(record.id, index++, completed.length);
    backups.push(await verifyBackup(record, repo.layout.dumpFile(record.id)));
  }
  const leftovers = await findTempFiles(repo.dir);
  for (const f of leftovers) warnings.push(`leftover temporary file ${f} (from an interrupted writer; safe to delete when no pitr command is running)`);
  const archive = await verifyArchive(repo, problems, warnings);
  const ok = problems.length === 0 && backups.every((b) => b.problems.length === 0) && archive.every((a) => a.problems.length === 0);
  return { dir: repo.dir, ok, backups, problems, warnings, leftovers, archive };
}

/**
 * Re-checks the binlog archive: per file, the stored file's SHA-256 (closed files), its binlog bytes'
 * SHA-256 after decompression, every event's CRC32 and framing (a full decode), its end position;
 * per timeline, that files follow without a gap and that each file's GTID state continues the
 * previous file's last GTID (MariaDB). The open file is checked up to where it is written.
 * A gap the archiver recorded (the server purged binlogs before they were archived) and a timeline
 * that ended because the server's history went on elsewhere (RESET MASTER, failover) are known
 * facts, reported as warnings; a file missing without a record is a problem.
 */
async function verifyArchive(repo: PitrRepo, problems: string[], warnings: string[]): Promise<ArchiveFileVerification[]> {
  const out: ArchiveFileVerification[] = [];
  let timelines: string[] = [];
  try {
    timelines = (await readdir(repo.layout.binlogsDir, { withFileTypes: true })).filter((d) => d.isDirectory() && /^\d{4}-/.test(d.name)).map((d) => d.name).sort();
  } catch {
    return out;
  }
  for (const timeline of timelines) {
    let manifest: BinlogManifest | undefined;
    try {
      manifest = await readManifest(repo, timeline);
    } catch (e) {
      problems.push(`binlog timeline ${timeline}: ${(e as Error).message}`);
      continue;
    }
    if (manifest === undefined) continue;
    const timelineName = manifest.timeline;
    for (const g of manifest.gaps ?? []) {
      const missing = [...(g.partialFile === undefined ? [] : [`the rest of ${g.partialFile}`]), ...g.missingFiles];
      warnings.push(`binlog timeline ${timelineName} has a GAP from ${g.from.file}:${g.from.pos} to ${g.to.file}:${g.to.pos} (${missing.join(', ')} purged by the server before it was archived, found ${g.detectedAt}): no restore can cross it`);
    }
    if (manifest.sealed !== undefined) {
      warnings.push(`binlog timeline ${timelineName} ended ${manifest.sealed.at}: ${manifest.sealed.reason}${manifest.sealed.successor === undefined ? '' : `; the archive continues in timeline ${manifest.sealed.successor}`}`);
    }
    let prev: ManifestFileEntry | undefined;
    for (const f of manifest.files) {
      const fileProblems: string[] = [];
      const path = join(repo.layout.binlogsDir, timeline, f.storedAs);
      const recordedGap = prev === undefined ? undefined : (manifest.gaps ?? []).find((g) => g.from.file === prev!.name && g.to.file === f.name);
      if (prev !== undefined && recordedGap === undefined) {
        const a = Number(/\.(\d+)$/.exec(prev.name)?.[1]);
        const b = Number(/\.(\d+)$/.exec(f.name)?.[1]);
        if (b !== a + 1) fileProblems.push(`follows ${prev.name}: ${b - a - 1} file(s) missing between them (a gap)`);
        if (prev.incomplete === true) fileProblems.push(`follows ${prev.name}, which is archived only in part, without a recorded gap`);
        if (f.flavor === 'mariadb' && prev.lastGtid !== undefined && f.gtidStateAtStart !== undefined && !f.gtidStateAtStart.split(',').includes(prev.lastGtid)) {
          fileProblems.push(`its GTID state at start (${f.gtidStateAtStart}) does not include ${prev.name}'s last GTID ${prev.lastGtid}`);
        }
      }
      try {
        if (f.state === 'closed' && f.storedSha256 !== undefined) {
          const stored = createHash('sha256');
          for await (const chunk of createReadStream(path)) stored.update(chunk as Buffer);
          if (stored.digest('hex') !== f.storedSha256) fileProblems.push(`the stored file's SHA-256 differs from the manifest (${f.storedAs} was changed or damaged)`);
        }
        // one pass: every event decoded with its CRC32 checked (gzip/zstd by content), and the
        // binlog's bytes (magic + the events in order) hashed on the way
        const bytes = createHash('sha256').update(BINLOG_MAGIC_BYTES);
        let end = 4;
        const reader = readBinlogFile(path, { decodeRows: false });
        for (let batch = await reader.nextBatch(); batch !== undefined; batch = await reader.nextBatch()) {
          for (const e of batch) if (e.payloadIndex === undefined) bytes.update(e.raw);
          end = batch[batch.length - 1]!.end;
        }
        if (f.state === 'closed' && f.sha256 !== undefined && bytes.digest('hex') !== f.sha256) fileProblems.push("the binlog bytes' SHA-256 differs from the manifest");
        if (f.state === 'closed' && end !== f.endPos) fileProblems.push(`its events end at ${end}, the manifest says ${f.endPos}`);
      } catch (e) {
        fileProblems.push((e as Error).message);
      }
      if (f.state === 'open') warnings.push(`binlog ${timeline}/${f.name} is still being written (checked up to its current end)`);
      out.push({ timeline, name: f.name, state: f.state, problems: fileProblems });
      prev = f;
    }
  }
  return out;
}

/** Checks one completed backup's dump against its record. */
export async function verifyBackup(record: BackupRecord, path: string): Promise<BackupVerification> {
  const problems: string[] = [];
  const checks: BackupChecks = { checksum: false, gzip: false, trailer: false, coordinates: false };
  const result: BackupVerification = { id: record.id, state: 'completed', checked: true, checks, problems };
  let size: number;
  try {
    size = (await stat(path)).size;
  } catch (e) {
    problems.push(errnoCode(e) === 'ENOENT' ? `${path} is missing` : `${path} cannot be read: ${errnoCode(e) ?? String(e)}`);
    return result;
  }
  const hash = createHash('sha256');
  const collector = new DumpCoordinatesCollector();
  const splitter = new DumpStatementSplitter({ onComment: (text) => collector.comment(text), initialBufferBytes: 1 << 20 });
  const onStatement = (s: DumpStatement): void => collector.statement(s);
  let dumpBytes = 0;
  let splitError: unknown;
  const hashing = createReadStream(path);
  hashing.on('data', (b) => hash.update(b));
  const sink = new Writable({
    write(chunk: Buffer, _enc, callback) {
      dumpBytes += chunk.length;
      if (splitError === undefined) {
        try {
          splitter.push(chunk, onStatement);
        } catch (e) {
          splitError = e;
        }
      }
      callback();
    },
  });
  try {
    await pipeline(hashing, createGunzip(), sink);
    checks.gzip = true;
  } catch (e) {
    problems.push(`gzip: ${gzipMessage(e)}`);
    // finish hashing what is left of the file (the pipeline stopped reading at the error)
    hashing.removeAllListeners('data');
    const rest = createReadStream(path);
    const h2 = createHash('sha256');
    for await (const b of rest) h2.update(b as Buffer);
    return finishChecksum(record, size, h2.digest('hex'), result, dumpBytes);
  }
  if (splitError === undefined) {
    try {
      splitter.end(onStatement);
    } catch (e) {
      splitError = e;
    }
  }
  finishChecksum(record, size, hash.digest('hex'), result, dumpBytes);
  if (splitError !== undefined) problems.push(`the dump cannot be read as SQL: ${splitError instanceof Error ? splitError.message : String(splitError)}`);
  const found = collector.result();
  checkDump(record, found, checks, problems);
  return result;
}

function finishChecksum(record: BackupRecord, size: number, sha256: string, result: BackupVerification, dumpBytes: number): BackupVerification {
  result.dumpBytes = dumpBytes;
  const checks = result.checks!;
  checks.checksum = true;
  if (record.sizeBytes !== undefined && record.sizeBytes !== size) {
    checks.checksum = false;
    result.problems.push(`size is ${size} bytes, the record says ${record.sizeBytes}`);
  }
  if (record.sha256 !== sha256) {
    checks.checksum = false;
    result.problems.push(`SHA-256 is ${sha256}, the record says ${record.sha256 ?? '(none)'}`);
  }
  return result;
}

function checkDump(record: BackupRecord, found: DumpCoordinates, checks: BackupChecks, problems: string[]): void {
  checks.trailer = found.complete;
  if (!found.complete) problems.push('the dump has no completion trailer ("-- Dump completed"): it was cut short');
  const want = record.coordinates;
  if (found.binlog === undefined && found.gtid === undefined) {
    problems.push('the dump carries no binlog coordinates');
    return;
  }
  const same =
    want !== undefined &&
    found.binlog !== undefined &&
    found.binlog.file === want.file &&
    found.binlog.pos === want.pos &&
    (want.gtid === undefined || found.gtid === want.gtid);
  if (!same) {
    const dumpText = `${found.binlog === undefined ? '?' : `${found.binlog.file}:${found.binlog.pos}`}${found.gtid === undefined ? '' : ` gtid ${found.gtid}`}`;
    const recordText = want === undefined ? '(none)' : `${want.file}:${want.pos}${want.gtid === undefined ? '' : ` gtid ${want.gtid}`}`;
    problems.push(`the dump's coordinates (${dumpText}) differ from the record's (${recordText})`);
    return;
  }
  checks.coordinates = true;
}

function gzipMessage(e: unknown): string {
  const code = errnoCode(e);
  const message = e instanceof Error ? e.message : String(e);
  return code === undefined || message.includes(code) ? message : `${message} (${code})`;
}

/** `.pitr-tmp-*` files anywhere in the repository (relative paths). */
async function findTempFiles(root: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (dir: string, depth: number): Promise<void> => {
    let entries;
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const p = join(dir, e.name);
      if (isAtomicTempName(e.name)) out.push(relative(root, p));
      else if (e.isDirectory() && depth < 4) await walk(p, depth + 1);
    }
  };
  await walk(root, 0);
  return out.sort();
}
