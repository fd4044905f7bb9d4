/**
 * A streaming statement splitter for mariadb-dump / mysqldump output (plain or gzip, detected by
 * magic), doing what the `mariadb`/`mysql` client does when a dump is piped into it: it splits on
 * the current delimiter outside quotes and comments, obeys `DELIMITER` lines (routines, triggers
 * and events are dumped between `DELIMITER ;;` and `DELIMITER ;`), and hands out each statement
 * without its delimiter, ready to be sent to a server.
 *
 * Lexical rules follow the client's `add_line()` (client/mysql.cc), not the server's lexer:
 * - '…' and "…" strings with backslash escapes and doubled quotes; `…` identifiers with doubled
 *   backquotes (no backslash escapes);
 * - `-- ` (dashes + whitespace/control) and `#` comments to end of line; `/* … *\/` comments;
 * - executable comments `/*!NNNNN … *\/` and `/*M!NNNNNN … *\/` are NOT comments to the client: their
 *   content is SQL the server may run (strings and delimiters inside count), so they stay in the
 *   statement verbatim. https://mariadb.com/kb/en/comment-syntax/ ,
 *   https://dev.mysql.com/doc/refman/8.0/en/comments.html
 * - comments before a statement are dropped (the client strips them too); comments inside it are
 *   kept (the server ignores them). The first line of dumps by mariadb-dump since May 2024
 *   (10.5.25, 10.6.18, 10.11.8, 11.0.6, …),
 *   `/*M!999999\- enable the sandbox mode *\/`, is a client command, not SQL, and is dropped with them.
 *   https://mariadb.org/mariadb-dump-file-compatibility-change/
 *
 * Memory: the unread part of the current statement lives in one contiguous buffer that grows to
 * the size of the largest statement (1.5× steps) and is reused; a statement's bytes are a view of
 * that buffer, never a second copy. Data lines are never decoded to strings by the splitter.
 */
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { createGunzip } from 'node:zlib';
import { ERROR_CODES, PitrError } from '../errors/pitr-error.js';
import { classifyStatement } from './classify-statement.js';

export type DumpStatementKind =
  | 'create-table'
  | 'insert'
  | 'use'
  | 'create-database'
  | 'drop-table'
  | 'lock'
  | 'set'
  | 'routine'
  | 'trigger'
  | 'view'
  | 'other';

export interface DumpStatement {
  /** Byte offset of the statement's first byte in the (uncompressed) dump. */
  readonly offset: number;
  /** 1-based line of the statement's first byte. */
  readonly line: number;
  /**
   * The statement without its delimiter and surrounding whitespace: bytes as they are in the dump
   * (any encoding; dumps are utf8mb4 by default but binary columns without --hex-blob are raw).
   * A VIEW into the splitter's buffer, valid only until the next statement is produced; copy it
   * (`Buffer.from(bytes)`) to keep it.
   */
  readonly bytes: Buffer;
  /** The delimiter that ended it (';' or whatever `DELIMITER` set); '' for text ending the input without one. */
  readonly delimiter: string;
  readonly kind: DumpStatementKind;
  /**
   * Database of the object: the qualifier written in the statement, else the database of the last
   * `USE` (for table/routine/trigger/view statements); the database itself for `use` and
   * `create-database`. Undefined when unknown (a single-database dump has no USE).
   */
  readonly db: string | undefined;
  /**
   * create-table/insert/drop-table/lock/view: the table or view (the first one for
   * `DROP TABLE a, b` and `LOCK TABLES`); trigger: the table it is ON.
   */
  readonly table: string | undefined;
  /** routine/trigger/view: the routine, event, trigger or view name. */
  readonly name: string | undefined;
  /** The statement as text (UTF-8; decoded on each call). */
  text(): string;
}

