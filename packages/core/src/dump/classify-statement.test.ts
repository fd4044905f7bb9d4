import { describe, expect, it } from 'vitest';
import { classifyStatement } from './classify-statement.js';

describe('classifyStatement', () => {
  const cases: [string, string, string | undefined, string | undefined, string | undefined][] = [
    ['CREATE TABLE `t` (\n `a` int)', 'create-table', 'cur', 't', undefined],
    ['CREATE TABLE IF NOT EXISTS `d2`.`t``x` (a int)', 'create-table', 'd2', 't`x', undefined],
    ['CREATE OR REPLACE SEQUENCE `s` start with 1', 'create-table', 'cur', 's', undefined],
    ['INSERT INTO `t` VALUES (1)', 'insert', 'cur', 't', undefined],
    ['INSERT IGNORE INTO Tbl VALUES (1)', 'insert', 'cur', 'Tbl', undefined],
    ['REPLACE INTO `d`.`t` VALUES (1)', 'insert', 'd', 't', undefined],
    ['USE `my db`', 'use', 'my db', undefined, undefined],
    ['CREATE DATABASE /*!32312 IF NOT EXISTS*/ `x` /*!40100 DEFAULT CHARACTER SET utf8mb4 */', 'create-database', 'x', undefined, undefined],
    ['DROP TABLE IF EXISTS `t`', 'drop-table', 'cur', 't', undefined],
    ['LOCK TABLES `t` WRITE', 'lock', 'cur', 't', undefined],
    ['UNLOCK TABLES', 'lock', undefined, undefined, undefined],
    ['/*!40101 SET NAMES utf8mb4 */', 'set', undefined, undefined, undefined],
    ['SET @@GLOBAL.GTID_PURGED=/*!80000 \'+\'*/ \'x:1\'', 'set', undefined, undefined, undefined],
    ['/*!50003 CREATE*/ /*!50017 DEFINER=`pitr`@`127.0.0.1`*/ /*!50003 TRIGGER d1.tr BEFORE INSERT ON d1.t FOR EACH ROW SET NEW.s = 1 */', 'trigger', 'd1', 't', 'tr'],
    ['/*!50003 CREATE*/ /*!50017 DEFINER=`a`@`%`*/ /*!50003 TRIGGER `tr2` AFTER UPDATE ON `t3` FOR EACH ROW BEGIN END */', 'trigger', 'cur', 't3', 'tr2'],
    ['/*!50106 CREATE*/ /*!50117 DEFINER=`pitr`@`127.0.0.1`*/ /*!50106 EVENT `e` ON SCHEDULE EVERY 1 DAY DO SELECT 1 */', 'routine', 'cur', undefined, 'e'],
    ['CREATE DEFINER=`pitr`@`127.0.0.1` FUNCTION `f`(x INT) RETURNS int(11)', 'routine', 'cur', undefined, 'f'],
    ['CREATE DEFINER=CURRENT_USER() PROCEDURE p() BEGIN END', 'routine', 'cur', undefined, 'p'],
    ['/*!50003 DROP PROCEDURE IF EXISTS `p` */', 'routine', 'cur', undefined, 'p'],
    ['/*!50001 CREATE ALGORITHM=UNDEFINED */\n/*!50013 DEFINER=`pitr`@`127.0.0.1` SQL SECURITY DEFINER */\n/*!50001 VIEW `v` AS select 1 */', 'view', 'cur', 'v', 'v'],
    ['/*!50001 DROP VIEW IF EXISTS `v`*/', 'view', 'cur', 'v', 'v'],
    ['/*!40000 ALTER TABLE `t` DISABLE KEYS */', 'other', undefined, undefined, undefined],
    ["CHANGE MASTER TO MASTER_LOG_FILE='b.000001', MASTER_LOG_POS=4", 'other', undefined, undefined, undefined],
    ['SELECT SETVAL(`seq`, 1001, 0)', 'other', 'cur', 'seq', undefined],
    ['DO SETVAL(`d`.`seq`, 1001, 0)', 'other', 'd', 'seq', undefined],
    ['SELECT 1', 'other', undefined, undefined, undefined],
  ];
  for (const [sql, kind, db, table, name] of cases) {
    it(`${kind}: ${sql.slice(0, 60)}`, () => {
      expect(classifyStatement(Buffer.from(sql), 'cur')).toEqual({ kind, db, table, name });
    });
  }
});
