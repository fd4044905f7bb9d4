import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatMysqlGtid, MYSQL_MAX_GNO, MysqlGtidSet, mysqlGtidEquals, parseMysqlGtid, type MysqlGtid } from './mysql-gtid-set.js';
import { usageError } from '../test-support/errors.js';


const A = '3e11fa47-71ca-11e1-9e33-c80aa9429562';
const B = '8a94f357-aab4-11df-86ab-c80aa9429562';
const C = '55778904-0299-11f1-b1b8-4ef0c4956feb';
const gt = (uuid: string, gno: bigint, tag?: string): MysqlGtid => ({ uuid, tag, gno });

describe('parseMysqlGtid', () => {
  it.each([
    [`${A}:23`, gt(A, 23n)],
    [`${A.toUpperCase()}:23`, gt(A, 23n)],
    [`${A}:batch_1:23`, gt(A, 23n, 'batch_1')],
    [`${A}:Batch_1:23`, gt(A, 23n, 'batch_1')],
    [` ${A} : _x : 1 `, gt(A, 1n, '_x')],
    [`${A}:${MYSQL_MAX_GNO}`, gt(A, MYSQL_MAX_GNO)],
    [`${A}:${'a'.repeat(32)}:1`, gt(A, 1n, 'a'.repeat(32))],
  ])('reads %s', (text, expected) => {
    expect(parseMysqlGtid(text)).toEqual(expected);
  });

  it.each([
    [A, 'expected uuid:number'],
    [`${A}:0`, 'out of range'],
    [`${A}:${MYSQL_MAX_GNO + 1n}`, 'out of range'],
    [`${A}:1-5`, 'not a transaction number'],
    [`${A}:1,${B}:2`, 'a list'],
    [`${A}:tag:x:1`, 'too many'],
    [`${A}:1tag:1`, 'not a valid tag'],
    [`${A}:${'a'.repeat(33)}:1`, 'not a valid tag'],
    [`${A}:ta-g:1`, 'not a valid tag'],
    [`3e11fa47-71ca-11e1-9e33-c80aa942956:1`, 'not a server uuid'],
    [`3e11fa4771ca11e19e33c80aa9429562:1`, 'not a server uuid'],
    ['ANONYMOUS', 'expected uuid:number'],
  ])('refuses %j', (text, message) => {
    expect(usageError(() => parseMysqlGtid(text)).message).toContain(message);
  });

  it('formats and compares', () => {
    expect(formatMysqlGtid(gt(A, 5n))).toBe(`${A}:5`);
    expect(formatMysqlGtid(gt(A, 5n, 'tag'))).toBe(`${A}:tag:5`);
    expect(mysqlGtidEquals(gt(A.toUpperCase(), 5n, 'TAG'), gt(A, 5n, 'tag'))).toBe(true);
    expect(mysqlGtidEquals(gt(A, 5n), gt(A, 5n, 'tag'))).toBe(false);
  });
});

describe('MysqlGtidSet.parse / toString', () => {
  it.each([
    ['', ''],
    ['  \n', ''],
    [`${A}:1-5`, `${A}:1-5`],
    [`${A}:7-9:1-5`, `${A}:1-5:7-9`],
    [`${A}:1-3:4-5`, `${A}:1-5`], // adjacent intervals merge
    [`${A}:1-5:3-8:8`, `${A}:1-8`],
    [`${A}:5-5`, `${A}:5`],
    [`${B}:1-3,${A}:1`, `${A}:1,${B}:1-3`], // sorted by uuid
    [`${A}:1,${A}:3`, `${A}:1:3`], // a uuid may repeat
    [`${A.toUpperCase()}:1-2`, `${A}:1-2`],
    [`${A}:1-5,\n${B}:1-3`, `${A}:1-5,${B}:1-3`], // SHOW BINARY LOG STATUS style
    [`${A}:tag:1-2:1-4`, `${A}:tag:1-4`], // a tag applies to the intervals after it
    [`${A}:zz:1:aa:2:1-3`, `${A}:aa:1-3:zz:1`], // tags sorted
    [`${A}:TAG:1,${A}:5`, `${A}:5:tag:1`], // untagged first
    [`${C}:1-13:mytag:1-2`, `${C}:1-13:mytag:1-2`], // as PREVIOUS_GTIDS prints it
    [` ${A} : 1 - 5 `.replace(' - ', '-'), `${A}:1-5`],
  ])('%j → %j', (text, normal) => {
    expect(MysqlGtidSet.parse(text).toString()).toBe(normal);
  });

  it.each([
    [`${A}`, 'without transaction numbers'],
    [`${A}:`, 'not an interval'],
    [`${A}::1`, 'not an interval'],
    [`${A}:5-3`, 'ends before it starts'],
    [`${A}:0-3`, 'out of range'],
    [`${A}:1-${MYSQL_MAX_GNO + 1n}`, 'out of range'],
    [`${A}:1,`, 'empty element'],
    [`,${A}:1`, 'empty element'],
    [`${A}:tag`, 'tag "tag" has no transaction numbers'],
    [`${A}:a:b:1`, 'tag "a" has no transaction numbers'],
    [`${A}:1-x`, 'not an interval'],
    [`${A}:1tag:1`, 'not an interval'],
    [`${A}:-1`, 'not a valid tag'],
    ['not-a-uuid:1', 'not a server uuid'],
    [`${A}:1 2`, 'not an interval'],
  ])('refuses %j', (text, message) => {
    expect(usageError(() => MysqlGtidSet.parse(text)).message).toContain(message);
  });

  it('exposes entries and count', () => {
    const s = MysqlGtidSet.parse(`${A}:1-5:7:t:2,${B}:10-19`);
    expect(s.count).toBe(5n + 1n + 1n + 10n);
    expect(s.entries).toEqual([
      { uuid: A, tag: undefined, intervals: [{ start: 1n, end: 5n }, { start: 7n, end: 7n }] },
      { uuid: A, tag: 't', intervals: [{ start: 2n, end: 2n }] },
      { uuid: B, tag: undefined, intervals: [{ start: 10n, end: 19n }] },
    ]);
  });
});

