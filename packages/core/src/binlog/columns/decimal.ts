/**
 * Binary DECIMAL (MYSQL_TYPE_NEWDECIMAL) → exact text as the server prints it.
 * Format (strings/decimal.cc decimal2bin): the integer and fraction parts are stored in groups of 9
 * decimal digits, 4 bytes each, big-endian; a leading/trailing partial group uses
 * DIG2BYTES[digits] bytes. The sign bit (0x80 of the first byte) is inverted, and every byte of a
 * negative number is complemented.
 * https://dev.mysql.com/doc/dev/mysql-server/latest/page_protocol_basic_dt_decimal.html
 */
const DIG2BYTES = [0, 1, 1, 2, 2, 3, 3, 4, 4, 4] as const;
const DIGITS_PER_GROUP = 9;

/** Storage size in bytes of DECIMAL(precision, scale). */
export function decimalBinarySize(precision: number, scale: number): number {
  const intg = precision - scale;
  return (
    Math.floor(intg / DIGITS_PER_GROUP) * 4 +
    DIG2BYTES[intg % DIGITS_PER_GROUP]! +
    Math.floor(scale / DIGITS_PER_GROUP) * 4 +
    DIG2BYTES[scale % DIGITS_PER_GROUP]!
  );
}

const ZEROS = '000000000';

/**
 * Decodes DECIMAL(precision, scale) starting at bytes[pos]. The caller has checked that
 * decimalBinarySize(precision, scale) bytes are available. Output: optional '-', integer digits
 * without leading zeros (at least '0'), and when scale > 0 '.' + exactly `scale` digits.
 */
export function decodeDecimal(bytes: Uint8Array, pos: number, precision: number, scale: number): string {
  const intg = precision - scale;
  const intg0 = Math.floor(intg / DIGITS_PER_GROUP);
  const intg0x = intg % DIGITS_PER_GROUP;
  const frac0 = Math.floor(scale / DIGITS_PER_GROUP);
  const frac0x = scale % DIGITS_PER_GROUP;
  const negative = (bytes[pos]! & 0x80) === 0;
  const mask = negative ? 0xff : 0;
  let p = pos;
  // The sign bit is flipped on the very first stored byte, whichever group it belongs to.
  let flip = 0x80;

  let intText = '';
  if (intg0x > 0) {
    const n = DIG2BYTES[intg0x]!;
    const v = readBigEndian(bytes, p, n, mask, flip);
    flip = 0;
    p += n;
    if (v !== 0) intText = String(v);
  }
  for (let i = 0; i < intg0; i++) {
    const v = readBigEndian(bytes, p, 4, mask, flip);
    flip = 0;
    p += 4;
    if (intText === '') {
      if (v !== 0) intText = String(v);
    } else {
      const s = String(v);
      intText += ZEROS.slice(s.length) + s;
    }
  }
  if (intText === '') intText = '0';

  let text = negative ? '-' + intText : intText;
  if (scale > 0) {
    text += '.';
    for (let i = 0; i < frac0; i++) {
      const s = String(readBigEndian(bytes, p, 4, mask, flip));
      flip = 0;
      p += 4;
      text += ZEROS.slice(s.length) + s;
    }
    if (frac0x > 0) {
      const s = String(readBigEndian(bytes, p, DIG2BYTES[frac0x]!, mask, flip));
      text += ZEROS.slice(0, frac0x - s.length) + s;
    }
  }
  return text;
}

/** n (1..4) big-endian bytes, each XOR mask, the first also XOR flip. */
function readBigEndian(bytes: Uint8Array, p: number, n: number, mask: number, flip: number): number {
  let v = (bytes[p]! ^ mask ^ flip) & 0xff;
  for (let i = 1; i < n; i++) v = v * 256 + ((bytes[p + i]! ^ mask) & 0xff);
  return v;
}
