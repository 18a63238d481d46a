import { describe, expect, it } from 'vitest';
import { bonusPoints, counterDelta, isOvertaken, isTooEarly, oversizedFigure, settle, type History, type LedgerClock, type Rules, type SwarmView } from '../../src/accounting/settle.js';

const rules: Rules = { multiUp: 1, multiDown: 1, bonusRate: 1, interval: 300, maxUploadRate: 0, creditWithoutLeechers: false };
const history: History & LedgerClock = { uploaded: 0, seedTime: 0, snatched: false, budgetAt: 0, clockAt: 0 };
/** The history and the ledger's clock in one object, as the memory store's ledger is. */
const hist = (o: Partial<History & LedgerClock>): History & LedgerClock => ({ ...history, ...o });
const prev = { uploaded: 100, downloaded: 100, left: 10, lastSeen: 1000 };
/** A swarm with a leecher in it: nothing for the no-leechers rule to see. */
const swarm = (seeders = 1, leechers = 1, lastLeecherAt = 0): SwarmView => ({ seeders, leechers, lastLeecherAt });
const report = (o: Partial<{ uploaded: number; downloaded: number; left: number; event: '' | 'completed' | 'stopped' | 'paused' | 'started'; now: number; nowMs: number }>) => ({
  uploaded: 100,
  downloaded: 100,
  left: 10,
  event: '' as const,
  now: 1300,
  nowMs: (o.now ?? 1300) * 1000,
  ...o,
});

describe('settle', () => {
  it('credits nothing on a peer’s first announce', () => {
    expect(settle(undefined, report({ uploaded: 5000 }), rules, history, history, swarm(0))).toMatchObject({ upRaw: 0, up: 0, bonus: 0 });
  });
  it('credits the positive difference of each counter', () => {
    expect(settle(prev, report({ uploaded: 150, downloaded: 400 }), rules, history, history, swarm(1))).toMatchObject({ upRaw: 50, downRaw: 300, up: 50, down: 300 });
  });
  it('rebases a counter that went down without touching the other', () => {
    expect(counterDelta(100, 40)).toBe(0);
    expect(settle(prev, report({ uploaded: 40, downloaded: 160 }), rules, history, history, swarm(1))).toMatchObject({ upRaw: 0, downRaw: 60 });
  });
  it('applies multipliers and rounds credit down to whole bytes', () => {
    const s = settle(prev, report({ uploaded: 103, downloaded: 103 }), { ...rules, multiUp: 1.5, multiDown: 0.5 }, history, history, swarm(1));
    expect([s.up, s.down]).toEqual([4, 1]);
  });
  it('counts seed time only when the peer was seeding since its last announce', () => {
    expect(settle({ ...prev, left: 0 }, report({ left: 0 }), rules, history, history, swarm(1)).seedTime).toBe(300);
    expect(settle(prev, report({ left: 0 }), rules, history, history, swarm(1)).seedTime).toBe(0);
  });
  it('marks a snatch only for the first completed of a user on a torrent', () => {
    expect(settle(prev, report({ event: 'completed' }), rules, history, history, swarm(1)).snatch).toBe(true);
    expect(settle(prev, report({ event: 'completed' }), rules, hist({ snatched: true }), hist({ snatched: true }), swarm(1)).snatch).toBe(false);
  });
  it('marks a snatch when a leecher reaches left=0 by downloading, whatever its event', () => {
    expect(settle(prev, report({ left: 0, downloaded: 110, event: 'stopped' }), rules, history, history, swarm(1)).snatch).toBe(true);
    expect(settle(prev, report({ left: 0, downloaded: 110 }), rules, history, history, swarm(1)).snatch).toBe(true);
    expect(settle(prev, report({ left: 0, downloaded: 110 }), rules, hist({ snatched: true }), hist({ snatched: true }), swarm(1)).snatch).toBe(false);
  });
  it('marks no snatch for a seeder whose left fell to 0 by checking its data', () => {
    expect(settle(prev, report({ left: 0 }), rules, history, history, swarm(1)).snatch).toBe(false);
    expect(settle({ ...prev, left: 0 }, report({ left: 0, downloaded: 110 }), rules, history, history, swarm(1)).snatch).toBe(false);
  });
  it('clamps upload above the rate ceiling and reports the cheat', () => {
    const s = settle(prev, report({ uploaded: 100 + 3_000_000 }), { ...rules, maxUploadRate: 1000 }, history, history, swarm(1));
    expect(s.up).toBe(300_000);
    expect(s.cheat).toEqual({ kind: 'upload_rate', rate: 10_000, reported: 3_000_000, allowed: 300_000 });
  });
  it('measures the upload budget in milliseconds from its last spending, shared by the user’s peer_ids', () => {
    const r = { ...rules, maxUploadRate: 1000 };
    // Another peer_id of the user spent the budget 250 ms ago: 250 bytes, whatever this peer's own last announce.
    const s = settle(prev, report({ uploaded: 100 + 5000, nowMs: 1_300_250 }), r, hist({ budgetAt: 1_300_000 }), hist({ budgetAt: 1_300_000 }), swarm());
    expect([s.up, s.cheat?.allowed, s.budgetAt]).toEqual([250, 250, 1_300_250]);
  });
  it('bounds the budget by the peer’s own last announce when the ledger’s is older', () => {
    const s = settle(prev, report({ uploaded: 100 + 10_000_000 }), { ...rules, maxUploadRate: 1000 }, hist({ budgetAt: 5 }), hist({ budgetAt: 5 }), swarm());
    expect(s.up).toBe(300_000);
  });
  it('credits an honest seeder in full: 100 MB two seconds after started', () => {
    const s = settle({ ...prev, uploaded: 0, left: 0 }, report({ uploaded: 100e6, left: 0, now: 1002 }), { ...rules, maxUploadRate: 1024 ** 3 }, history, history, swarm());
    expect([s.up, s.cheat]).toEqual([100e6, undefined]);
  });
  it('accrues wall time once per ledger: a second peer_id after the first adds only what passed since', () => {
    const seeding = { ...prev, left: 0 };
    const s = settle(seeding, report({ left: 0, now: 1300 }), rules, hist({ clockAt: 1200 }), hist({ clockAt: 1200 }), swarm());
    expect([s.seedTime, s.clockAt]).toEqual([100, 1300]);
    expect(settle(seeding, report({ left: 0, now: 1300 }), rules, hist({ clockAt: 1300 }), hist({ clockAt: 1300 }), swarm()).seedTime).toBe(0);
  });
  it('counts leech time while the peer was leeching', () => {
    expect(settle(prev, report({}), rules, history, history, swarm())).toMatchObject({ leechTime: 300, seedTime: 0 });
  });
  it('flags a seeder’s upload with no leecher since its last announce, and credits it only when allowed', () => {
    const seeding = { ...prev, left: 0 };
    const s = settle(seeding, report({ left: 0, uploaded: 600 }), rules, history, history, swarm(1, 0, 999));
    expect([s.up, s.cheat?.kind, s.cheat?.reported]).toEqual([0, 'no_leechers', 500]);
    expect(settle(seeding, report({ left: 0, uploaded: 600 }), { ...rules, creditWithoutLeechers: true }, history, history, swarm(1, 0, 999)).up).toBe(500);
  });
  it('credits a seeder whose leecher left or completed after its previous announce', () => {
    const s = settle({ ...prev, left: 0 }, report({ left: 0, uploaded: 600 }), rules, history, history, swarm(2, 0, 1000));
    expect([s.up, s.cheat]).toEqual([500, undefined]);
  });
  it('finds a credited figure beyond 2^53 before anything is written', () => {
    const s = settle({ ...prev, uploaded: 0 }, report({ uploaded: Number.MAX_SAFE_INTEGER }), { ...rules, multiUp: 12 }, history, history, swarm());
    expect(oversizedFigure(s)).toBe('uploaded');
    expect(oversizedFigure(settle(prev, report({ uploaded: 5000 }), rules, history, history, swarm()))).toBeUndefined();
  });
});

