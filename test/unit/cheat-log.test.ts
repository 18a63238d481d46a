import { describe, expect, it } from 'vitest';
import { CheatLog, type LoggedCheat } from '../../src/store/memory/cheat-log.js';

const event = (at: number, userId = 1): LoggedCheat => ({ kind: 'upload_rate', at, userId, torrentId: 1, peerIdLatin1: '\x00\xff-', rate: 0, reported: 0, allowed: 0 });
const all = () => true;

describe('CheatLog', () => {
  it('answers the newest first while it fills', () => {
    const log = new CheatLog(4);
    for (const at of [1, 2, 3]) log.add(event(at));
    expect(log.newest(10, all).map((e) => e.at)).toEqual([3, 2, 1]);
    expect(log.newest(1, all)[0]!.peerId).toBe('00ff2d');
  });
  it('keeps the newest `capacity` once full, newest first, and filters', () => {
    const log = new CheatLog(3);
    for (let at = 1; at <= 7; at++) log.add(event(at, at % 2));
    expect(log.newest(10, all).map((e) => e.at)).toEqual([7, 6, 5]);
    expect(log.newest(1, all).map((e) => e.at)).toEqual([7]);
    expect(log.newest(10, (e) => e.userId === 0).map((e) => e.at)).toEqual([6]);
  });
});
