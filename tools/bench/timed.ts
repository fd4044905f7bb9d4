/**
 * Runs a command for a benchmark: wall time, peak RSS and CPU (user + system, incl. reaped children
 * such as a shell pipeline's) through GNU time when present. `onStderrLine` sees the child's stderr
 * line by line (else the first 64 KiB are kept). Used by bench-replay.ts and bench-granular.ts.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const GNU_TIME = '/usr/bin/time';

export interface Timed {
  wallMs: number;
  maxRssKB: number | undefined;
  cpuMs: number | undefined;
  exitCode: number;
  stdout: string;
  stderr: string;
}

export interface TimedOptions {
  /** Working directory of the child. */
  readonly cwd: string;
  readonly env?: NodeJS.ProcessEnv;
  readonly onStderrLine?: (line: string) => void;
}

export async function timed(argv: string[], opts: TimedOptions): Promise<Timed> {
  const useGnuTime = existsSync(GNU_TIME);
  const tmp = await mkdtemp(join(tmpdir(), 'pitr-bench-time-'));
  const timeFile = join(tmp, 'time.txt');
  const [cmd, ...args] = useGnuTime ? [GNU_TIME, '-f', '%e %M %U %S', '-o', timeFile, ...argv] : argv;
  const started = performance.now();
  const child = spawn(cmd!, args, { cwd: opts.cwd, env: opts.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  let partial = '';
  child.stdout.on('data', (d: Buffer) => {
    if (stdout.length < 1 << 20) stdout += d.toString();
  });
  child.stderr.on('data', (d: Buffer) => {
    const text = partial + d.toString();
    const lines = text.split('\n');
    partial = lines.pop() ?? '';
    for (const l of lines) {
      if (opts.onStderrLine) opts.onStderrLine(l);
      else if (stderr.length < 64 * 1024) stderr += `${l}\n`;
    }
  });
  const exitCode = await new Promise<number>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve(code ?? -1));
  });
  if (partial !== '') {
    if (opts.onStderrLine) opts.onStderrLine(partial);
    else stderr += partial;
  }
  let wallMs = performance.now() - started;
  let maxRssKB: number | undefined;
  let cpuMs: number | undefined;
  if (useGnuTime) {
    try {
      // GNU time prefixes "Command exited with non-zero status N" on failure: take the last line
      const text = (await readFile(timeFile, 'utf8')).trim().split('\n').pop() ?? '';
      const m = /^([\d.]+)\s+(\d+)\s+([\d.]+)\s+([\d.]+)$/.exec(text);
      if (m) {
        wallMs = Number(m[1]) * 1000;
        maxRssKB = Number(m[2]);
        cpuMs = (Number(m[3]) + Number(m[4])) * 1000;
      }
    } catch {
      // keep our own wall clock
    }
  }
  await rm(tmp, { recursive: true, force: true });
  return { wallMs, maxRssKB, cpuMs, exitCode, stdout, stderr };
}
