import { describe, expect, it } from 'vitest';
import { PitrError } from '../errors/pitr-error.js';
import { parseCreateTable, parseEnumMembers } from './create-table-parser.js';

// SHOW CREATE TABLE output of MariaDB 10.11.19 for a table with every awkward feature.
const MARIADB_TORTURE = `CREATE TABLE \`t1\` (
  \`id\` bigint(20) unsigned NOT NULL AUTO_INCREMENT,
  \`co,l\`\`2\` varchar(20) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin DEFAULT 'a,b)(''c' COMMENT 'x,y''z',
  \`d\` decimal(65,30) NOT NULL DEFAULT -1.500000000000000000000000000000,
  \`f\` float(7,4) unsigned zerofill DEFAULT NULL,
  \`e\` enum('a','b''q','c,d','????') CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci DEFAULT 'a',
  \`s\` set('x','y\\\\z') NOT NULL,
  \`g\` int(11) GENERATED ALWAYS AS (\`id\` * 2) VIRTUAL,
  \`g2\` varchar(10) GENERATED ALWAYS AS (concat(\`co,l\`\`2\`,'x')) STORED,
  \`j\` longtext CHARACTER SET utf8mb4 COLLATE utf8mb4_bin DEFAULT NULL CHECK (json_valid(\`j\`)),
  \`u\` uuid DEFAULT NULL,
  \`i6\` inet6 DEFAULT NULL,
  \`i4\` inet4 DEFAULT NULL,
  \`t\` timestamp(6) NOT NULL DEFAULT current_timestamp(6) ON UPDATE current_timestamp(6),
  \`inv\` int(11) INVISIBLE DEFAULT NULL,
  \`txt\` text DEFAULT NULL,
  \`c2\` char(5) CHARACTER SET utf8mb3 COLLATE utf8mb3_general_ci DEFAULT NULL,
  \`c3\` varchar(5) CHARACTER SET latin1 COLLATE latin1_bin DEFAULT NULL,
  \`b\` blob DEFAULT NULL,
  \`vb\` varbinary(10) DEFAULT NULL,
  \`geo\` point NOT NULL,
  PRIMARY KEY (\`id\`,\`d\`),
  UNIQUE KEY \`uk\` (\`co,l\`\`2\`(5)),
  KEY \`k2\` (\`f\`),
  CONSTRAINT \`chk\` CHECK (\`d\` > 0)
) ENGINE=InnoDB AUTO_INCREMENT=2 DEFAULT CHARSET=latin1 COLLATE=latin1_swedish_ci COMMENT='tbl, comment'`;

