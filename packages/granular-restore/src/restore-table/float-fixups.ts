/**
 * The exact FLOAT values a pitr backup splices after a table's data (pitr-planner's
 * backup/float-fixups.ts writes them; mariadb-dump prints FLOAT with 6 significant digits). Two
 * statement shapes, both on the table aliased `pitr_row`:
 *
 *   UPDATE `t` AS `pitr_row` JOIN (SELECT k AS `k0`, f AS `f0` UNION ALL SELECT k, f …) AS `pitr_exact`
 *     ON `pitr_row`.`id` = `pitr_exact`.`k0` [COLLATE c] AND … SET `pitr_row`.`f` = `pitr_exact`.`f0`, …;
 *   UPDATE `t` AS `pitr_row` SET `pitr_row`.`f` = -1e-50, … WHERE `pitr_row`.`id` = k [COLLATE c] AND …;
 *
 * (plus `pitr_row`.`c` = `pitr_row`.`c` self-assignments that keep ON UPDATE columns, ignored).
 * restore-table reads them into a map key → exact floats and applies it to the dump rows, so a
 * restored table has the values the backup holds, not the rounded ones.
 */
import { PitrError, type RowImage } from '@pitr/core';
import type { ColumnCodec, DumpToken } from './column-codec.js';
import { rowKey } from './row-key.js';

type Tok =
  | { readonly t: 'id'; readonly v: string }
  | { readonly t: 'word'; readonly v: string }
  | { readonly t: 'lit'; readonly v: DumpToken }
  | { readonly t: 'p'; readonly v: string };

/** True for the statements this module reads (cheap test on the first bytes). */
export function isFloatFixup(bytes: Buffer): boolean {
  return bytes.length > 7 && bytes.toString('latin1', 0, 7) === 'UPDATE ' && bytes.includes('AS `pitr_row`', 0, 'latin1');
}

function tokenize(text: string): Tok[] {
  const out: Tok[] = [];
  let i = 0;
  const n = text.length;
  while (i < n) {
    const c = text[i]!;
    if (/\s/.test(c)) {
      i++;
    } else if (c === '`') {
      let v = '';
      let j = i + 1;
      for (;;) {
        const close = text.indexOf('`', j);
        if (close < 0) throw bad('unterminated name');
        v += text.slice(j, close);
        if (text[close + 1] === '`') {
          v += '`';
          j = close + 2;
          continue;
        }
        i = close + 1;
        break;
      }
      out.push({ t: 'id', v });
    } else if (c === "'") {
      let v = '';
      let j = i + 1;
      for (;;) {
        const ch = text[j];
        if (ch === undefined) throw bad('unterminated string');
        if (ch === '\\') {
          v += text[j + 1] ?? '';
          j += 2;
        } else if (ch === "'") {
          if (text[j + 1] === "'") {
            v += "'";
            j += 2;
          } else break;
        } else {
          v += ch;
          j++;
        }
      }
      out.push({ t: 'lit', v: { kind: 'string', bytes: Buffer.from(v, 'utf8') } });
      i = j + 1;
    } else if ((c === 'X' || c === 'x') && text[i + 1] === "'") {
      const close = text.indexOf("'", i + 2);
      out.push({ t: 'lit', v: { kind: 'hex', bytes: Buffer.from(text.slice(i + 2, close), 'hex') } });
      i = close + 1;
    } else if (/[0-9]/.test(c) || (c === '.' && /[0-9]/.test(text[i + 1] ?? '')) || ((c === '-' || c === '+') && /[0-9.]/.test(text[i + 1] ?? ''))) {
      const m = /^[-+]?(?:\d+\.?\d*|\.\d+)(?:e[-+]?\d+)?/i.exec(text.slice(i, i + 64))!;
      out.push({ t: 'lit', v: { kind: 'number', text: m[0] } });
      i += m[0].length;
    } else if (/[A-Za-z_]/.test(c)) {
      const m = /^[A-Za-z0-9_$]+/.exec(text.slice(i, i + 128))!;
      const w = m[0];
      i += w.length;
      // a charset introducer (_latin1 X'…') belongs to the literal after it
      if (w.startsWith('_') && (text[i] === ' ' || text[i] === "'" || text[i] === 'X')) continue;
      if (w.toUpperCase() === 'NULL') out.push({ t: 'lit', v: { kind: 'null' } });
      else out.push({ t: 'word', v: w.toUpperCase() });
    } else {
      out.push({ t: 'p', v: c });
      i++;
    }
  }
  return out;
}

function bad(what: string): PitrError {
  return new PitrError('PLAN', `a FLOAT fixup statement of the backup cannot be read (${what})`, {
    hints: ['the backup was written by another pitr version; restore the whole database to a scratch server instead (pitr restore --to)'],
  });
}

/** Exact FLOAT values by row, keyed by the fixups' own key columns. */
export class FloatFixups {
  /** Key columns (table indexes) of the statements read, and their rows: key text → column index → value. */
  private readonly byKey = new Map<string, Map<string, Map<number, number | null>>>();
  count = 0;

  constructor(private readonly codecs: readonly ColumnCodec[]) {}

  get size(): number {
    return this.count;
  }

