/**
 * JSON diff application (PARTIAL_UPDATE_ROWS). The captured MySQL 8.0.40 events are exercised in
 * events/rows-event.test.ts; these cover paths and operations those events do not.
 */
import { describe, expect, it } from 'vitest';
import { applyJsonDiff, readJsonDiffs } from './json-diff.js';
import { BinlogFormatError } from '../errors/pitr-error.js';

const hex = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s, 'hex'));
const lenenc = (n: number): string => n.toString(16).padStart(2, '0');

/** One diff: op, path, optional binary JSON value (type byte first). */
function diff(op: number, path: string, valueHex?: string): string {
  const p = Buffer.from(path).toString('hex');
  let out = lenenc(op) + lenenc(path.length) + p;
  if (valueHex !== undefined) out += lenenc(valueHex.length / 2) + valueHex;
  return out;
}

// {"a": [1, 2], "b": {"c": "x"}}  (small object, keys a, b)
const DOC =
  '00' + // small object
  '0200' + '2c00' + // 2 keys, 44 bytes
  '1200' + '0100' + '1300' + '0100' + // key entries (offsets 18, 19)
  '021400' + '001e00' + // a → array at 20, b → object at 30
  '6162' + // keys
  '0200' + '0a00' + '050100' + '050200' + // [1, 2] (10 bytes)
  '0100' + '0e00' + '0b00' + '0100' + '0c0c00' + '63' + '0178'; // {"c": "x"}

function apply(diffsHex: string): string {
  const before = hex(DOC);
  const d = hex(diffsHex);
  return applyJsonDiff(before, 0, before.length, d, 0, d.length);
}

describe('applyJsonDiff', () => {
  it('parses the sample document', () => {
    expect(apply('')).toBe('{"a": [1, 2], "b": {"c": "x"}}');
  });
  it('REPLACE in nested object and array', () => {
    expect(apply(diff(0, '$.b.c', '0c0179') + diff(0, '$.a[1]', '050900'))).toBe('{"a": [1, 9], "b": {"c": "y"}}');
  });
  it('INSERT into arrays (position, past the end) and objects (MySQL key order)', () => {
    expect(apply(diff(1, '$.a[0]', '050000') + diff(1, '$.a[9]', '050300'))).toBe('{"a": [0, 1, 2, 3], "b": {"c": "x"}}');
    expect(apply(diff(1, '$.aa', '0401') + diff(1, '$.c', '0402'))).toBe('{"a": [1, 2], "b": {"c": "x"}, "c": false, "aa": true}');
  });
  it('REMOVE and quoted member names', () => {
    expect(apply(diff(2, '$."b"') + diff(2, '$.a[0]'))).toBe('{"a": [2]}');
  });
  it('whole-document REPLACE', () => {
    expect(apply(diff(0, '$', '0400'))).toBe('null');
  });
  it('reads diffs', () => {
    expect(readJsonDiffs(hex(diff(2, '$.x')), 0, 5)).toEqual([{ operation: 2, path: '$.x', value: undefined }]);
  });
  it('a path missing from the before value is a BinlogFormatError', () => {
    expect(() => apply(diff(0, '$.zz', '0400'))).toThrow(BinlogFormatError);
    expect(() => apply(diff(0, '$.a.b', '0400'))).toThrow(BinlogFormatError);
    expect(() => apply(diff(7, '$.a'))).toThrow(BinlogFormatError);
    expect(() => apply(diff(0, 'a', '0400'))).toThrow(BinlogFormatError);
  });
});
