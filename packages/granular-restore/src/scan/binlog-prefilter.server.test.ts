/**
 * The prefilter against real binlogs: what it keeps, replayed with the schema, gives exactly the
 * events a full decode gives for the wanted table (same positions, same rows), the transactions'
 * boundaries are all there, the other tables' rows are dropped undecoded, and a RENAME makes it
 * give up.
 */
import { type BinlogEvent, type SchemaProvider, SchemaHistory, parseTarget, readBinlogFile, schemaFromServer } from '@pitr/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type TestServer } from '../../../../tools/src/index.js';
import { prefilterBinlogs } from './binlog-prefilter.js';
import type { GranularBinlogFile } from './scan-transactions.js';
import { statSync } from 'node:fs';
import { basename } from 'node:path';

let server: TestServer;
let startPos = 4;
/** The first binlog file of the workload (the one opened right after the schema was read). */
let firstFile = '';
let schema: SchemaProvider;

async function files(): Promise<GranularBinlogFile[]> {
  await server.flushLogs();
  const all = await server.binlogFiles();
  return all.slice(all.findIndex((p) => basename(p) === firstFile)).map((p) => ({ name: basename(p), path: p, size: statSync(p).size }));
}

/** Every event of the files from the start, rows decoded with the schema. */
async function fullRead(binlogs: readonly GranularBinlogFile[]): Promise<BinlogEvent[]> {
  const history = new SchemaHistory(schema, { flavor: 'mariadb' });
  const out: BinlogEvent[] = [];
  for (let i = 0; i < binlogs.length; i++) {
    const r = readBinlogFile(binlogs[i]!.path, { schema: history, ...(i === 0 ? { startPosition: startPos } : {}) });
    for (let b = await r.nextBatch(); b !== undefined; b = await r.nextBatch()) out.push(...b);
  }
  return out;
}

const summary = (e: BinlogEvent): string => JSON.stringify({ file: e.file, pos: e.pos, type: e.typeName, body: e.body }, (_k, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v instanceof Uint8Array ? Buffer.from(v).toString('hex') : v));

describe('prefilterBinlogs', () => {
  beforeAll(async () => {
    server = await startServer({ maxBinlogSize: 8192 });
    await server.query('CREATE DATABASE p');
    await server.query('CREATE TABLE p.wanted (id INT PRIMARY KEY, v VARCHAR(100))');
    await server.query('CREATE TABLE p.other (id INT PRIMARY KEY, v VARCHAR(100))');
    schema = await schemaFromServer(server.url);
    await server.flushLogs();
    firstFile = basename((await server.binlogFiles()).at(-1)!);
    startPos = 4;
    for (let i = 1; i <= 60; i++) {
      await server.query(`INSERT INTO p.other VALUES (${i}, REPEAT('o', 90))`);
      if (i % 3 === 0) await server.query(`INSERT INTO p.wanted VALUES (${i}, 'w${i}')`);
      if (i % 7 === 0) await server.query(`BEGIN; UPDATE p.wanted SET v = CONCAT(v, '+') WHERE id <= ${i}; UPDATE p.other SET v = 'x' WHERE id = ${i}; COMMIT`);
    }
  }, 120_000);
  afterAll(async () => {
    await server?.stop();
  });

  it("keeps every event but the other tables' rows, and replays them as a full decode reads them", async () => {
    const binlogs = await files();
    const pre = await prefilterBinlogs({ binlogs, startPos, tables: [{ db: 'p', table: 'wanted' }] });
    expect(pre.fallback).toBeUndefined();
    expect(pre.stats.rowsEventsDropped).toBeGreaterThan(60);
    const replayed: BinlogEvent[] = [];
    for await (const b of pre.replay({ schema: new SchemaHistory(schema, { flavor: 'mariadb' }) })) replayed.push(...b);
    const full = (await fullRead(binlogs)).filter((e) => {
      const body = e.body as { kind: string; table?: { table: string }; db?: string };
      if (body.kind === 'table_map') return (e.body as { table: string }).table === 'wanted';
      if (body.kind === 'write' || body.kind === 'update' || body.kind === 'delete') return body.table!.table === 'wanted';
      return true;
    });
    expect(replayed.map(summary)).toEqual(full.map(summary));
    expect(replayed.some((e) => e.body.kind === 'update')).toBe(true);
  }, 60_000);

  it('stops after the first transaction past --at, and gives up at a RENAME', async () => {
    const [g] = await server.query<{ g: string }[]>('SELECT @@global.gtid_binlog_pos AS g');
    await server.query('RENAME TABLE p.other TO p.other2');
    await server.query("INSERT INTO p.wanted VALUES (1000, 'late')");
    const binlogs = await files();
    const pre = await prefilterBinlogs({ binlogs, startPos, tables: [{ db: 'p', table: 'wanted' }] });
    expect(pre.fallback).toMatch(/RENAME/);
    const until = await prefilterBinlogs({ binlogs, startPos, tables: [{ db: 'p', table: 'wanted' }], until: parseTarget(`gtid:${g!.g}`) });
    expect(until.fallback).toBeUndefined();
    // the RENAME's transaction is the first past the target: read, and nothing after it
    const last = until.files.at(-1)!;
    expect(until.end.pos).toBeLessThanOrEqual(last.positions.at(-1)! + last.events.at(-1)!.length);
  }, 60_000);
});
