/** A member of rotations: where it sits in the one it is in is kept on it (-1: in none). */
export interface Rotating {
  at: number;
}

/**
 * A set of members handed out in turn: each `take` continues where the last one stopped, so with no
 * churn every member is shown once every ceil(size / n) takes. Add and delete are O(1); delete
 * moves the last member into the hole, which can shift one member by a turn but never drops it.
 *
 * A member is in one rotation at a time (a peer seeds or leeches) and carries its own position, so
 * a rotation is one array of members: no index map to update per announce, and a take reads its
 * members from neighbouring slots instead of looking each one up by key in a map of the whole swarm
 * (in a swarm of 100,000 those look-ups miss the CPU's caches and made an announce cost half as
 * much again as in a swarm of 1,000).
 */
export class Rotation<T extends Rotating> {
  private readonly items: T[] = [];
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
    member.at = this.items.length;
    this.items.push(member);
  }

  delete(member: T): void {
    if (!this.has(member)) return;
    const last = this.items.pop()!;
    if (last !== member) {
      this.items[member.at] = last;
      last.at = member.at;
    }
    member.at = -1;
  }

  /** Up to `n` members from the cursor on, skipping `skip`; the cursor moves past what was looked at. */
  take(n: number, skip: T | undefined, out: T[]): void {
    const size = this.items.length;
    if (n <= 0 || size === 0) return;
    let looked = 0;
    let taken = 0;
    let at = this.cursor % size;
    while (looked < size && taken < n) {
      const member = this.items[at]!;
      if (member !== skip) {
        out.push(member);
        taken++;
      }
      looked++;
      at = at + 1 === size ? 0 : at + 1;
    }
    this.cursor = at;
  }
}
