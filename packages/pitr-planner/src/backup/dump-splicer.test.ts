import { describe, expect, it } from 'vitest';
import { spliceAfterTableData, type SpliceTable } from './dump-splicer.js';

/** A dump shaped like mariadb-dump's: two tables, a trigger, a routine whose body mentions LOCK/UNLOCK. */
const DUMP = [
  '-- MariaDB dump 10.19  Distrib 10.11.19-MariaDB, for debian-linux-gnu (x86_64)',
  '--',
  "-- CHANGE MASTER TO MASTER_LOG_FILE='mariadb-bin.000003', MASTER_LOG_POS=1832;",
  'CREATE DATABASE `shop`;',
  'USE `shop`;',
  '-- Dumping data for table `a`',
  'LOCK TABLES `a` WRITE;',
  '/*!40000 ALTER TABLE `a` DISABLE KEYS */;',
  "INSERT INTO `a` VALUES (1,'UNLOCK TABLES;'),(2,'x');",
  '/*!40000 ALTER TABLE `a` ENABLE KEYS */;',
  'UNLOCK TABLES;',
  'DELIMITER ;;',
  '/*!50003 CREATE*/ /*!50003 TRIGGER `a_ai` AFTER INSERT ON `a` FOR EACH ROW SET @x = 1 */;;',
  'DELIMITER ;',
  '-- Dumping data for table `b`',
  'LOCK TABLES `b` WRITE;',
  'UNLOCK TABLES;',
  'DELIMITER ;;',
  'CREATE PROCEDURE `p`()',
  'BEGIN',
  '  -- UNLOCK TABLES;',
  "  SELECT 'LOCK TABLES `c` WRITE; UNLOCK TABLES;';",
  'END ;;',
  'DELIMITER ;',
  '-- Dump completed on 2026-05-25 14:31:00',
  '',
].join('\n');

async function splice(chunks: Buffer[], marker: (t: SpliceTable) => string | undefined): Promise<{ out: string; calls: string[]; positions: string[] }> {
  const calls: string[] = [];
  const positions: string[] = [];
  async function* source(): AsyncGenerator<Buffer> {
    for (const c of chunks) yield c;
  }
  let out = '';
  for await (const piece of spliceAfterTableData(source(), {
    after: (t, dump) => {
      calls.push(`${t.db ?? '?'}.${t.table}`);
      positions.push(dump.binlog === undefined ? '-' : `${dump.binlog.file}:${dump.binlog.pos}`);
      const text = marker(t);
      if (text === undefined) return undefined;
      return (async function* () {
        yield text.slice(0, 3);
        yield text.slice(3);
      })();
    },
  })) {
    out += piece.toString('utf8');
  }
  return { out, calls, positions };
}

function split(text: string, size: number): Buffer[] {
  const bytes = Buffer.from(text, 'utf8');
  const out: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += size) out.push(bytes.subarray(i, i + size));
  return out;
}

const EXPECTED = DUMP.replace('UNLOCK TABLES;\nDELIMITER ;;\n/*!50003', 'UNLOCK TABLES;\n-- fix `a`\nDELIMITER ;;\n/*!50003').replace(
  'LOCK TABLES `b` WRITE;\nUNLOCK TABLES;',
  'LOCK TABLES `b` WRITE;\nUNLOCK TABLES;\n-- fix `b`',
);

describe('spliceAfterTableData', () => {
  it('inserts text right after each table data block, whatever the chunking', async () => {
    for (const size of [1, 2, 3, 7, 13, 64, 1 << 20]) {
      const r = await splice(split(DUMP, size), (t) => `\n-- fix \`${t.table}\``);
      expect(r.out, `chunk size ${size}`).toBe(EXPECTED);
      expect(r.calls).toEqual(['shop.a', 'shop.b']);
      // the dump's coordinates (near its top) are known when the first table's data ends
      expect(r.positions[0]).toBe('mariadb-bin.000003:1832');
    }
  });

  it('passes the dump through byte for byte when nothing is inserted', async () => {
    const r = await splice(split(DUMP, 5), () => undefined);
    expect(r.out).toBe(DUMP);
  });

  it('handles a split between a statement and its delimiter', async () => {
    const cut = DUMP.indexOf(';\nDELIMITER ;;\n/*!50003');
    const r = await splice([Buffer.from(DUMP.slice(0, cut)), Buffer.from(DUMP.slice(cut))], (t) => `\n-- fix \`${t.table}\``);
    expect(r.out).toBe(EXPECTED);
  });
});
