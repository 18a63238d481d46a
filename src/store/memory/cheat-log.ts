import type { CheatEvent } from '../records.js';

/**
 * The newest `capacity` cheat events in a ring: adding one is O(1) whatever the log holds (an
 * array's shift() moved every event, on every event, once the log was full: a flood of cheaters
 * made every honest announce wait for it).
 */
export class CheatLog {
  private readonly ring: CheatEvent[] = [];
  /** Where the next event goes once the ring is full (the oldest one). */
  private next = 0;

  constructor(private readonly capacity: number) {}

  add(event: CheatEvent): void {
    if (this.ring.length < this.capacity) this.ring.push(event);
    else {
      this.ring[this.next] = event;
      this.next = (this.next + 1) % this.capacity;
    }
  }

  /** Up to `limit` events that `keep` accepts, newest first. */
  newest(limit: number, keep: (e: CheatEvent) => boolean): CheatEvent[] {
    const out: CheatEvent[] = [];
    const n = this.ring.length;
    // The newest is just before `next` (or at the end while the ring fills).
    for (let k = 1; k <= n && out.length < limit; k++) {
      const e = this.ring[(this.next - k + n) % n]!;
      if (keep(e)) out.push({ ...e });
    }
    return out;
  }
}