export interface DumpStatementSplitterOptions {
  /**
   * Called for each comment that precedes a statement (the ones the client strips), with its text
   * (`-- …` / `# …` without the line break, or the whole `/* … *\/`), offset and line. The dump's
   * metadata (coordinates, server version, completion) lives there.
   */
  readonly onComment?: (text: string, offset: number, line: number) => void;
  /** Initial buffer size in bytes (default 4 MiB); it grows to the largest statement. */
  readonly initialBufferBytes?: number;
}

// Scanner states.
const START = 0; // between statements: whitespace and comments are skipped
const NORMAL = 1; // inside a statement, outside quotes/comments
const SQUOTE = 2;
const DQUOTE = 3;
const BQUOTE = 4;
const LINE_COMMENT = 5;
const BLOCK_COMMENT = 6;

// Byte classes for the NORMAL fast loop (0 = ordinary).
const C_QUOTE = 1;
const C_DASH = 2;
const C_HASH = 3;
const C_SLASH = 4;
const C_DELIM = 5;

/** Classes outside any delimiter. */
const BASE_CLS = new Uint8Array(256);
BASE_CLS[0x27] = C_QUOTE;
BASE_CLS[0x22] = C_QUOTE;
BASE_CLS[0x60] = C_QUOTE;
BASE_CLS[0x2d] = C_DASH;
BASE_CLS[0x23] = C_HASH;
BASE_CLS[0x2f] = C_SLASH;

const NL = 0x0a;
const BACKSLASH = 0x5c;
const MAX_DELIMITER_LINE_BYTES = 4096;
/** How both dump tools spell a row insert; see DumpStatementSplitter.insertTable. */
const INSERT_INTO = Buffer.from('INSERT INTO `');
/** Strings longer than this are searched with indexOf (memchr) instead of byte by byte. */
const LONG_STRING_BYTES = 48;

function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d || c === 0x0b || c === 0x0c;
}

/** Fatal: invalid UTF-8 throws instead of becoming U+FFFD. */
const utf8 = new TextDecoder('utf-8', { fatal: true });
/** V8's string length limit (2^29 - 24 UTF-16 units) in bytes of (at most) one byte per unit. */
const MAX_TEXT_BYTES = 2 ** 29 - 24;

class SplitStatement implements DumpStatement {
  /** The view, made on first use (a Buffer per statement is most of the cost of tiny statements). */
  private view: Buffer | undefined;

  constructor(
    readonly offset: number,
    readonly line: number,
    private readonly buf: Buffer,
    private readonly start: number,
    private readonly end: number,
    readonly delimiter: string,
    readonly kind: DumpStatementKind,
    readonly db: string | undefined,
    readonly table: string | undefined,
    readonly name: string | undefined,
  ) {}

  get bytes(): Buffer {
    return (this.view ??= this.buf.subarray(this.start, this.end));
  }

  text(): string {
    try {
      return utf8.decode(this.bytes);
    } catch (e) {
      // a restore must never send U+FFFD instead of the dumped bytes
      const tooLong = e instanceof RangeError || this.bytes.length >= MAX_TEXT_BYTES;
      throw new PitrError(
        ERROR_CODES.USAGE,
        tooLong
          ? `line ${this.line}: the statement is too large for a JavaScript string (${this.bytes.length} bytes)`
          : `line ${this.line}: the statement is not valid UTF-8 (binary data dumped without --hex-blob, or a non-UTF-8 --default-character-set)`,
        {
          hints: tooLong
            ? ['Send the statement as bytes (statement.bytes), or dump with a smaller --net-buffer-length / --skip-extended-insert.']
            : ['Dump with --hex-blob (binary columns are then written as 0x… hex), or send statement.bytes to the server as they are.'],
          cause: e,
        },
      );
    }
  }
}

/**
 * The synchronous core: push() bytes, get statements through the callback. The statement passed
 * to the callback (and its `bytes`) is only valid during the call.
 */
