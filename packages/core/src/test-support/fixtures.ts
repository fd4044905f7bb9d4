/**
 * Test-only helpers (excluded from the package build): where the shared MySQL/MariaDB fixtures are,
 * reading a vector group, and a DecodeContext for feeding event bodies to decoders directly.
 * Fixtures come from PITR_FIXTURES, default <repo>/../shared/fixtures; they are never committed.
 */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join, resolve } from 'node:path';
import type { DecodeContext } from '../binlog/decode-context.js';
import type { Flavor, TableMapBody } from '../binlog/types.js';
import type { SchemaProvider } from '../schema/schema-provider.js';

export const repoRoot = resolve(fileURLToPath(new URL('.', import.meta.url)), '../../../..');
export const FIXTURES = process.env.PITR_FIXTURES ?? join(repoRoot, '../shared/fixtures');
export const haveFixtures = existsSync(join(FIXTURES, 'mysql8/vectors/go-mysql.json'));

if (!haveFixtures) console.warn(`[skip] fixtures not found at ${FIXTURES} (set PITR_FIXTURES): MySQL 8 fixture tests are skipped`);

export interface Group {
  test: string;
  notes?: string;
  cases: Record<string, unknown>[];
}

/** The first vector group in a fixtures JSON file whose test name starts with `test`. */
export function fixtureGroup(file: string, test: string): Group {
  const g = (JSON.parse(readFileSync(join(FIXTURES, file), 'utf8')) as { groups: Group[] }).groups.find((x) => x.test.startsWith(test));
  if (!g) throw new Error(`no group ${test} in ${file}`);
  return g;
}

export const hex = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s, 'hex'));

/** A decode context with MySQL 8 post-header lengths (ROWS v2: 10, others 8) that collects warnings. */
export function testContext(flavor: Flavor = 'mysql', schema?: SchemaProvider): DecodeContext & { warnings: string[] } {
  const warnings: string[] = [];
  return {
    file: 'test-bin.000001',
    pos: 0,
    flavor,
    postHeaderLength: (type: number) => (type >= 30 && type <= 32 ? 10 : 8),
    tableMaps: new Map<number, TableMapBody>(),
    schema,
    warn: (m: string) => warnings.push(m),
    warnings,
  };
}
