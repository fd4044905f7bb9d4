import { describe, expect, it } from 'vitest';
import { charsetMaxLen, charsetOfCollation, collationById, collationIdByName, defaultCollationId } from './collations.js';

describe('collations', () => {
  it('maps names to ids for both flavors', () => {
    expect(collationIdByName('utf8mb4_general_ci')).toBe(45);
    expect(collationIdByName('UTF8MB4_BIN')).toBe(46);
    expect(collationIdByName('utf8_general_ci')).toBe(33);
    expect(collationIdByName('utf8mb3_unicode_ci')).toBe(192);
    expect(collationIdByName('utf8mb4_uca1400_ai_ci')).toBe(2304);
    expect(collationIdByName('uca1400_ai_ci', 'mariadb', 'utf8mb4')).toBe(2304);
    expect(collationIdByName('uca1400_ai_ci', 'mariadb', 'utf8mb3')).toBe(2048);
    expect(collationIdByName('utf8mb4_0900_ai_ci', 'mysql')).toBe(255);
    expect(collationIdByName('utf8mb4_0900_bin', 'mysql')).toBe(309);
    expect(collationIdByName('utf8mb4_mn_cyrl_0900_as_cs', 'mysql')).toBe(323);
    // MySQL 8 renamed *_croatian_mysql561_ci to *_croatian_ci; MariaDB has its own utf8mb4_croatian_ci
    expect(collationIdByName('utf8mb4_croatian_ci', 'mysql')).toBe(245);
    expect(collationIdByName('utf8mb4_croatian_ci', 'mariadb')).not.toBe(245);
    expect(collationIdByName('utf8mb4_croatian_mysql561_ci', 'mariadb')).toBe(245);
    // a MySQL name in a MariaDB context still resolves (right charset)
    expect(collationIdByName('utf8mb4_0900_ai_ci', 'mariadb')).toBe(255);
    expect(collationIdByName('no_such_collation')).toBeUndefined();
  });

  it('knows each charset default', () => {
    const expected: Record<string, number> = {
      utf8mb4: 45, utf8mb3: 33, utf8: 33, latin1: 8, ascii: 11, binary: 63, ucs2: 35, utf16: 54, utf16le: 56,
      utf32: 60, cp1251: 51, cp1250: 26, gbk: 28, big5: 1, sjis: 13, euckr: 19, ujis: 12, greek: 25, hebrew: 16,
      latin2: 9, latin7: 41, koi8r: 7, tis620: 18, cp932: 95, gb2312: 24,
    };
    for (const [cs, id] of Object.entries(expected)) expect(defaultCollationId(cs), cs).toBe(id);
    expect(defaultCollationId('utf8mb4', 'mysql')).toBe(255);
    expect(defaultCollationId('latin1', 'mysql')).toBe(8);
    expect(defaultCollationId('gb18030', 'mysql')).toBe(248);
  });

  it('maps ids to charsets', () => {
    expect(charsetOfCollation(63)).toBe('binary');
    expect(charsetOfCollation(8)).toBe('latin1');
    expect(charsetOfCollation(255)).toBe('utf8mb4');
    expect(charsetOfCollation(2304)).toBe('utf8mb4');
    expect(charsetOfCollation(1057)).toBe('utf8mb3');
    expect(charsetOfCollation(248)).toBe('gb18030');
    expect(charsetOfCollation(99999)).toBeUndefined();
    expect(collationById(245, 'mysql')?.name).toBe('utf8mb4_croatian_ci');
    expect(collationById(245, 'mariadb')?.name).toBe('utf8mb4_croatian_mysql561_ci');
    expect(charsetMaxLen('utf8mb4')).toBe(4);
    expect(charsetMaxLen('utf8')).toBe(3);
    expect(charsetMaxLen('latin1')).toBe(1);
  });
});