export class DumpStatementSplitter {
  private buf: Buffer;
  /** Absolute dump offset of buf[0]. */
  private base = 0;
  private fill = 0;
  private pos = 0;
  private state = START;
  /** Start (buffer index) of the current statement, or of the current leading comment; -1 if none. */
  private stmtStart = -1;
  private commentStart = -1;
  private line = 1;
  /** Buffer index up to which newlines are counted into `line`. */
  private lineScan = 0;
  private delimiter = ';';
  private delimBytes: Buffer = Buffer.from(';');
  private readonly cls = new Uint8Array(256);
  private currentDb: string | undefined;
  private finished = false;
  /** Name bytes and text of the last `INSERT INTO \`t\`` (see insertTable). */
  private lastTableBytes: Buffer = Buffer.alloc(0);
  private lastTable = '';
  /** Cached position of the next backslash at or after the scan position (fill when none); -1 = unknown. */
  private nextBackslash = -1;
  /** buf[0, end): searches (indexOf) must not run into the stale bytes after `end`. */
  private view: Buffer;
  private readonly onComment: ((text: string, offset: number, line: number) => void) | undefined;

  constructor(options: DumpStatementSplitterOptions = {}) {
    this.buf = Buffer.allocUnsafe(Math.max(1024, options.initialBufferBytes ?? 4 << 20));
    this.view = this.buf.subarray(0, 0);
    this.onComment = options.onComment;
    this.setDelimiter(';');
  }

  /** The database of the last USE seen so far. */
  get database(): string | undefined {
    return this.currentDb;
  }

  /** Size of the internal buffer: about the largest statement seen (or the initial size). */
  get bufferBytes(): number {
    return this.buf.length;
  }

  /** Bytes consumed so far (uncompressed). */
  get bytesRead(): number {
    return this.base + this.fill;
  }

  /** Feeds bytes; `emit` gets each complete statement (valid during the call only). */
  push(chunk: Uint8Array, emit: (s: DumpStatement) => void): void {
    let off = 0;
    while (off < chunk.length) off += this.write(chunk, off, emit);
  }

  /**
   * Feeds as much of `chunk` from `from` as fits without moving buffered bytes, emits the
   * statements that completes, and returns the number of bytes taken. Statements emitted by one
   * call stay valid until the next write()/push()/end().
   */
  write(chunk: Uint8Array, from: number, emit: (s: DumpStatement) => void): number {
    if (this.finished) throw new PitrError(ERROR_CODES.INTERNAL, 'DumpStatementSplitter.write() after end()');
    const want = chunk.length - from;
    if (want <= 0) return 0;
    this.makeRoom(want);
    const n = Math.min(want, this.buf.length - this.fill);
    this.buf.set(chunk.subarray(from, from + n), this.fill);
    this.fill += n;
    this.view = this.buf.subarray(0, this.fill);
    this.nextBackslash = -1;
    this.drain(false, emit);
    return n;
  }

  /** Ends the input: emits a last statement that has no delimiter, and checks nothing is left open. */
  end(emit: (s: DumpStatement) => void): void {
    if (this.finished) return;
    this.drain(true, emit);
    this.finished = true;
    const state = this.state;
    if (state === SQUOTE || state === DQUOTE || state === BQUOTE) {
      const what = state === SQUOTE ? "a '…' string" : state === DQUOTE ? 'a "…" string' : 'a `…` identifier';
      throw new PitrError(ERROR_CODES.USAGE, `the dump ends inside ${what} of the statement at line ${this.statementLine()}`, {
        hints: ['The dump looks truncated or is not SQL; take a complete dump (check for "-- Dump completed" at its end).'],
      });
    }
    if (this.stmtStart >= 0) {
      this.emitStatement(this.fill, '', emit);
    } else if (this.commentStart >= 0) {
      this.reportComment(this.fill);
    }
  }

  private statementLine(): number {
    if (this.stmtStart >= 0) this.countLines(this.stmtStart);
    return this.line;
  }

