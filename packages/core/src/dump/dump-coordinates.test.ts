import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PitrError } from '../errors/pitr-error.js';
import { dumpCoordinates } from './dump-coordinates.js';

let dir = '';
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'pitr-dump-coordinates-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let n = 0;
function file(text: string, gzip = false): string {
  const path = join(dir, `d${n++}.sql${gzip ? '.gz' : ''}`);
  writeFileSync(path, gzip ? gzipSync(text) : text);
  return path;
}

// Head and tail as mariadb-dump 10.11.19 writes them with
// --single-transaction --master-data=2 --gtid --databases d1 d2 (copied from a real run).
const MARIADB_HEAD = `/*M!999999\\- enable the sandbox mode */ 
-- MariaDB dump 10.19  Distrib 10.11.19-MariaDB, for debian-linux-gnu (x86_64)
--
-- Host: 127.0.0.1    Database: d1
-- ------------------------------------------------------
-- Server version\t10.11.19-MariaDB-0+deb12u1-log

/*!40101 SET @OLD_CHARACTER_SET_CLIENT=@@CHARACTER_SET_CLIENT */;
/*!40101 SET NAMES utf8mb4 */;
/*!40111 SET @OLD_SQL_NOTES=@@SQL_NOTES, SQL_NOTES=0 */;
-- CHANGE MASTER TO MASTER_USE_GTID=slave_pos;

-- A corresponding to the above master-data CHANGE-MASTER settings to the slave gtid state is printed later in the file.

--
-- Alternately, following is the position of the binary logging from SHOW MASTER STATUS at point of backup.
-- Use this when creating a slave of the master server where the backup was made.
-- The new server will be connecting to the master server where the backup was taken.
--

-- CHANGE MASTER TO MASTER_LOG_FILE='mariadb-bin.000001', MASTER_LOG_POS=2061;

--
-- Current Database: \`d1\`
--

CREATE DATABASE /*!32312 IF NOT EXISTS*/ \`d1\` /*!40100 DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci */;

USE \`d1\`;
INSERT INTO \`t\` VALUES
(1,'-- CHANGE MASTER TO MASTER_LOG_FILE=\\'fake.000009\\', MASTER_LOG_POS=9;\\n-- Dump completed on never');
DELIMITER ;;
CREATE DEFINER=\`pitr\`@\`127.0.0.1\` PROCEDURE \`p\`()
BEGIN
-- SET GLOBAL gtid_slave_pos='9-9-9';
SELECT 1;
END ;;
DELIMITER ;

--
-- Current Database: \`d2\`
--

CREATE DATABASE /*!32312 IF NOT EXISTS*/ \`d2\` /*!40100 DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci */;

USE \`d2\`;
`;
const MARIADB_TAIL = `
-- The deferred gtid setting for slave corresponding to the master-data CHANGE-MASTER follows

-- Preferably use GTID to start replication from GTID position:

-- SET GLOBAL gtid_slave_pos='0-639222602-8,1-7-3';
/*!40103 SET TIME_ZONE=@OLD_TIME_ZONE */;
/*!40111 SET SQL_NOTES=@OLD_SQL_NOTES */;

-- Dump completed on 2026-11-23 11:01:30
`;