describe('MysqlGtidSet operations', () => {
  const s = MysqlGtidSet.parse(`${A}:1-5:7-9:t:3,${B}:1-3`);

  it('contains', () => {
    for (const n of [1n, 3n, 5n, 7n, 9n]) expect(s.contains(gt(A, n))).toBe(true);
    for (const n of [6n, 10n, 100n]) expect(s.contains(gt(A, n))).toBe(false);
    expect(s.contains(gt(A.toUpperCase(), 2n))).toBe(true);
    expect(s.contains(gt(A, 3n, 't'))).toBe(true);
    expect(s.contains(gt(A, 3n, 'T'))).toBe(true);
    expect(s.contains(gt(A, 2n, 't'))).toBe(false);
    expect(s.contains(gt(C, 1n))).toBe(false);
  });

  it('add fills gaps and merges', () => {
    expect(s.add(gt(A, 6n)).toString()).toBe(`${A}:1-9:t:3,${B}:1-3`);
    expect(s.add(gt(C, 1n, 'x')).toString()).toBe(`${A}:1-5:7-9:t:3,${C}:x:1,${B}:1-3`);
    expect(s.add(gt(A, 3n))).toBe(s);
    usageError(() => s.add(gt('nope', 1n)));
    usageError(() => s.add(gt(A, 0n)));
  });

  it('union, subtract, intersect, isSubsetOf, equals', () => {
    const t = MysqlGtidSet.parse(`${A}:4-8:t:1-5,${C}:1`);
    expect(s.union(t).toString()).toBe(`${A}:1-9:t:1-5,${C}:1,${B}:1-3`);
    expect(s.subtract(t).toString()).toBe(`${A}:1-3:9,${B}:1-3`);
    expect(t.subtract(s).toString()).toBe(`${A}:6:t:1-2:4-5,${C}:1`);
    expect(s.intersect(t).toString()).toBe(`${A}:4-5:7-8:t:3`);
    expect(MysqlGtidSet.parse(`${A}:2-3`).isSubsetOf(s)).toBe(true);
    expect(MysqlGtidSet.parse(`${A}:5-7`).isSubsetOf(s)).toBe(false);
    expect(MysqlGtidSet.EMPTY.isSubsetOf(s)).toBe(true);
    expect(s.isSubsetOf(MysqlGtidSet.EMPTY)).toBe(false);
    expect(s.equals(MysqlGtidSet.parse(`${B}:1:2-3,${A}:T:3:7-9:1-5`))).toBe(false); // 7-9 belongs to the tag here
    expect(s.equals(MysqlGtidSet.parse(`${B}:1:2-3,${A}:1-5:7-9:T:3`))).toBe(true);
    expect(s.subtract(s).isEmpty).toBe(true);
    expect(s.subtract(s).toString()).toBe('');
  });

  it('handles the largest numbers without overflow', () => {
    const big = MysqlGtidSet.parse(`${A}:1-${MYSQL_MAX_GNO}`);
    expect(big.count).toBe(MYSQL_MAX_GNO);
    expect(big.subtract(MysqlGtidSet.parse(`${A}:${MYSQL_MAX_GNO}`)).toString()).toBe(`${A}:1-${MYSQL_MAX_GNO - 1n}`);
    expect(big.subtract(MysqlGtidSet.parse(`${A}:1`)).toString()).toBe(`${A}:2-${MYSQL_MAX_GNO}`);
  });
});

// Model-based properties: a small universe (3 uuids × 2 tags × gno 1..24) so that intervals
// overlap and touch often; the model is the plain set of GTID strings.
const UUIDS = [A, B, C];
const TAGS = [undefined, 'tg'];
const MAX = 24;
const gtidArb = fc.record({ uuid: fc.constantFrom(...UUIDS), tag: fc.constantFrom(...TAGS), gno: fc.bigInt({ min: 1n, max: BigInt(MAX) }) });
const intervalArb = fc
  .record({ uuid: fc.constantFrom(...UUIDS), tag: fc.constantFrom(...TAGS), a: fc.integer({ min: 1, max: MAX }), len: fc.integer({ min: 0, max: 6 }) })
  .map(({ uuid, tag, a, len }) => ({ uuid, tag, start: a, end: Math.min(MAX, a + len) }));