  private setDelimiter(d: string): void {
    this.delimiter = d;
    this.delimBytes = Buffer.from(d, 'utf8');
    const cls = this.cls;
    cls.set(BASE_CLS);
    // the client looks for the delimiter before anything else, so it wins over comment starts
    cls[this.delimBytes[0]!] = C_DELIM;
  }

  /** Ensures `want` free bytes (or at least some), dropping consumed bytes and growing if needed. */
  private makeRoom(want: number): void {
    this.nextBackslash = -1;
    if (this.buf.length - this.fill >= Math.min(want, 64 * 1024)) return;
    let keep = this.pos;
    if (this.stmtStart >= 0) keep = this.stmtStart;
    if (this.commentStart >= 0 && this.commentStart < keep) keep = this.commentStart;
    if (keep > 0) {
      this.countLines(keep);
      this.buf.copyWithin(0, keep, this.fill);
      this.base += keep;
      this.fill -= keep;
      this.pos -= keep;
      this.lineScan -= keep;
      if (this.stmtStart >= 0) this.stmtStart -= keep;
      if (this.commentStart >= 0) this.commentStart -= keep;
      this.view = this.buf.subarray(0, this.fill);
    }
    const free = this.buf.length - this.fill;
    if (free >= Math.min(want, 64 * 1024)) return;
    // grow by 1.5× (not 2×) so the buffer stays close to the largest statement
    const size = Math.max(this.fill + Math.min(want, 1 << 20), Math.ceil(this.buf.length * 1.5));
    const grown = Buffer.allocUnsafe(size);
    this.buf.copy(grown, 0, 0, this.fill);
    this.buf = grown;
    this.view = grown.subarray(0, this.fill);
  }

  private countLines(upTo: number): void {
    const buf = this.view;
    let i = this.lineScan;
    if (upTo <= i) return;
    let n = 0;
    for (;;) {
      const nl = buf.indexOf(NL, i);
      if (nl < 0 || nl >= upTo) break;
      n++;
      i = nl + 1;
    }
    this.line += n;
    this.lineScan = upTo;
  }

  private drain(eof: boolean, emit: (s: DumpStatement) => void): void {
    while (this.scan(eof, emit)) {
      /* one statement (or DELIMITER command) per round */
    }
  }

