import { describe, expect, it, vi } from 'vitest';
import { hnrState, minDownload, seedTimeFor, type HnrLedger } from '../../src/accounting/hnr.js';
import { parseConfig } from '../../src/config/load.js';
import type { HnrConfig } from '../../src/config/schema.js';

const rule = (patch: Partial<HnrConfig> = {}): HnrConfig => ({ ...parseConfig({}).accounting.hnr, ...patch });
const ledger = (patch: Partial<HnrLedger> = {}): HnrLedger => ({ downloadedRaw: 0, uploaded: 0, seedTime: 0, snatched: false, lastSeen: 1000, ...patch });
const GB = 1_000_000_000;

describe('hnrState', () => {
  it('defaults: owed from 10 % of the size, 72 h of seeding or ratio 1, 14 days of grace from the last announce', () => {
    const r = rule();
    expect(minDownload(r, 10 * GB)).toBe(GB);
    expect(hnrState(ledger({ downloadedRaw: GB - 1 }), 10 * GB, false, r, 1000).state).toBe('none');
    expect(hnrState(ledger({ downloadedRaw: GB }), 10 * GB, false, r, 1000)).toEqual({ state: 'pending', seedTimeRequired: 259_200, deadline: 1000 + 1_209_600 });
    expect(hnrState(ledger({ downloadedRaw: GB }), 10 * GB, false, r, 1000 + 1_209_600).state).toBe('hnr');
    expect(hnrState(ledger({ downloadedRaw: GB, seedTime: 259_200 }), 10 * GB, false, r, 1e9).state).toBe('satisfied');
    expect(hnrState(ledger({ downloadedRaw: GB, uploaded: GB }), 10 * GB, false, r, 1e9).state).toBe('satisfied');
  });

  it('min_download in bytes ignores the size; a percentage with an unknown size counts from the snatch', () => {
    expect(hnrState(ledger({ downloadedRaw: 500 }), 0, false, rule({ min_download: 500 }), 0).state).toBe('pending');
    expect(hnrState(ledger({ downloadedRaw: 500 }), 0, false, rule(), 0).state).toBe('none');
    expect(hnrState(ledger({ downloadedRaw: 500, snatched: true }), 0, false, rule(), 0).state).toBe('pending');
  });

  it('ratio 0 turns the ratio escape off; a credited upload (multiplied) counts against the real download', () => {
    expect(hnrState(ledger({ downloadedRaw: 100, uploaded: 10_000 }), 100, false, rule({ ratio: 0 }), 0).state).toBe('pending');
    expect(hnrState(ledger({ downloadedRaw: 100, uploaded: 150 }), 100, false, rule({ ratio: 1.5 }), 0).state).toBe('satisfied');
    expect(hnrState(ledger({ downloadedRaw: 100, uploaded: 149 }), 100, false, rule({ ratio: 1.5 }), 0).state).toBe('pending');
  });

  it('an immune user is immune where it would owe, satisfied or none otherwise', () => {
    expect(hnrState(ledger({ downloadedRaw: 100 }), 100, true, rule(), 1e9).state).toBe('immune');
    expect(hnrState(ledger({ downloadedRaw: 100, seedTime: 1e6 }), 100, true, rule(), 1e9).state).toBe('satisfied');
    expect(hnrState(ledger(), 100, true, rule(), 1e9).state).toBe('none');
  });

  it('off: none everywhere', () => {
    expect(hnrState(ledger({ downloadedRaw: 100 }), 100, false, rule({ enabled: false }), 1e9).state).toBe('none');
  });
});

describe('seedTimeFor', () => {
  const tiers = rule({ seed_time: [{ min_size: GB, seed_time: 2 }, { min_size: 0, seed_time: 1 }, { min_size: 10 * GB, seed_time: 3 }] });
  it('takes the tier with the largest min_size not above the size, in any order', () => {
    expect(seedTimeFor(tiers, 0)).toBe(1);
    expect(seedTimeFor(tiers, GB - 1)).toBe(1);
    expect(seedTimeFor(tiers, GB)).toBe(2);
    expect(seedTimeFor(tiers, 100 * GB)).toBe(3);
  });
  it('below every tier, the smallest; a fixed time is the time', () => {
    expect(seedTimeFor(rule({ seed_time: [{ min_size: GB, seed_time: 9 }, { min_size: 2 * GB, seed_time: 8 }] }), 5)).toBe(9);
    expect(seedTimeFor(rule({ seed_time: 42 }), 5)).toBe(42);
  });
});

describe('accounting.hnr_seed_time (deprecated)', () => {
  it('is read as accounting.hnr.seed_time, with a warning; the new key wins when both are set', () => {
    const warn = vi.spyOn(process, 'emitWarning').mockImplementation(() => {});
    try {
      expect(parseConfig({ accounting: { hnr_seed_time: 3600 } }).accounting.hnr.seed_time).toBe(3600);
      expect(warn).toHaveBeenCalledWith(expect.stringMatching(/^accounting\.hnr_seed_time is deprecated: read as accounting\.hnr\.seed_time/), 'DeprecationWarning');
      expect(parseConfig({ accounting: { hnr_seed_time: 3600, hnr: { seed_time: 60 } } }).accounting.hnr.seed_time).toBe(60);
    } finally {
      warn.mockRestore();
    }
  });
  it('a min_download that is neither bytes nor a percentage is refused naming the field', () => {
    expect(() => parseConfig({ accounting: { hnr: { min_download: '10' } } })).toThrow(/accounting\.hnr\.min_download/);
    expect(parseConfig({ accounting: { hnr: { min_download: '12.5%' } } }).accounting.hnr.min_download).toBe('12.5%');
  });
});
