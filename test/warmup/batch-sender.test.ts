import { describe, expect, it } from 'vitest';
import { BatchSender } from '../../src/warmup/batch-sender.js';

const tick = () => new Promise((r) => setTimeout(r, 5));

describe('BatchSender', () => {
  it('keeps at most inFlight batches outstanding and holds the sender back meanwhile', async () => {
    let running = 0;
    let most = 0;
    const sent: number[][] = [];
    const s = new BatchSender<number>(2, async (batch) => {
      most = Math.max(most, ++running);
      await tick();
      sent.push(batch);
      running--;
    });
    for (let i = 0; i < 6; i++) await s.send([i]);
    await s.drain();
    expect(most).toBe(2);
    expect(sent.flat().sort()).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it('throws the first failure from the next send or from drain, and starts nothing after it', async () => {
    const started: number[] = [];
    const s = new BatchSender<number>(1, async ([n]) => {
      started.push(n!);
      await tick();
      if (n === 1) throw new Error('refused');
    });
    await s.send([1]);
    await expect(s.send([2])).rejects.toThrow('refused');
    await expect(s.drain()).rejects.toThrow('refused');
    expect(started).toEqual([1]);
  });
});
