/** Small helpers the benchmark scripts share. */
import { createReadStream } from 'node:fs';

/** `s` as one single-quoted shell word. */
export function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/** Reads `files` once so every timed run finds them in the page cache. */
export async function warmPageCache(files: readonly string[]): Promise<void> {
  for (const f of files) {
    await new Promise<void>((resolve, reject) => {
      const s = createReadStream(f, { highWaterMark: 4 << 20 });
      s.on('data', () => undefined);
      s.on('end', resolve);
      s.on('error', reject);
    });
  }
}
