import { describe, expect, it } from 'vitest';
import { Liveness, type Listed } from '../../src/store/memory/liveness.js';

interface Member extends Listed {
  name: string;
}

const member = (name: string): Member => ({ name, older: undefined, newer: undefined });
const names = (l: Liveness<Member>) => [...l.oldestFirst()].map((m) => m.name);

describe('Liveness', () => {
  it('lists members oldest first, and a touched member moves to the back', () => {
    const l = new Liveness<Member>();
    const [a, b, c] = [member('a'), member('b'), member('c')];
    for (const m of [a, b, c]) l.touch(m);
    expect(names(l)).toEqual(['a', 'b', 'c']);
    l.touch(a);
    expect(names(l)).toEqual(['b', 'c', 'a']);
    l.touch(a);
    l.touch(c);
    expect(names(l)).toEqual(['b', 'a', 'c']);
    expect(l.size).toBe(3);
  });

  it('deletes from the front, the middle and the back, and ignores a member not listed', () => {
    const l = new Liveness<Member>();
    const all = ['a', 'b', 'c', 'd', 'e'].map(member);
    for (const m of all) l.touch(m);
    l.delete(all[2]!);
    l.delete(all[0]!);
    l.delete(all[4]!);
    l.delete(member('never listed'));
    expect(names(l)).toEqual(['b', 'd']);
    expect(l.size).toBe(2);
    l.delete(all[1]!);
    l.delete(all[3]!);
    expect(names(l)).toEqual([]);
    l.touch(all[3]!);
    expect(names(l)).toEqual(['d']);
  });

  it('the member being visited may be deleted, as the reaper does', () => {
    const l = new Liveness<Member>();
    const all = ['a', 'b', 'c', 'd'].map(member);
    for (const m of all) l.touch(m);
    const seen: string[] = [];
    for (const m of l.oldestFirst()) {
      seen.push(m.name);
      if (m.name !== 'c') l.delete(m);
    }
    expect(seen).toEqual(['a', 'b', 'c', 'd']);
    expect(names(l)).toEqual(['c']);
  });
});
