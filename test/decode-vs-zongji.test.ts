/**
 * Differential test of the core binlog decoder against @vlasky/zongji, an independent binlog client
 * that streams the same events from the live server over the replication protocol.
 *
 * One server (row image FULL, metadata FULL), the type-torture + mini type workloads; zongji streams
 * every event from the first binlog file until the file opened by the final FLUSH BINARY LOGS. Row
 * events are matched by (file, end position) and every value must equal what zongji is expected to
 * deliver for our value. zongji's lossy or differently-represented spots are named rules with exact
 * transformations (see the table in test/support/compare-with-zongji.ts), never a tolerance.
 */
import { basename } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compareWithZongji, formatZongjiMismatches, type ZongjiCompareResult } from './support/compare-with-zongji.js';
import { prepareServer, type PreparedServer } from './support/decoder-workload.js';
import { collectZongjiRows, type ZongjiRowEvent } from './support/zongji-runner.js';

describe('decoder vs zongji (row image FULL, metadata FULL)', () => {
  let prepared: PreparedServer | undefined;
  let zongjiEvents: ZongjiRowEvent[];
  let result: ZongjiCompareResult;

  beforeAll(async () => {
    prepared = await prepareServer({ binlogRowImage: 'FULL', binlogRowMetadata: 'FULL', maxBinlogSize: 1024 * 1024 });
    const { server, files } = prepared;
    zongjiEvents = await collectZongjiRows({
      host: server.host,
      port: server.port,
      user: server.user,
      password: server.password,
      // Any id other than the server's own works; each test server has its own replicas.
      serverId: server.serverId === 4242 ? 4243 : 4242,
      startFile: basename(files[0]!),
      startPosition: 4,
      stopAtFile: prepared.activeFile,
      timeoutMs: 60_000,
    });
    result = await compareWithZongji(files, zongjiEvents, prepared.charsetOfCollation);
    console.info(
      `[zongji] ${prepared.summary}; ${files.length} files, zongji ${zongjiEvents.length} row events; ours ${result.rowEvents} row events, ` +
        `${result.rows} rows, ${result.values} values; known-difference rules applied: ${JSON.stringify(result.rulesApplied)}; ` +
        `${result.mismatches.length} mismatches`,
    );
  });

  afterAll(async () => {
    await prepared?.server.stop();
  });

  it('sees the same row events and compares a real amount of data', () => {
    expect(zongjiEvents.length).toBeGreaterThan(50);
    expect(result.rows).toBeGreaterThan(2000);
    // The documented lossy spots must actually occur in the workload, or the rules are untested.
    for (const rule of ['year-zero-as-1900', 'enum-zero-undefined', 'geometry-parsed-no-srid', 'latin1-cp1252-holes', 'timestamp-utc-text', 'charset-shift-after-geometry'] as const) {
      expect(result.rulesApplied[rule] ?? 0, `rule ${rule} exercised`).toBeGreaterThan(0);
    }
  });

  it('every value equals zongji except the documented differences', () => {
    expect(result.mismatches, formatZongjiMismatches(result.mismatches)).toEqual([]);
  });
});