describe('bonusPoints', () => {
  it('follows the seed formula for a full interval', () => {
    expect(bonusPoints(2 * 1024 ** 3, 3600, 5, 300, rules)).toBeCloseTo((2 + 1 + 2 * 5 * 2) / 1000, 12);
  });
  it('scales with the share of an interval elapsed, so early announces earn no extra', () => {
    const full = bonusPoints(0, 0, 1, 300, rules);
    expect(bonusPoints(0, 0, 1, 30, rules) * 10).toBeCloseTo(full, 12);
    expect(bonusPoints(0, 0, 1, 3000, rules)).toBeCloseTo(full, 12);
  });
  it('is zero when the rate is zero', () => {
    expect(bonusPoints(1e12, 1e6, 1, 300, { ...rules, bonusRate: 0 })).toBe(0);
  });
});

describe('isTooEarly', () => {
  it('holds for a plain update sooner than min interval', () => {
    expect(isTooEarly(prev, report({ now: 1005 }), 10)).toBe(true);
    expect(isTooEarly(prev, report({ now: 1010 }), 10)).toBe(false);
  });
  it('never holds for events, first announces, or with the rule off', () => {
    expect(isTooEarly(prev, report({ now: 1001, event: 'completed' }), 10)).toBe(false);
    expect(isTooEarly(undefined, report({ now: 1001 }), 10)).toBe(false);
    expect(isTooEarly(prev, report({ now: 1001 }), 0)).toBe(false);
  });
});

describe('isOvertaken', () => {
  it('holds for an announce older than the peer’s last one, not for one of the same second or later', () => {
    expect(isOvertaken(prev, 999)).toBe(true);
    expect(isOvertaken(prev, 1000)).toBe(false);
    expect(isOvertaken(prev, 1300)).toBe(false);
  });
  it('never holds for a peer’s first announce', () => {
    expect(isOvertaken(undefined, 0)).toBe(false);
  });
});
