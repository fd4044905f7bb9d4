/**
 * `pitr binlog decode FILE...`: stream every event of the given binlogs to stdout as text
 * (mariadb-binlog -vv style) or NDJSON (DESIGN.md). Position and time windows follow mysqlbinlog:
 * --start-position applies to the first file, --stop-position to the last; --start-datetime prints
 * from the first event whose header time is at or after it, --stop-datetime stops at the first
 * event at or after it. Each file's FORMAT_DESCRIPTION event is always printed, as mysqlbinlog does,
 * because it says how the rest was decoded.
 */
import { stat } from 'node:fs/promises';
import { basename } from 'node:path';
import { EventText, PitrError, eventJson, parseTargetTime, resolveTimeZone, type BinlogEvent } from '@pitr/core';
import type { CommandContext } from '../command-context.js';
import { SchemaHistory } from '@pitr/core';
import { loadSchema, readBinlogFile, type ReadBinlogFile, type SchemaProvider } from '../core-binlog.js';
import { EXIT, type ExitCode } from '../exit-codes.js';
import { OutputClosed, OutputSink } from '../output-sink.js';
import { Progress } from '../progress.js';

export interface BinlogDecodeArgs {
  readonly files: readonly string[];
  readonly json: boolean;
  readonly startPosition: number | undefined;
  readonly stopPosition: number | undefined;
  /** Epoch ms, inclusive. */
  readonly startMs: number | undefined;
  /** Epoch ms, exclusive. */
  readonly stopMs: number | undefined;
  readonly tz: string | undefined;
  readonly schemaFrom: string | undefined;
  readonly verifyChecksum: boolean;
}

/** Option values → checked arguments; every problem is a USAGE error naming the option. */
export function binlogDecodeArgs(ctx: Pick<CommandContext, 'positionals' | 'values'>): BinlogDecodeArgs {
  const v = ctx.values;
  const tz = typeof v.tz === 'string' ? resolveTimeZone(v.tz).name : undefined;
  const time = (name: 'start-datetime' | 'stop-datetime'): number | undefined => {
    const text = v[name];
    if (typeof text !== 'string') return undefined;
    try {
      return parseTargetTime(text, tz).epochMs;
    } catch (e) {
      if (e instanceof PitrError) throw new PitrError(e.code, `--${name}: ${e.message}`, { hints: e.hints, cause: e });
      throw e;
    }
  };
  const args: BinlogDecodeArgs = {
    files: ctx.positionals,
    json: v.json === true,
    startPosition: typeof v['start-position'] === 'number' ? v['start-position'] : undefined,
    stopPosition: typeof v['stop-position'] === 'number' ? v['stop-position'] : undefined,
    startMs: time('start-datetime'),
    stopMs: time('stop-datetime'),
    tz,
    schemaFrom: typeof v['schema-from'] === 'string' ? v['schema-from'] : undefined,
    verifyChecksum: v['verify-checksum'] !== false,
  };
  if (args.files.length === 1 && args.startPosition !== undefined && args.stopPosition !== undefined && args.stopPosition <= args.startPosition) {
    throw new PitrError('USAGE', `--stop-position ${args.stopPosition} is not after --start-position ${args.startPosition}`, {
      hints: ['with one FILE, the stop position must be greater than the start position'],
    });
  }
  if (args.startMs !== undefined && args.stopMs !== undefined && args.stopMs <= args.startMs) {
    throw new PitrError('USAGE', '--stop-datetime is not after --start-datetime', { hints: ['the window is [start, stop): stop must be later than start'] });
  }
  return args;
}

/** What the command needs from core; injectable so the windowing logic is testable alone. */
export interface BinlogDecodeDeps {
  readonly readBinlogFile: ReadBinlogFile;
  readonly loadSchema: (from: string) => Promise<SchemaProvider>;
}

const CORE_DEPS: BinlogDecodeDeps = { readBinlogFile, loadSchema };

export function binlogDecode(ctx: CommandContext): Promise<ExitCode> {
  return runBinlogDecode(ctx, CORE_DEPS);
}

export async function runBinlogDecode(ctx: CommandContext, deps: BinlogDecodeDeps): Promise<ExitCode> {
  const args = binlogDecodeArgs(ctx);
  const { io } = ctx;
  const out = new OutputSink(io.stdout);
  const progress = new Progress(io.stdout, io.stderr);
  const warned = new Set<string>();
  // Each distinct warning once (per run, across files), with where it first happened.
  const onWarning = (message: string, where?: { file: string; pos: number }): void => {
    if (warned.has(message)) return;
    warned.add(message);
    progress.clear();
    io.stderr.write(`pitr: warning: ${message}${where === undefined ? '' : ` (first at ${where.file}:${where.pos})`}\n`);
  };

  const given: SchemaProvider | undefined = args.schemaFrom === undefined ? undefined : await deps.loadSchema(args.schemaFrom);
  // One history for the whole run, across files in order: DDL in the binlog (CREATE/ALTER/RENAME…)
  // updates table definitions, so tables created or altered inside the range keep their names.
  const schema = new SchemaHistory(given);
  const text = args.json ? undefined : new EventText({ tz: args.tz, schemaGiven: given !== undefined });
  // --start-datetime: nothing is printed until the first event at/after it, then everything is.
  let started = args.startMs === undefined;
  let events = 0;

  try {
    files: for (let i = 0; i < args.files.length; i++) {
      const path = args.files[i]!;
      const first = i === 0;
      const last = i === args.files.length - 1;
      // positions count uncompressed bytes, so a compressed file's size is no measure of progress
      const size = progress.enabled && !/\.(gz|gzip|zst|zstd)$/i.test(path) ? await fileSize(path) : undefined;
      const label = basename(path);
      const reader = deps.readBinlogFile(path, {
        ...(first && args.startPosition !== undefined ? { startPosition: args.startPosition } : {}),
        ...(last && args.stopPosition !== undefined ? { stopPosition: args.stopPosition } : {}),
        schema,
        onWarning,
        verifyChecksum: args.verifyChecksum,
      });
      for await (const event of reader) {
        // The reader honours stopPosition; this guard keeps the contract if it reads a bit further.
        if (last && args.stopPosition !== undefined && event.payloadIndex === undefined && event.pos >= args.stopPosition) break;
        const fde = event.body.kind === 'format_description';
        if (!fde) {
          const ms = event.header.timestamp * 1000;
          if (args.stopMs !== undefined && ms >= args.stopMs) break files;
          if (!started) {
            if (ms < (args.startMs ?? 0)) continue;
            started = true;
          }
        }
        await out.write(render(event, text));
        events++;
        progress.update(label, event.end, size, events);
      }
    }
    await out.close();
  } catch (e) {
    if (e instanceof OutputClosed) return EXIT.OK; // the reader of our output (head, less) is done
    await out.close().catch(() => undefined);
    throw e;
  } finally {
    progress.clear();
  }
  return EXIT.OK;
}

function render(event: BinlogEvent, text: EventText | undefined): string {
  return text === undefined ? `${eventJson(event)}\n` : text.render(event);
}

async function fileSize(path: string): Promise<number | undefined> {
  try {
    return (await stat(path)).size;
  } catch {
    return undefined; // the reader reports the real problem
  }
}
