/**
 * Regenerates packages/core/src/schema/collation-table.ts: every collation id, name and character
 * set of MariaDB (read from a running MariaDB 10.10+ server's information_schema, which lists
 * the full per-charset names of the charset-independent uca1400 collations) merged with MySQL 8's
 * ids, which cannot be read here (no MySQL server on this machine) and are listed below from
 * https://dev.mysql.com/doc/refman/8.0/en/charset-mysql.html and `SHOW COLLATION` on MySQL 8.0.30+.
 *
 *   npx tsx tools/src/gen-collations.ts [mysql://root@localhost/?socket=/path/to/sock]
 *
 * Without a URL a throwaway server is started with the tools harness.
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import mysql from 'mysql2/promise';
import { startServer } from './server.js';

interface Row {
  id: number;
  name: string;
  charset: string;
}

/** MySQL 8 ids whose name differs from MariaDB's (or that MariaDB lacks). */
const MYSQL8_ONLY: readonly Row[] = [
  { id: 76, name: 'utf8mb3_tolower_ci', charset: 'utf8mb3' },
  { id: 122, name: 'utf16_croatian_ci', charset: 'utf16' },
  { id: 149, name: 'ucs2_croatian_ci', charset: 'ucs2' },
  { id: 181, name: 'utf32_croatian_ci', charset: 'utf32' },
  { id: 213, name: 'utf8mb3_croatian_ci', charset: 'utf8mb3' },
  { id: 245, name: 'utf8mb4_croatian_ci', charset: 'utf8mb4' },
  { id: 248, name: 'gb18030_chinese_ci', charset: 'gb18030' },
  { id: 249, name: 'gb18030_bin', charset: 'gb18030' },
  { id: 250, name: 'gb18030_unicode_520_ci', charset: 'gb18030' },
  ...mysql0900(),
];

function mysql0900(): Row[] {
  // Ids 255..323; the locale order is MySQL's (ctype-uca.cc), gaps are ids MySQL never assigned.
  const ai: [number, string][] = [
    [255, ''], [256, 'de_pb'], [257, 'is'], [258, 'lv'], [259, 'ro'], [260, 'sl'], [261, 'pl'], [262, 'et'],
    [263, 'es'], [264, 'sv'], [265, 'tr'], [266, 'cs'], [267, 'da'], [268, 'lt'], [269, 'sk'], [270, 'es_trad'],
    [271, 'la'], [273, 'eo'], [274, 'hu'], [275, 'hr'], [277, 'vi'], [306, 'ru'], [310, 'nb'], [312, 'nn'],
    [314, 'sr_latn'], [316, 'bs'], [318, 'bg'], [320, 'gl'], [322, 'mn_cyrl'],
  ];
  const as: [number, string][] = [
    [278, ''], [279, 'de_pb'], [280, 'is'], [281, 'lv'], [282, 'ro'], [283, 'sl'], [284, 'pl'], [285, 'et'],
    [286, 'es'], [287, 'sv'], [288, 'tr'], [289, 'cs'], [290, 'da'], [291, 'lt'], [292, 'sk'], [293, 'es_trad'],
    [294, 'la'], [296, 'eo'], [297, 'hu'], [298, 'hr'], [300, 'vi'], [303, 'ja'], [307, 'ru'], [308, 'zh'],
    [311, 'nb'], [313, 'nn'], [315, 'sr_latn'], [317, 'bs'], [319, 'bg'], [321, 'gl'], [323, 'mn_cyrl'],
  ];
  const name = (loc: string, suffix: string): string => `utf8mb4_${loc === '' ? '' : `${loc}_`}0900_${suffix}`;
  return [
    ...ai.map(([id, loc]) => ({ id, name: name(loc, 'ai_ci'), charset: 'utf8mb4' })),
    ...as.map(([id, loc]) => ({ id, name: name(loc, 'as_cs'), charset: 'utf8mb4' })),
    { id: 304, name: 'utf8mb4_ja_0900_as_cs_ks', charset: 'utf8mb4' },
    { id: 305, name: 'utf8mb4_0900_as_ci', charset: 'utf8mb4' },
    { id: 309, name: 'utf8mb4_0900_bin', charset: 'utf8mb4' },
  ];
}

