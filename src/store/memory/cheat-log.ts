import type { CheatEvent } from '../records.js';

/** A cheat event as the log keeps it: the peer_id as its raw bytes in latin1 text, made hex only when read. */
export type LoggedCheat = Omit<CheatEvent, 'peerId'> & { peerIdLatin1: string };

/**
 * The newest `capacity` cheat events in a ring: adding one is O(1) whatever the log holds (an
 * array's shift() moved every event, on every event, once the log was full: a flood of cheaters
 * made every honest announce wait for it). The announce path does no hex encoding: reads do.
 */
export class CheatLog {
  private readonly ring: LoggedCheat[] = [];
  /** Where the next event goes once the ring is full (the oldest one). */
  private next = 0;

  constructor(private readonly capacity: number) {}

  add(event: LoggedCheat): void {
    if (this.ring.length < this.capacity) this.ring.push(event);
    else {
      this.ring[this.next] = event;
      this.next = (this.next + 1) % this.capacity;
    }
  }

  /** Up to `limit` events that `keep` accepts, newest first. */
  newest(limit: number, keep: (e: LoggedCheat) => boolean): CheatEvent[] {
    const out: CheatEvent[] = [];
    const n = this.ring.length;
    // The newest is just before `next` (or at the end while the ring fills).
    for (let k = 1; k <= n && out.length < limit; k++) {
      const logged = this.ring[(this.next - k + n) % n]!;
      if (!keep(logged)) continue;
      const { peerIdLatin1, ...e } = logged;
      out.push({ ...e, peerId: Buffer.from(peerIdLatin1, 'latin1').toString('hex') });
    }
    return out;
  }
}
