import { describe, expect, it } from 'vitest';
import { PeerIndex, type Indexed } from '../../src/store/memory/peer-index.js';
import { RECORD_LEN } from '../../src/store/peer-record.js';

interface Member extends Indexed {
  name: string;
}

const id20 = (label: string) => Buffer.concat([Buffer.from(label, 'latin1'), Buffer.alloc(20)]).subarray(0, 20);
const member = (userId: number, label: string): Member => {
  const record = Buffer.alloc(RECORD_LEN);
  id20(label).copy(record);
  return { name: `${userId}/${label}`, userId, record, hash: 0, sameHash: undefined };
};

describe('PeerIndex', () => {
  it('finds a peer by its user and the 20 bytes of its peer_id', () => {
    const index = new PeerIndex<Member>();
    const a = member(1, '-qB4650-aaaa');
    index.add(a);
    expect(index.get(1, id20('-qB4650-aaaa'))).toBe(a);
    expect(index.get(1, id20('-qB4650-aaab'))).toBeUndefined();
    expect(index.size).toBe(1);
  });

  it('the same peer_id under two users is two peers', () => {
    const index = new PeerIndex<Member>();
    const [a, b] = [member(1, 'same'), member(12, 'same')];
    index.add(a);
    index.add(b);
    expect(index.get(1, id20('same'))).toBe(a);
    expect(index.get(12, id20('same'))).toBe(b);
    expect(index.get(2, id20('same'))).toBeUndefined();
  });

  it('peers sharing a hash are each found, and deleting any of them leaves the others in place', () => {
    const index = new PeerIndex<Member>(() => 7);
    const all = ['a', 'b', 'c', 'd'].map((l) => member(1, l));
    for (const m of all) index.add(m);
    for (const m of all) expect(index.get(1, m.record.subarray(0, 20))).toBe(m);
    index.delete(all[2]!);
    index.delete(all[3]!);
    index.delete(member(1, 'never added'));
    expect(index.size).toBe(2);
    expect(index.get(1, id20('c'))).toBeUndefined();
    expect([...index.values()].map((m) => m.name).sort()).toEqual(['1/a', '1/b']);
    index.delete(all[0]!);
    expect(index.get(1, id20('b'))).toBe(all[1]);
    expect([...index.values()]).toEqual([all[1]]);
  });
});