// mysqldump 8.0.36 --single-transaction --source-data=2 with gtid_mode=ON, written after
// mysqldump.cc and the reference manual. NOT tested against a live MySQL here (no MySQL server on
// this machine): the format is the documented one.
const MYSQL8 = `-- MySQL dump 10.13  Distrib 8.0.36, for Linux (x86_64)
--
-- Host: localhost    Database: 
-- ------------------------------------------------------
-- Server version\t8.0.36

/*!40101 SET @OLD_CHARACTER_SET_CLIENT=@@CHARACTER_SET_CLIENT */;
/*!50503 SET NAMES utf8mb4 */;
SET @MYSQLDUMP_TEMP_LOG_BIN = @@SESSION.SQL_LOG_BIN;
SET @@SESSION.SQL_LOG_BIN= 0;

--
-- GTID state at the beginning of the backup 
--

SET @@GLOBAL.GTID_PURGED=/*!80000 '+'*/ '3e11fa47-71ca-11e1-9e33-c80aa9429562:1-5,
8c9b1a2e-0000-11ee-8000-000000000001:1-12';

--
-- Position to start replication or point-in-time recovery from
--

-- CHANGE REPLICATION SOURCE TO SOURCE_LOG_FILE='binlog.000002', SOURCE_LOG_POS=157;

--
-- Current Database: \`shop\`
--

CREATE DATABASE /*!32312 IF NOT EXISTS*/ \`shop\` /*!40100 DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_0900_ai_ci */ /*!80016 DEFAULT ENCRYPTION='N' */;

USE \`shop\`;
SET @@SESSION.SQL_LOG_BIN = @MYSQLDUMP_TEMP_LOG_BIN;
/*!40101 SET CHARACTER_SET_CLIENT=@OLD_CHARACTER_SET_CLIENT */;

-- Dump completed on 2026-05-25 14:31:00
`;