  /**
   * Scans from `pos`; returns true after emitting a statement or handling a DELIMITER command
   * (call again), false when the buffered input is exhausted (NEED_MORE).
   */
  private scan(eof: boolean, emit: (s: DumpStatement) => void): boolean {
    const buf = this.buf;
    const end = this.fill;
    const cls = this.cls;
    let i = this.pos;
    let state = this.state;
    const view = this.view;
    outer: while (i < end) {
      switch (state) {
        case NORMAL: {
          let c = 0;
          while (i < end && cls[(c = buf[i]!)] === 0) i++;
          if (i >= end) break outer;
          let k = cls[c]!;
          if (k === C_DELIM) {
            const d = this.delimBytes;
            const dl = d.length;
            if (dl === 1) {
              this.pos = i + 1;
              this.state = START;
              this.emitStatement(i, this.delimiter, emit);
              return true;
            }
            if (i + dl > end) {
              if (!eof) break outer;
            } else if (buf.compare(d, 0, dl, i, i + dl) === 0) {
              this.pos = i + dl;
              this.state = START;
              this.emitStatement(i, this.delimiter, emit);
              return true;
            }
            // not the delimiter: the byte may still open a quote or comment (DELIMITER // and /* … */)
            k = BASE_CLS[c]!;
            if (k === 0) {
              i++;
              continue;
            }
          }
          if (k === C_QUOTE) {
            state = c === 0x27 ? SQUOTE : c === 0x22 ? DQUOTE : BQUOTE;
            i++;
            continue;
          }
          if (k === C_HASH) {
            state = LINE_COMMENT;
            i++;
            continue;
          }
          if (k === C_DASH) {
            // `--` starts a comment only when followed by whitespace/control (or the end)
            if (i + 2 >= end && !eof) break outer;
            // (at the end of input the bytes after `end` are stale: never read them)
            if (i + 1 < end && buf[i + 1] === 0x2d && (i + 2 >= end || buf[i + 2]! <= 0x20)) {
              state = LINE_COMMENT;
              i += 2;
              continue;
            }
            i++;
            continue;
          }
          // C_SLASH: `/*` opens a comment unless executable (`/*!`, `/*M!`): the client keeps their content as SQL
          if (i + 3 >= end && !eof) break outer;
          if (i + 1 < end && buf[i + 1] === 0x2a) {
            const c2 = i + 2 < end ? buf[i + 2] : -1;
            if (c2 === 0x21) {
              i += 3;
            } else if (c2 === 0x4d && i + 3 < end && buf[i + 3] === 0x21) {
              i += 4;
            } else {
              state = BLOCK_COMMENT;
              i += 2;
            }
            continue;
          }
          i++;
          continue;
        }
        case SQUOTE:
        case DQUOTE: {
          const q = state === SQUOTE ? 0x27 : 0x22;
          // short strings byte by byte; past LONG_STRING_BYTES, jump with indexOf (memchr)
          const stop = i + LONG_STRING_BYTES < end ? i + LONG_STRING_BYTES : end;
          let c = 0;
          while (i < stop) {
            c = buf[i]!;
            if (c === q || c === BACKSLASH) break;
            i++;
          }
          if (i === stop && i < end) {
            let bs = this.nextBackslash;
            if (bs < i) {
              bs = view.indexOf(BACKSLASH, i);
              if (bs < 0) bs = end;
              this.nextBackslash = bs;
            }
            const qp = view.indexOf(q, i);
            i = qp >= 0 && qp < bs ? qp : bs;
            if (i < end) c = buf[i]!;
          }
          if (i >= end) break outer;
          if (c === BACKSLASH) {
            if (i + 1 >= end) {
              if (!eof) break outer;
              i = end;
              break outer;
            }
            i += 2;
            continue;
          }
          // closing quote; a doubled quote simply re-opens the string on the next byte
          i++;
          state = NORMAL;
          continue;
        }
        case BQUOTE: {
          const close = view.indexOf(0x60, i);
          if (close < 0) {
            i = end;
            break outer;
          }
          i = close + 1;
          state = NORMAL;
          continue;
        }
        case LINE_COMMENT: {
          const nl = view.indexOf(NL, i);
          if (nl < 0) {
            i = end;
            if (eof && this.stmtStart < 0) {
              this.pos = i;
              this.state = START;
              return false;
            }
            break outer;
          }
          i = nl + 1;
          if (this.stmtStart >= 0) {
            state = NORMAL;
          } else {
            this.reportComment(nl);
            state = START;
          }
          continue;
        }
        case BLOCK_COMMENT: {
          let j = i;
          let close = -1;
          for (;;) {
            const star = view.indexOf(0x2a, j);
            if (star < 0 || star + 1 >= end) break;
            if (buf[star + 1] === 0x2f) {
              close = star;
              break;
            }
            j = star + 1;
          }
          if (close < 0) {
            // keep a trailing '*' for the next round
            i = end > i && buf[end - 1] === 0x2a ? end - 1 : end;
            break outer;
          }
          i = close + 2;
          if (this.stmtStart >= 0) {
            state = NORMAL;
          } else {
            this.reportComment(i);
            state = START;
          }
          continue;
        }
        default: {
          // START: skip whitespace; comments are reported; anything else starts a statement
          while (i < end && isSpace(buf[i]!)) i++;
          if (i >= end) break outer;
          const c = buf[i]!;
          if (c === 0x23) {
            this.commentStart = i;
            state = LINE_COMMENT;
            i++;
            continue;
          }
          if (c === 0x2d || c === 0x2f) {
            const r = this.leadingComment(i, eof);
            if (r === 0) break outer; // need more
            if (r > 0) {
              this.commentStart = i;
              state = r === 1 ? LINE_COMMENT : BLOCK_COMMENT;
              i += 2;
              continue;
            }
            if (r === -2) {
              // the sandbox command: a comment to us (end found by BLOCK_COMMENT)
              this.commentStart = i;
              state = BLOCK_COMMENT;
              i += 2;
              continue;
            }
          }
          if ((c === 0x44 || c === 0x64) && !this.delimiterMatchesAt(i)) {
            const r = this.delimiterCommand(i, eof);
            if (r === 0) break outer;
            if (r > 0) {
              i = r;
              continue;
            }
          }
          this.stmtStart = i;
          state = NORMAL;
          continue;
        }
      }
    }
    this.pos = i;
    this.state = state;
    return false;
  }

