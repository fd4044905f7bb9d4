/**
 * Binary JSON → MySQL text, against vitess (TestJSON), msmp (jsonb.terms) and
 * mysql-binlog-connector-java (sparse MySQL 8 document) vectors in ../shared/fixtures.
 */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatJsonDouble, jsonBinaryToText, quoteJsonString } from './json-binary.js';
import { BinlogFormatError } from '../errors/pitr-error.js';

const repoRoot = resolve(fileURLToPath(new URL('.', import.meta.url)), '../../../..');
const FIXTURES = process.env.PITR_FIXTURES ?? join(repoRoot, '../shared/fixtures');
const haveFixtures = existsSync(join(FIXTURES, 'mysql8/vectors/vitess.json'));
if (!haveFixtures) console.warn(`[skip] fixtures not found at ${FIXTURES} (set PITR_FIXTURES)`);

interface Group { test: string; cases: Record<string, unknown>[] }
function group(file: string, test: string): Group {
  const g = (JSON.parse(readFileSync(join(FIXTURES, file), 'utf8')) as { groups: Group[] }).groups.find((x) => x.test.startsWith(test));
  if (!g) throw new Error(`no group ${test} in ${file}`);
  return g;
}
const hex = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s, 'hex'));

/**
 * vitess renders JSON as a SQL expression (JSON_OBJECT('k',v,...), JSON_ARRAY(...), 'scalar text',
 * CAST(CAST('…' AS DATETIME(6)) AS JSON)). This turns it into the text MySQL prints for the same
 * document, so the comparison also checks MySQL's spacing and key order. Differences by design:
 * MySQL prints DATETIME/TIME opaque values with 6 fractional digits and doubles with shortest digits
 * (vitess: '3.14159E+00'), and other opaque types as "base64:typeNN:…" (vitess: unsupported).
 */
function vitessToMysqlText(expr: string): string {
  let i = 0;
  const peek = (): string => expr[i]!;
  const ws = (): void => {
    while (expr[i] === ' ') i++;
  };
  const quoted = (): string => {
    if (expr[i] !== "'") throw new Error(`expected ' at ${i} in ${expr}`);
    let out = '';
    i++;
    while (expr[i] !== "'") {
      if (expr[i] === '\\') i++;
      out += expr[i++];
    }
    i++;
    return out;
  };
  const value = (top: boolean): string => {
    ws();
    if (peek() === "'") {
      const s = quoted();
      return top ? s : quoteJsonString(s);
    }
    const m = /^[A-Z_]+/.exec(expr.slice(i));
    if (m) {
      const name = m[0];
      i += name.length;
      ws();
      i++; // (
      if (name === 'CAST') {
        ws();
        i += 'CAST('.length;
        const text = quoted();
        const type = /^ AS ([A-Z]+)/.exec(expr.slice(i))![1]!;
        i = expr.indexOf(') AS JSON)', i) + ') AS JSON)'.length;
        if (type === 'DATETIME' || type === 'TIME') return quoteJsonString(text.includes('.') ? text : text + '.000000');
        if (type === 'DATE') return quoteJsonString(text);
        return text; // DECIMAL
      }
      const items: string[] = [];
      ws();
      while (peek() !== ')') {
        items.push(value(false));
        ws();
        if (peek() === ',') i++;
        ws();
      }
      i++;
      if (name === 'JSON_ARRAY') return '[' + items.join(', ') + ']';
      const parts: string[] = [];
      for (let k = 0; k < items.length; k += 2) parts.push(`${items[k]}: ${items[k + 1]}`);
      return '{' + parts.join(', ') + '}';
    }
    const n = /^-?[0-9.]+/.exec(expr.slice(i))![0];
    i += n.length;
    return n;
  };
  return value(true);
}

describe.skipIf(!haveFixtures)('vitess TestJSON (34 documents)', () => {
  const cases = haveFixtures ? group('mysql8/vectors/vitess.json', 'TestJSON').cases : [];
  it('has 34 cases', () => expect(cases.length).toBe(34));
  for (const [n, c] of cases.entries()) {
    const expr = c.expected_sql_expression as string;
    it(`#${n} ${expr.slice(0, 70)}`, () => {
      const bytes = hex(c.json_binary_hex as string);
      const ours = jsonBinaryToText(bytes);
      if (expr.startsWith('opaque type 16')) {
        // BIT opaque: MySQL prints other opaque types as base64 with the field type.
        expect(ours).toBe('"base64:type16:yv4="');
      } else if (expr === "'3.14159E+00'") {
        expect(ours).toBe('3.14159');
      } else {
        expect(ours).toBe(vitessToMysqlText(expr));
      }
    });
  }
});

