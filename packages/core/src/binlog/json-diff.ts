/**
 * PARTIAL_UPDATE_ROWS (binlog_row_value_options=PARTIAL_JSON): the after value of a JSON column may
 * be a list of diffs against the before value (Json_diff_vector::write_binary, sql/json_diff.cc):
 *   length (4 bytes) then per diff: operation (1 byte: 0 REPLACE, 1 INSERT, 2 REMOVE),
 *   path length (lenenc) + path text, and unless REMOVE: value length (lenenc) + binary JSON value.
 * We apply them as the server did (JSON_REPLACE / JSON_ARRAY_INSERT-like / JSON_REMOVE semantics on
 * the logged paths) to obtain the full after document.
 * https://dev.mysql.com/doc/refman/8.0/en/replication-options-binary-log.html#sysvar_binlog_row_value_options
 */
import { Buffer } from 'node:buffer';
import { Cursor } from './cursor.js';
import { type JsonValue, jsonValueToText, parseJsonBinary } from './json-binary.js';

export const JSON_DIFF_OPERATION = { REPLACE: 0, INSERT: 1, REMOVE: 2 } as const;

export interface JsonDiff {
  readonly operation: 0 | 1 | 2;
  readonly path: string;
  /** Binary JSON value (type byte first); undefined for REMOVE. */
  readonly value: JsonValue | undefined;
}

/** One parsed path leg: an object member or an array index. */
type PathLeg = { readonly key: string } | { readonly index: number };

/** Reads the diff list in bytes[start, end) (the 4-byte length already consumed by the caller). */
export function readJsonDiffs(bytes: Uint8Array, start: number, end: number, file = '', baseOffset = 0): JsonDiff[] {
  const c = new Cursor(bytes, { file, baseOffset }, start, end);
  const diffs: JsonDiff[] = [];
  while (c.remaining > 0) {
    const at = c.pos;
    const op = c.u8();
    if (op > 2) c.fail(`unknown JSON diff operation ${op}`, at);
    const path = c.utf8(c.lenencNotNull());
    let value: JsonValue | undefined;
    if (op !== JSON_DIFF_OPERATION.REMOVE) {
      const len = c.lenencNotNull();
      c.need(len);
      value = parseJsonBinary(bytes, c.pos, c.pos + len, file, baseOffset);
      c.pos += len;
    }
    diffs.push({ operation: op as 0 | 1 | 2, path, value });
  }
  return diffs;
}

/**
 * Applies the diffs in diffBytes[start, end) to the binary JSON before value in
 * beforeBytes[beforeStart, beforeEnd) and returns the after document's text.
 */
export function applyJsonDiff(
  beforeBytes: Uint8Array,
  beforeStart: number,
  beforeEnd: number,
  diffBytes: Uint8Array,
  start: number,
  end: number,
  file = '',
  baseOffset = 0,
): string {
  const doc = parseJsonBinary(beforeBytes, beforeStart, beforeEnd, file, baseOffset);
  const diffs = readJsonDiffs(diffBytes, start, end, file, baseOffset);
  const fail = (message: string): never => new Cursor(diffBytes, { file, baseOffset }).fail(message, start);
  let result = doc;
  for (const d of diffs) result = applyOne(result, d, fail);
  return jsonValueToText(result);
}

