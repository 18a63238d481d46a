import { describe, expect, it } from 'vitest';
import { decodeTorrent, decodeUser, TORRENT_FIELDS, USER_FIELDS, userExtras } from '../../src/store/redis/registry-codec.js';
import type { User } from '../../src/store/records.js';

describe('registry codec: the HnR and freeleech fields in Redis', () => {
  const base: User = { id: 3, passkey: 'p'.repeat(32), name: 'n', canLeech: true, enabled: true, leechSlots: 0 };
  const row = (u: User) => [u.passkey, u.name, '1', '1', '0', userExtras(u)];

  it('a user with defaults writes no extras and reads back without the fields', () => {
    expect(userExtras(base)).toBe('');
    expect(decodeUser(3, row(base))).toEqual(base);
    expect(USER_FIELDS).toContain('extras');
  });

  it('immunity, personal freeleech, class factors and tokens survive the round trip', () => {
    const u: User = { ...base, hnrImmune: true, freeleechUntil: 1_900_000_000, multiUp: 1.5, multiDown: 0.5, tokens: [{ torrentId: 9, until: 1_800_000_100 }] };
    expect(decodeUser(3, row(u))).toEqual(u);
  });

  it('a record written before extras (or with unreadable extras) still serves announces', () => {
    expect(decodeUser(3, [base.passkey, 'n', '1', '1', null, null])).toEqual(base);
    expect(decodeUser(3, [base.passkey, 'n', '1', '1', '0', '{not json'])).toEqual(base);
  });

  it('a torrent\'s size reads back; one written before sizes is unknown', () => {
    expect(TORRENT_FIELDS).toContain('size');
    expect(decodeTorrent('a'.repeat(40), ['7', 't', '1', '1', '1', '', '123456'])?.size).toBe(123456);
    expect(decodeTorrent('a'.repeat(40), ['7', 't', '1', '1', '1', '', null])).not.toHaveProperty('size');
  });
});
