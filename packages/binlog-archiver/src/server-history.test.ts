/**
 * decideServerHistory without a server: the archive's end against the server's file list and the
 * first events of its files decide between continuing, a gap, and a new timeline.
 */
import { describe, expect, it } from 'vitest';
import type { BinlogFileStats } from './binlog-file-scanner.js';
import { decideServerHistory, gtidWentBack, namesBetween, type ArchiveEnd } from './server-history.js';

const stats = (s: Partial<BinlogFileStats>): BinlogFileStats => s as BinlogFileStats;
const files = (...spec: [string, number][]): { name: string; sizeBytes: number }[] => spec.map(([n, size]) => ({ name: `bin.${n}`, sizeBytes: size }));
const open: ArchiveEnd = {
  name: 'bin.000003',
  endPos: 500,
  state: 'open',
  createdTime: 1000,
  serverId: 1,
  gtidStateAtStart: '0-1-10',
  lastGtid: '0-1-15',
  lastCommitTime: '2026-01-01T00:00:00Z',
};
const closed: ArchiveEnd = { ...open, state: 'closed', endPos: 800 };
const same = async (): Promise<BinlogFileStats> => stats({ createdTime: 1000, serverId: 1, gtidStateAtStart: '0-1-10' });

describe('decideServerHistory', () => {
  it('starts an empty archive at the server\'s oldest file', async () => {
    expect(await decideServerHistory(undefined, files(['000004', 900]), same)).toEqual({ kind: 'start', file: 'bin.000004', pos: 4 });
  });

  it('continues the open file where the archive ends, and the file after a closed one', async () => {
    expect(await decideServerHistory(open, files(['000003', 900]), same)).toEqual({ kind: 'start', file: 'bin.000003', pos: 500 });
    expect(await decideServerHistory(closed, files(['000003', 800], ['000004', 300]), same)).toEqual({ kind: 'start', file: 'bin.000004', pos: 4 });
    expect(await decideServerHistory(closed, files(['000003', 800]), same)).toEqual({ kind: 'idle' });
  });

  it('finds a gap when the server purged files the archive never had', async () => {
    const after = async (): Promise<BinlogFileStats> => stats({ createdTime: 2000, serverId: 1, gtidStateAtStart: '0-1-30' });
    const d = await decideServerHistory(open, files(['000006', 900], ['000007', 100]), after);
    expect(d).toMatchObject({ kind: 'gap', file: 'bin.000006', pos: 4, missingFiles: ['bin.000004', 'bin.000005'], gtidStateAfter: '0-1-30' });
    expect(d.kind === 'gap' && d.message).toMatch(/GAP IN THE ARCHIVE: the server purged the rest of bin\.000003 \(after offset 500\) and bin\.000004 … bin\.000005 \(2 files\)/);
    const d2 = await decideServerHistory(closed, files(['000004', 900]), after);
    expect(d2).toMatchObject({ kind: 'start', file: 'bin.000004' });
    const d3 = await decideServerHistory(closed, files(['000005', 900]), after);
    expect(d3).toMatchObject({ kind: 'gap', missingFiles: ['bin.000004'] });
  });

  it('starts a new timeline after RESET MASTER, for a rebuilt server, and when GTIDs go back', async () => {
    expect(await decideServerHistory(open, files(['000001', 300]), same)).toMatchObject({ kind: 'new-timeline', reason: expect.stringMatching(/do not continue the archive/) });
    const other = async (): Promise<BinlogFileStats> => stats({ createdTime: 5000, serverId: 1, gtidStateAtStart: '' });
    expect(await decideServerHistory(open, files(['000003', 900]), other)).toMatchObject({ kind: 'new-timeline', reason: expect.stringMatching(/is not the archived bin\.000003 \(created at/) });
    expect(await decideServerHistory(open, files(['000003', 100]), same)).toMatchObject({ kind: 'new-timeline', reason: expect.stringMatching(/has 100 bytes, but the archive already holds 500/) });
    expect(await decideServerHistory(closed, files(['000003', 900]), same)).toMatchObject({ kind: 'new-timeline' });
    const behind = async (): Promise<BinlogFileStats> => stats({ createdTime: 9000, serverId: 1, gtidStateAtStart: '0-1-3' });
    expect(await decideServerHistory(open, files(['000009', 900]), behind)).toMatchObject({ kind: 'new-timeline', reason: expect.stringMatching(/behind the archive's last GTID 0-1-15/) });
  });
});

describe('helpers', () => {
  it('gtidWentBack compares by domain (MariaDB) and by UUID (MySQL)', () => {
    expect(gtidWentBack('0-1-15', '0-1-15,1-2-3')).toBeUndefined();
    expect(gtidWentBack('0-1-15', '0-2-20')).toBeUndefined();
    expect(gtidWentBack('0-1-15', '1-1-99')).toMatch(/behind/);
    expect(gtidWentBack('3e11fa47-71ca-11e1-9e33-c80aa9429562:23', '3E11FA47-71CA-11E1-9E33-C80AA9429562:1-30')).toBeUndefined();
    expect(gtidWentBack('3e11fa47-71ca-11e1-9e33-c80aa9429562:23', '')).toMatch(/does not contain/);
  });

  it('namesBetween', () => {
    expect(namesBetween('bin.000003', 'bin.000006')).toEqual(['bin.000004', 'bin.000005']);
    expect(namesBetween('bin.000003', 'bin.000004')).toEqual([]);
  });
});