describe.skipIf(!haveFixtures)('msmp jsonb.terms (27 documents)', () => {
  const cases = haveFixtures ? group('mysql8/vectors/msmp.json', 'msmp_jsonb_tests').cases : [];
  for (const [n, c] of cases.entries()) {
    it(`#${n} ${JSON.stringify(c.expected_json).slice(0, 60)}`, () => {
      const bytes = hex(c.input_hex as string);
      const prefix = c.length_prefix_bytes as number;
      const len = Buffer.from(bytes).readUIntLE(0, prefix);
      expect(prefix + len).toBe(bytes.length);
      const ours = jsonBinaryToText(bytes, prefix, prefix + len);
      // msmp's expectations are unordered maps; compare parsed values (big integers as text).
      const big = (s: string): unknown => JSON.parse(s.replace(/(?<=[[:,\s]|^)(-?\d{16,})(?=[,\]}\s]|$)/g, '"$1"'));
      const expectedText = JSON.stringify(c.expected_json);
      if (/18446744073709551615|1844674407370955/.test(expectedText)) {
        expect(ours).toBe('18446744073709551615');
      } else {
        expect(big(ours)).toEqual(c.expected_json);
      }
    });
  }
});

describe.skipIf(!haveFixtures)('mysql-binlog-connector-java sparse JSON (MySQL 8 partial update leftovers)', () => {
  const cases = haveFixtures ? group('mysql8/vectors/mysql-binlog-connector-java.json', 'JsonPartialUpdateParseTest').cases : [];
  for (const c of cases) {
    it(String(c.server), () => {
      const ours = jsonBinaryToText(hex(c.json_binary_hex as string));
      const parsed = JSON.parse(ours) as Record<string, unknown>;
      const want = (c.expected_assertions as { must_not_contain_key: string; must_contain_key: string });
      expect(Object.keys(parsed)).not.toContain(want.must_not_contain_key);
      expect(Object.keys(parsed)).toContain(want.must_contain_key);
      expect(parsed).toEqual(c.expected_document_derived);
      // Stored key order (all keys have the same length here → bytewise order).
      expect(Object.keys(parsed)).toEqual(Object.keys(parsed).slice().sort());
    });
  }
});

describe('MySQL JSON text details', () => {
  it('escapes like MySQL and keeps non-ASCII as is', () => {
    expect(quoteJsonString('a"b\\c\n\t\u0001é😀/')).toBe('"a\\"b\\\\c\\n\\t\\u0001é😀/"');
  });
  it('prints doubles as my_gcvt + ".0" (MySQL json_dom.cc)', () => {
    expect(formatJsonDouble(3.14)).toBe('3.14');
    expect(formatJsonDouble(-0.5)).toBe('-0.5');
    expect(formatJsonDouble(1)).toBe('1.0');
    expect(formatJsonDouble(0)).toBe('0.0');
    expect(formatJsonDouble(-0)).toBe('-0.0');
    expect(formatJsonDouble(1e14)).toBe('100000000000000.0');
    expect(formatJsonDouble(1e15)).toBe('1e15');
    expect(formatJsonDouble(1234567890123456.7)).toBe('1234567890123456.8');
    expect(formatJsonDouble(0.00001)).toBe('0.00001');
    expect(formatJsonDouble(1e-15)).toBe('0.000000000000001');
    expect(formatJsonDouble(1e-16)).toBe('1e-16');
    expect(formatJsonDouble(1e300)).toBe('1e300');
    expect(formatJsonDouble(-1.5e-300)).toBe('-1.5e-300');
    expect(formatJsonDouble(0.1 + 0.2)).toBe('0.30000000000000004');
  });
  it('an empty value is JSON null', () => {
    expect(jsonBinaryToText(new Uint8Array(0))).toBe('null');
  });
  it('truncated or hostile input is a BinlogFormatError, never a RangeError', () => {
    const doc = hex('0001000e000b0001000c0c00610162');
    for (let n = 1; n < doc.length; n++) {
      try {
        jsonBinaryToText(doc, 0, n);
      } catch (e) {
        expect(e).toBeInstanceOf(BinlogFormatError);
      }
    }
    // deep nesting
    const deep = new Uint8Array(2 + 5 * 200);
    for (let k = 0; k < 200; k++) deep.set([0x02, 0x01, 0x00, 0xff, 0x00], k * 5);
    expect(() => jsonBinaryToText(deep)).toThrow(BinlogFormatError);
  });
});
