import calculateSlot from 'cluster-key-slot';

// Redis Cluster's hash slots (CRC16/XMODEM of the key, or of its `{tag}`, mod 16384), and a short
// tag for each slot: a key `<prefix>{<tag>}:x` lands in that slot, so a script that works on one
// swarm can also keep per-slot indexes (reap times, totals, unsynced ledgers) beside it.

export const SLOTS = 16384;

/** The slot of a hash-tag text (an info_hash, a slot tag), computed as ioredis routes it. */
export const hashSlot = (tag: string): number => calculateSlot(tag);

let tags: string[] | undefined;

/** A short text whose slot is `slot` (the first of "0", "1", … that hashes there). */
export function slotTag(slot: number): string {
  if (!tags) {
    const found = new Array<string>(SLOTS);
    let left = SLOTS;
    for (let i = 0; left > 0; i++) {
      const s = hashSlot(String(i));
      if (found[s] === undefined) {
        found[s] = String(i);
        left--;
      }
    }
    tags = found;
  }
  return tags[slot]!;
}
