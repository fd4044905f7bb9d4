import type { ErrorCode } from '@pitr/core';

/** Process exit codes (DESIGN.md "Command line"). */
export const EXIT = {
  OK: 0,
  /** Operational failure: I/O, connection, schema source, internal fault. */
  FAILURE: 1,
  /** Bad usage: unknown option, missing argument, unreadable time. */
  USAGE: 2,
  /** Verification/integrity failure: malformed binlog, checksum mismatch, unsupported event. */
  INTEGRITY: 3,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** Every error code maps to an exit code; a new code fails to compile until it is mapped here. */
export const EXIT_CODE_BY_ERROR: Record<ErrorCode, ExitCode> = {
  USAGE: EXIT.USAGE,
  BINLOG_FORMAT: EXIT.INTEGRITY,
  BINLOG_CHECKSUM: EXIT.INTEGRITY,
  BINLOG_ENCRYPTED: EXIT.FAILURE,
  BINLOG_UNSUPPORTED: EXIT.INTEGRITY,
  IO: EXIT.FAILURE,
  REPO_LOCKED: EXIT.FAILURE,
  CONNECTION: EXIT.FAILURE,
  DUMP_CORRUPT: EXIT.INTEGRITY,
  SCHEMA: EXIT.FAILURE,
  PLAN: EXIT.INTEGRITY,
  TARGET: EXIT.FAILURE,
  DIVERGENCE: EXIT.INTEGRITY,
  APPLY: EXIT.FAILURE,
  INTERNAL: EXIT.FAILURE,
};
