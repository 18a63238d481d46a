import { describe, expect, it } from 'vitest';
import { plainProgress, progressLine, ttyProgress } from '../../src/warmup/progress.js';
import { emptyReport, entityLines, reportJson, summaryLines, type EntityReport, type WarmupReport } from '../../src/warmup/report.js';

const entity = (over: Partial<EntityReport> = {}): EntityReport => ({
  ...emptyReport({ kind: 'users', label: 'passkeys', table: 'users', columns: ['id', 'passkey', 'username'] }),
  rows: 146,
  written: 146,
  seconds: 0.5,
  ...over,
});
const report = (entities: EntityReport[], over: Partial<WarmupReport> = {}): WarmupReport => ({ entities, prune: false, changed: true, seconds: 1, rowsPerSecond: 1, ...over });

describe('the progress line', () => {
  it('shows a bar, the share, the count of the total and the rate', () => {
    expect(progressLine('passkeys', 50_000, 200_000, 0.5)).toBe('Loading passkeys… █████░░░░░░░░░░░░░░░  25%  50,000/200,000  100,000 rows/s');
    expect(progressLine('torrents', 12, 10, 1)).toBe('Loading torrents… ████████████████████ 100%  12/10  12 rows/s');
    expect(progressLine('whitelist', 3, 0, 0)).toBe('Loading whitelist… 3');
  });

  it('on a terminal is redrawn in place at most ten times a second, then replaced by the table’s line', () => {
    let now = 0;
    const out: string[] = [];
    const p = ttyProgress({ write: (t) => out.push(t), isTTY: true, columns: 100 }, () => now);
    p.start('passkeys', 146);
    for (let i = 1; i <= 50; i++) {
      now += 10;
      p.update(i);
    }
    expect(out).toHaveLength(1 + 5);
    expect(out.every((t) => t.startsWith('\r\x1b[2KLoading passkeys… '))).toBe(true);
    p.finish(entity());
    expect(out.slice(-2)).toEqual(['\r\x1b[2K', 'passkeys: 146 rows from users in 0.50 s: 146 written, 0 unchanged\n']);
  });

  it('is cut to the terminal width', () => {
    const out: string[] = [];
    ttyProgress({ write: (t) => out.push(t), isTTY: true, columns: 30 }, () => 0).start('passkeys', 146);
    expect(out[0]).toBe(`\r\x1b[2KLoading passkeys… ${'░'.repeat(11)}`);
  });

  it('off a terminal is one plain line per table, and the summary at the end', () => {
    const out: string[] = [];
    const p = plainProgress({ write: (t) => out.push(t) });
    p.start('passkeys', 146);
    p.update(100);
    p.finish(entity());
    p.end(report([entity()]));
    expect(out.join('')).toBe('passkeys: 146 rows from users in 0.50 s: 146 written, 0 unchanged\nLoading passkeys… 146\n');
  });
});

describe('the report', () => {
  it('lists the first bad rows and conflicts under the table’s line and counts the rest', () => {
    const e = entity({ written: 140, unchanged: 2, skipped: 7, skippedShown: ['user id 1: passkey is empty'], conflicts: 1, conflictsShown: ['user id 9: passkey is held by user 8'] });
    expect(entityLines({ ...e, rows: 1460, seconds: 0.5 })).toEqual([
      'passkeys: 1,460 rows from users in 0.50 s, 2,920 rows/s: 140 written, 2 unchanged, 7 bad rows skipped, 1 passkey conflict',
      '  skipped user id 1: passkey is empty',
      '  … and 6 more',
      '  not written: user id 9: passkey is held by user 8',
    ]);
  });

  it('ends with prune, whether anything changed, and the seed’s lines', () => {
    const entities = [entity({ kind: 'whitelist', label: 'whitelist', written: 0, unchanged: 12 }), entity({ written: 0, unchanged: 146 }), entity({ kind: 'torrents', label: 'torrents', written: 0, unchanged: 3819 })];
    expect(summaryLines(report(entities, { changed: false, prune: true }))).toEqual([
      'Pruned 0 users and 0 torrents no longer in the site database',
      'Nothing changed: the daemon already held every row as the site database has it',
      'Loading whitelist… 12',
      'Loading passkeys… 146',
      'Loading torrents… 3819',
    ]);
    expect(reportJson(report(entities, { prune: true }))).toMatchObject({ users: { loaded: 146, pruned: 0 }, changed: true });
  });
});
