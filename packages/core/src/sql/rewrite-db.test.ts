import { describe, expect, it } from 'vitest';
import { DbRewrite } from './rewrite-db.js';

const r = new DbRewrite(new Map([['shop', 'shop_old']]), ['shop', 'crm']);
const text = (sql: string): string => Buffer.from(r.statement(Buffer.from(sql, 'utf8')).bytes).toString('utf8');

describe('DbRewrite', () => {
  it('renames qualifiers, quoted or bare, and leaves other names alone', () => {
    expect(text('ALTER TABLE shop.orders ADD COLUMN x INT')).toBe('ALTER TABLE `shop_old`.orders ADD COLUMN x INT');
    expect(text('ALTER TABLE `shop`.`orders` ADD c INT')).toBe('ALTER TABLE `shop_old`.`orders` ADD c INT');
    expect(text('ALTER TABLE `shop` . `orders` ADD c INT')).toBe('ALTER TABLE `shop_old` . `orders` ADD c INT');
    expect(text('RENAME TABLE shop.a TO shop.b')).toBe('RENAME TABLE `shop_old`.a TO `shop_old`.b');
    expect(text('ALTER TABLE orders ADD shop INT')).toBe('ALTER TABLE orders ADD shop INT');
    expect(text('SELECT x.shop.y FROM t')).toBe('SELECT x.shop.y FROM t'); // after a dot: a table or column
    expect(text('SELECT 1.5, shopping.a FROM t')).toBe('SELECT 1.5, shopping.a FROM t');
  });

  it('renames the object of DATABASE/SCHEMA and USE', () => {
    expect(text('CREATE DATABASE shop')).toBe('CREATE DATABASE `shop_old`');
    expect(text('CREATE DATABASE /*!32312 IF NOT EXISTS*/ `shop` /*!40100 DEFAULT CHARACTER SET utf8mb4 */')).toBe(
      'CREATE DATABASE /*!32312 IF NOT EXISTS*/ `shop_old` /*!40100 DEFAULT CHARACTER SET utf8mb4 */',
    );
    expect(text('drop schema if exists shop')).toBe('drop schema if exists `shop_old`');
    expect(text('USE `shop`')).toBe('USE `shop_old`');
  });

  it('reads inside version comments (mariadb-dump views) but not in strings or comments', () => {
    expect(text('/*!50001 CREATE VIEW `v` AS select `shop`.`t`.`a` AS `a` from `shop`.`t` */')).toBe(
      '/*!50001 CREATE VIEW `v` AS select `shop_old`.`t`.`a` AS `a` from `shop_old`.`t` */',
    );
    expect(text("INSERT INTO t VALUES ('shop.t', \"shop.x\", 'it''s shop.t', 'a\\'shop.t') -- shop.t\n")).toBe(
      "INSERT INTO t VALUES ('shop.t', \"shop.x\", 'it''s shop.t', 'a\\'shop.t') -- shop.t\n",
    );
    expect(text('SELECT /* shop.t */ 1 # shop.t\n')).toBe('SELECT /* shop.t */ 1 # shop.t\n');
  });

  it('reports databases of the backup it does not rename', () => {
    const res = r.statement(Buffer.from('INSERT INTO crm.audit SELECT * FROM shop.t'));
    expect(res.touched).toBe(true);
    expect(res.foreign).toEqual(['crm']);
    expect(r.statement(Buffer.from('INSERT INTO t SELECT * FROM u')).touched).toBe(false);
  });

  it('keeps the bytes around edits exactly (non-UTF-8 content survives)', () => {
    const input = Buffer.concat([Buffer.from("UPDATE shop.t SET b = '"), Buffer.from([0xff, 0xfe, 0x27, 0x27]), Buffer.from("'")]);
    const out = Buffer.from(r.statement(input).bytes);
    expect(out.subarray(0, 21).toString()).toBe('UPDATE `shop_old`.t S');
    expect(out.subarray(out.length - 5)).toEqual(Buffer.from([0xff, 0xfe, 0x27, 0x27, 0x27]));
  });

  it('handles names with backticks and non-ASCII names', () => {
    const u = new DbRewrite(new Map([['läden', 'a`b']]));
    expect(Buffer.from(u.statement(Buffer.from('DROP TABLE `läden`.t', 'utf8')).bytes).toString('utf8')).toBe('DROP TABLE `a``b`.t');
  });

  it('parses FROM:TO lists and refuses contradictions', () => {
    expect([...DbRewrite.parse(['a:b', 'c:d,e:f'])]).toEqual([['a', 'b'], ['c', 'd'], ['e', 'f']]);
    expect(() => DbRewrite.parse(['a'])).toThrow(/FROM:TO/);
    expect(() => DbRewrite.parse(['a:a'])).toThrow(/itself/);
    expect(() => DbRewrite.parse(['a:b', 'b:c'])).toThrow(/both/);
    expect(() => DbRewrite.parse(['a:c', 'b:c'])).toThrow(/two databases/);
  });
});
