import { describe, expect, it } from 'vitest';
import { DeferredTriggers } from './deferred-triggers.js';

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);

describe('DeferredTriggers', () => {
  it('recognises CREATE/DROP TRIGGER, also in a dump\'s executable comments', () => {
    expect(DeferredTriggers.triggerStatement(enc('/*!50003 CREATE*/ /*!50017 DEFINER=`root`@`localhost`*/ /*!50003 TRIGGER orders_ai AFTER INSERT ON orders FOR EACH ROW SET @x = 1 */'), 'shop')).toEqual({
      op: 'create',
      db: 'shop',
      name: 'orders_ai',
      table: 'orders',
    });
    expect(DeferredTriggers.triggerStatement(enc('DROP TRIGGER IF EXISTS other.t1'), 'shop')).toMatchObject({ op: 'drop', db: 'other', name: 't1' });
    expect(DeferredTriggers.triggerStatement(enc('CREATE TABLE t (a int)'), 'shop')).toBeUndefined();
  });

  it('follows DROP TRIGGER, DROP TABLE, DROP DATABASE, CREATE OR REPLACE TABLE; keeps creation order', () => {
    const d = new DeferredTriggers();
    const add = (db: string, name: string, table: string): void => d.create({ db, name, table, statement: enc(`CREATE TRIGGER ${name} …`), session: [] });
    add('shop', 'a', 'orders');
    add('shop', 'b', 'customers');
    add('shop', 'c', 'orders');
    add('other', 'd', 'x');
    add('shop', 'e', 'gone');
    d.drop('shop', 'c');
    d.afterDdl('DROP TABLE IF EXISTS `gone`', 'shop');
    d.afterDdl('DROP DATABASE other', 'shop');
    expect(d.final().map((t) => t.name)).toEqual(['a', 'b']);
    d.afterDdl('CREATE OR REPLACE TABLE customers (id int)', 'shop');
    expect(d.final().map((t) => t.name)).toEqual(['a']);
  });

  it('a trigger whose table was renamed is reported, not recreated on the old name', () => {
    const d = new DeferredTriggers();
    d.create({ db: 'shop', name: 'a', table: 'orders', statement: enc('x'), session: [] });
    d.afterDdl('RENAME TABLE orders TO orders_old', 'shop');
    expect(() => d.final()).toThrow(/renamed to shop\.orders_old/);
  });
});
