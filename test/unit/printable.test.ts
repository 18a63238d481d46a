import { describe, expect, it } from 'vitest';
import { entityLines, emptyReport } from '../../src/warmup/report.js';
import { escapedControls, printable } from '../../src/text/printable.js';

const EVIL = '\u001b]0;PWNED\u0007\u001b[41mEVIL\u009b2J\u202egnp.exe\r\n';

describe('text from the registry on a terminal', () => {
  it('loses its control characters: C0, DEL, C1 and the bidirectional overrides', () => {
    expect(printable(EVIL)).toBe(']0;PWNED[41mEVIL2Jgnp.exe');
    expect(printable('Ünïcödé names 日本語 stay')).toBe('Ünïcödé names 日本語 stay');
  });

  it('can show them escaped instead, where every byte matters', () => {
    expect(escapedControls('-A\u009bB\u001b')).toBe('-A\\u009bB\\u001b');
  });

  it('reaches warmup reports without them (a bad row is described with its values)', () => {
    const report = { ...emptyReport({ kind: 'torrents', label: 'torrents', table: 'torrents', columns: [] }), rows: 1, skipped: 1, skippedShown: [`torrent id 5 (${EVIL}): info_hash is empty`] };
    const lines = entityLines(report).join('\n');
    expect(lines).toContain('skipped torrent id 5 (]0;PWNED[41mEVIL2Jgnp.exe): info_hash is empty');
    expect(lines).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202e]/);
  });
});
