import { describe, expect, it } from 'vitest';
import { Bytes20Index, type Chained } from '../../src/store/bytes-index.js';
import { RECORD_LEN } from '../../src/store/peer-record.js';

interface Member extends Chained {
  name: string;
  userId: number;
  record: Buffer;
}

const id20 = (label: string) => Buffer.concat([Buffer.from(label, 'latin1'), Buffer.alloc(20)]).subarray(0, 20);
const member = (userId: number, label: string): Member => {
  const record = Buffer.alloc(RECORD_LEN);
  id20(label).copy(record);
  return { name: `${userId}/${label}`, userId, record, hash: 0, sameHash: undefined };
};
const index = (hash?: (id: number, bytes: Buffer) => number) => new Bytes20Index<Member>((m) => m.userId, (m) => m.record, hash);

describe('Bytes20Index', () => {
  it('finds a member by its number and the 20 bytes that start its buffer', () => {
    const peers = index();
    const a = member(1, '-qB4650-aaaa');
    peers.add(a);
    expect(peers.get(1, id20('-qB4650-aaaa'))).toBe(a);
    expect(peers.get(1, id20('-qB4650-aaab'))).toBeUndefined();
    expect(peers.size).toBe(1);
  });

  it('the same 20 bytes under two numbers are two members (a peer_id of two users)', () => {
    const peers = index();
    const [a, b] = [member(1, 'same'), member(12, 'same')];
    peers.add(a);
    peers.add(b);
    expect(peers.get(1, id20('same'))).toBe(a);
    expect(peers.get(12, id20('same'))).toBe(b);
    expect(peers.get(2, id20('same'))).toBeUndefined();
  });

  it('members sharing a hash are each found, and deleting any of them leaves the others in place', () => {
    const peers = index(() => 7);
    const all = ['a', 'b', 'c', 'd'].map((l) => member(1, l));
    for (const m of all) peers.add(m);
    for (const m of all) expect(peers.get(1, m.record.subarray(0, 20))).toBe(m);
    peers.delete(all[2]!);
    peers.delete(all[3]!);
    peers.delete(member(1, 'never added'));
    expect(peers.size).toBe(2);
    expect(peers.get(1, id20('c'))).toBeUndefined();
    expect([...peers.values()].map((m) => m.name).sort()).toEqual(['1/a', '1/b']);
    peers.delete(all[0]!);
    expect(peers.get(1, id20('b'))).toBe(all[1]);
    expect([...peers.values()]).toEqual([all[1]]);
  });
});
