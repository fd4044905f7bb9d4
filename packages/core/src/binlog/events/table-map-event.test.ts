/**
 * TABLE_MAP decoding against go-mysql's captured bodies (MySQL 5.7 / 8.0 FULL metadata, MariaDB
 * 10.4 / 10.5) in ../shared/fixtures.
 */
import { describe, expect, it } from 'vitest';
import { FIXTURES, fixtureGroup, haveFixtures, hex, testContext } from '../../test-support/fixtures.js';
import type { Group } from '../../test-support/fixtures.js';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Flavor, TableMapBody } from '../types.js';
import { decodeTableMapEvent } from './table-map-event.js';
import { BinlogFormatError } from '../../errors/pitr-error.js';


const FILES = [
  ['mysql8/vectors/go-mysql.json', 'mysql'],
  ['mariadb/vectors/go-mysql.json', 'mariadb'],
] as const;

function decode(bodyHex: string, flavor: Flavor): TableMapBody {
  return decodeTableMapEvent(hex(bodyHex), testContext(flavor), 1000);
}

/** go-mysql's per-case flavor: "server" says mariadb or mysql. */
function flavorOf(c: Record<string, unknown>, fallback: Flavor): Flavor {
  const s = String(c.flavor ?? c.server ?? '');
  return /mariadb/i.test(s) ? 'mariadb' : /mysql/i.test(s) ? 'mysql' : fallback;
}

describe.skipIf(!haveFixtures)('TABLE_MAP go-mysql vectors', () => {
  for (const [file, fileFlavor] of FILES) {
    describe(file, () => {
      it('TestTableMapNullable', () => {
        for (const c of fixtureGroup(file, 'TestTableMapNullable').cases) {
          const tm = decode(c.table_map_body_hex as string, flavorOf(c, fileFlavor));
          expect(tm.columns.map((x) => x.nullable)).toEqual(c.expected_nullable);
        }
      });

      it('TestTableMapOptMetaNames', () => {
        for (const c of fixtureGroup(file, 'TestTableMapOptMetaNames').cases) {
          const tm = decode(c.table_map_body_hex as string, flavorOf(c, fileFlavor));
          const names = tm.columns.map((x) => x.name);
          if (c.expected_column_names === null) {
            expect(names.every((n) => n === undefined)).toBe(true);
          } else {
            expect(names).toEqual(c.expected_column_names);
            expect(tm.metadataFields).toContain('COLUMN_NAME');
          }
          const enums = tm.columns.filter((x) => x.enumValues !== undefined).map((x) => x.enumValues);
          const sets = tm.columns.filter((x) => x.setValues !== undefined).map((x) => x.setValues);
          expect(enums).toEqual(c.expected_enum_str_values ?? []);
          expect(sets).toEqual(c.expected_set_str_values ?? []);
        }
      });

      it('TestTableMapOptMetaPrimaryKey', () => {
        for (const c of fixtureGroup(file, 'TestTableMapOptMetaPrimaryKey').cases) {
          const tm = decode(c.table_map_body_hex as string, flavorOf(c, fileFlavor));
          const pk = c.expected_primary_key_column_indexes as number[] | null;
          const prefixes = c.expected_primary_key_prefix_lengths as number[] | null;
          if (pk === null) {
            expect(tm.columns.some((x) => x.primaryKey)).toBe(false);
          } else {
            // Our columns carry a flag per column; the key order upstream is the key's column order.
            expect(tm.columns.filter((x) => x.primaryKey).map((x) => x.index).sort()).toEqual([...pk].sort());
            pk.forEach((idx, k) => expect(tm.columns[idx]!.primaryKeyPrefix).toBe(prefixes![k]));
          }
        }
      });

      it('TestTableMapOptMetaVisibility', () => {
        for (const c of fixtureGroup(file, 'TestTableMapOptMetaVisibility').cases) {
          const tm = decode(c.table_map_body_hex as string, flavorOf(c, fileFlavor));
          const want = c.expected_visible_by_column_index as Record<string, unknown>;
          if (c.expected_visibility_bitmap_hex === null) {
            expect(tm.columns.every((x) => x.visible === undefined)).toBe(true);
          } else {
            for (const [k, v] of Object.entries(want)) expect(tm.columns[Number(k)]!.visible, `column ${k}`).toBe(v);
          }
        }
      });

      it('TestTableMapHelperMaps: signedness, collations, ENUM/SET, geometry', () => {
        for (const c of fixtureGroup(file, 'TestTableMapHelperMaps').cases) {
          const tm = decode(c.table_map_body_hex as string, flavorOf(c, fileFlavor));
          const unsignedMap = c.expected_unsigned_by_column_index as Record<string, boolean> | null;
          if (unsignedMap === null) {
            expect(tm.columns.every((x) => x.unsigned === undefined && x.collationId === undefined)).toBe(true);
            continue;
          }
          // MySQL's SIGNEDNESS bitmap does not cover YEAR (go-mysql expects false for it: the padding bit).
          for (const [k, v] of Object.entries(unsignedMap)) {
            const col = tm.columns[Number(k)]!;
            if (col.type === 13 && tm.columns.length && flavorOf(c, fileFlavor) === 'mysql') expect(col.unsigned).toBeUndefined();
            else expect(col.unsigned, `column ${k}`).toBe(v);
          }
          const collations = { ...(c.expected_collation_by_column_index as object), ...(c.expected_enum_set_collation_by_column_index as object) } as Record<string, number>;
          for (const col of tm.columns) expect(col.collationId, `column ${col.index} (type ${col.type})`).toBe(collations[String(col.index)]);
          for (const [k, v] of Object.entries(c.expected_enum_str_values_by_column_index as Record<string, string[]>)) expect(tm.columns[Number(k)]!.enumValues).toEqual(v);
          for (const [k, v] of Object.entries(c.expected_set_str_values_by_column_index as Record<string, string[]>)) expect(tm.columns[Number(k)]!.setValues).toEqual(v);
          for (const col of tm.columns) expect(col.geometryType).toBe((c.expected_geometry_type_by_column_index as Record<string, number>)[String(col.index)]);
        }
      });
    });
  }
});

