/**
 * Runs `mariadb-binlog -vv --base64-output=decode-rows FILE` and parses its pseudo-SQL row dump,
 * so our decoder can be checked against a tool we did not write.
 *
 * Output format, as established by experiment on MariaDB 10.11 (and matching
 * sql/log_event_client.cc, `Rows_log_event::print_verbose` / `log_event_print_value`):
 *
 *   # at 2764
 *   #261123 10:15:49 server id 7  end_log_pos 4185 CRC32 0x20f04246 \tWrite_rows: table id 24 flags: STMT_END_F
 *   ### INSERT INTO `x`.`t1`            (UPDATE `db`.`t` + ### WHERE + ### SET; DELETE FROM + ### WHERE)
 *   ### SET
 *   ###   @1=1 /* INT meta=0 nullable=0 is_null=0 * /
 *
 * Traps this parser handles:
 *  - Rows are printed at the end of a *statement*, not per event: a statement split into several
 *    row events (a 70 KB INSERT, trigger rows) prints all `# at` lines and event headers first, then
 *    all rows of all those events. We therefore parse "groups" (consecutive row events + their rows).
 *  - `# at N` lines can queue up (Annotate_rows prints the Table_map's `# at` before its own header);
 *    each event header consumes the oldest pending `# at`.
 *  - Strings are printed as RAW bytes, quoted with `'`. Only bytes <= 0x1F are escaped (`\xHH`,
 *    lowercase hex); `'` and `\` are printed unescaped (the escape branches for them in
 *    `my_b_write_quoted` are unreachable). So the printed form is not invertible: the 4 characters
 *    `\x0a` and the byte 0x0a print alike. We keep the printed bytes and compare our decoder's bytes
 *    after applying the same escaping (see `mariadbQuotedForm`) — exact, no false positives.
 *    Strings are never truncated (checked with a 70 000-byte LONGBLOB). Newlines are always escaped,
 *    so one value = one line.
 *  - Output is captured as a Buffer and processed as latin1 text (1 char = 1 byte).
 */
import { spawn } from 'node:child_process';

/** One row event as mariadb-binlog saw it. */
export interface VerboseRowEvent {
  readonly pos: number;
  readonly end: number;
  /** e.g. 'Write_rows', 'Update_compressed_rows'. */
  readonly eventName: string;
  readonly kind: 'write' | 'update' | 'delete';
  readonly compressed: boolean;
}

/** A printed column value: the text between `@N=` and the trailing comment, as raw bytes. */
export interface VerboseValue {
  /** 1-based column number as printed (@N). */
  readonly column: number;
  /** Printed value, latin1-decoded (1 char per byte), trailing padding removed. */
  readonly text: string;
  /** Type name from the -vv comment, e.g. 'INT', 'DECIMAL(10,2)', 'TINYBLOB/TINYTEXT'. */
  readonly typeName: string;
  readonly meta: number;
  readonly nullable: boolean;
  readonly isNull: boolean;
}

export interface VerboseRow {
  readonly kind: 'write' | 'update' | 'delete';
  readonly db: string;
  readonly table: string;
  /** Before image (update WHERE, delete WHERE), by 1-based column number. */
  readonly before?: ReadonlyMap<number, VerboseValue>;
  /** After image (insert SET, update SET). */
  readonly after?: ReadonlyMap<number, VerboseValue>;
}

/** Consecutive row events of one statement and all the rows printed for them. */
export interface VerboseRowGroup {
  readonly events: VerboseRowEvent[];
  readonly rows: VerboseRow[];
}

export interface VerboseParseResult {
  readonly groups: VerboseRowGroup[];
  /** Start/end of every event header seen (all kinds), for position cross-checks. */
  readonly events: { pos: number; end: number; name: string }[];
}

export class VerboseParseError extends Error {
  constructor(message: string, readonly lineNumber: number, readonly line: string) {
    super(`${message} (line ${lineNumber}: ${JSON.stringify(line.slice(0, 200))})`);
    this.name = 'VerboseParseError';
  }
}

const AT_RE = /^# at (\d+)$/;
// `#YYMMDD hh:mm:ss server id N  end_log_pos E [CRC32 0x........] \tName...`
const HEADER_RE = /^#\d{6} +\d{1,2}:\d\d:\d\d server id \d+ +end_log_pos (\d+)(?: CRC32 0x[0-9a-f]+)? *\t([A-Za-z_]+)/;
const ROWS_EVENT_RE = /^(Write|Update|Delete)_(compressed_)?rows(?:_v1)?$/;
const IDENT = '`((?:[^`]|``)*)`';
const STMT_RE = new RegExp(`^### (INSERT INTO|UPDATE|DELETE FROM) ${IDENT}\\.${IDENT}$`);
const VALUE_RE = /^###   @(\d+)=(.*) \/\* ([^*]*?) meta=(\d+) nullable=([01]) is_null=([01]) \*\/$/;

const KIND_BY_PREFIX = { Write: 'write', Update: 'update', Delete: 'delete' } as const;

function unquoteIdent(s: string): string {
  // Identifiers are printed as raw bytes (utf8 on the server side).
  return Buffer.from(s.replaceAll('``', '`'), 'latin1').toString('utf8');
}

