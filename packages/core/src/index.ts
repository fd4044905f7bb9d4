// Public surface of @pitr/core. Every export is named explicitly; anything not listed here is internal.

// errors
export { PitrError, BinlogFormatError, ERROR_CODES, isPitrError } from './errors/pitr-error.js';
export type { ErrorCode, PitrErrorOptions } from './errors/pitr-error.js';

// binlog: decoded-event contract
export type {
  Flavor,
  EventHeader,
  ColumnDef,
  TableMapBody,
  RowsKind,
  RowChange,
  RowsBody,
  QueryStatusVars,
  EventBody,
  MariadbGtidBody,
  MysqlGtidBody,
  BinlogEvent,
} from './binlog/types.js';
export type { ColumnValue, RowImage, TimestampValue, EnumValue, SetValue } from './binlog/columns/values.js';

// cli helper: event renderers and time parsing (binlog-decode helper; lead may regroup)
export { eventJson } from './binlog/event-json.js';
export { EventText } from './binlog/event-text.js';
export type { EventTextOptions } from './binlog/event-text.js';
export { parseTargetTime, resolveTimeZone, wallClock, machineTimeZone, formatOffset } from './target/time.js';
export type { TargetTime, WallClock } from './target/time.js';
