/**
 * TRANSACTION_PAYLOAD_EVENT (40, MySQL 8.0.20+ binlog_transaction_compression=ON): a whole
 * transaction's events compressed together.
 * https://dev.mysql.com/doc/dev/mysql-server/latest/classmysql_1_1binlog_1_1event_1_1Transaction__payload__event.html
 *
 * Body: TLV header fields — type, length, value, each a net_field_length (lenenc) integer — until
 * OTW_PAYLOAD_HEADER_END_MARK (0); then payload_size bytes of (usually zstd) data. The payload is a
 * sequence of ordinary events whose log_pos is 0 and that carry no checksum.
 */
import { decompress } from 'zstd-napi';
import { Cursor } from '../cursor.js';
import type { DecodeContext } from '../decode-context.js';
import { TRANSACTION_PAYLOAD_EVENT } from '../constants.js';
import type { EventBody } from '../types.js';

export type TransactionPayloadBody = Extract<EventBody, { kind: 'transaction_payload' }>;

/** Transaction_payload_event field types. */
const OTW_PAYLOAD_HEADER_END_MARK = 0;
const OTW_PAYLOAD_SIZE_FIELD = 1;
const OTW_PAYLOAD_COMPRESSION_TYPE_FIELD = 2;
const OTW_PAYLOAD_UNCOMPRESSED_SIZE_FIELD = 3;

/** mysql::binlog::event::compression::type. */
export const COMPRESSION_ZSTD = 0;
export const COMPRESSION_NONE = 255;

/** A transaction may be large, but a payload claiming more than this is corrupt or hostile. */
const MAX_UNCOMPRESSED_BYTES = 2 ** 32;

export interface DecodedTransactionPayload {
  readonly body: TransactionPayloadBody;
  /** The uncompressed inner events. */
  readonly payload: Uint8Array;
  /** Absolute offset of the compressed data (for errors). */
  readonly dataOffset: number;
}

/** Decodes the TLV header and decompresses the payload. */
export function decodeTransactionPayloadEvent(body: Uint8Array, ctx: DecodeContext, bodyOffset: number): DecodedTransactionPayload {
  const c = new Cursor(body, { file: ctx.file, baseOffset: bodyOffset, eventType: TRANSACTION_PAYLOAD_EVENT });
  let payloadSize: number | undefined;
  let compressionType = COMPRESSION_NONE;
  let uncompressedSize: number | undefined;
  for (;;) {
    const at = c.pos;
    const type = c.lenencNotNull();
    if (type === OTW_PAYLOAD_HEADER_END_MARK) break;
    const length = c.lenencNotNull();
    const end = c.pos + length;
    c.need(length);
    const field = new Cursor(body, c.origin, c.pos, end);
    switch (type) {
      case OTW_PAYLOAD_SIZE_FIELD:
        payloadSize = field.lenencNotNull();
        break;
      case OTW_PAYLOAD_COMPRESSION_TYPE_FIELD:
        compressionType = field.lenencNotNull();
        break;
      case OTW_PAYLOAD_UNCOMPRESSED_SIZE_FIELD:
        uncompressedSize = field.lenencNotNull();
        break;
      default:
        // Unknown fields are self-delimited by their length: skip them.
        ctx.warn(`TRANSACTION_PAYLOAD_EVENT header field ${type} is unknown; skipped (at ${c.origin.baseOffset + at})`);
        break;
    }
    c.pos = end;
  }
  const dataOffset = c.pos;
  const size = payloadSize ?? c.remaining;
  const data = c.bytesView(size);
  let payload: Uint8Array;
  if (compressionType === COMPRESSION_NONE) {
    payload = data;
  } else if (compressionType === COMPRESSION_ZSTD) {
    if (uncompressedSize !== undefined && uncompressedSize > MAX_UNCOMPRESSED_BYTES) {
      c.fail(`payload claims ${uncompressedSize} bytes uncompressed`, dataOffset);
    }
    try {
      payload = decompress(data);
    } catch (e) {
      return c.fail(`zstd payload does not decompress: ${(e as Error).message}`, dataOffset);
    }
    if (uncompressedSize !== undefined && payload.length !== uncompressedSize) {
      c.fail(`payload decompressed to ${payload.length} bytes, header says ${uncompressedSize}`, dataOffset);
    }
  } else {
    return c.fail(`payload compression type ${compressionType} is unknown (expected 0 = ZSTD or 255 = NONE)`, dataOffset);
  }
  return {
    body: {
      kind: 'transaction_payload',
      compressionType,
      payloadSize: size,
      uncompressedSize: uncompressedSize ?? payload.length,
    },
    payload,
    dataOffset: c.origin.baseOffset + dataOffset,
  };
}
