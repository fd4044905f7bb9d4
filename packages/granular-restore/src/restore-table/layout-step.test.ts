import { parseCreateTable, type SchemaColumn } from '@pitr/core';
import { describe, expect, it } from 'vitest';
import { convertRow, layoutStep } from './layout-step.js';

const cols = (defs: string): readonly SchemaColumn[] => parseCreateTable(`CREATE TABLE t (${defs})`, 'd').columns;

describe('layoutStep: ADD/DROP COLUMN as a row conversion', () => {
  const before = cols('id INT PRIMARY KEY, v INT, s VARCHAR(10)');

  it('keeps columns by name, drops, and fills added columns with their constant DEFAULT', () => {
    const after = cols("tag VARCHAR(8) NOT NULL DEFAULT 'né', id INT PRIMARY KEY, s VARCHAR(10), n INT NOT NULL, w DECIMAL(6,2) DEFAULT -1.5, z INT");
    const step = layoutStep(before, after, "ALTER TABLE t ADD COLUMN tag VARCHAR(8) NOT NULL DEFAULT 'né' FIRST, DROP COLUMN v, ADD n INT NOT NULL, ADD COLUMN `w` DECIMAL(6,2) DEFAULT -1.5, ADD z INT");
    expect(typeof step).toBe('object');
    expect(convertRow([7, 70, 'x'], step as Exclude<typeof step, string>)).toEqual(['né', 7, 'x', 0, '-1.50', null]);
  });

  it('refuses what it cannot convert exactly, with the reason', () => {
    expect(layoutStep(before, cols('id INT PRIMARY KEY, v BIGINT, s VARCHAR(10)'), 'ALTER TABLE t MODIFY v BIGINT')).toMatch(/changes or renames a column/);
    expect(layoutStep(before, cols('id INT PRIMARY KEY, w INT, s VARCHAR(10)'), 'ALTER TABLE t CHANGE v w INT')).toMatch(/changes or renames/);
    expect(layoutStep(before, cols('id INT PRIMARY KEY, v INT, s VARCHAR(10), at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP'), 'ALTER TABLE t ADD at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP')).toMatch(/not a constant/);
    expect(layoutStep(before, cols('id INT PRIMARY KEY, v INT, s VARCHAR(10), g INT AS (v * 2) VIRTUAL'), 'ALTER TABLE t ADD g INT AS (v * 2) VIRTUAL')).toMatch(/generated/);
    expect(layoutStep(before, cols('id INT PRIMARY KEY, v INT, s VARCHAR(10), d DATE NOT NULL'), 'ALTER TABLE t ADD d DATE NOT NULL')).toMatch(/NOT NULL without a DEFAULT/);
  });
});
