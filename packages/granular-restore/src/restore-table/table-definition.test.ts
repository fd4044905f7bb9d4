import { describe, expect, it } from 'vitest';
import { copyAlter, copyCreateTable } from './table-definition.js';

describe('copyCreateTable', () => {
  it('renames the table and leaves out FOREIGN KEYs, keeping everything else', () => {
    const create = [
      'CREATE TABLE `child` (',
      '  `id` int(11) NOT NULL,',
      "  `note` varchar(10) DEFAULT 'a,b)' COMMENT 'x`y',",
      '  `parent_id` int(11) DEFAULT NULL,',
      '  PRIMARY KEY (`id`),',
      '  KEY `fk_child_parent` (`parent_id`),',
      '  CONSTRAINT `fk_child_parent` FOREIGN KEY (`parent_id`) REFERENCES `parent` (`id`) ON DELETE CASCADE,',
      '  CONSTRAINT `chk` CHECK (`id` > 0)',
      ') ENGINE=InnoDB DEFAULT CHARSET=utf8mb4',
    ].join('\n');
    const copy = copyCreateTable(create, 'shop', 'child__pitr_20260525143000');
    expect(copy.droppedForeignKeys).toEqual(['fk_child_parent']);
    expect(copy.sql).toBe(
      [
        'CREATE TABLE `shop`.`child__pitr_20260525143000` (',
        '  `id` int(11) NOT NULL,',
        "  `note` varchar(10) DEFAULT 'a,b)' COMMENT 'x`y',",
        '  `parent_id` int(11) DEFAULT NULL,',
        '  PRIMARY KEY (`id`),',
        '  KEY `fk_child_parent` (`parent_id`),',
        '  CONSTRAINT `chk` CHECK (`id` > 0)',
        ') ENGINE=InnoDB DEFAULT CHARSET=utf8mb4',
      ].join('\n'),
    );
  });
  it('handles a qualified name, IF NOT EXISTS and OR REPLACE; refuses LIKE', () => {
    expect(copyCreateTable('CREATE OR REPLACE TABLE IF NOT EXISTS db.t (a INT, FOREIGN KEY (a) REFERENCES p (a))', 'x', 'y').sql).toBe('CREATE TABLE `x`.`y` (a INT\n)');
    expect(() => copyCreateTable('CREATE TABLE t LIKE u', 'x', 'y')).toThrow(/LIKE/);
  });
});

describe('copyAlter', () => {
  it('re-aims ALTER TABLE and CREATE INDEX at the copy; leaves out FOREIGN KEYs', () => {
    expect(copyAlter('ALTER TABLE shop.types ADD INDEX (d)', 'shop', 'c')).toBe('ALTER TABLE `shop`.`c` ADD INDEX (d)');
    expect(copyAlter('CREATE INDEX i ON `types` (d)', 'shop', 'c')).toBe('CREATE INDEX i ON `shop`.`c` (d)');
    expect(copyAlter('ALTER TABLE t ADD CONSTRAINT f FOREIGN KEY (a) REFERENCES p (a)', 'shop', 'c')).toBeUndefined();
  });
});
