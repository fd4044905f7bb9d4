/**
 * Collation names ⇄ ids ⇄ character sets, for MariaDB 10.6–11.x and MySQL 8. A binlog names a
 * column's collation by id (TABLE_MAP optional metadata, or nothing at all); a dump or
 * information_schema names it by name. The data is generated (collation-table.ts,
 * tools/src/gen-collations.ts); see https://mariadb.com/kb/en/supported-character-sets-and-collations/
 * and https://dev.mysql.com/doc/refman/8.0/en/charset-mysql.html .
 *
 * The two servers share ids 1..247 except the `*_croatian_*` renames; MySQL 8's
 * gb18030 (248..250) and utf8mb4_0900_* (255..323) ids are unused by MariaDB, and MariaDB's own
 * (576+, nopad 1024+, uca1400 2048+) are unused by MySQL, so id → charset needs no flavor.
 */
import type { Flavor } from '../binlog/types.js';
import {
  MARIADB_CHARSETS,
  MARIADB_COLLATIONS,
  MYSQL8_DEFAULT_COLLATIONS,
  MYSQL8_ONLY_COLLATIONS,
} from './collation-table.js';

export interface CollationInfo {
  readonly id: number;
  readonly name: string;
  readonly charset: string;
}

/** The binary pseudo-collation: BINARY/VARBINARY/BLOB and `CHARACTER SET binary` columns. */
export const BINARY_COLLATION_ID = 63;

const mariadbById = new Map<number, CollationInfo>();
const mysqlById = new Map<number, CollationInfo>();
const mariadbByName = new Map<string, CollationInfo>();
const mysqlByName = new Map<string, CollationInfo>();
const maxLenByCharset = new Map<string, number>();
const mariadbDefault = new Map<string, string>();

for (const [id, name, charset] of MARIADB_COLLATIONS) {
  const info: CollationInfo = { id, name, charset };
  mariadbById.set(id, info);
  mariadbByName.set(name, info);
}
// MySQL 8 shares ids 1..247 with MariaDB under the same names, except the overrides.
for (const info of mariadbById.values()) {
  if (info.id <= 247) {
    mysqlById.set(info.id, info);
    mysqlByName.set(info.name, info);
  }
}
for (const [id, name, charset] of MYSQL8_ONLY_COLLATIONS) {
  const old = mysqlById.get(id);
  if (old !== undefined) mysqlByName.delete(old.name);
  const info: CollationInfo = { id, name, charset };
  mysqlById.set(id, info);
  mysqlByName.set(name, info);
}
for (const [charset, def, maxLen] of MARIADB_CHARSETS) {
  maxLenByCharset.set(charset, maxLen);
  mariadbDefault.set(charset, def);
}

/** Canonical charset name: MySQL/MariaDB `utf8` is `utf8mb3` (unless MariaDB's old_mode says otherwise, which dumps never rely on). */
export function normalizeCharsetName(charset: string): string {
  const c = charset.toLowerCase();
  return c === 'utf8' ? 'utf8mb3' : c;
}

function normalizeCollationName(name: string): string {
  const n = name.toLowerCase();
  return n.startsWith('utf8_') ? `utf8mb3_${n.slice(5)}` : n;
}

/**
 * Collation id by name. `charset` resolves MariaDB's charset-independent names
 * (`uca1400_ai_ci` → utf8mb4_uca1400_ai_ci when the charset is utf8mb4). A name unknown to the
 * given flavor falls back to the other flavor's table (a MySQL dump loaded into MariaDB 11.4.5+,
 * which accepts the 0900 names, or the reverse), so the charset is still right.
 */
export function collationIdByName(name: string, flavor: Flavor = 'mariadb', charset?: string): number | undefined {
  const n = normalizeCollationName(name);
  const [first, second] = flavor === 'mysql' ? [mysqlByName, mariadbByName] : [mariadbByName, mysqlByName];
  const hit = first.get(n) ?? second.get(n);
  if (hit !== undefined) return hit.id;
  if (charset !== undefined) {
    const full = `${normalizeCharsetName(charset)}_${n}`;
    return (first.get(full) ?? second.get(full))?.id;
  }
  return undefined;
}

/** The collation a charset gets when none is named (`DEFAULT CHARSET=latin1` → 8 latin1_swedish_ci). */
export function defaultCollationId(charset: string, flavor: Flavor = 'mariadb'): number | undefined {
  const c = normalizeCharsetName(charset);
  const name = (flavor === 'mysql' ? MYSQL8_DEFAULT_COLLATIONS[c] : undefined) ?? mariadbDefault.get(c);
  return name === undefined ? undefined : collationIdByName(name, flavor);
}

/** Collation by id; ids the flavor does not define fall back to the other flavor's. */
export function collationById(id: number, flavor: Flavor = 'mariadb'): CollationInfo | undefined {
  return flavor === 'mysql' ? (mysqlById.get(id) ?? mariadbById.get(id)) : (mariadbById.get(id) ?? mysqlById.get(id));
}

/** Character set of a collation id ('binary' for 63), undefined if unknown. */
export function charsetOfCollation(id: number): string | undefined {
  return (mariadbById.get(id) ?? mysqlById.get(id))?.charset;
}

/** Max bytes per character of a character set (utf8mb4 4, latin1 1, ...), undefined if unknown. */
export function charsetMaxLen(charset: string): number | undefined {
  return maxLenByCharset.get(normalizeCharsetName(charset));
}
