/**
 * Runs the `pitr` CLI in-process (main() with captured stdout/stderr) for end-to-end tests: the exit
 * code and everything it printed. The environment is empty unless given (no PITR_PASSWORD leaks in).
 */
import { PassThrough } from 'node:stream';
import { main } from '@pitr/cli';

export interface PitrRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export async function runPitr(argv: readonly string[], env: Readonly<Record<string, string | undefined>> = {}): Promise<PitrRun> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let o = '';
  let e = '';
  stdout.on('data', (d: Buffer) => (o += d.toString()));
  stderr.on('data', (d: Buffer) => (e += d.toString()));
  const code = await main(argv, { stdout, stderr, env });
  // let the streams deliver what was written last
  await new Promise((r) => setImmediate(r));
  return { code, stdout: o, stderr: e };
}
