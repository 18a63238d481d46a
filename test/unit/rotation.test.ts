import { describe, expect, it } from 'vitest';
import { Rotation } from '../../src/store/memory/rotation.js';

const take = (r: Rotation, n: number, skip = '') => {
  const out: string[] = [];
  r.take(n, skip, out);
  return out;
};

describe('Rotation', () => {
  it('hands members out in turn and wraps around', () => {
    const r = new Rotation();
    for (const k of ['a', 'b', 'c', 'd', 'e']) r.add(k);
    expect(take(r, 2)).toEqual(['a', 'b']);
    expect(take(r, 2)).toEqual(['c', 'd']);
    expect(take(r, 2)).toEqual(['e', 'a']);
  });
  it('skips the given member without returning it', () => {
    const r = new Rotation();
    for (const k of ['a', 'b', 'c']) r.add(k);
    expect(take(r, 5, 'b')).toEqual(['a', 'c']);
  });
  it('keeps every member after deletions', () => {
    const r = new Rotation();
    for (const k of ['a', 'b', 'c', 'd']) r.add(k);
    r.delete('b');
    r.delete('zz');
    expect(r.size).toBe(3);
    expect(take(r, 10).sort()).toEqual(['a', 'c', 'd']);
  });
});
