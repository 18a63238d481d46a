/** A member of a Liveness list: its neighbours, kept on it (no entry object, no hash table). */
export interface Listed {
  older: this | undefined;
  newer: this | undefined;
}

/**
 * Members in order of their last touch, oldest first: a doubly linked list through the members
 * themselves. Moving a member to the back is four pointer writes, where a `Set`'s delete and
 * re-add hashed it twice, and a Set of 100,000 re-announcing peers rebuilt its whole table every
 * few tens of thousands of announces.
 */
export class Liveness<T extends Listed> {
  private head: T | undefined;
  private tail: T | undefined;
  private count = 0;

  get size(): number {
    return this.count;
  }

  private has(member: T): boolean {
    return member.older !== undefined || member.newer !== undefined || this.head === member;
  }

  /** Puts a member at the back: added if it was not listed, moved there if it was. */
  touch(member: T): void {
    if (this.tail === member) return;
    if (this.has(member)) this.unlink(member);
    member.older = this.tail;
    member.newer = undefined;
    if (this.tail === undefined) this.head = member;
    else this.tail.newer = member;
    this.tail = member;
    this.count++;
  }

  /** Takes a member off the list; one not listed changes nothing. */
  delete(member: T): void {
    if (this.has(member)) this.unlink(member);
  }

  /** The oldest first; the member being visited may be deleted meanwhile. */
  *oldestFirst(): IterableIterator<T> {
    for (let m = this.head; m !== undefined; ) {
      const next = m.newer;
      yield m;
      m = next;
    }
  }

  private unlink(member: T): void {
    const { older, newer } = member;
    if (older === undefined) this.head = newer;
    else older.newer = newer;
    if (newer === undefined) this.tail = older;
    else newer.older = older;
    member.older = undefined;
    member.newer = undefined;
    this.count--;
  }
}
