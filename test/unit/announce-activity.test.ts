import { describe, expect, it } from 'vitest';
import { AnnounceActivity } from '../../src/tracker/announce-activity.js';

const T0 = 1_800_000_000; // a whole minute
const A = 'aa'.repeat(20);
const B = 'bb'.repeat(20);
const C = 'cc'.repeat(20);

function record(w: AnnounceActivity, hash: string, times: number, now: number): void {
  for (let i = 0; i < times; i++) w.record(hash, now);
}

describe('AnnounceActivity', () => {
  it('counts announces per torrent within the minute, busiest first, at most `limit`', () => {
    const w = new AnnounceActivity();
    record(w, A, 2, T0);
    record(w, B, 5, T0 + 10);
    record(w, C, 3, T0 + 20);
    expect(w.top(10, T0 + 30)).toEqual([
      { infoHash: B, announces: 5 },
      { infoHash: C, announces: 3 },
      { infoHash: A, announces: 2 },
    ]);
    expect(w.top(2, T0 + 30).map((t) => t.infoHash)).toEqual([B, C]);
  });

  it('weighs the previous minute by the part of it the last 60 seconds still cover', () => {
    const w = new AnnounceActivity();
    record(w, A, 60, T0 + 30);
    record(w, B, 10, T0 + 60);
    // At T0+75 the window [T0+15, T0+75] covers 3/4 of the previous minute: 60 × 3/4 = 45.
    expect(w.top(10, T0 + 75)).toEqual([
      { infoHash: A, announces: 45 },
      { infoHash: B, announces: 10 },
    ]);
  });

  it('reads a quiet tracker as of now: a minute later the old counts fade, two minutes later they are gone', () => {
    const w = new AnnounceActivity();
    record(w, A, 60, T0);
    expect(w.top(10, T0 + 90)).toEqual([{ infoHash: A, announces: 30 }]);
    expect(w.top(10, T0 + 120)).toEqual([]);
    record(w, B, 1, T0 + 180);
    expect(w.top(10, T0 + 181)).toEqual([{ infoHash: B, announces: 1 }]);
  });
});
