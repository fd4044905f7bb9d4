import { type ColumnDef, type RowImage, type RowsBody, type TableMapBody, parseCreateTable } from '@pitr/core';
import { describe, expect, it } from 'vitest';
import { type ForeignKeyAction, foreignKeyAction } from '../foreign-keys.js';
import { FkCascades } from './fk-cascades.js';
import { RowChanges } from './table-lineage.js';

const col = (index: number, name: string): ColumnDef =>
  ({ index, name, type: 3, meta: 0, nullable: true, unsigned: false, collationId: undefined, enumValues: undefined, setValues: undefined, geometryType: undefined, sqlType: undefined, generated: false, primaryKey: index === 0 }) as ColumnDef;

function table(db: string, name: string, cols: string[]): TableMapBody {
  return { kind: 'table_map', tableId: 1, flags: 0, db, table: name, columns: cols.map((c, i) => col(i, c)), metadataFields: [], schemaApplied: true } as TableMapBody;
}

function rows(kind: RowsBody['kind'], t: TableMapBody, images: { before?: RowImage; after?: RowImage }[], flags = 1): RowsBody {
  return { kind, eventName: 'X', version: 2, tableId: 1, flags, table: t, rows: images, compressed: false } as RowsBody;
}

/** The CASCADE / SET NULL foreign keys of one CREATE TABLE (core's parser, then the conversion). */
function foreignKeyActions(createTable: string, db: string, table: string): ForeignKeyAction[] {
  return (parseCreateTable(createTable, db).foreignKeys ?? []).map((fk) => foreignKeyAction(fk, db, table)).filter((a): a is ForeignKeyAction => a !== undefined);
}

const ORDERS = `CREATE TABLE \`orders\` (
  \`id\` int(11) NOT NULL,
  \`customer_id\` int(11) DEFAULT NULL,
  \`region\` int(11) DEFAULT NULL,
  PRIMARY KEY (\`id\`),
  CONSTRAINT \`orders_customer\` FOREIGN KEY (\`customer_id\`) REFERENCES \`customers\` (\`id\`) ON DELETE CASCADE ON UPDATE CASCADE,
  CONSTRAINT \`orders_region\` FOREIGN KEY (\`region\`) REFERENCES \`geo\`.\`regions\` (\`id\`) ON DELETE SET NULL,
  CONSTRAINT \`orders_plain\` FOREIGN KEY (\`region\`) REFERENCES \`plain\` (\`id\`)
) ENGINE=InnoDB`;

describe('foreign keys with actions from CREATE TABLE', () => {
  it('keeps CASCADE / SET NULL per action and cross-database parents, and drops keys without actions', () => {
    const fks = foreignKeyActions(ORDERS, 'shop', 'orders');
    expect(fks.map((f) => [f.name, `${f.parent.db}.${f.parent.table}`, f.child.columns, f.parent.columns, f.onDelete, f.onUpdate])).toEqual([
      ['orders_customer', 'shop.customers', ['customer_id'], ['id'], 'CASCADE', 'CASCADE'],
      ['orders_region', 'geo.regions', ['region'], ['id'], 'SET NULL', undefined],
    ]);
  });
});

describe('FkCascades: what parents did to the restored table', () => {
  const customers = table('shop', 'customers', ['id', 'name']);
  const regions = table('geo', 'regions', ['id']);
  const make = (): { c: FkCascades; changes: RowChanges } => ({
    c: new FkCascades(foreignKeyActions(ORDERS, 'shop', 'orders'), [], ['id', 'customer_id', 'region']),
    changes: new RowChanges([0], [0, 1, 2]),
  });
  const mark = { gtid: '0-1-5', file: 'b.000001', pos: 4 };

  it('deletes children of a deleted parent: changed rows at once, backup rows when read', () => {
    const { c, changes } = make();
    changes.apply(undefined, [10, 7, 1]); // inserted in the range, child of 7
    changes.apply(undefined, [11, 8, 1]);
    expect(c.wants(rows('delete', customers, []))).toBe(true);
    c.parentRows(rows('delete', customers, [{ before: [7, 'Seven'] }]), changes, mark);
    expect(changes.byKey.get('n10')).toBeNull();
    expect(changes.byKey.get('n11')).toEqual([11, 8, 1]);
    expect(c.backupRow([1, 7, 2])).toBeNull();
    expect(c.backupRow([2, 9, 2])).toEqual([2, 9, 2]);
    expect(c.backupRow([3, null, 2])).toEqual([3, null, 2]);
  });

  it('SET NULL and ON UPDATE CASCADE change the child columns, in order', () => {
    const { c, changes } = make();
    c.parentRows(rows('update', customers, [{ before: [7, 'a'], after: [70, 'a'] }]), changes, mark);
    c.parentRows(rows('update', customers, [{ before: [8, 'a'], after: [8, 'b'] }]), changes, mark); // key unchanged: nothing
    c.parentRows(rows('delete', regions, [{ before: [1] }]), changes, mark);
    expect(c.backupRow([1, 7, 1])).toEqual([1, 70, null]);
    expect(c.backupRow([2, 8, 2])).toEqual([2, 8, 2]);
    // deleting the new parent key later removes the child that followed it
    c.parentRows(rows('delete', customers, [{ before: [70, 'a'] }]), changes, mark);
    expect(c.backupRow([1, 7, 1])).toBeNull();
    expect(c.fired).toBe(3);
  });

  it('fires nothing for events logged with foreign_key_checks=0', () => {
    const { c, changes } = make();
    c.parentRows(rows('delete', customers, [{ before: [7, 'Seven'] }], 1 | 2), changes, mark);
    expect(c.backupRow([1, 7, 2])).toEqual([1, 7, 2]);
    expect(c.fired).toBe(0);
  });

  it('refuses a two-level cascade and a child without a primary key', () => {
    const grand = foreignKeyActions('CREATE TABLE `customers` (\n  `org` int,\n  CONSTRAINT `c_org` FOREIGN KEY (`org`) REFERENCES `orgs` (`id`) ON DELETE CASCADE\n)', 'shop', 'customers');
    const c = new FkCascades(foreignKeyActions(ORDERS, 'shop', 'orders'), grand, ['id', 'customer_id', 'region']);
    expect(() => c.parentRows(rows('delete', table('shop', 'orgs', ['id']), [{ before: [1] }]), new RowChanges([0], [0, 1, 2]), mark)).toThrow(/one level of foreign-key actions/);
    const noKey = new FkCascades(foreignKeyActions(ORDERS, 'shop', 'orders'), [], ['id', 'customer_id', 'region']);
    expect(() => noKey.parentRows(rows('delete', customers, [{ before: [7, 'x'] }]), new RowChanges([], [0, 1, 2]), mark)).toThrow(/no primary key/);
  });
});