  private delimiterMatchesAt(i: number): boolean {
    const d = this.delimBytes;
    return i + d.length <= this.fill && this.buf.compare(d, 0, d.length, i, i + d.length) === 0;
  }

  /**
   * At a statement start on '-' or '/': 1 = line comment, 2 = block comment, -2 = the sandbox
   * command (`/*M!999999\-`), -1 = not a comment (statement text), 0 = need more bytes.
   */
  private leadingComment(i: number, eof: boolean): number {
    const buf = this.buf;
    const end = this.fill;
    if (this.delimiterMatchesAt(i)) return -1;
    // (at the end of input the bytes after `end` are stale: never read them)
    const at = (k: number): number => (k < end ? buf[k]! : -1);
    if (buf[i] === 0x2d) {
      if (i + 2 >= end && !eof) return 0;
      return at(i + 1) === 0x2d && (i + 2 >= end || buf[i + 2]! <= 0x20) ? 1 : -1;
    }
    if (i + 12 > end && !eof) return 0;
    if (at(i + 1) !== 0x2a) return -1;
    const c2 = at(i + 2);
    if (c2 === 0x21 || (c2 === 0x4d && at(i + 3) === 0x21)) {
      // `/*M!999999\-`: executable only from version 99.99.99, i.e. never; the client reads `\-` as a command
      return buf.toString('latin1', i, Math.min(end, i + 12)) === '/*M!999999\\-' ? -2 : -1;
    }
    return 2;
  }

  /**
   * At a statement start on 'D'/'d': handles a `DELIMITER x` line. Returns the index after it,
   * -1 when this is not a DELIMITER command, 0 when more bytes are needed.
   */
  private delimiterCommand(i: number, eof: boolean): number {
    const buf = this.buf;
    const end = this.fill;
    if (i + 10 > end) {
      if (!eof) return 0;
      return -1;
    }
    if (buf.toString('latin1', i, i + 9).toUpperCase() !== 'DELIMITER' || !(buf[i + 9] === 0x20 || buf[i + 9] === 0x09)) return -1;
    let nl = this.view.indexOf(NL, i);
    if (nl < 0) {
      if (!eof) {
        if (end - i > MAX_DELIMITER_LINE_BYTES) return -1;
        return 0;
      }
      nl = end;
    }
    const arg = buf.toString('utf8', i + 10, nl).trim();
    // the client takes the first word, or a quoted string
    let delim: string;
    const q = arg[0];
    if (q === "'" || q === '"' || q === '`') {
      const close = arg.indexOf(q, 1);
      delim = close < 0 ? arg.slice(1) : arg.slice(1, close);
    } else {
      delim = arg.split(/\s+/)[0] ?? '';
    }
    if (delim === '' || delim.includes('\\')) {
      this.countLines(i);
      throw new PitrError(ERROR_CODES.USAGE, `line ${this.line}: DELIMITER needs a delimiter without backslashes, got ${JSON.stringify(arg)}`, {
        hints: ['The dump is not valid client input; check the file.'],
      });
    }
    this.setDelimiter(delim);
    return nl < end ? nl + 1 : nl;
  }

