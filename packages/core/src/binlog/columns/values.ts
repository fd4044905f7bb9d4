/**
 * Decoded column values. Exact by construction (DESIGN.md "Fidelity"):
 *  - null                       SQL NULL
 *  - undefined (in a row array) the column is not in this row image (MINIMAL/NOBLOB) — never NULL
 *  - number                     TINYINT..INT (signed/unsigned), MEDIUMINT, YEAR, FLOAT, DOUBLE
 *  - bigint                     BIGINT (signed or unsigned): always bigint, whatever its magnitude
 *  - string                     DECIMAL (exact text), DATE, TIME, DATETIME (as stored, all fraction
 *                               digits, no zone shift), text in its column charset, JSON text
 *  - Uint8Array                 BINARY/VARBINARY/BLOB, BIT, GEOMETRY (4-byte SRID + WKB), strings whose
 *                               charset is unknown (metadata NO_LOG without a schema), UUID/INET raw
 *  - TimestampValue             TIMESTAMP: UTC epoch seconds + microseconds
 *  - EnumValue / SetValue       ENUM/SET by value (names when metadata or schema gives them)
 */
export type ColumnValue = null | number | bigint | string | Uint8Array | TimestampValue | EnumValue | SetValue;

/** A row image: one slot per table column; `undefined` = not present in the image. */
export type RowImage = (ColumnValue | undefined)[];

export interface TimestampValue {
  readonly kind: 'timestamp';
  /** Seconds since 1970-01-01 UTC (0 for the zero timestamp). */
  readonly seconds: number;
  /** 0..999999 */
  readonly micros: number;
  /** Fractional digits declared for the column (0..6). */
  readonly fsp: number;
}

export interface EnumValue {
  readonly kind: 'enum';
  /** 1-based member index; 0 is the empty string error value. */
  readonly index: number;
  /** Member text when known (metadata FULL or a schema source). */
  readonly name: string | undefined;
}

export interface SetValue {
  readonly kind: 'set';
  /** Member bitmap, bit 0 = first member. */
  readonly bits: bigint;
  /** Member texts when known. */
  readonly names: readonly string[] | undefined;
}
