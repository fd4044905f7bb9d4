/**
 * A compact "every type" workload of our own, used by the decoder comparison tests in addition to
 * (or, when it is missing, instead of) tools' type-torture workload. Each value is chosen to hit a
 * decoding edge: extremes of every integer width and sign, FLOAT/DOUBLE limits, DECIMAL up to 65
 * digits, negative TIME with fractions, zero dates, TIMESTAMP(6), BIT(1..64), BINARY with trailing
 * NUL bytes, latin1 0x80..0x9F (cp1252 area), ucs2/utf16/utf32 text, 4-byte UTF-8, NUL bytes and
 * quotes in text, ENUM error value 0 and 2-byte ENUM, SET with many members, UUID/INET, GEOMETRY
 * with SRID, generated columns, multi-row statements, a statement split over several row events,
 * trigger rows in the same statement, text imitating mariadb-binlog's output syntax, a
 * non-transactional table in a rolled-back transaction, and update/delete of each.
 */
export const MINI_WORKLOAD_DB = 'mini_types';

export function miniTypeWorkload(db = MINI_WORKLOAD_DB): string[] {
  const enum300 = Array.from({ length: 300 }, (_, i) => `'e${i}'`).join(',');
  const set40 = Array.from({ length: 40 }, (_, i) => `'s${i}'`).join(',');
  return [
    `DROP DATABASE IF EXISTS ${db}`,
    `CREATE DATABASE ${db} DEFAULT CHARACTER SET utf8mb4`,
    `USE ${db}`,
    "SET SESSION sql_mode = ''",
    `CREATE TABLE t_num (
      id INT PRIMARY KEY AUTO_INCREMENT,
      ti TINYINT, tiu TINYINT UNSIGNED, si SMALLINT, siu SMALLINT UNSIGNED, mi MEDIUMINT, miu MEDIUMINT UNSIGNED,
      i INT, iu INT UNSIGNED, bi BIGINT, biu BIGINT UNSIGNED,
      f FLOAT, d DOUBLE, f2 FLOAT(7,3),
      dec1 DECIMAL(10,2), dec2 DECIMAL(65,30), dec3 DECIMAL(5,0), dec4 DECIMAL(18,18), dec5 DECIMAL(20,10) UNSIGNED,
      b1 BIT(1), b8 BIT(8), b17 BIT(17), b64 BIT(64),
      y YEAR,
      g_sum BIGINT AS (COALESCE(i,0) + COALESCE(ti,0)) VIRTUAL,
      g_dbl DOUBLE AS (d / 2) STORED
    )`,
    `INSERT INTO t_num (ti,tiu,si,siu,mi,miu,i,iu,bi,biu,f,d,f2,dec1,dec2,dec3,dec4,dec5,b1,b8,b17,b64,y) VALUES
      (-128,255,-32768,65535,-8388608,16777215,-2147483648,4294967295,-9223372036854775808,18446744073709551615,
       -3.40282e38,1.7976931348623157e308,-9999.999,-12345678.91,'12345678901234567890123456789012345.123456789012345678901234567891',
       -99999,-0.999999999999999999,'9999999999.0000000001',b'1',b'10000000',b'10101010101010101',b'1111111111111111111111111111111111111111111111111111111111111111',2155),
      (127,0,32767,0,8388607,0,2147483647,0,9223372036854775807,0,
       1.17549e-38,2.2250738585072014e-308,0.001,0.01,'-0.000000000000000000000000000001',0,0.5,0,b'0',b'0',b'0',b'0',1901),
      (-1,1,-1,1,-1,1,-1,1,-1,1,3.14159,-0.1,1.5,-0.01,'1',1,-0.000000000000000001,'0.0000000001',b'1',b'1',b'1',b'1000000000000000000000000000000000000000000000000000000000000000',0),
      (NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,9007199254740993,9007199254740993,1234565,123456789012345680000,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL)`,
    `CREATE TABLE t_time (
      id INT PRIMARY KEY AUTO_INCREMENT,
      dt DATE, tm TIME, tm3 TIME(3), tm6 TIME(6), dtt DATETIME, dtt2 DATETIME(2), dtt6 DATETIME(6),
      ts TIMESTAMP NULL DEFAULT NULL, ts1 TIMESTAMP(1) NULL DEFAULT NULL, ts6 TIMESTAMP(6) NULL DEFAULT NULL
    )`,
    `INSERT INTO t_time (dt,tm,tm3,tm6,dtt,dtt2,dtt6,ts,ts1,ts6) VALUES
      ('2024-02-29','-838:59:59','-00:00:00.001','838:59:59.000000','9999-12-31 23:59:59','1000-01-01 00:00:00.01','2024-01-01 00:00:00.123456','2038-01-19 03:14:07','1970-01-01 00:00:01.5','2001-09-09 01:46:40.000001'),
      ('0000-00-00','00:00:00','12:34:56.789','-12:34:56.000001','0000-00-00 00:00:00','2020-02-02 02:02:02.99','1999-12-31 23:59:59.999999','0000-00-00 00:00:00',NULL,'2020-01-01 00:00:00.999999'),
      ('1000-01-01','-00:00:01','-01:00:00.500','00:00:00.000001','2000-01-01 00:00:00','2000-01-01 00:00:00.00','2000-01-01 00:00:00.000000',NULL,'2000-01-01 00:00:00.1',NULL)`,
    `CREATE TABLE t_str (
      id INT PRIMARY KEY AUTO_INCREMENT,
      c CHAR(10), c255 CHAR(255), vc VARCHAR(300), vl VARCHAR(20) CHARACTER SET latin1, tl TEXT CHARACTER SET latin1,
      vu VARCHAR(20) CHARACTER SET ucs2, v16 VARCHAR(20) CHARACTER SET utf16, v32 VARCHAR(20) CHARACTER SET utf32,
      va VARCHAR(20) CHARACTER SET ascii, v3 VARCHAR(20) CHARACTER SET utf8mb3,
      bn BINARY(4), vb VARBINARY(10), tb TINYBLOB, bl BLOB, mb MEDIUMBLOB, lb LONGBLOB, tt TINYTEXT, tx TEXT, mt MEDIUMTEXT, lt LONGTEXT,
      j JSON, e ENUM('a','b','c'), e2 ENUM(${enum300}), s SET('x','y','z'), s40 SET(${set40}),
      u UUID, i6 INET6, i4 INET4, g GEOMETRY, p POINT, gs GEOMETRY REF_SYSTEM_ID=4326,
      g_len INT AS (CHAR_LENGTH(vc)) VIRTUAL, g_up VARCHAR(300) AS (UPPER(vc)) STORED
    )`,
    `INSERT INTO t_str (c,c255,vc,vl,tl,vu,v16,v32,va,v3,bn,vb,tb,bl,mb,lb,tt,tx,mt,lt,j,e,e2,s,s40,u,i6,i4,g,p,gs) VALUES
      ('ab  ', REPEAT('é', 255), CONCAT('quote'' "dq" back\\\\slash nl\\n cr\\r tab\\t nul', CHAR(0 USING utf8mb4), ' end 😀 é'), 'Zwölf €', x'80818d8f909d9fff00',
       'Zwölf é', 'é😀', 'é😀', 'plain ascii', 'three ñ', x'ab000000', x'5c00', x'000102', REPEAT('x', 1000), 'm', 'l', 'tt', '\\\\x41 literal', '', 'long text 😀',
       '{"a":[1,2.5,"x",null,true],"b":{"c":"é"},"big":18446744073709551615}', 'b', 'e299', 'x,z', 's0,s39',
       'f47ac10b-58cc-4372-a567-0e02b2c3d479', '2001:db8::1', '192.168.0.1', ST_GeomFromText('POLYGON((0 0,1 0,1 1,0 0))'), POINT(3,4), ST_GeomFromText('POINT(1 2)', 4326)),
      ('', '', '', '', '', '', '', '', '', '', x'00', x'', x'', x'', x'', x'', '', '', '', '', '[]', '', 'e0', '', '', NULL, NULL, NULL, NULL, NULL, NULL),
      (NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL)`,
    // One statement, several row events: rows of ~20 KB each exceed binlog_row_event_max_size (8 KB).
    'INSERT INTO t_str (id, lb, vc) SELECT 100 + seq, REPEAT(CHAR(65 + seq), 20000), CONCAT(\'row \', seq) FROM seq_1_to_5',
    // A large transaction of small multi-row statements.
    'BEGIN',
    'INSERT INTO t_num (i, bi, d) SELECT seq, -seq * 1000000007, seq / 7 FROM seq_1_to_500',
    'UPDATE t_num SET ti = -1, f = f * 2 WHERE id <= 4',
    'COMMIT',
    // A trigger writes a second table inside the same statement: mariadb-binlog prints the rows of
    // both row events together at the statement end.
    'CREATE TABLE t_audit (id INT PRIMARY KEY AUTO_INCREMENT, what VARCHAR(100), at_ts TIMESTAMP(6) NULL) ENGINE=InnoDB',
    'CREATE TABLE t_nontx (id INT PRIMARY KEY AUTO_INCREMENT, what VARCHAR(100)) ENGINE=Aria',
    "CREATE TRIGGER t_time_au AFTER UPDATE ON t_time FOR EACH ROW INSERT INTO t_audit (what, at_ts) VALUES (CONCAT('t_time ', NEW.id, ' /* INT meta=0 nullable=0 is_null=0 */'), '2020-02-02 02:02:02.020202')",
    "UPDATE t_time SET tm6 = '-838:59:58.999999', ts6 = '2038-01-19 03:14:07.999999', dt = '9999-12-31'",
    // Text that imitates mariadb-binlog's own syntax must not confuse the output parser.
    "INSERT INTO t_audit (what) VALUES ('x'' /* INT meta=0 nullable=0 is_null=0 */'), ('### INSERT INTO `a`.`b`'), ('@1=1 \\x00 '' '' ')",
    // A non-transactional table changed inside a rolled-back transaction is still logged.
    'BEGIN',
    "INSERT INTO t_nontx (what) VALUES ('kept although rolled back')",
    "INSERT INTO t_time (dt) VALUES ('2001-01-01')",
    'ROLLBACK',
    "UPDATE t_str SET vc = CONCAT(vc, ' upd'), e = 'c', s = 'y', lb = NULL WHERE id < 100",
    "UPDATE t_str SET lb = REPEAT('z', 30000) WHERE id = 101",
    'DELETE FROM t_num WHERE id > 300',
    'DELETE FROM t_str WHERE id >= 100',
    'DELETE FROM t_time WHERE id = 2',
    'DELETE FROM t_str',
    'DELETE FROM t_audit WHERE id % 2 = 0',
  ];
}