  private reportComment(endIdx: number): void {
    const start = this.commentStart;
    this.commentStart = -1;
    if (this.onComment === undefined || start < 0) return;
    let e = endIdx;
    if (e > start && this.buf[e - 1] === 0x0d) e--;
    this.countLines(start);
    this.onComment(this.buf.toString('utf8', start, e), this.base + start, this.line);
  }

  private emitStatement(delimAt: number, delimiter: string, emit: (s: DumpStatement) => void): void {
    const start = this.stmtStart;
    this.stmtStart = -1;
    const buf = this.buf;
    let e = delimAt;
    while (e > start && isSpace(buf[e - 1]!)) e--;
    if (e <= start) return;
    this.countLines(start);
    const table = this.insertTable(start, e);
    if (table !== undefined) {
      emit(new SplitStatement(this.base + start, this.line, buf, start, e, delimiter, 'insert', this.currentDb, table, undefined));
      return;
    }
    const c = classifyStatement(buf.subarray(start, e), this.currentDb);
    if (c.kind === 'use') this.currentDb = c.db;
    emit(new SplitStatement(this.base + start, this.line, buf, start, e, delimiter, c.kind, c.db, c.table, c.name));
  }

  /**
   * The table of the dumps' own spelling, `INSERT INTO \`t\` …` (millions of them with
   * --skip-extended-insert), without tokenizing or allocating; undefined for anything else (the
   * general classification decides). The name of the previous statement is reused when equal.
   */
  private insertTable(start: number, end: number): string | undefined {
    const buf = this.buf;
    const p = start + INSERT_INTO.length;
    if (p + 2 > end) return undefined;
    for (let k = 0; k < INSERT_INTO.length; k++) if (buf[start + k] !== INSERT_INTO[k]) return undefined;
    let close = p;
    while (close < end && buf[close] !== 0x60) close++;
    if (close >= end - 1 || buf[close + 1] === 0x60 || buf[close + 1] === 0x2e) return undefined; // `a``b`, `db`.`t`
    const last = this.lastTableBytes;
    const n = close - p;
    if (n === last.length) {
      let k = 0;
      while (k < n && buf[p + k] === last[k]) k++;
      if (k === n) return this.lastTable;
    }
    this.lastTableBytes = Buffer.from(buf.subarray(p, close));
    this.lastTable = buf.toString('utf8', p, close);
    return this.lastTable;
  }
}

// ---------------------------------------------------------------------------------------------
// Reading files and streams.

export interface DumpStatementsOptions extends DumpStatementSplitterOptions {
  /** Read size for plain files (default 1 MiB). */
  readonly chunkBytes?: number;
}

async function isGzipFile(path: string): Promise<boolean> {
  const fh = await open(path, 'r');
  try {
    const head = Buffer.alloc(2);
    const { bytesRead } = await fh.read(head, 0, 2, 0);
    return bytesRead === 2 && head[0] === 0x1f && head[1] === 0x8b;
  } finally {
    await fh.close();
  }
}

function ioError(what: string, e: unknown): PitrError {
  if (e instanceof PitrError) return e;
  const msg = e instanceof Error ? e.message : String(e);
  const zlib = typeof (e as { code?: unknown })?.code === 'string' && (e as { code: string }).code.startsWith('Z_');
  if (zlib || /unexpected end of file/i.test(msg)) {
    return new PitrError(ERROR_CODES.DUMP_CORRUPT, `the dump ${what} is damaged: ${msg} (its gzip data fails its check or ends early)`, {
      hints: ['a repository backup: pitr verify --repo … checks every backup; restore from another one', 'a copied file: copy it again and compare its checksum'],
      cause: e,
    });
  }
  return new PitrError(ERROR_CODES.IO, `cannot read dump ${what}: ${msg}`, {
    hints: ['Check the path and that the file is a complete .sql or .sql.gz dump (a truncated .gz fails here).'],
    cause: e,
  });
}