type Iv = { uuid: string; tag: string | undefined; start: number; end: number };
const setArb = fc.array(intervalArb, { maxLength: 8 });

/** Unnormalised text: random order, mixed case, no merging. */
function textOf(ivs: Iv[], upper: boolean): string {
  return ivs
    .map(({ uuid, tag, start, end }) => {
      const u = upper ? uuid.toUpperCase() : uuid;
      const iv = start === end ? `${start}` : `${start}-${end}`;
      return tag === undefined ? `${u}:${iv}` : `${u}:${upper ? tag.toUpperCase() : tag}:${iv}`;
    })
    .join(',');
}

function modelOf(ivs: Iv[]): Set<string> {
  const m = new Set<string>();
  for (const { uuid, tag, start, end } of ivs) for (let n = start; n <= end; n++) m.add(formatMysqlGtid(gt(uuid, BigInt(n), tag)));
  return m;
}

function* universe(): Generator<MysqlGtid> {
  for (const uuid of UUIDS) for (const tag of TAGS) for (let n = 1; n <= MAX + 1; n++) yield gt(uuid, BigInt(n), tag);
}

function agrees(set: MysqlGtidSet, model: Set<string>): void {
  for (const g of universe()) expect(set.contains(g), formatMysqlGtid(g)).toBe(model.has(formatMysqlGtid(g)));
  expect(set.count).toBe(BigInt(model.size));
}

describe('MysqlGtidSet properties', () => {
  const runs = { numRuns: 150 };

  it('parse agrees with the model; format(parse(x)) is a fixed point', () => {
    fc.assert(
      fc.property(setArb, fc.boolean(), (ivs, upper) => {
        const set = MysqlGtidSet.parse(textOf(ivs, upper));
        agrees(set, modelOf(ivs));
        const normal = set.toString();
        expect(MysqlGtidSet.parse(normal).toString()).toBe(normal);
        expect(MysqlGtidSet.parse(normal).equals(set)).toBe(true);
        expect(normal).toBe(normal.toLowerCase());
        // Normal form: each numbering's intervals increase with gaps of at least one.
        for (const e of set.entries) {
          for (let i = 1; i < e.intervals.length; i++) expect(e.intervals[i]!.start).toBeGreaterThan(e.intervals[i - 1]!.end + 1n);
        }
      }),
      runs,
    );
  });

  it('union and subtract agree with the model', () => {
    fc.assert(
      fc.property(setArb, setArb, (x, y) => {
        const [a, b] = [MysqlGtidSet.parse(textOf(x, false)), MysqlGtidSet.parse(textOf(y, false))];
        const [ma, mb] = [modelOf(x), modelOf(y)];
        agrees(a.union(b), new Set([...ma, ...mb]));
        agrees(a.subtract(b), new Set([...ma].filter((g) => !mb.has(g))));
        agrees(a.intersect(b), new Set([...ma].filter((g) => mb.has(g))));
        expect(a.isSubsetOf(b)).toBe([...ma].every((g) => mb.has(g)));
        expect(a.equals(b)).toBe(ma.size === mb.size && [...ma].every((g) => mb.has(g)));
      }),
      runs,
    );
  });

  it('set laws', () => {
    fc.assert(
      fc.property(setArb, setArb, setArb, (x, y, z) => {
        const [a, b, c] = [x, y, z].map((ivs) => MysqlGtidSet.parse(textOf(ivs, false))) as [MysqlGtidSet, MysqlGtidSet, MysqlGtidSet];
        expect(a.union(b).equals(b.union(a))).toBe(true);
        expect(a.union(b).union(c).equals(a.union(b.union(c)))).toBe(true);
        expect(a.union(a).equals(a)).toBe(true);
        expect(a.isSubsetOf(a.union(b))).toBe(true);
        expect(a.subtract(b).isSubsetOf(a)).toBe(true);
        expect(a.subtract(b).intersect(b).isEmpty).toBe(true);
        expect(a.subtract(b).union(a.intersect(b)).equals(a)).toBe(true);
        expect(a.union(b).subtract(b).equals(a.subtract(b))).toBe(true);
        expect(a.subtract(b.union(c)).equals(a.subtract(b).subtract(c))).toBe(true);
        expect(a.union(b).toString()).toBe(b.union(a).toString());
      }),
      runs,
    );
  });

  it('contains after add; of() equals parse of the same GTIDs', () => {
    fc.assert(
      fc.property(setArb, fc.array(gtidArb, { maxLength: 10 }), (x, gtids) => {
        let set = MysqlGtidSet.parse(textOf(x, false));
        for (const g of gtids) {
          const before = set;
          set = set.add(g);
          expect(set.contains(g)).toBe(true);
          expect(before.isSubsetOf(set)).toBe(true);
          expect(set.count - before.count).toBe(before.contains(g) ? 0n : 1n);
        }
        expect(MysqlGtidSet.of(gtids).equals(MysqlGtidSet.parse(gtids.map(formatMysqlGtid).join(',')))).toBe(true);
      }),
      runs,
    );
  });
});