/** MySQL 8 character-set defaults that differ from MariaDB's. */
const MYSQL8_DEFAULTS: Record<string, string> = {
  utf8mb4: 'utf8mb4_0900_ai_ci',
  gb18030: 'gb18030_chinese_ci',
};

async function main(): Promise<void> {
  const url = process.argv[2];
  const server = url === undefined ? await startServer({ binlog: false }) : undefined;
  let conn: mysql.Connection;
  if (server !== undefined) {
    conn = await server.connect();
  } else {
    const u = new URL(url!);
    const socketPath = u.searchParams.get('socket') ?? undefined;
    conn = await mysql.createConnection({
      user: decodeURIComponent(u.username),
      password: decodeURIComponent(u.password),
      ...(socketPath === undefined ? { host: u.hostname, port: Number(u.port || 3306) } : { socketPath }),
    });
  }
  try {
    const [version] = await conn.query<mysql.RowDataPacket[]>('SELECT VERSION() AS v');
    const [rows] = await conn.query<mysql.RowDataPacket[]>(
      `SELECT ID AS id, FULL_COLLATION_NAME AS name, CHARACTER_SET_NAME AS charset, IS_DEFAULT AS isDefault
         FROM information_schema.COLLATION_CHARACTER_SET_APPLICABILITY ORDER BY ID`,
    );
    const [charsets] = await conn.query<mysql.RowDataPacket[]>(
      'SELECT CHARACTER_SET_NAME AS charset, DEFAULT_COLLATE_NAME AS def, MAXLEN AS maxLen FROM information_schema.CHARACTER_SETS ORDER BY 1',
    );
    const mariadb: Row[] = rows.map((r) => ({ id: Number(r.id), name: String(r.name), charset: String(r.charset) }));
    const mariaNames = new Set(mariadb.map((r) => r.name));
    const mariaIds = new Map(mariadb.map((r) => [r.id, r]));
    // MySQL 8 knows the classic ids 1..247 under the same names, except the ones listed above.
    const mysqlOnly = MYSQL8_ONLY.filter((r) => !mariaNames.has(r.name) || mariaIds.get(r.id)?.name !== r.name);

    const lines: string[] = [];
    lines.push('// GENERATED by tools/src/gen-collations.ts — do not edit by hand; rerun the script instead.');
    lines.push(`// MariaDB part read from information_schema of MariaDB ${String(version[0]?.v)};`);
    lines.push('// MySQL 8 part from https://dev.mysql.com/doc/refman/8.0/en/charset-mysql.html (8.0.30+).');
    lines.push('');
    lines.push('/** [id, collation name, character set] of every MariaDB collation (MariaDB 10.10+ ids). */');
    lines.push('export const MARIADB_COLLATIONS: readonly (readonly [number, string, string])[] = [');
    for (const r of mariadb) lines.push(`  [${r.id}, '${r.name}', '${r.charset}'],`);
    lines.push('];');
    lines.push('');
    lines.push('/** MySQL 8 collations whose id or name is not in MARIADB_COLLATIONS (ids 1..247 are otherwise shared). */');
    lines.push('export const MYSQL8_ONLY_COLLATIONS: readonly (readonly [number, string, string])[] = [');
    for (const r of mysqlOnly) lines.push(`  [${r.id}, '${r.name}', '${r.charset}'],`);
    lines.push('];');
    lines.push('');
    lines.push('/** [character set, default collation (MariaDB), max bytes per character]. */');
    lines.push('export const MARIADB_CHARSETS: readonly (readonly [string, string, number])[] = [');
    for (const c of charsets) lines.push(`  ['${String(c.charset)}', '${String(c.def)}', ${Number(c.maxLen)}],`);
    lines.push(`  ['gb18030', 'gb18030_chinese_ci', 4],`);
    lines.push('];');
    lines.push('');
    lines.push('/** Character sets whose default collation differs on MySQL 8. */');
    lines.push(`export const MYSQL8_DEFAULT_COLLATIONS: Readonly<Record<string, string>> = ${JSON.stringify(MYSQL8_DEFAULTS)};`);
    lines.push('');
    const out = fileURLToPath(new URL('../../packages/core/src/schema/collation-table.ts', import.meta.url));
    writeFileSync(out, lines.join('\n'));
    console.log(`wrote ${out}: ${mariadb.length} MariaDB + ${mysqlOnly.length} MySQL-only collations`);
  } finally {
    await conn.end();
    await server?.stop();
  }
}

await main();
