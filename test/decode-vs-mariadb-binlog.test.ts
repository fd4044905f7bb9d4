/**
 * Differential test of the core binlog decoder against `mariadb-binlog -vv` (MariaDB's own reader).
 *
 * For each server configuration (row image × row metadata × compression) a fresh server runs the
 * type-torture workload (tools) and our mini type workload; then, for every closed binlog file,
 * every row event's start/end position and kind, and EVERY value of every row image (write
 * after-images, update before/after, delete before-images) must be equal after canonicalisation
 * (test/support/canonical-value.ts documents each form, e.g. FLOAT compared to mariadb-binlog's
 * 6 printed digits). Columns absent from MINIMAL/NOBLOB images must be absent on both sides.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ServerOptions } from '../tools/src/index.js';
import { compareFilesWithMariadbBinlog, formatMismatches, type CompareResult } from './support/compare-with-mariadb-binlog.js';
import { prepareServer, type PreparedServer } from './support/decoder-workload.js';

interface Config {
  readonly name: string;
  readonly options: ServerOptions;
}

const CONFIGS: readonly Config[] = [
  // Small max_binlog_size so the workload spans several files.
  { name: 'row image FULL, metadata FULL', options: { binlogRowImage: 'FULL', binlogRowMetadata: 'FULL', maxBinlogSize: 1024 * 1024 } },
  // Also without event checksums and without ANNOTATE_ROWS events (other framing, same rows).
  {
    name: 'row image FULL, metadata NO_LOG (no checksums, no annotate)',
    options: { binlogRowImage: 'FULL', binlogRowMetadata: 'NO_LOG', checksum: 'NONE', binlogAnnotateRowEvents: false },
  },
  { name: 'row image MINIMAL, metadata FULL', options: { binlogRowImage: 'MINIMAL', binlogRowMetadata: 'FULL' } },
  { name: 'row image NOBLOB, metadata FULL', options: { binlogRowImage: 'NOBLOB', binlogRowMetadata: 'FULL' } },
  {
    name: 'row image FULL, metadata FULL, log_bin_compress',
    options: { binlogRowImage: 'FULL', binlogRowMetadata: 'FULL', logBinCompress: true, logBinCompressMinLen: 10 },
  },
];

// Every canonical value kind must actually have been compared, or the test proves less than it says.
const EXPECTED_KINDS = ['null', 'int', 'float', 'double', 'decimal', 'quoted', 'date', 'time', 'datetime', 'timestamp', 'year', 'bit', 'enum', 'set'];

describe.each(CONFIGS)('decoder vs mariadb-binlog -vv: $name', ({ name, options }) => {
  let prepared: PreparedServer | undefined;
  let result: CompareResult;

  beforeAll(async () => {
    prepared = await prepareServer(options);
    result = await compareFilesWithMariadbBinlog(prepared.files, { charsetOfCollation: prepared.charsetOfCollation });
    const s = result.stats;
    console.info(
      `[${name}] ${prepared.summary}; compared ${s.files} files, ${s.events} events, ${s.rowEvents} row events (${s.compressedEvents} compressed), ` +
        `${s.rows} rows, ${s.values} values, ${s.absentColumns} absent columns; ${result.mismatches.length} mismatches`,
    );
  });

  afterAll(async () => {
    await prepared?.server.stop();
  });

  it('covers every value kind and a real amount of data', () => {
    const s = result.stats;
    expect(s.rows).toBeGreaterThan(2000);
    for (const k of EXPECTED_KINDS) expect(s.byType[k] ?? 0, `values of kind ${k}`).toBeGreaterThan(0);
    if (options.binlogRowImage !== 'FULL') expect(s.absentColumns).toBeGreaterThan(0);
    else expect(s.absentColumns).toBe(0);
    if (options.logBinCompress) expect(s.compressedEvents).toBeGreaterThan(0);
    if (options.maxBinlogSize !== undefined) expect(s.files).toBeGreaterThan(1);
  });

  it('every event starts and ends at the same offsets; row events have the same kinds', () => {
    const m = result.mismatches.filter((x) => x.what === 'framing' || x.what === 'position' || x.what === 'event');
    expect(m, formatMismatches(m)).toEqual([]);
  });

  it('every row, image and value is identical', () => {
    const m = result.mismatches.filter((x) => x.what !== 'framing' && x.what !== 'position' && x.what !== 'event');
    expect(m, formatMismatches(m)).toEqual([]);
  });
});
