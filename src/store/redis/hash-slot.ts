// Redis Cluster's hash slots (CRC16/XMODEM of the key, or of its `{tag}`, mod 16384), and a short
// tag for each slot: a key `<prefix>{<tag>}:x` lands in that slot, so a script that works on one
// swarm can also keep per-slot indexes (reap times, totals, unsynced ledgers) beside it.

export const SLOTS = 16384;

const TABLE = new Uint16Array(256);
for (let i = 0; i < 256; i++) {
  let c = i << 8;
  for (let k = 0; k < 8; k++) c = c & 0x8000 ? (c << 1) ^ 0x1021 : c << 1;
  TABLE[i] = c & 0xffff;
}

/** The slot of a hash-tag text (an info_hash, a slot tag): its CRC16 mod 16384. */
export function hashSlot(tag: string): number {
  let crc = 0;
  for (let i = 0; i < tag.length; i++) crc = ((crc << 8) & 0xffff) ^ TABLE[((crc >> 8) ^ tag.charCodeAt(i)) & 0xff]!;
  return crc % SLOTS;
}

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