describe('TABLE_MAP structure', () => {
  const body = '7a00000000000100047465737400055f6e756c6c0004030311fc02000209';
  it('decodes ids, names and types', () => {
    const tm = decodeTableMapEvent(hex(body), testContext(), 0);
    expect(tm).toMatchObject({ kind: 'table_map', tableId: 0x7a, flags: 1, db: 'test', table: '_null', schemaApplied: false, metadataFields: [] });
    expect(tm.columns.map((x) => x.type)).toEqual([3, 3, 17, 252]);
    expect(tm.columns.map((x) => x.meta)).toEqual([0, 0, 0, 2]);
  });
  it('a 4-byte table id when the FDE post-header length is 6', () => {
    const ctx = testContext();
    ctx.postHeaderLength = () => 6;
    const tm = decodeTableMapEvent(hex(body.slice(0, 8) + body.slice(12)), ctx, 0);
    expect(tm.tableId).toBe(0x7a);
    expect(tm.table).toBe('_null');
  });
  it('every truncation is a positioned BinlogFormatError', () => {
    const bytes = hex(body);
    for (let n = 0; n < bytes.length - 1; n++) {
      let err: unknown;
      try {
        decodeTableMapEvent(bytes.subarray(0, n), testContext(), 500);
      } catch (e) {
        err = e;
      }
      expect(err, `truncated at ${n}`).toBeInstanceOf(BinlogFormatError);
      expect((err as BinlogFormatError).offset).toBeGreaterThanOrEqual(500);
    }
  });
  it('applies a matching schema and rejects a mismatching one with a warning', () => {
    const schema = {
      getTable: (db: string, table: string) =>
        db === 'test' && table === '_null'
          ? {
              db, table,
              columns: ['a', 'b', 'c', 'd'].map((name, i) => ({
                name, sqlType: ['int', 'int unsigned', 'timestamp', 'text'][i]!, baseType: ['int', 'int', 'timestamp', 'text'][i]!,
                unsigned: i === 1, nullable: true, collationId: i === 3 ? 45 : undefined, enumValues: undefined, setValues: undefined,
                generated: false, primaryKey: i === 0,
              })),
            }
          : undefined,
    };
    const ctx = testContext('mariadb', schema);
    const tm = decodeTableMapEvent(hex(body), ctx, 0);
    expect(tm.schemaApplied).toBe(true);
    expect(tm.columns.map((x) => x.name)).toEqual(['a', 'b', 'c', 'd']);
    expect(tm.columns[1]!.unsigned).toBe(true);
    expect(tm.columns[3]!.collationId).toBe(45);
    expect(tm.columns[0]!.primaryKey).toBe(true);

    const bad = { getTable: () => ({ db: 'test', table: '_null', columns: schema.getTable('test', '_null')!.columns.map((c, i) => (i === 2 ? { ...c, baseType: 'varchar', sqlType: 'varchar(3)' } : c)) }) };
    const ctx2 = testContext('mariadb', bad);
    const tm2 = decodeTableMapEvent(hex(body), ctx2, 0);
    expect(tm2.schemaApplied).toBe(false);
    expect(ctx2.warnings.join()).toMatch(/column 3 \(c\) is varchar\(3\) but the binlog logs TIMESTAMP2/);
  });
});

describe('TABLE_MAP property: hostile input', () => {
  it('random bodies only ever throw BinlogFormatError', async () => {
    const fc = await import('fast-check');
    for (const flavor of ['mysql', 'mariadb'] as const) {
      fc.assert(
        fc.property(fc.uint8Array({ maxLength: 200 }), fc.uint8Array({ maxLength: 120 }), (types, tail) => {
          // a plausible head (id, flags, names, column count) followed by random types/metadata/TLVs
          const n = Math.min(types.length, 40);
          const body = Uint8Array.from([...hex('0100000000000100017400017400'), n, ...types.subarray(0, n), ...tail]);
          try {
            decodeTableMapEvent(body, testContext(flavor), 0);
          } catch (e) {
            if (!(e instanceof BinlogFormatError)) throw e;
          }
        }),
        { numRuns: 500 },
      );
    }
  });
});