/**
 * The bytes of a dump file, gunzipped when it starts with the gzip magic (1f 8b). Concatenated
 * gzip members (e.g. `cat a.gz b.gz`) are read as one stream.
 */
export async function* dumpChunks(path: string, chunkBytes = 1 << 20): AsyncGenerator<Uint8Array> {
  let gz: boolean;
  try {
    gz = await isGzipFile(path);
  } catch (e) {
    throw ioError(path, e);
  }
  const file = createReadStream(path, { highWaterMark: chunkBytes });
  const stream = gz ? file.pipe(createGunzip({ chunkSize: Math.max(64 * 1024, chunkBytes) })) : file;
  if (gz) file.on('error', (e) => stream.destroy(e));
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) yield chunk;
  } catch (e) {
    throw ioError(path, e);
  } finally {
    file.destroy();
    stream.destroy();
  }
}

/** Gunzips an in-memory or streamed source when its first bytes are the gzip magic. */
async function* maybeGunzip(source: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
  const it = source[Symbol.asyncIterator]();
  const head: Uint8Array[] = [];
  let headBytes = 0;
  while (headBytes < 2) {
    const r = await it.next();
    if (r.done) break;
    head.push(r.value);
    headBytes += r.value.length;
  }
  const first = head.length === 1 ? head[0]! : Buffer.concat(head);
  if (!(first.length >= 2 && first[0] === 0x1f && first[1] === 0x8b)) {
    if (first.length > 0) yield first;
    const rest: AsyncIterable<Uint8Array> = { [Symbol.asyncIterator]: () => it };
    for await (const c of rest) yield c;
    return;
  }
  const gunzip = createGunzip({ chunkSize: 1 << 20 });
  // 'close' too: a consumer that stops early destroys gunzip, and nothing may wait for a drain then
  const drained = (): Promise<void> =>
    new Promise((resolve) => {
      gunzip.once('drain', resolve);
      gunzip.once('close', resolve);
    });
  const feed = (async () => {
    try {
      let c = first;
      for (;;) {
        if (gunzip.destroyed) return;
        if (!gunzip.write(c)) await drained();
        const r = await it.next();
        if (r.done) break;
        c = r.value;
      }
      if (!gunzip.destroyed) gunzip.end();
    } catch (e) {
      gunzip.destroy(e as Error);
    }
  })();
  try {
    for await (const c of gunzip as AsyncIterable<Buffer>) yield c;
  } catch (e) {
    throw ioError('stream', e);
  } finally {
    gunzip.destroy();
    await feed;
  }
}

/**
 * The statements of a dump: a path (.sql or .sql.gz, detected by content) or a byte stream.
 * Each statement's `bytes` is valid until the next iteration step (copy it to keep it).
 *
 * @example
 *   for await (const s of dumpStatements('backup.sql.gz')) await conn.query(s.text());
 */
export async function* dumpStatements(
  source: string | AsyncIterable<Uint8Array>,
  options: DumpStatementsOptions = {},
): AsyncGenerator<DumpStatement> {
  const splitter = new DumpStatementSplitter(options);
  const chunks = typeof source === 'string' ? dumpChunks(source, options.chunkBytes) : maybeGunzip(source);
  const ready: DumpStatement[] = [];
  const collect = (s: DumpStatement): void => {
    ready.push(s);
  };
  for await (const chunk of chunks) {
    // the statements of one write() are collected before yielding; their views stay valid
    // because the buffer is only compacted by the next write()
    let off = 0;
    while (off < chunk.length) {
      off += splitter.write(chunk, off, collect);
      for (let k = 0; k < ready.length; k++) yield ready[k]!;
      ready.length = 0;
    }
  }
  splitter.end(collect);
  for (let k = 0; k < ready.length; k++) yield ready[k]!;
}
