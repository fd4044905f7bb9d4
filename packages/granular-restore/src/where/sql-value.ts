/**
 * Values as MySQL's expression evaluator sees them, and the conversions between them
 * (https://dev.mysql.com/doc/refman/8.0/en/type-conversion.html). Exact types stay exact: integers
 * are bigint, DECIMAL a scaled bigint, never a JS number; only DOUBLE context uses floating point.
 */
import { PitrError } from '@pitr/core';
import type { TextCollation } from './text-collation.js';

/** Coercibility (https://dev.mysql.com/doc/refman/8.0/en/charset-collation-coercibility.html): lower wins. */
export const COERCIBILITY = { explicit: 0, column: 2, literal: 4 } as const;

export type SqlValue = null | IntValue | DecValue | DblValue | StrValue | BinValue | TemporalValue;

export interface IntValue {
  readonly k: 'int';
  readonly v: bigint;
  /** UNSIGNED arithmetic: a negative result is out of range. */
  readonly u: boolean;
}
export interface DecValue {
  readonly k: 'dec';
  /** v / 10^s */
  readonly v: bigint;
  readonly s: number;
}
export interface DblValue {
  readonly k: 'dbl';
  readonly v: number;
}
export interface StrValue {
  readonly k: 'str';
  readonly v: string;
  readonly c: TextCollation;
  readonly co: number;
  /** ENUM index / SET bitmap: the value in numeric context. */
  readonly n?: bigint | undefined;
}
export interface BinValue {
  readonly k: 'bin';
  readonly v: Uint8Array;
  /** Hex/bit literals and BIT columns: the value in numeric context (unsigned, big-endian). */
  readonly n?: bigint | undefined;
}
export interface TemporalValue {
  readonly k: 'tmp';
  readonly t: 'date' | 'time' | 'datetime';
  /** As MySQL prints it in string context. */
  readonly text: string;
}

export const TRUE_VALUE: IntValue = { k: 'int', v: 1n, u: false };
export const FALSE_VALUE: IntValue = { k: 'int', v: 0n, u: false };

export function bool(b: boolean | null): SqlValue {
  return b === null ? null : b ? TRUE_VALUE : FALSE_VALUE;
}

const POW10: bigint[] = [1n];
export function pow10(n: number): bigint {
  while (POW10.length <= n) POW10.push(POW10[POW10.length - 1]! * 10n);
  return POW10[n]!;
}

/** DECIMAL text ('-12.340') → scaled bigint. */
export function parseDecimal(text: string): DecValue {
  const m = /^\s*([+-]?)(\d*)(?:\.(\d*))?\s*$/.exec(text);
  if (m === null || (m[2] === '' && (m[3] ?? '') === '')) throw new PitrError('INTERNAL', `not a DECIMAL value: ${JSON.stringify(text)}`);
  const frac = m[3] ?? '';
  const v = BigInt(`${m[2] || '0'}${frac}`);
  return { k: 'dec', v: m[1] === '-' ? -v : v, s: frac.length };
}

export function decimalText(v: bigint, s: number): string {
  if (s === 0) return v.toString();
  const neg = v < 0n;
  const digits = (neg ? -v : v).toString().padStart(s + 1, '0');
  return `${neg ? '-' : ''}${digits.slice(0, -s)}.${digits.slice(-s)}`;
}

/** Rescales v/10^s to scale t (t ≥ s). */
export function rescale(v: bigint, s: number, t: number): bigint {
  return t === s ? v : v * pow10(t - s);
}

/**
 * A string in numeric context: MySQL reads the longest numeric prefix after leading spaces
 * ('12abc' → 12, 'abc' → 0, ' 1e3x' → 1000), as a DOUBLE.
 */
