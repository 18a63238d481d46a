import { describe, expect, it } from 'vitest';
import { BadRow, flag, readBlacklist, readTorrent, readUser, readWhitelist } from '../../src/warmup/row-readers.js';

const PK = 'a'.repeat(32);
const noOptional = { canLeech: -1, enabled: -1 };
const noMultipliers = { up: -1, down: -1, freeleech: -1, names: { up: 'multi_up', down: 'multi_dn' } };

/** The BadRow a read throws: its row, message and key. */
function bad(read: () => unknown): { row: string; why: string; key: unknown } {
  try {
    read();
  } catch (err) {
    if (err instanceof BadRow) return { row: err.row, why: err.message, key: err.key };
    throw err;
  }
  throw new Error('the row was read');
}

describe('readBlacklist', () => {
  it('reads a pattern (binary or text) and its reason; an empty pattern or reason is a bad row', () => {
    expect(readBlacklist([Buffer.from('-UT2?', 'latin1'), 'uTorrent 2'])).toEqual({ pattern: '-UT2?', reason: 'uTorrent 2' });
    expect(bad(() => readBlacklist(['', 'x']))).toEqual({ row: 'pattern ""', why: 'pattern is empty', key: undefined });
    expect(bad(() => readBlacklist(['-XX', null]))).toEqual({ row: 'pattern "-XX"', why: 'reason is empty (the refused client is shown it)', key: undefined });
    expect(bad(() => readBlacklist(['x'.repeat(21), 'r'])).why).toBe('pattern is 21 characters (want at most 20)');
  });
});

describe('readUser', () => {
  it('reads id, passkey and name, and the optional columns where selected', () => {
    expect(readUser([7, PK, 'alice'], noOptional)).toEqual({ user_id: 7, passkey: PK, name: 'alice' });
    expect(readUser(['7', Buffer.from(PK), null, 0, '1'], { canLeech: 3, enabled: 4 })).toEqual({ user_id: 7, passkey: PK, name: '', can_leech: false, enabled: true });
    // NULL in an optional column leaves the default.
    expect(readUser([7, PK, 'a', null, null], { canLeech: 3, enabled: 4 })).toEqual({ user_id: 7, passkey: PK, name: 'a' });
    expect(readUser([7, PK, 'a', 5n], { canLeech: -1, enabled: -1, leechSlots: 3 })).toEqual({ user_id: 7, passkey: PK, name: 'a', leech_slots: 5 });
    expect(readUser([7, PK, 'a', null], { canLeech: -1, enabled: -1, leechSlots: 3 })).toEqual({ user_id: 7, passkey: PK, name: 'a' });
    // hnr_immune: a true flag sets it, anything else leaves it at its default (false).
    expect(readUser([7, PK, 'a', 1], { canLeech: -1, enabled: -1, hnrImmune: 3 })).toEqual({ user_id: 7, passkey: PK, name: 'a', hnr_immune: true });
    expect(readUser([7, PK, 'a', 0], { canLeech: -1, enabled: -1, hnrImmune: 3 })).toEqual({ user_id: 7, passkey: PK, name: 'a' });
  });

  it.each([[-1], [2.5], ['many'], [1_000_001]])('skips a leech_slots of %j, naming the column', (v) => {
    expect(bad(() => readUser([7, PK, 'a', v], { canLeech: -1, enabled: -1, leechSlots: 3, slotsColumn: 'slots' }))).toEqual({
      row: 'user id 7',
      why: `slots is ${v} (want a whole number from 0 to 1000000)`,
      key: 7,
    });
  });

  it.each([
    [[7, '', 'x'], 'passkey is empty'],
    [[7, null, 'x'], 'passkey is empty'],
    [[7, 'short', 'x'], 'passkey is 5 characters (want 32 to 128)'],
    [[7, 'x'.repeat(129), 'x'], 'passkey is 129 characters (want 32 to 128)'],
    [[7, `${'x'.repeat(31)}/`, 'x'], 'passkey has characters other than A-Z a-z 0-9 _ . ~ -'],
  ])('skips %j: %s, keeping its id for prune', (row, why) => {
    expect(bad(() => readUser(row, noOptional))).toEqual({ row: 'user id 7', why, key: 7 });
  });

  it.each([[-1], [1.5], ['12345678901234567890'], [null]])('skips a user whose id is %j', (id) => {
    expect(bad(() => readUser([id, PK, 'x'], noOptional)).why).toBe('user id is not a whole number from 0 to 2^53-1');
  });

  it('cuts a name longer than the API takes, at a character boundary', () => {
    expect(readUser([1, PK, '€'.repeat(1100)], noOptional).name).toBe('€'.repeat(1024));
  });
});

