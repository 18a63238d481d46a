import { describe, expect, it } from 'vitest';
import { Rotation, type Rotating } from '../../src/store/memory/rotation.js';

interface Member extends Rotating {
  name: string;
}

const members = (...names: string[]): Member[] => names.map((name) => ({ name, at: -1 }));

const take = (r: Rotation<Member>, n: number, skip?: Member) => {
  const out: Member[] = [];
  r.take(n, skip, out);
  return out.map((m) => m.name);
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
    expect(take(r, 5, b)).toEqual(['a', 'c']);
  });
  it('keeps every member after deletions', () => {
    const r = new Rotation<Member>();
    const all = members('a', 'b', 'c', 'd');
    for (const m of all) r.add(m);
    r.delete(all[1]!);
    r.delete({ name: 'zz', at: -1 });
    expect(r.size).toBe(3);
    expect(take(r, 10).sort()).toEqual(['a', 'c', 'd']);
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
  });
});
