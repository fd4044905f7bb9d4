/**
 * Cursor failures carry a file offset: inside inflated bytes (MariaDB compressed rows) there is no
 * file offset for a position, so the failure is reported where the compressed data starts and the
 * position is named in the message (the fuzz test once got an offset past the event's end).
 */
import { describe, expect, it } from 'vitest';
import { BinlogFormatError } from '../errors/pitr-error.js';
import { Cursor } from './cursor.js';

function failure(c: Cursor, n: number): BinlogFormatError {
  try {
    c.need(n);
  } catch (e) {
    expect(e).toBeInstanceOf(BinlogFormatError);
    return e as BinlogFormatError;
  }
  throw new Error('no failure');
}

describe('Cursor failures', () => {
  it('report the file offset of the failed read', () => {
    const c = new Cursor(new Uint8Array(10), { file: 'f', baseOffset: 1000 }, 0, 10);
    c.pos = 8;
    const e = failure(c, 4);
    expect(e.message).toContain('f:1008');
    expect(e.message).not.toContain('inflated');
  });

  it('inside inflated bytes: at the start of the compressed data, the position in the message', () => {
    const c = new Cursor(new Uint8Array(900), { file: 'f', baseOffset: 1093, inflated: true }, 0, 835);
    c.pos = 832;
    const e = failure(c, 4);
    expect(e.message).toContain('f:1093');
    expect(e.message).toContain('at byte 832 of the inflated data');
  });
});
