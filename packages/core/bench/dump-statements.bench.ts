/**
 * Throughput of the dump statement splitter on a generated dump (not a test; nothing committed).
 * Run: npx tsx packages/core/bench/dump-statements.bench.ts [sizeMB=256]
 * Writes a mariadb-dump-like file (extended INSERTs of ~1 MB, one row per line, strings with
 * escapes, numbers, hex blobs, plus one 64 MB single-line INSERT as mysqldump writes them) and its
 * gzip to a temp dir, then measures: the synchronous splitter over the bytes in memory, and
 * dumpStatements() over the plain and the gzip file; and 64 MB of one-row INSERTs
 * (--skip-extended-insert) for the per-statement cost.
 */
import { createWriteStream, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { createReadStream } from 'node:fs';
import { DumpStatementSplitter, dumpStatements } from '../src/dump/dump-statements.js';

const sizeMB = Number(process.argv[2] ?? 256);
const dir = mkdtempSync(join(tmpdir(), 'pitr-bench-dump-'));
const plainPath = join(dir, 'bench.sql');
const gzPath = join(dir, 'bench.sql.gz');

const LOREM = 'Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor incididunt ut labore et dolore magna aliqua. '.repeat(5);

function row(i: number): string {
  const s = `name ${i} it\\'s a \\"quote\\"; and a \\\\ backslash`;
  const hex = (i * 2654435761 >>> 0).toString(16).padStart(8, '0').repeat(8);
  const text = i % 4 === 0 ? LOREM.slice(0, 40 + (i % 400)) : 'short';
  return `(${i},'${s}','${text}',${(i * 7.25).toFixed(2)},-${i % 1000},0x${hex},NULL,'2026-05-25 14:30:07.${String(i % 1e6).padStart(6, '0')}')`;
}

async function generate(): Promise<void> {
  const out = createWriteStream(plainPath);
  const write = (s: string): Promise<void> | void => {
    if (!out.write(s)) return new Promise((r) => out.once('drain', () => r()));
  };
  await write("/*M!999999\\- enable the sandbox mode */ \n-- MariaDB dump 10.19  Distrib 10.11.19-MariaDB\n-- Server version\t10.11.19-MariaDB\n\n/*!40101 SET NAMES utf8mb4 */;\nCREATE DATABASE `bench`;\nUSE `bench`;\n");
  await write('CREATE TABLE `t` (\n  `id` int NOT NULL,\n  `s` varchar(200),\n  PRIMARY KEY (`id`)\n) ENGINE=InnoDB;\n');
  let written = 0;
  let i = 0;
  const target = sizeMB * 1e6;
  // one huge single-line INSERT (mysqldump style) of 64 MB
  {
    const parts: string[] = ['INSERT INTO `t` VALUES '];
    let len = 0;
    while (len < 64e6) {
      const r = row(i++);
      parts.push(r, ',');
      len += r.length + 1;
    }
    parts[parts.length - 1] = ';\n';
    const s = parts.join('');
    written += s.length;
    await write(s);
  }
  while (written < target) {
    const parts: string[] = ['LOCK TABLES `t` WRITE;\nINSERT INTO `t` VALUES\n'];
    let len = 0;
    while (len < 1e6) {
      const r = row(i++);
      parts.push(r, ',\n');
      len += r.length + 2;
    }
    parts[parts.length - 1] = ';\nUNLOCK TABLES;\n';
    const s = parts.join('');
    written += s.length;
    await write(s);
  }
  await write('-- Dump completed on 2026-05-25 14:31:00\n');
  await new Promise<void>((r) => out.end(r));
  await pipeline(createReadStream(plainPath), createGzip({ level: 1 }), createWriteStream(gzPath));
}

function report(label: string, bytes: number, seconds: number, statements: number): void {
  console.log(`${label.padEnd(34)} ${(bytes / 1e6).toFixed(0)} MB in ${seconds.toFixed(2)} s → ${(bytes / 1e6 / seconds).toFixed(0)} MB/s (${statements} statements)`);
}

try {
  await generate();
  const size = statSync(plainPath).size;
  console.log(`generated ${(size / 1e6).toFixed(0)} MB (gzip ${(statSync(gzPath).size / 1e6).toFixed(0)} MB) in ${dir}`);

  {
    const bytes = readFileSync(plainPath);
    for (let run = 0; run < 3; run++) {
      let n = 0;
      const t0 = performance.now();
      const splitter = new DumpStatementSplitter();
      const emit = (): void => {
        n++;
      };
      for (let off = 0; off < bytes.length; off += 1 << 20) splitter.push(bytes.subarray(off, off + (1 << 20)), emit);
      splitter.end(emit);
      report(`splitter, in memory (run ${run + 1})`, bytes.length, (performance.now() - t0) / 1000, n);
    }
  }
  for (const [label, path] of [
    ['dumpStatements(plain file)', plainPath],
    ['dumpStatements(gzip file)', gzPath],
  ] as const) {
    let n = 0;
    let kinds = 0;
    const t0 = performance.now();
    for await (const s of dumpStatements(path)) {
      n++;
      if (s.kind === 'insert') kinds++;
    }
    report(label, size, (performance.now() - t0) / 1000, n);
    void kinds;
  }
  {
    // --skip-extended-insert: one small INSERT per row (per-statement overhead)
    const parts: string[] = [];
    let len = 0;
    for (let i = 0; len < 64e6; i++) {
      const st = `INSERT INTO \`t\` VALUES (${i},'name ${i}',${i * 3},NULL);\n`;
      parts.push(st);
      len += st.length;
    }
    const small = Buffer.from(parts.join(''));
    for (let run = 0; run < 2; run++) {
      let n = 0;
      const t0 = performance.now();
      const splitter = new DumpStatementSplitter();
      const emit = (): void => {
        n++;
      };
      for (let off = 0; off < small.length; off += 1 << 20) splitter.push(small.subarray(off, off + (1 << 20)), emit);
      splitter.end(emit);
      const seconds = (performance.now() - t0) / 1000;
      report(`small INSERTs, in memory (run ${run + 1})`, small.length, seconds, n);
      console.log(`${''.padEnd(34)} ${(n / seconds / 1e6).toFixed(2)} M statements/s`);
    }
  }
  console.log(`peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
