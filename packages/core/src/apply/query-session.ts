/**
 * The session a QUERY event ran in, as SET statements for the applier: what `mariadb-binlog`
 * prints before each statement (sql/log_event_client.cc print_query_header), so DDL and
 * statement-logged queries run on the target exactly as on the source — sql_mode, charsets,
 * time zone, auto-increment steps, foreign-key/unique checks, the statement's timestamp (DEFAULT
 * CURRENT_TIMESTAMP of a new column fills existing rows with it) and INTVAR/RAND/USER_VAR values.
 * https://mariadb.com/kb/en/query_event/
 */
import type { EventBody, QueryStatusVars } from '../binlog/types.js';
import { quoteIdentifier, renderDouble } from '../sql/literal.js';
import { charsetOfCollation } from '../schema/collations.js';

/** Q_FLAGS2_CODE bits (sql/log_event.h OPTIONS_WRITTEN_TO_BIN_LOG). */
export const OPTION_AUTO_IS_NULL = 1 << 14;
export const OPTION_NOT_AUTOCOMMIT = 1 << 19;
export const OPTION_NO_FOREIGN_KEY_CHECKS = 1 << 26;
export const OPTION_RELAXED_UNIQUE_CHECKS = 1 << 27;
/** MariaDB only. */
export const OPTION_NO_CHECK_CONSTRAINT_CHECKS = 2 ** 30;

/** SET statements that give the session the QUERY event's context. `eventTime` is the header timestamp. */
export function querySessionStatements(statusVars: QueryStatusVars, eventTime: number, flavor: 'mariadb' | 'mysql'): string[] {
  const out: string[] = [];
  const micros = statusVars.hrnow ?? statusVars.microseconds;
  out.push(micros === undefined ? `SET TIMESTAMP=${eventTime}` : `SET TIMESTAMP=${eventTime}.${String(micros).padStart(6, '0')}`);
  const f2 = statusVars.flags2;
  if (f2 !== undefined) {
    const sets = [
      `@@session.foreign_key_checks=${(f2 & OPTION_NO_FOREIGN_KEY_CHECKS) !== 0 ? 0 : 1}`,
      `@@session.sql_auto_is_null=${(f2 & OPTION_AUTO_IS_NULL) !== 0 ? 1 : 0}`,
      `@@session.unique_checks=${(f2 & OPTION_RELAXED_UNIQUE_CHECKS) !== 0 ? 0 : 1}`,
    ];
    if (flavor === 'mariadb') sets.push(`@@session.check_constraint_checks=${(f2 & OPTION_NO_CHECK_CONSTRAINT_CHECKS) !== 0 ? 0 : 1}`);
    out.push(`SET ${sets.join(', ')}`);
  }
  if (statusVars.sqlMode !== undefined) out.push(`SET @@session.sql_mode=${statusVars.sqlMode.toString()}`);
  if (statusVars.autoIncrementIncrement !== undefined || statusVars.autoIncrementOffset !== undefined) {
    out.push(`SET @@session.auto_increment_increment=${statusVars.autoIncrementIncrement ?? 1}, @@session.auto_increment_offset=${statusVars.autoIncrementOffset ?? 1}`);
  }
  if (statusVars.charsetClient !== undefined) {
    // Q_CHARSET_CODE holds collation ids; character_set_client takes a character set (name), the
    // collations take ids (as mariadb-binlog prints them).
    const client = charsetOfCollation(statusVars.charsetClient);
    const sets = [
      `@@session.collation_connection=${statusVars.collationConnection ?? statusVars.charsetClient}`,
      `@@session.collation_server=${statusVars.collationServer ?? statusVars.charsetClient}`,
    ];
    if (client !== undefined) sets.unshift(`@@session.character_set_client=${client}`);
    out.push(`SET ${sets.join(', ')}`);
  }
  if (statusVars.timeZone !== undefined) out.push(`SET @@session.time_zone=${quoteString(statusVars.timeZone)}`);
  if (statusVars.lcTimeNamesNumber !== undefined) out.push(`SET @@session.lc_time_names=${statusVars.lcTimeNamesNumber}`);
  if (statusVars.charsetDatabase !== undefined) out.push(`SET @@session.collation_database=${statusVars.charsetDatabase}`);
  if (flavor === 'mysql' && statusVars.explicitDefaultsForTimestamp !== undefined) {
    out.push(`SET @@session.explicit_defaults_for_timestamp=${statusVars.explicitDefaultsForTimestamp}`);
  }
  if (flavor === 'mysql' && statusVars.defaultCollationForUtf8mb4 !== undefined) {
    out.push(`SET @@session.default_collation_for_utf8mb4=${statusVars.defaultCollationForUtf8mb4}`);
  }
  return out;
}

/** `USE db` for a QUERY event's default database (none when the statement had none). */
export function useStatement(db: string): string | undefined {
  return db === '' ? undefined : `USE ${quoteIdentifier(db)}`;
}

/** The SET statement for an INTVAR, RAND or USER_VAR event (they precede the statement they serve). */
export function contextEventStatement(body: EventBody): string | undefined {
  switch (body.kind) {
    case 'intvar':
      if (body.intvarType === 'INSERT_ID') return `SET INSERT_ID=${body.value.toString()}`;
      if (body.intvarType === 'LAST_INSERT_ID') return `SET LAST_INSERT_ID=${body.value.toString()}`;
      return undefined;
    case 'rand':
      return `SET @@RAND_SEED1=${body.seed1.toString()}, @@RAND_SEED2=${body.seed2.toString()}`;
    case 'user_var':
      return `SET @${quoteIdentifier(body.name)}:=${userVarLiteral(body)}`;
    default:
      return undefined;
  }
}

function userVarLiteral(body: Extract<EventBody, { kind: 'user_var' }>): string {
  const v = body.value;
  if (body.isNull || v === null) return 'NULL';
  if (typeof v === 'bigint') return v.toString();
  if (typeof v === 'number') return renderDouble(v);
  // DECIMAL_RESULT (4): the exact decimal text
  if (typeof v === 'string') return body.valueType === 4 && /^-?\d+(\.\d+)?$/.test(v) ? v : `_utf8mb4 X'${Buffer.from(v, 'utf8').toString('hex')}'`;
  const charset = charsetOfCollation(body.collationId);
  return charset === undefined || charset === 'binary' ? `X'${Buffer.from(v).toString('hex')}'` : `_${charset} X'${Buffer.from(v).toString('hex')}'`;
}

function quoteString(s: string): string {
  return `'${s.replace(/\\/g, '\\\\').replace(/'/g, "''")}'`;
}