  /** Reads one fixup statement. */
  add(text: string): void {
    const toks = tokenize(text);
    const col = (name: string): number => {
      const k = this.codecs.findIndex((c) => c.schema.name.toLowerCase() === name.toLowerCase());
      if (k < 0) throw bad(`unknown column ${name}`);
      return k;
    };
    // `pitr_row`.`c` = …  pairs in a SET or ON/WHERE list, from token i until a stop word
    const pairs = (i: number, stop: readonly string[]): { pairs: { column: number; value: Tok[] }[]; next: number } => {
      const out: { column: number; value: Tok[] }[] = [];
      while (i < toks.length) {
        const a = toks[i];
        if (a === undefined || (a.t === 'word' && stop.includes(a.v))) break;
        if (a.t !== 'id' || a.v !== 'pitr_row' || toks[i + 1]?.v !== '.' || toks[i + 2]?.t !== 'id' || toks[i + 3]?.v !== '=') throw bad('unexpected assignment');
        const column = col(toks[i + 2]!.v as string);
        let j = i + 4;
        const value: Tok[] = [];
        while (j < toks.length) {
          const t = toks[j]!;
          if ((t.t === 'p' && t.v === ',') || (t.t === 'word' && (t.v === 'AND' || stop.includes(t.v)))) break;
          if (t.t === 'word' && t.v === 'COLLATE') {
            j += 2;
            continue;
          }
          value.push(t);
          j++;
        }
        out.push({ column, value });
        i = j;
        if (toks[i]?.t === 'p' && toks[i]!.v === ',') i++;
        else if (toks[i]?.t === 'word' && toks[i]!.v === 'AND') i++;
      }
      return { pairs: out, next: i };
    };
    const setAt = toks.findIndex((t) => t.t === 'word' && t.v === 'SET');
    if (setAt < 0) throw bad('no SET');
    const joinAt = toks.findIndex((t) => t.t === 'word' && t.v === 'JOIN');
    if (joinAt < 0) {
      const set = pairs(setAt + 1, ['WHERE']);
      const where = pairs(set.next + 1, []);
      const keyCols = where.pairs.map((p) => p.column);
      const key = this.keyOf(keyCols, where.pairs.map((p) => literal(p.value)));
      const floats = new Map<number, number | null>();
      for (const p of set.pairs) if (p.value.length === 1 && p.value[0]!.t === 'lit') floats.set(p.column, floatOf(literal(p.value)));
      this.put(keyCols, key, floats);
      return;
    }
    // JOIN (SELECT … UNION ALL SELECT …) AS `pitr_exact` ON … SET …
    const rows: DumpToken[][] = [];
    const aliases: string[] = [];
    let i = joinAt + 2;
    let current: DumpToken[] = [];
    for (; i < toks.length; i++) {
      const t = toks[i]!;
      if (t.t === 'word' && t.v === 'SELECT') {
        current = [];
        rows.push(current);
      } else if (t.t === 'lit') current.push(t.v);
      else if (t.t === 'word' && t.v === 'AS' && toks[i + 1]?.t === 'id') {
        const alias = toks[i + 1] as { t: 'id'; v: string };
        if (rows.length === 1) aliases.push(alias.v);
        i++;
      } else if (t.t === 'p' && t.v === ')') break;
    }
    const onAt = toks.findIndex((t, k) => k > i && t.t === 'word' && t.v === 'ON');
    const on = pairs(onAt + 1, ['SET']);
    const set = pairs(setAt + 1, []);
    const aliasOf = (value: Tok[]): number => {
      const id = value[value.length - 1];
      return id?.t === 'id' ? aliases.indexOf(id.v) : -1;
    };
    const keyCols = on.pairs.map((p) => p.column);
    const keyAt = on.pairs.map((p) => aliasOf(p.value));
    const floatAt = set.pairs.map((p) => ({ column: p.column, at: aliasOf(p.value) })).filter((f) => f.at >= 0);
    if (keyAt.some((k) => k < 0)) throw bad('key columns not found');
    for (const r of rows) {
      const key = this.keyOf(keyCols, keyAt.map((k) => r[k]!));
      const floats = new Map<number, number | null>();
      for (const f of floatAt) floats.set(f.column, floatOf(r[f.at]!));
      this.put(keyCols, key, floats);
    }
  }

  private keyOf(columns: readonly number[], values: readonly DumpToken[]): string {
    const row: RowImage = new Array(this.codecs.length).fill(undefined);
    columns.forEach((c, k) => (row[c] = this.codecs[c]!.fromDump(values[k]!, () => 'a FLOAT fixup of the backup')));
    return rowKey(row, columns);
  }

  private put(keyCols: readonly number[], key: string, floats: Map<number, number | null>): void {
    const id = keyCols.join(',');
    let m = this.byKey.get(id);
    if (m === undefined) this.byKey.set(id, (m = new Map()));
    m.set(key, floats);
    this.count++;
  }

  /** Gives `row` its exact FLOAT values (when a fixup names it). */
  apply(row: RowImage): void {
    for (const [id, m] of this.byKey) {
      const cols = id.split(',').map(Number);
      const f = m.get(rowKey(row, cols));
      if (f === undefined) continue;
      for (const [c, v] of f) row[c] = v;
    }
  }
}

function literal(value: Tok[]): DumpToken {
  const t = value[value.length - 1];
  if (value.length !== 1 || t?.t !== 'lit') throw bad('expected a literal');
  return t.v;
}

function floatOf(t: DumpToken): number | null {
  if (t.kind === 'null') return null;
  if (t.kind !== 'number') throw bad('expected a FLOAT literal');
  return Math.fround(Number(t.text));
}
