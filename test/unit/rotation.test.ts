import { describe, expect, it } from 'vitest';
import { Rotation, type Rotating } from '../../src/store/memory/rotation.js';
import { peerCount, RECORD_LEN, recordsOf } from '../../src/store/peer-record.js';

interface Member extends Rotating {
  name: string;
}

/** A member whose record starts with its name (the peer_id's place), the rest zero. */
const member = (name: string): Member => {
  const record = Buffer.alloc(RECORD_LEN);
  record.write(name, 'latin1');
  return { name, at: -1, record };
};
const members = (...names: string[]): Member[] => names.map(member);
const nameOf = (record: Buffer) => record.toString('latin1', 0, record.indexOf(0));

const take = (r: Rotation<Member>, n: number, skip?: Member) => {
  const out = Buffer.alloc(r.available(n, skip) * RECORD_LEN);
  expect(r.take(n, skip, out, 0)).toBe(out.length);
  return recordsOf(out).map(nameOf);
};

describe('Rotation', () => {
  it('hands members out in turn and wraps around', () => {
    const r = new Rotation<Member>();
    for (const m of members('a', 'b', 'c', 'd', 'e')) r.add(m);
    expect(take(r, 2)).toEqual(['a', 'b']);
    expect(take(r, 2)).toEqual(['c', 'd']);
    expect(take(r, 2)).toEqual(['e', 'a']);
  });
  it('skips the given member without returning it', () => {
    const r = new Rotation<Member>();
    const [a, b, c] = members('a', 'b', 'c');
    for (const m of [a!, b!, c!]) r.add(m);
    expect(r.available(5, b)).toBe(2);
    expect(take(r, 5, b)).toEqual(['a', 'c']);
  });
  it('a take that meets the skipped member in the middle of a wrapped run continues past it', () => {
    const r = new Rotation<Member>();
    const all = members('a', 'b', 'c', 'd', 'e', 'f');
    for (const m of all) r.add(m);
    expect(take(r, 4)).toEqual(['a', 'b', 'c', 'd']);
    expect(take(r, 4, all[0])).toEqual(['e', 'f', 'b', 'c']);
    expect(take(r, 3, all[4])).toEqual(['d', 'f', 'a']);
  });
  it('keeps every member after deletions', () => {
    const r = new Rotation<Member>();
    const all = members('a', 'b', 'c', 'd');
    for (const m of all) r.add(m);
    r.delete(all[1]!);
    r.delete(member('zz'));
    expect(r.size).toBe(3);
    expect(take(r, 10).sort()).toEqual(['a', 'c', 'd']);
  });
  it('hands out each member with its own record through growth, deletions and shrinking', () => {
    const r = new Rotation<Member>();
    const all = Array.from({ length: 300 }, (_, i) => member(`m${i}`));
    for (const m of all) r.add(m);
    for (const m of all.filter((_, i) => i % 7 !== 0)) r.delete(m);
    const left = all.filter((_, i) => i % 7 === 0).map((m) => m.name);
    const out = Buffer.alloc(r.available(1000, undefined) * RECORD_LEN);
    r.take(1000, undefined, out, 0);
    expect(peerCount(out)).toBe(left.length);
    expect(recordsOf(out).map(nameOf).sort()).toEqual([...left].sort());
  });
  it('a member whose record changed is handed out with the new one once updated', () => {
    const r = new Rotation<Member>();
    const [a, b] = members('a', 'b');
    r.add(a!);
    r.add(b!);
    a!.record = Buffer.alloc(RECORD_LEN);
    a!.record.write('a2', 'latin1');
    r.update(a!);
    expect(take(r, 2).sort()).toEqual(['a2', 'b']);
  });
  it('a member moves between two rotations by its own position, and each knows whether it holds it', () => {
    const seeders = new Rotation<Member>();
    const leechers = new Rotation<Member>();
    const [a, b, c] = members('a', 'b', 'c');
    for (const m of [a!, b!, c!]) leechers.add(m);
    leechers.delete(a!);
    seeders.add(a!);
    expect(seeders.has(a!)).toBe(true);
    expect(leechers.has(a!)).toBe(false);
    expect(leechers.has(c!)).toBe(true);
    seeders.add(a!);
    expect(seeders.size).toBe(1);
    expect(take(leechers, 10).sort()).toEqual(['b', 'c']);
    expect(take(seeders, 10)).toEqual(['a']);
  });
});
