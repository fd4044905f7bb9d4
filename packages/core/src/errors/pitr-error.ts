/**
 * The one error type users see. Every failure that reaches a user is a PitrError with a stable
 * `code` (closed set below), a message that names what failed, and `hints` that say what to do.
 * The CLI maps codes to exit codes with a Record<ErrorCode, ExitCode> so an unmapped code fails
 * to compile.
 */
export const ERROR_CODES = {
  /** Bad command-line usage or API arguments. */
  USAGE: 'USAGE',
  /** A binlog file or stream is not what the format says (bad magic, truncated, bad length). */
  BINLOG_FORMAT: 'BINLOG_FORMAT',
  /** An event's CRC32 does not match its bytes. */
  BINLOG_CHECKSUM: 'BINLOG_CHECKSUM',
  /** The binlog is encrypted at rest (MariaDB START_ENCRYPTION); we cannot read it without the key. */
  BINLOG_ENCRYPTED: 'BINLOG_ENCRYPTED',
  /** An event type we do not know and that may carry data. */
  BINLOG_UNSUPPORTED: 'BINLOG_UNSUPPORTED',
  /** A file or directory could not be read or written. */
  IO: 'IO',
  /** A server could not be reached or refused us. */
  CONNECTION: 'CONNECTION',
  /** Another pitr command holds the repository's writer lock (DESIGN.md "Restore safety"). */
  REPO_LOCKED: 'REPO_LOCKED',
  /** A dump file is damaged: its gzip stream fails its check or ends early. */
  DUMP_CORRUPT: 'DUMP_CORRUPT',
  /** A schema source (dump or live server) could not be used. */
  SCHEMA: 'SCHEMA',
  /**
   * A restore plan cannot be built or fails validation: missing or unreadable binlogs, a gap, a
   * target outside the restorable window, a backup without coordinates. Nothing was written.
   */
  PLAN: 'PLAN',
  /** The restore target refused: not empty without --force, a setting that would corrupt the replay. Nothing was written. */
  TARGET: 'TARGET',
  /** A replayed change did not find its row on the target exactly as logged: the target drifted from the source. */
  DIVERGENCE: 'DIVERGENCE',
  /** A statement of the replay failed on the target (the transaction was rolled back). */
  APPLY: 'APPLY',
  /** A bug: something that should never happen. */
  INTERNAL: 'INTERNAL',
} as const;

export type ErrorCode = (typeof ERROR_CODES)[keyof typeof ERROR_CODES];

export interface PitrErrorOptions {
  hints?: readonly string[];
  cause?: unknown;
}

export class PitrError extends Error {
  readonly code: ErrorCode;
  readonly hints: readonly string[];

  constructor(code: ErrorCode, message: string, options: PitrErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'PitrError';
    this.code = code;
    this.hints = options.hints ?? [];
  }
}

/** A binlog that is malformed at a known place. `offset` is the absolute byte offset in `file`. */
export class BinlogFormatError extends PitrError {
  readonly file: string;
  readonly offset: number;
  readonly eventType: number | undefined;

  constructor(
    message: string,
    where: { file: string; offset: number; eventType?: number | undefined },
    options: PitrErrorOptions & { code?: ErrorCode } = {},
  ) {
    const typeText = where.eventType === undefined ? '' : ` (event type ${where.eventType})`;
    super(options.code ?? ERROR_CODES.BINLOG_FORMAT, `${where.file}:${where.offset}${typeText}: ${message}`, options);
    this.name = 'BinlogFormatError';
    this.file = where.file;
    this.offset = where.offset;
    this.eventType = where.eventType;
  }
}

export function isPitrError(e: unknown): e is PitrError {
  return e instanceof PitrError;
}
