/**
 * A set of keys handed out in turn: each `take` continues where the last one stopped, so with no
 * churn every member is shown once every ceil(size / n) takes. Add and delete are O(1); delete
 * moves the last member into the hole, which can shift one member by a turn but never drops it.
 */
export class Rotation {
  private readonly items: string[] = [];
  private readonly index = new Map<string, number>();
  private cursor = 0;

  get size(): number {
    return this.items.length;
  }

  has(key: string): boolean {
    return this.index.has(key);
  }

  add(key: string): void {
    if (this.index.has(key)) return;
    this.index.set(key, this.items.length);
    this.items.push(key);
  }

  delete(key: string): void {
    const at = this.index.get(key);
    if (at === undefined) return;
    const last = this.items.pop()!;
    this.index.delete(key);
    if (at < this.items.length) {
      this.items[at] = last;
      this.index.set(last, at);
    }
  }

  /** Up to `n` members from the cursor on, skipping `skip`; the cursor moves past what was looked at. */
  take(n: number, skip: string, out: string[]): void {
    const size = this.items.length;
    if (n <= 0 || size === 0) return;
    let looked = 0;
    let taken = 0;
    let at = this.cursor % size;
    while (looked < size && taken < n) {
      const key = this.items[at]!;
      if (key !== skip) {
        out.push(key);
        taken++;
      }
      looked++;
      at = at + 1 === size ? 0 : at + 1;
    }
    this.cursor = at;
  }
}