describe('dumpCoordinates', () => {
  it('reads a MariaDB dump: position at the top, GTID at the end, databases, completeness', async () => {
    const c = await dumpCoordinates(file(MARIADB_HEAD + MARIADB_TAIL));
    expect(c).toEqual({
      flavor: 'mariadb',
      serverVersion: '10.11.19-MariaDB-0+deb12u1-log',
      dumpTool: 'MariaDB dump 10.19  Distrib 10.11.19-MariaDB, for debian-linux-gnu (x86_64)',
      host: '127.0.0.1',
      binlog: { file: 'mariadb-bin.000001', pos: 2061 },
      binlogIsUpstream: false,
      gtid: '0-639222602-8,1-7-3',
      gtidPurgedAdditive: false,
      executesCoordinates: false,
      complete: true,
      hasHeader: true,
      completedAt: '2026-11-23 11:01:30',
      databases: ['d1', 'd2'],
    });
  });

  it('gzip gives the same result', async () => {
    const text = MARIADB_HEAD + MARIADB_TAIL;
    expect(await dumpCoordinates(file(text, true))).toEqual(await dumpCoordinates(file(text)));
  });

  it('older MariaDB "GTID to start replication from" and --master-data=1 (executed statements)', async () => {
    const c = await dumpCoordinates(
      file(`-- MySQL dump 10.16  Distrib 10.1.48-MariaDB, for debian-linux-gnu (x86_64)
-- Host: db    Database: shop
-- Server version\t10.3.39-MariaDB-log
CHANGE MASTER TO MASTER_LOG_FILE='mysql-bin.000123', MASTER_LOG_POS=45678;
CREATE TABLE t (a int);
--
-- GTID to start replication from
--

SET GLOBAL gtid_slave_pos='0-1-5';
`),
    );
    expect(c).toMatchObject({
      flavor: 'mariadb',
      binlog: { file: 'mysql-bin.000123', pos: 45678 },
      gtid: '0-1-5',
      executesCoordinates: true,
      complete: false,
      completedAt: undefined,
      databases: ['shop'],
    });
  });

  it('reads a MySQL 8 mysqldump (hand-written, untested against a live MySQL)', async () => {
    expect(await dumpCoordinates(file(MYSQL8))).toEqual({
      flavor: 'mysql',
      serverVersion: '8.0.36',
      dumpTool: 'MySQL dump 10.13  Distrib 8.0.36, for Linux (x86_64)',
      host: 'localhost',
      binlog: { file: 'binlog.000002', pos: 157 },
      binlogIsUpstream: false,
      gtid: '3e11fa47-71ca-11e1-9e33-c80aa9429562:1-5,8c9b1a2e-0000-11ee-8000-000000000001:1-12',
      gtidPurgedAdditive: true,
      executesCoordinates: true,
      complete: true,
      hasHeader: true,
      completedAt: '2026-05-25 14:31:00',
      databases: ['shop'],
    });
  });

  it('reads MySQL < 8.0.26 CHANGE MASTER and a commented GTID_PURGED (hand-written, untested live)', async () => {
    const c = await dumpCoordinates(
      file(`-- MySQL dump 10.13  Distrib 5.7.44, for Linux (x86_64)
-- Server version\t5.7.44-log
/* SET @@GLOBAL.GTID_PURGED='+3e11fa47-71ca-11e1-9e33-c80aa9429562:1-77'; */
-- CHANGE MASTER TO MASTER_LOG_FILE='mysql-bin.000007', MASTER_LOG_POS=1234;
`),
    );
    expect(c).toMatchObject({
      flavor: 'mysql',
      binlog: { file: 'mysql-bin.000007', pos: 1234 },
      gtid: '3e11fa47-71ca-11e1-9e33-c80aa9429562:1-77',
      gtidPurgedAdditive: true,
      executesCoordinates: false,
    });
  });

  it('a dump without coordinates is a USAGE error whose hints name the dump options', async () => {
    const noCoords = file(MARIADB_HEAD.replace(/^-- CHANGE MASTER.*$/gm, '') + '\n-- Dump completed on 2026-11-23 11:01:30\n');
    const err = await dumpCoordinates(noCoords).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PitrError);
    expect((err as PitrError).code).toBe('USAGE');
    expect((err as PitrError).message).toContain(noCoords);
    expect((err as PitrError).hints.join('\n')).toMatch(/--master-data=2/);
    expect((err as PitrError).hints.join('\n')).toMatch(/--gtid/);
    expect((err as PitrError).hints.join('\n')).toMatch(/--single-transaction/);

    const mysql = file(MYSQL8.replace(/^SET @@GLOBAL.GTID_PURGED[\s\S]*?;$/m, '').replace(/^-- CHANGE REPLICATION.*$/m, ''));
    const err2 = await dumpCoordinates(mysql).catch((e: unknown) => e);
    expect((err2 as PitrError).hints.join('\n')).toMatch(/--source-data=2/);

    const c = await dumpCoordinates(noCoords, { requireCoordinates: false });
    expect(c.binlog).toBeUndefined();
    expect(c.gtid).toBeUndefined();
    expect(c.databases).toEqual(['d1', 'd2']);
  });

  it('flags a --dump-slave position as the upstream server\'s (hand-written after mysqldump.c)', async () => {
    const c = await dumpCoordinates(
      file(`-- MariaDB dump 10.19  Distrib 10.11.19-MariaDB
-- Server version\t10.11.19-MariaDB-log

--
-- Position to start replication or point-in-time recovery from (the master of this slave)
--

-- CHANGE MASTER TO MASTER_LOG_FILE='upstream-bin.000042', MASTER_LOG_POS=777;
`),
    );
    expect(c.binlog).toEqual({ file: 'upstream-bin.000042', pos: 777 });
    expect(c.binlogIsUpstream).toBe(true);
    // mariadb-dump 10.11 --dump-slave=2 (texts from its binary), with a named connection
    const d = await dumpCoordinates(
      file(`-- MariaDB dump 10.19  Distrib 10.11.19-MariaDB
-- The following is the SQL position of the replication taken from SHOW SLAVE STATUS at the time of backup.
-- Use only the MASTER_USE_GTID=slave_pos or MASTER_LOG_FILE/MASTER_LOG_POS in the statements below.

-- CHANGE MASTER 'a' TO MASTER_LOG_FILE='up.000003', MASTER_LOG_POS=88;
`),
    );
    expect(d.binlog).toEqual({ file: 'up.000003', pos: 88 });
    expect(d.binlogIsUpstream).toBe(true);
  });

  it('a single-database dump without CREATE DATABASE names the header database', async () => {
    const c = await dumpCoordinates(
      file("-- MariaDB dump 10.19\n-- Host: localhost    Database: shop\n-- CHANGE MASTER TO MASTER_LOG_FILE='b.000001', MASTER_LOG_POS=4;\nCREATE TABLE t (a int);\n"),
    );
    expect(c.databases).toEqual(['shop']);
    expect(c.complete).toBe(false);
  });
});