/** Parses the whole output of one `mariadb-binlog -vv --base64-output=decode-rows FILE` run. */
export function parseMariadbBinlogVerbose(output: Buffer): VerboseParseResult {
  const text = output.toString('latin1');
  const lines = text.split('\n');
  const groups: VerboseRowGroup[] = [];
  const events: { pos: number; end: number; name: string }[] = [];
  const pendingAt: number[] = [];
  let group: { events: VerboseRowEvent[]; rows: VerboseRow[] } | undefined;
  let row: { kind: VerboseRow['kind']; db: string; table: string; before?: Map<number, VerboseValue>; after?: Map<number, VerboseValue> } | undefined;
  let image: Map<number, VerboseValue> | undefined;

  const closeRow = (): void => {
    if (row && group) group.rows.push(row);
    row = undefined;
    image = undefined;
  };
  const closeGroup = (): void => {
    closeRow();
    if (group) groups.push(group);
    group = undefined;
  };

  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const lineNo = i + 1;
    const at = AT_RE.exec(line);
    if (at) {
      pendingAt.push(Number(at[1]));
      continue;
    }
    const header = HEADER_RE.exec(line);
    if (header) {
      const end = Number(header[1]);
      const name = header[2]!;
      const pos = pendingAt.shift();
      if (pos === undefined) throw new VerboseParseError('event header without a preceding "# at"', lineNo, line);
      events.push({ pos, end, name });
      const rowsName = ROWS_EVENT_RE.exec(name);
      if (rowsName) {
        // A new row event after rows were already printed starts a new statement group.
        if (group && group.rows.length + (row ? 1 : 0) > 0) closeGroup();
        group ??= { events: [], rows: [] };
        group.events.push({
          pos,
          end,
          eventName: name,
          kind: KIND_BY_PREFIX[rowsName[1] as keyof typeof KIND_BY_PREFIX],
          compressed: rowsName[2] !== undefined,
        });
      } else if (name !== 'Table_map' && name !== 'Annotate_rows') {
        closeGroup();
      }
      continue;
    }
    if (!line.startsWith('###')) {
      continue;
    }
    const stmt = STMT_RE.exec(line);
    if (stmt) {
      if (!group) throw new VerboseParseError('row printed outside a row event', lineNo, line);
      closeRow();
      const kind = stmt[1] === 'INSERT INTO' ? 'write' : stmt[1] === 'UPDATE' ? 'update' : 'delete';
      row = { kind, db: unquoteIdent(stmt[2]!), table: unquoteIdent(stmt[3]!) };
      // INSERT is followed by SET, UPDATE by WHERE then SET, DELETE by WHERE.
      continue;
    }
    if (line === '### WHERE') {
      if (!row || row.kind === 'write' || row.before) throw new VerboseParseError('unexpected WHERE', lineNo, line);
      row.before = new Map();
      image = row.before;
      continue;
    }
    if (line === '### SET') {
      if (!row || row.kind === 'delete' || row.after || (row.kind === 'update' && !row.before)) {
        throw new VerboseParseError('unexpected SET', lineNo, line);
      }
      row.after = new Map();
      image = row.after;
      continue;
    }
    const value = VALUE_RE.exec(line);
    if (value) {
      if (!image) throw new VerboseParseError('value outside WHERE/SET', lineNo, line);
      const column = Number(value[1]);
      if (image.has(column)) throw new VerboseParseError(`column @${column} printed twice`, lineNo, line);
      image.set(column, {
        column,
        // FLOAT is printed with `%-20g`: left-justified, space padded.
        text: value[2]!.replace(/ +$/, ''),
        typeName: value[3]!,
        meta: Number(value[4]),
        nullable: value[5] === '1',
        isNull: value[6] === '1',
      });
      continue;
    }
    throw new VerboseParseError('unrecognised ### line', lineNo, line);
  }
  closeGroup();
  return { groups, events };
}

/** Runs mariadb-binlog on one file and returns its raw stdout (bytes, not text). */
export async function runMariadbBinlogVerbose(path: string, binary = 'mariadb-binlog'): Promise<Buffer> {
  return await new Promise<Buffer>((resolve, reject) => {
    const child = spawn(binary, ['--no-defaults', '-vv', '--base64-output=decode-rows', path], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) {
        reject(new Error(`${binary} ${path} exited ${code}: ${Buffer.concat(err).toString('utf8').slice(0, 2000)}`));
      } else {
        resolve(Buffer.concat(out));
      }
    });
  });
}

/** Convenience: run and parse. */
export async function readMariadbBinlogVerbose(path: string): Promise<VerboseParseResult> {
  return parseMariadbBinlogVerbose(await runMariadbBinlogVerbose(path));
}

/**
 * The bytes mariadb-binlog prints between the quotes for a string/blob value: bytes <= 0x1F as
 * `\xHH` (lowercase), everything else (including `'`, `\`, 0x7F and bytes >= 0x80) raw.
 * Returned as a latin1 string (1 char per byte) so it can be compared with `VerboseValue.text`.
 */
export function mariadbQuotedForm(bytes: Uint8Array): string {
  let s = "'";
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i]!;
    s += b > 0x1f ? String.fromCharCode(b) : `\\x${b.toString(16).padStart(2, '0')}`;
  }
  return s + "'";
}