export function stringToDouble(s: string): number {
  const m = /^[\s]*([+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)/.exec(s);
  if (m === null) return 0;
  const v = Number(m[1]);
  return Number.isFinite(v) ? v : v > 0 ? Number.MAX_VALUE : -Number.MAX_VALUE;
}

export function bytesToBigint(b: Uint8Array): bigint {
  let n = 0n;
  for (const x of b) n = (n << 8n) | BigInt(x);
  return n;
}

/** Text of bytes in a string context that needs text (CONCAT of a binary string, LIKE): bytes as latin1-free UTF-8. */
export function bytesText(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('utf8');
}

/** A temporal value in numeric context: 2026-05-25 → 20260525, 10:00:01.5 → 100001.5. */
export function temporalNumber(t: TemporalValue): IntValue | DecValue {
  const m = /^(-?)([\d-]*?)(?:[ T]?(\d+):(\d{2}):(\d{2}))?(?:\.(\d+))?$/.exec(t.text);
  if (m === null) return { k: 'int', v: 0n, u: false };
  let digits: string;
  if (t.t === 'time') digits = `${m[3] ?? ''}${m[4] ?? ''}${m[5] ?? ''}`;
  else digits = `${(m[2] ?? '').replace(/-/g, '')}${t.t === 'datetime' ? `${m[3] ?? '00'}${m[4] ?? '00'}${m[5] ?? '00'}` : ''}`;
  const frac = m[6] ?? '';
  const v = BigInt(`${digits || '0'}${frac}`) * (m[1] === '-' ? -1n : 1n);
  return frac === '' ? { k: 'int', v, u: false } : { k: 'dec', v, s: frac.length };
}

const DATE_TIME_RE = /^\s*(\d{4})[-/.:](\d{1,2})[-/.:](\d{1,2})(?:(?:[ T]+)(\d{1,2})[:.](\d{1,2})(?:[:.](\d{1,2})(?:\.(\d{1,6})\d*)?)?)?\s*$/;
const COMPACT_RE = /^\s*(\d{4})(\d{2})(\d{2})(?:(\d{2})(\d{2})(\d{2})(?:\.(\d{1,6})\d*)?)?\s*$/;
const TIME_RE = /^\s*(-)?(?:(\d+)\s+)?(\d{1,3}):(\d{1,2})(?::(\d{1,2})(?:\.(\d{1,6})\d*)?)?\s*$/;

/**
 * A DATE/DATETIME as a comparable key 'YYYY-MM-DD HH:MM:SS.ffffff' (DATE → midnight), or undefined
 * when the text is not one. Accepts what MySQL's str_to_datetime accepts in practice: any of
 * - / . : between date parts, ' ' or 'T' before the time, 1–2 digit parts, YYYYMMDD[HHMMSS].
 */
export function dateTimeKey(text: string): string | undefined {
  const m = DATE_TIME_RE.exec(text) ?? COMPACT_RE.exec(text);
  if (m === null) return undefined;
  const [y, mo, d, h, mi, s] = [m[1]!, m[2]!, m[3]!, m[4] ?? '0', m[5] ?? '0', m[6] ?? '0'].map(Number) as [number, number, number, number, number, number];
  const zero = y === 0 && mo === 0 && d === 0;
  if (!zero && (mo < 1 || mo > 12 || d < 1 || d > daysIn(y, mo))) {
    if (!(mo <= 12 && d <= 31 && (mo === 0 || d === 0))) return undefined; // zero-in-date parts are allowed as stored values
  }
  if (h > 23 || mi > 59 || s > 59) return undefined;
  return `${pad(y, 4)}-${pad(mo, 2)}-${pad(d, 2)} ${pad(h, 2)}:${pad(mi, 2)}:${pad(s, 2)}.${(m[7] ?? '').padEnd(6, '0')}`;
}

/** A TIME as signed microseconds, or undefined. */
export function timeMicros(text: string): bigint | undefined {
  const m = TIME_RE.exec(text);
  if (m === null) return undefined;
  const days = BigInt(m[2] ?? '0');
  const h = BigInt(m[3]!);
  const mi = BigInt(m[4]!);
  const s = BigInt(m[5] ?? '0');
  if (mi > 59n || s > 59n) return undefined;
  const us = ((((days * 24n + h) * 60n + mi) * 60n + s) * 1_000_000n) + BigInt((m[6] ?? '').padEnd(6, '0'));
  return m[1] === '-' ? -us : us;
}

function daysIn(y: number, m: number): number {
  return m === 2 ? (y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0) ? 29 : 28) : [4, 6, 9, 11].includes(m) ? 30 : 31;
}

function pad(n: number, w: number): string {
  return String(n).padStart(w, '0');
}

/** A value as text (string context: CONCAT, LIKE, LOWER of a number). */
export function valueText(v: Exclude<SqlValue, null>): string {
  switch (v.k) {
    case 'int':
      return v.v.toString();
    case 'dec':
      return decimalText(v.v, v.s);
    case 'dbl':
      return doubleText(v.v);
    case 'str':
      return v.v;
    case 'bin':
      return bytesText(v.v);
    case 'tmp':
      return v.text;
  }
}

/** DOUBLE → text the way MySQL prints it in string context (%.17g-like shortest form; 1e15 and up with an exponent). */
export function doubleText(v: number): string {
  if (v === 0) return '0';
  const abs = Math.abs(v);
  if (abs >= 1e15 || abs < 1e-15) {
    const [mant, exp] = v.toExponential().split('e') as [string, string];
    return `${mant}e${exp.startsWith('-') ? exp : exp.replace('+', '')}`;
  }
  return String(v);
}
