/**
 * Runs `archiveBinlogs({ follow: true })` in a child process for the kill test
 * (archive-kill.test.ts): argv = source URL, repository. Prints READY once started; SIGTERM stops
 * it cleanly, SIGKILL is what the test sends.
 */
import { archiveBinlogs } from '../archive-binlogs.js';

const [source, repo] = process.argv.slice(2);
if (source === undefined || repo === undefined) throw new Error('usage: archive-child URL REPO');
const controller = new AbortController();
process.on('SIGTERM', () => controller.abort());
process.stdout.write('READY\n');
await archiveBinlogs({ source, repo, follow: true, signal: controller.signal, lockWaitMs: 10_000, onWarning: (m) => process.stdout.write(`WARN ${m}\n`) });