describe('parseCreateTable', () => {
  it('reads FOREIGN KEY constraints with their actions', () => {
    const t = parseCreateTable(
      'CREATE TABLE `orders` (\n  `id` int NOT NULL,\n  `cid` int DEFAULT NULL,\n  `r1` int, `r2` int,\n  PRIMARY KEY (`id`),\n' +
        '  KEY `cid` (`cid`),\n  CONSTRAINT `o_c` FOREIGN KEY (`cid`) REFERENCES `customers` (`id`) ON DELETE CASCADE ON UPDATE SET NULL,\n' +
        '  CONSTRAINT `o_r` FOREIGN KEY (`r1`, `r2`) REFERENCES `geo`.`regions` (`a`, `b`) ON DELETE NO ACTION,\n  FOREIGN KEY (cid) REFERENCES Plain (id)\n) ENGINE=InnoDB',
      'shop',
    );
    expect(t.foreignKeys).toEqual([
      { name: 'o_c', columns: ['cid'], parentDb: undefined, parentTable: 'customers', parentColumns: ['id'], onDelete: 'CASCADE', onUpdate: 'SET NULL' },
      { name: 'o_r', columns: ['r1', 'r2'], parentDb: 'geo', parentTable: 'regions', parentColumns: ['a', 'b'], onDelete: 'NO ACTION', onUpdate: undefined },
      { name: undefined, columns: ['cid'], parentDb: undefined, parentTable: 'Plain', parentColumns: ['id'], onDelete: undefined, onUpdate: undefined },
    ]);
    expect(t.columns.map((c) => c.name)).toEqual(['id', 'cid', 'r1', 'r2']);
    expect(parseCreateTable('CREATE TABLE t (a int)', 'd').foreignKeys).toBeUndefined();
  });

  it('parses MariaDB SHOW CREATE TABLE output', () => {
    const t = parseCreateTable(MARIADB_TORTURE, 'we`ird db');
    expect(t.db).toBe('we`ird db');
    expect(t.table).toBe('t1');
    const by = Object.fromEntries(t.columns.map((c) => [c.name, c]));
    expect(t.columns.map((c) => c.name)).toEqual([
      'id', 'co,l`2', 'd', 'f', 'e', 's', 'g', 'g2', 'j', 'u', 'i6', 'i4', 't', 'inv', 'txt', 'c2', 'c3', 'b', 'vb', 'geo',
    ]);
    expect(by['id']).toMatchObject({ sqlType: 'bigint(20) unsigned', baseType: 'bigint', unsigned: true, nullable: false, primaryKey: true, collationId: undefined });
    expect(by['co,l`2']).toMatchObject({ sqlType: 'varchar(20)', collationId: 46, nullable: true, primaryKey: false });
    expect(by['d']).toMatchObject({ sqlType: 'decimal(65,30)', unsigned: false, nullable: false, primaryKey: true });
    expect(by['f']).toMatchObject({ sqlType: 'float(7,4) unsigned zerofill', unsigned: true });
    expect(by['e']).toMatchObject({ baseType: 'enum', enumValues: ['a', "b'q", 'c,d', '????'], collationId: 45 });
    expect(by['e']!.sqlType).toBe("enum('a','b''q','c,d','????')");
    expect(by['s']).toMatchObject({ baseType: 'set', setValues: ['x', 'y\\z'], nullable: false, collationId: 8 });
    expect(by['g']).toMatchObject({ generated: true, baseType: 'int' });
    expect(by['g2']).toMatchObject({ generated: true, collationId: 8 });
    expect(by['j']).toMatchObject({ baseType: 'longtext', collationId: 46, generated: false });
    expect(by['u']).toMatchObject({ baseType: 'uuid', sqlType: 'uuid', collationId: undefined });
    expect(by['i6']!.baseType).toBe('inet6');
    expect(by['i4']!.baseType).toBe('inet4');
    expect(by['t']).toMatchObject({ sqlType: 'timestamp(6)', nullable: false, generated: false });
    expect(by['inv']).toMatchObject({ generated: false, nullable: true });
    expect(by['txt']!.collationId).toBe(8);
    expect(by['c2']!.collationId).toBe(33);
    expect(by['c3']!.collationId).toBe(47);
    expect(by['b']!.collationId).toBe(63);
    expect(by['vb']!.collationId).toBe(63);
    expect(by['geo']).toMatchObject({ baseType: 'point', nullable: false });
  });

  it('uses the qualified name and MariaDB 11 uca1400 collations', () => {
    const t = parseCreateTable(
      'CREATE TABLE `d`.`t2` (\n  `a` int(11) NOT NULL,\n  `b` varchar(3) DEFAULT NULL,\n  PRIMARY KEY (`a`)\n) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_uca1400_ai_ci;',
      'other',
    );
    expect(t.db).toBe('d');
    expect(t.columns[1]!.collationId).toBe(2304);
    expect(t.columns[0]!.primaryKey).toBe(true);
  });

  it('applies charset defaults per flavor (MySQL 8 utf8mb4 → 0900_ai_ci)', () => {
    const sql = "CREATE TABLE `t` (`a` varchar(3), `b` char(2) CHARACTER SET latin1, `c` text COLLATE utf8mb4_bin) DEFAULT CHARSET=utf8mb4";
    expect(parseCreateTable(sql, 'd').columns.map((c) => c.collationId)).toEqual([45, 8, 46]);
    expect(parseCreateTable(sql, 'd', { flavor: 'mysql' }).columns.map((c) => c.collationId)).toEqual([255, 8, 46]);
  });

  it('parses mysqldump 8.0 output with versioned comments and MySQL-only collations', () => {
    const sql = `CREATE TABLE \`orders\` (
  \`id\` int NOT NULL AUTO_INCREMENT,
  \`name\` varchar(64) CHARACTER SET utf8mb4 COLLATE utf8mb4_ja_0900_as_cs_ks NOT NULL,
  \`note\` varchar(10) COLLATE utf8mb4_croatian_ci DEFAULT _utf8mb4'x,)' COMMENT 'c',
  \`hidden\` int DEFAULT NULL /*!80023 INVISIBLE */,
  \`created\` timestamp NULL DEFAULT CURRENT_TIMESTAMP,
  \`pt\` point NOT NULL /*!80003 SRID 4326 */,
  \`js\` json DEFAULT NULL,
  \`total\` decimal(10,2) GENERATED ALWAYS AS ((\`id\` * 2)) VIRTUAL,
  PRIMARY KEY (\`id\`),
  SPATIAL KEY \`pt\` (\`pt\`),
  CONSTRAINT \`fk\` FOREIGN KEY (\`id\`) REFERENCES \`x\` (\`id\`) ON DELETE CASCADE
) ENGINE=InnoDB AUTO_INCREMENT=3 DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_0900_ai_ci
/*!50100 PARTITION BY RANGE (\`id\`)
(PARTITION p0 VALUES LESS THAN (10) ENGINE = InnoDB) */;`;
    const t = parseCreateTable(sql, 'shop', { flavor: 'mysql' });
    expect(t.columns.map((c) => c.name)).toEqual(['id', 'name', 'note', 'hidden', 'created', 'pt', 'js', 'total']);
    expect(t.columns.map((c) => c.collationId)).toEqual([undefined, 304, 245, undefined, undefined, undefined, undefined, undefined]);
    expect(t.columns[0]).toMatchObject({ primaryKey: true, sqlType: 'int', nullable: false });
    expect(t.columns[4]!.nullable).toBe(true);
    expect(t.columns[7]!.generated).toBe(true);
  });

  it('handles MariaDB AS (...) PERSISTENT, SERIAL, inline PRIMARY KEY and synonyms', () => {
    const t = parseCreateTable(
      'create table t (id serial, a integer primary key, b int as (a+1) persistent, c numeric(5,2), d double precision, e bool, n nchar(3), v varchar(3) binary) charset latin1',
      'db',
    );
    const by = Object.fromEntries(t.columns.map((c) => [c.name, c]));
    expect(by['id']).toMatchObject({ baseType: 'bigint', unsigned: true, nullable: false });
    expect(by['a']).toMatchObject({ baseType: 'int', primaryKey: true, nullable: false });
    expect(by['b']!.generated).toBe(true);
    expect(by['c']!.baseType).toBe('decimal');
    expect(by['d']!.baseType).toBe('double');
    expect(by['e']!.baseType).toBe('tinyint');
    expect(by['n']!.collationId).toBe(33);
    expect(by['v']!.collationId).toBe(47);
  });

  it('tells non-reserved words used as column names from table elements', () => {
    const t = parseCreateTable('CREATE TABLE t (period INT, vector INT, a INT DEFAULT (1 + 2), b BIT(3) DEFAULT b\'101\', PERIOD FOR p (a, period))', 'd');
    expect(t.columns.map((c) => c.name)).toEqual(['period', 'vector', 'a', 'b']);
  });

  it('reads 4-byte characters and escapes in ENUM members', () => {
    const t = parseCreateTable("CREATE TABLE t (e enum('😀','a''b','c\\\\d','') CHARACTER SET utf8mb4 COLLATE utf8mb4_bin)", 'd');
    expect(t.columns[0]!.enumValues).toEqual(['😀', "a'b", 'c\\d', '']);
    expect(parseEnumMembers("set('x','y''z')")).toEqual(['x', "y'z"]);
  });

  it('rejects statements that are not CREATE TABLE with a column list', () => {
    expect(() => parseCreateTable('CREATE TABLE a LIKE b', 'd')).toThrow(PitrError);
    expect(() => parseCreateTable('DROP TABLE a', 'd')).toThrow(/not a CREATE/);
    try {
      parseCreateTable("CREATE TABLE t (a varchar(3) DEFAULT 'x", 'd');
      expect.unreachable();
    } catch (e) {
      expect((e as PitrError).code).toBe('SCHEMA');
      expect((e as PitrError).hints.length).toBeGreaterThan(0);
    }
  });

  it('parses a wide table quickly', () => {
    const cols = Array.from({ length: 1000 }, (_, i) => `  \`c${i}\` varchar(20) DEFAULT 'v${i}' COMMENT 'x'`).join(',\n');
    const sql = `CREATE TABLE \`w\` (\n${cols},\n  PRIMARY KEY (\`c0\`)\n) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4`;
    const start = performance.now();
    for (let i = 0; i < 10; i++) parseCreateTable(sql, 'd');
    expect((performance.now() - start) / 10).toBeLessThan(50);
  });
});
