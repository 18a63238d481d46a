import { RECORD_LEN } from '../peer-record.js';

/** A member of rotations: where it sits in the one it is in (-1: in none), and its 44-byte peer record. */
export interface Rotating {
  at: number;
  record: Buffer;
}

const EMPTY = Buffer.alloc(0);
/**
 * Slots of a rotation's first records buffer; it doubles when full and halves when a quarter full,
 * never below this: a rotation of a small swarm that empties and fills again (a peer changing
 * sides) keeps its buffer instead of allocating one per announce.
 */
const FIRST_SLOTS = 4;

/**
 * A set of members handed out in turn: each `take` continues where the last one stopped, so with no
 * churn every member is shown once every ceil(size / n) takes. Add and delete are O(1); delete
 * moves the last member into the hole, which can shift one member by a turn but never drops it.
 *
 * A member is in one rotation at a time (a peer seeds or leeches) and carries its own position, so
 * a rotation is one array of members: no index map to update per announce. Beside it the rotation
 * keeps a copy of each member's record in the same slot order, end to end in one buffer, and a take
 * copies runs of those bytes: the peers of a reply are read from neighbouring memory instead of one
 * member object and one record Buffer each, scattered over the heap (in a swarm of 100,000 those
 * reads miss the CPU's caches, and made an announce cost nearly twice what it costs in a swarm of
 * 1,000; docs/performance.md).
 */
export class Rotation<T extends Rotating> {
  private readonly items: T[] = [];
  /** items[i].record at i × RECORD_LEN; its length is the capacity. */
  private records: Buffer = EMPTY;
  private cursor = 0;

  get size(): number {
    return this.items.length;
  }

  has(member: T): boolean {
    return member.at >= 0 && this.items[member.at] === member;
  }

  /** Adds a member that is in no rotation, or in this one (then nothing changes). */
  add(member: T): void {
    if (this.has(member)) return;
    const at = this.items.length;
    if ((at + 1) * RECORD_LEN > this.records.length) this.resize(Math.max(FIRST_SLOTS, at * 2));
    member.at = at;
    this.items.push(member);
    member.record.copy(this.records, at * RECORD_LEN, 0, RECORD_LEN);
  }

  /** The member's record changed (a new endpoint): the copy handed out follows it. */
  update(member: T): void {
    if (this.has(member)) member.record.copy(this.records, member.at * RECORD_LEN, 0, RECORD_LEN);
  }

  delete(member: T): void {
    if (!this.has(member)) return;
    const last = this.items.pop()!;
    const size = this.items.length;
    if (last !== member) {
      this.items[member.at] = last;
      last.at = member.at;
      this.records.copy(this.records, member.at * RECORD_LEN, size * RECORD_LEN, (size + 1) * RECORD_LEN);
    }
    member.at = -1;
    if (size * 4 <= this.records.length / RECORD_LEN && size >= FIRST_SLOTS) this.resize(size * 2);
  }

  /** How many records a take of `n`, skipping `skip`, hands out. */
  available(n: number, skip: T | undefined): number {
    return Math.max(0, Math.min(n, this.items.length - (skip !== undefined && this.has(skip) ? 1 : 0)));
  }

  /**
   * Copies the records of up to `n` members from the cursor on, skipping `skip`, into `out` from
   * byte `outAt`; the cursor moves past what was looked at. Returns where the next record goes.
   * `out` must have room for `available(n, skip)` records.
   */
  take(n: number, skip: T | undefined, out: Buffer, outAt: number): number {
    const size = this.items.length;
    const want = this.available(n, skip);
    if (want === 0) return outAt;
    const skipAt = skip !== undefined && this.has(skip) ? skip.at : -1;
    let at = this.cursor % size;
    let taken = 0;
    while (taken < want) {
      // A run of neighbouring slots: to the end of the array at most, cut short by the skipped member.
      let end = Math.min(size, at + (want - taken));
      const skipped = skipAt >= at && skipAt < end;
      if (skipped) end = skipAt;
      if (end > at) outAt += this.records.copy(out, outAt, at * RECORD_LEN, end * RECORD_LEN);
      taken += end - at;
      at = skipped ? end + 1 : end;
      if (at === size) at = 0;
    }
    this.cursor = at;
    return outAt;
  }

  private resize(slots: number): void {
    // Small ones are slices of Node's pool (no allocation of its own); large ones have their own memory.
    const records = Buffer.allocUnsafe(slots * RECORD_LEN);
    this.records.copy(records, 0, 0, this.items.length * RECORD_LEN);
    this.records = records;
  }
}
