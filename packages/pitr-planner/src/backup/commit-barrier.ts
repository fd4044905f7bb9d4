/**
 * A short server-wide pause of commits (MariaDB `BACKUP STAGE START` + `BACKUP STAGE BLOCK_COMMIT`,
 * the pair mariadb-backup itself uses), held only while two consistent snapshots are opened: ours
 * and the dump tool's. With no commit between them, both see exactly the same committed data
 * (float-fixups.ts explains why that matters). Readers are not blocked; writers wait at COMMIT for
 * a few tens of milliseconds. Unlike FLUSH TABLES WITH READ LOCK it does not wait for running
 * queries to finish.
 * https://mariadb.com/kb/en/backup-stage/
 *
 * Safety: the session waits at most LOCK_WAIT_SECONDS for the stages (e.g. behind a running DDL)
 * and the barrier releases itself after MAX_HOLD_MS whatever happens; a missing privilege (RELOAD)
 * or a timeout just means no barrier, which the caller then detects by comparing the two
 * snapshots' binlog positions.
 */
import type { SourceConnection } from './source-server.js';

const LOCK_WAIT_SECONDS = 10;
export const MAX_HOLD_MS = 30_000;

export class CommitBarrier {
  readonly #conn: SourceConnection;
  #released = false;
  #timer: NodeJS.Timeout | undefined;
  #releasing: Promise<void> | undefined;
  /** When the barrier was taken and released (for the record of how long writers waited). */
  readonly acquiredAtMs: number;
  releasedAtMs: number | undefined;

  private constructor(conn: SourceConnection) {
    this.#conn = conn;
    this.acquiredAtMs = Date.now();
    this.#timer = setTimeout(() => void this.release(), MAX_HOLD_MS);
    this.#timer.unref();
  }

  /**
   * Takes the barrier on `conn` (a session of its own, used for nothing else). Returns undefined
   * with the reason when the server refuses (no privilege, not MariaDB ≥ 10.4, lock timeout).
   */
  static async acquire(conn: SourceConnection): Promise<{ barrier: CommitBarrier } | { barrier: undefined; reason: string }> {
    try {
      await conn.query(`SET SESSION lock_wait_timeout = ${LOCK_WAIT_SECONDS}`);
      await conn.query('BACKUP STAGE START');
      await conn.query('BACKUP STAGE BLOCK_COMMIT');
    } catch (e) {
      await conn.query('BACKUP STAGE END').catch(() => undefined);
      return { barrier: undefined, reason: e instanceof Error ? e.message : String(e) };
    }
    return { barrier: new CommitBarrier(conn) };
  }

  get released(): boolean {
    return this.#released;
  }

  /** Lets commits continue. Idempotent; never throws (a lost session releases the stage anyway). */
  release(): Promise<void> {
    this.#releasing ??= (async () => {
      if (this.#timer !== undefined) clearTimeout(this.#timer);
      this.#released = true;
      this.releasedAtMs = Date.now();
      await this.#conn.query('BACKUP STAGE END').catch(() => undefined);
    })();
    return this.#releasing;
  }
}
