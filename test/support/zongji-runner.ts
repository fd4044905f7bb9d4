/**
 * Streams row events from a live server with @vlasky/zongji (a binlog client we did not write) and
 * collects them, so their values can be compared with our decoder reading the same binlog files.
 *
 * zongji speaks the replication protocol (COM_BINLOG_DUMP) itself; it needs REPLICATION SLAVE and
 * REPLICATION CLIENT (the harness user has ALL). With binlog_row_metadata=FULL it decodes rows from
 * the TABLE_MAP metadata alone (no information_schema lookups), see its README "Table metadata source".
 *
 * Options chosen for the most exact values zongji offers:
 *  - dateStrings: true   DATE/DATETIME/TIMESTAMP as strings (no Date objects, no ms truncation)
 *  - timezone: 'Z'       TIMESTAMP strings rendered in UTC, independent of the machine's zone
 *  - supportBigNumbers/bigNumberStrings: BIGINT beyond 2^53 as exact strings
 *  - DECIMAL is an exact string by default (decimalNumbers unset).
 */
import ZongJi from '@vlasky/zongji';

export interface ZongjiRowEvent {
  /** Binlog file basename the event was read from (tracked through ROTATE events). */
  readonly file: string;
  /** End position of the event (zongji's nextPosition = header log_pos). */
  readonly end: number;
  readonly kind: 'write' | 'update' | 'delete';
  readonly db: string;
  readonly table: string;
  /** Column names in table order, as zongji knows them. */
  readonly columns: readonly string[];
  /** write/delete: one object per row; update: { before, after }. */
  readonly rows: readonly (Record<string, unknown> | { before: Record<string, unknown>; after: Record<string, unknown> })[];
}

export interface ZongjiRunOptions {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly password: string;
  /** Replica server id; must be unique among connected replicas and differ from the server's. */
  readonly serverId: number;
  readonly startFile: string;
  readonly startPosition?: number;
  /**
   * Stop once zongji rotates into this file (e.g. the file opened by FLUSH BINARY LOGS after the
   * workload): everything in the files before it has then been delivered.
   */
  readonly stopAtFile: string;
  readonly timeoutMs?: number;
}

const KIND_BY_EVENT = { writerows: 'write', updaterows: 'update', deleterows: 'delete' } as const;

interface ZongjiEventLike {
  getEventName(): string;
  nextPosition: number;
  binlogName?: string;
  tableId?: number;
  rows?: ZongjiRowEvent['rows'];
  tableMap?: Record<number, { parentSchema: string; tableName: string; columns?: { name: string }[] }>;
}

/** Streams from startFile:startPosition until zongji rotates into stopAtFile; resolves with all row events. */
export async function collectZongjiRows(opts: ZongjiRunOptions): Promise<ZongjiRowEvent[]> {
  const zongji = new ZongJi({
    host: opts.host,
    port: opts.port,
    user: opts.user,
    password: opts.password,
    dateStrings: true,
    timezone: 'Z',
    supportBigNumbers: true,
    bigNumberStrings: true,
  } as ConstructorParameters<typeof ZongJi>[0]);
  const collected: ZongjiRowEvent[] = [];
  let currentFile = opts.startFile;
  let settled = false;

  const stopped = (): Promise<void> =>
    new Promise<void>((resolve) => {
      let done = false;
      const finish = (): void => {
        if (!done) {
          done = true;
          resolve();
        }
      };
      zongji.once('stopped', finish);
      // stop() on a connection that never came up may not emit 'stopped'.
      setTimeout(finish, 2000).unref();
      zongji.stop();
    });

  return await new Promise<ZongjiRowEvent[]>((resolve, reject) => {
    const timer = setTimeout(() => {
      void finishWith(new Error(`zongji: timed out after ${opts.timeoutMs ?? 60000} ms in ${currentFile} (collected ${collected.length} row events)`));
    }, opts.timeoutMs ?? 60_000);

    async function finishWith(err?: Error): Promise<void> {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      await stopped();
      if (err) reject(err);
      else resolve(collected);
    }

    zongji.on('error', (err: Error) => {
      void finishWith(err instanceof Error ? err : new Error(String(err)));
    });
    zongji.on('binlog', (ev: ZongjiEventLike) => {
      if (settled) return;
      const name = ev.getEventName();
      if (name === 'rotate') {
        if (ev.binlogName) currentFile = ev.binlogName;
        if (currentFile === opts.stopAtFile) void finishWith();
        return;
      }
      const kind = KIND_BY_EVENT[name as keyof typeof KIND_BY_EVENT];
      if (!kind || ev.tableId === undefined) return;
      const map = ev.tableMap?.[ev.tableId];
      collected.push({
        file: currentFile,
        end: ev.nextPosition,
        kind,
        db: map?.parentSchema ?? '',
        table: map?.tableName ?? '',
        columns: map?.columns?.map((c) => c.name) ?? [],
        rows: ev.rows ?? [],
      });
    });
    zongji.start({
      serverId: opts.serverId,
      startAtEnd: false,
      filename: opts.startFile,
      position: opts.startPosition ?? 4,
      includeEvents: ['rotate', 'tablemap', 'writerows', 'updaterows', 'deleterows'],
    });
  });
}