describe('readTorrent', () => {
  const hex = '0123456789abcdef0123456789abcdef01234567';
  it('takes 20 binary bytes or 40 hex characters in any case, answering lowercase hex', () => {
    expect(readTorrent([1, Buffer.from(hex, 'hex'), 'a'], noMultipliers)).toEqual({ torrent_id: 1, info_hash: hex, name: 'a' });
    expect(readTorrent([1, hex.toUpperCase(), 'a'], noMultipliers).info_hash).toBe(hex);
    expect(readTorrent([1, Buffer.from(hex.toUpperCase(), 'latin1'), 'a'], noMultipliers).info_hash).toBe(hex);
  });
  it('reads the size column when selected (a BIGINT as number, bigint or text); NULL or 0 is unknown', () => {
    const at = { ...noMultipliers, size: 3 };
    expect(readTorrent([1, hex, 'a', 4_000_000_000], at).size).toBe(4_000_000_000);
    expect(readTorrent([1, hex, 'a', 5n], at).size).toBe(5);
    expect(readTorrent([1, hex, 'a', '123'], at).size).toBe(123);
    expect(readTorrent([1, hex, 'a', null], at)).not.toHaveProperty('size');
    expect(readTorrent([1, hex, 'a', 0], at)).not.toHaveProperty('size');
  });

  it.each([
    [Buffer.alloc(19), 'info_hash is 19 bytes (want 20 bytes or 40 hex characters)'],
    ['abc', 'info_hash is 3 characters (want 20 bytes or 40 hex characters)'],
    ['g'.repeat(40), 'info_hash is 40 characters but not hex'],
    [null, 'info_hash is NULL'],
  ])('skips an info_hash of %j', (ih, why) => {
    expect(bad(() => readTorrent([9, ih, 'x'], noMultipliers))).toEqual({ row: 'torrent id 9', why, key: undefined });
  });

  it('reads multipliers, or freeleech when there is no download multiplier', () => {
    const both = { ...noMultipliers, up: 3, down: 4 };
    expect(readTorrent([1, hex, 'a', '2.50', 0], both)).toMatchObject({ multi_up: 2.5, multi_dn: 0 });
    expect(readTorrent([1, hex, 'a', null, null], both)).not.toHaveProperty('multi_up');
    expect(readTorrent([1, hex, 'a', Buffer.from([1])], { ...noMultipliers, freeleech: 3 })).toMatchObject({ multi_dn: 0 });
    expect(readTorrent([1, hex, 'a', 0], { ...noMultipliers, freeleech: 3 })).not.toHaveProperty('multi_dn');
    expect(bad(() => readTorrent([1, hex, 'a', '1001', 1], both))).toEqual({ row: 'torrent id 1', why: 'multi_up is 1001 (want 0 to 1000)', key: hex });
  });
});

describe('readWhitelist', () => {
  it('reads a binary prefix as latin1 and refuses an empty or too long one', () => {
    expect(readWhitelist([Buffer.from([0x2d, 0x71, 0xff]), 'odd'])).toEqual({ prefix: '-q\u00ff', client: 'odd' });
    expect(bad(() => readWhitelist(['', 'x'])).why).toBe('prefix is empty');
    expect(bad(() => readWhitelist(['-'.repeat(21), 'x'])).why).toBe('prefix is 21 characters (want at most 20)');
  });
});

describe('flag', () => {
  it.each([
    [0, false],
    [1, true],
    [2, true],
    ['0', false],
    ['1', true],
    ['no', false],
    ['', false],
    [Buffer.from([0]), false],
    [Buffer.from([1]), true],
    [null, undefined],
  ])('reads %j as %j', (v, want) => {
    expect(flag(v as never)).toBe(want);
  });
});
