import { describe, expect, it } from 'vitest';
import { creditRule } from '../../src/accounting/credit-rule.js';
import type { CreditEvent } from '../../src/config/schema.js';
import type { Torrent, User } from '../../src/store/records.js';

const user: User = { id: 1, passkey: 'p'.repeat(32), name: 'u', canLeech: true, enabled: true, leechSlots: 0 };
const torrent: Torrent = { id: 10, infoHash: 'a'.repeat(40), name: 't', multiUp: 1, multiDown: 1, enabled: true, reason: '' };
const ev = (kind: CreditEvent['kind'], start: number, end: number): CreditEvent => ({ kind, start, end, name: '' });

describe('creditRule (docs/protocol.md, "Credit rules")', () => {
  it('names the first freeleech source that applies, in the table\'s order', () => {
    const all = { ...user, freeleechUntil: 200, tokens: [{ torrentId: 10, until: 200 }] };
    expect(creditRule(all, { ...torrent, multiDown: 0 }, true, [ev('freeleech', 0, 200)], 100).label).toBe('dn=torrent_free:0 up=normal:1');
    expect(creditRule(all, torrent, true, [ev('freeleech', 0, 200)], 100).label).toBe('dn=site:0 up=normal:1');
    expect(creditRule(all, torrent, false, [ev('freeleech', 0, 200)], 100).label).toBe('dn=event:0 up=normal:1');
    expect(creditRule(all, torrent, false, [], 100).label).toBe('dn=personal:0 up=normal:1');
    expect(creditRule({ ...all, freeleechUntil: 0 }, torrent, false, [], 100).label).toBe('dn=token:0 up=normal:1');
    expect(creditRule({ ...all, tokens: [{ torrentId: 11, until: 200 }], freeleechUntil: 0 }, torrent, false, [], 100).label).toBe('dn=normal:1 up=normal:1');
  });

  it('events run from start (included) to end (not)', () => {
    const e = [ev('double_upload', 100, 200)];
    expect(creditRule(user, torrent, false, e, 99).multiUp).toBe(1);
    expect(creditRule(user, torrent, false, e, 100).multiUp).toBe(2);
    expect(creditRule(user, torrent, false, e, 199).multiUp).toBe(2);
    expect(creditRule(user, torrent, false, e, 200).multiUp).toBe(1);
  });

  it('a half-leech torrent times the user\'s class factor; double upload lifts a torrent to at least 2, never doubles it', () => {
    expect(creditRule({ ...user, multiDown: 0.5 }, { ...torrent, multiDown: 0.5 }, false, [], 0)).toEqual({ multiUp: 1, multiDown: 0.25, label: 'dn=torrent+class:0.25 up=normal:1' });
    expect(creditRule(user, { ...torrent, multiUp: 3 }, false, [ev('double_upload', 0, 10)], 5)).toMatchObject({ multiUp: 3, label: 'dn=normal:1 up=torrent:3' });
    expect(creditRule(user, { ...torrent, multiUp: 1.5 }, false, [ev('double_upload', 0, 10)], 5)).toMatchObject({ multiUp: 2, label: 'dn=normal:1 up=event:2' });
  });
});