function applyOne(doc: JsonValue, d: JsonDiff, fail: (m: string) => never): JsonValue {
  const legs = parsePath(d.path, fail);
  if (legs.length === 0) {
    // Whole-document replacement ('$').
    if (d.operation === JSON_DIFF_OPERATION.REPLACE && d.value !== undefined) return d.value;
    return fail(`JSON diff ${d.operation} on the document root`);
  }
  let parent: JsonValue = doc;
  for (let i = 0; i < legs.length - 1; i++) {
    const next = child(parent, legs[i]!);
    if (next === undefined) return fail(`JSON diff path ${d.path} does not exist in the before value`);
    parent = next;
  }
  const last = legs[legs.length - 1]!;
  if ('key' in last) {
    if (parent.t !== 'object') return fail(`JSON diff path ${d.path}: parent is not an object`);
    const at = parent.keys.indexOf(last.key);
    switch (d.operation) {
      case JSON_DIFF_OPERATION.REPLACE:
        if (at < 0) return fail(`JSON diff REPLACE ${d.path}: member does not exist`);
        parent.values[at] = d.value!;
        break;
      case JSON_DIFF_OPERATION.INSERT: {
        if (at >= 0) return fail(`JSON diff INSERT ${d.path}: member already exists`);
        const pos = sortedKeyPosition(parent.keys, last.key);
        parent.keys.splice(pos, 0, last.key);
        parent.values.splice(pos, 0, d.value!);
        break;
      }
      case JSON_DIFF_OPERATION.REMOVE:
        if (at < 0) return fail(`JSON diff REMOVE ${d.path}: member does not exist`);
        parent.keys.splice(at, 1);
        parent.values.splice(at, 1);
        break;
    }
  } else {
    if (parent.t !== 'array') return fail(`JSON diff path ${d.path}: parent is not an array`);
    const idx = last.index;
    switch (d.operation) {
      case JSON_DIFF_OPERATION.REPLACE:
        if (idx >= parent.items.length) return fail(`JSON diff REPLACE ${d.path}: index out of range`);
        parent.items[idx] = d.value!;
        break;
      case JSON_DIFF_OPERATION.INSERT:
        parent.items.splice(Math.min(idx, parent.items.length), 0, d.value!);
        break;
      case JSON_DIFF_OPERATION.REMOVE:
        if (idx >= parent.items.length) return fail(`JSON diff REMOVE ${d.path}: index out of range`);
        parent.items.splice(idx, 1);
        break;
    }
  }
  return doc;
}

function child(v: JsonValue, leg: PathLeg): JsonValue | undefined {
  if ('key' in leg) {
    if (v.t !== 'object') return undefined;
    const at = v.keys.indexOf(leg.key);
    return at < 0 ? undefined : v.values[at];
  }
  return v.t === 'array' ? v.items[leg.index] : undefined;
}

/** MySQL keeps object keys sorted by byte length, then bytewise (json_binary.cc). */
function sortedKeyPosition(keys: readonly string[], key: string): number {
  const kb = Buffer.from(key, 'utf8');
  for (let i = 0; i < keys.length; i++) {
    const ob = Buffer.from(keys[i]!, 'utf8');
    if (ob.length > kb.length || (ob.length === kb.length && Buffer.compare(ob, kb) > 0)) return i;
  }
  return keys.length;
}

/** Parses the subset of JSON path syntax the server logs: $, .member, ."quoted member", [n]. */
function parsePath(path: string, fail: (m: string) => never): PathLeg[] {
  let i = 0;
  const skipSpace = (): void => {
    while (i < path.length && /\s/.test(path[i]!)) i++;
  };
  skipSpace();
  if (path[i] !== '$') return fail(`JSON diff path ${JSON.stringify(path)} does not start with $`);
  i++;
  const legs: PathLeg[] = [];
  for (;;) {
    skipSpace();
    if (i >= path.length) return legs;
    const ch = path[i]!;
    if (ch === '.') {
      i++;
      skipSpace();
      if (path[i] === '"') {
        // A JSON string literal.
        let j = i + 1;
        while (j < path.length && path[j] !== '"') j += path[j] === '\\' ? 2 : 1;
        if (j >= path.length) return fail(`JSON diff path ${JSON.stringify(path)}: unterminated quoted member`);
        let key: string;
        try {
          key = JSON.parse(path.slice(i, j + 1)) as string;
        } catch {
          return fail(`JSON diff path ${JSON.stringify(path)}: bad quoted member`);
        }
        legs.push({ key });
        i = j + 1;
      } else {
        let j = i;
        while (j < path.length && !/[\s.[]/.test(path[j]!)) j++;
        if (j === i) return fail(`JSON diff path ${JSON.stringify(path)}: empty member name`);
        legs.push({ key: path.slice(i, j) });
        i = j;
      }
    } else if (ch === '[') {
      const close = path.indexOf(']', i);
      if (close < 0) return fail(`JSON diff path ${JSON.stringify(path)}: unterminated [`);
      const text = path.slice(i + 1, close).trim();
      if (!/^\d+$/.test(text)) return fail(`JSON diff path ${JSON.stringify(path)}: unsupported array index ${text}`);
      legs.push({ index: Number(text) });
      i = close + 1;
    } else {
      return fail(`JSON diff path ${JSON.stringify(path)}: unexpected ${JSON.stringify(ch)}`);
    }
  }
}
