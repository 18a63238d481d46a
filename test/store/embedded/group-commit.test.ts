import type { RootDatabase } from 'lmdb';
import { describe, expect, it } from 'vitest';
import { forEachLogged, isLogKey, LOG_PREFIX } from '../../../src/store/embedded/commit-log.js';
import { GroupCommit } from '../../../src/store/embedded/group-commit.js';
import { StorageUnavailableError } from '../../../src/store/store.js';

// GroupCommit against a stand-in for lmdb-js (a unit test): a Map as the file, the writes of one
// event turn as one transaction, applied whole or, when told to fail, not at all. The file is then
// read as mika reads it at open (the records, then the commit log in order) and must equal what
// the operations left, whatever was folded when.

class FakeFile {
  readonly file = new Map<string, unknown>();
  private txn: Array<() => void> | undefined;
  private txnDone: Promise<boolean> | undefined;
  /** The next transaction fails (disk full, say). */
  failNext = false;
  /** put() of this key throws at the call, as lmdb-js does for a value it cannot encode; the writes queued before it stay queued. */
  throwOn: string | undefined;
  flushed: Promise<boolean> = Promise.resolve(true);

  put(key: string, value: unknown): Promise<boolean> {
    if (key === this.throwOn) {
      this.throwOn = undefined;
      throw new Error('cannot encode');
    }
    // lmdb-js encodes the value at the call: a copy, not the live object.
    const copy = structuredClone(value);
    return this.write(() => this.file.set(key, copy));
  }
  remove(key: string): Promise<boolean> {
    return this.write(() => this.file.delete(key));
  }
  private write(op: () => void): Promise<boolean> {
    if (!this.txn) {
      const ops: Array<() => void> = [];
      this.txn = ops;
      const fail = this.failNext;
      this.failNext = false;
      this.txnDone = new Promise((resolve, reject) =>
        setImmediate(() => {
          this.txn = undefined;
          if (fail) return reject(new Error('MDB_MAP_FULL'));
          for (const o of ops) o();
          resolve(true);
        }),
      );
      this.flushed = this.txnDone.catch(() => true);
    }
    this.txn.push(op);
    return this.txnDone!;
  }
  /** What open() reads: the records, then the log in order. */
  read(): Map<string, unknown> {
    const records = new Map([...this.file].filter(([k]) => !isLogKey(k)));
    const logs = [...this.file].filter(([k]) => isLogKey(k)).sort(([a], [b]) => (a < b ? -1 : 1));
    for (const [, value] of logs) forEachLogged(value, (k, v) => (v === undefined ? records.delete(k) : records.set(k, v)));
    return records;
  }
  logCount(): number {
    return [...this.file.keys()].filter((k) => k.startsWith(LOG_PREFIX)).length;
  }
}

/**
 * A group commit on a stand-in file with a fold window of `windowMs`, and `op`: an operation that
 * changes records in memory, notes them and waits until they are durable.
 */
function rig(windowMs: number) {
  const db = new FakeFile();
  const commits = new GroupCommit(db as unknown as RootDatabase, windowMs);
  const live = new Map<string, { n: number } | undefined>();
  const op = (changes: Record<string, number | undefined>) => {
    for (const [key, n] of Object.entries(changes)) {
      const value = n === undefined ? undefined : { n };
      live.set(key, value);
      commits.note(key, value);
    }
    return commits.durable();
  };
  return { db, commits, live, op };
}

const expected = (live: Map<string, { n: number } | undefined>) => new Map([...live].filter(([, v]) => v !== undefined));
const turn = () => new Promise((r) => setImmediate(r));

describe('group commit folding the commit log batch by batch', () => {
  it('writes a record once its newest log record is folded, and removes the folded log records', async () => {
    const { db, commits, live, op } = rig(0);
    await op({ 'us/1': 1, 'ut/a': 1 });
    // Window 0: every batch folds its own log record at once.
    expect(db.logCount()).toBe(0);
    expect(db.file.get('us/1')).toEqual({ n: 1 });
    await op({ 'us/1': 2, 'ut/a': undefined });
    expect(db.file.has('ut/a')).toBe(false);
    expect(db.read()).toEqual(expected(live));
  });

  it('with a window, keeps recent log records and the file reads back as the operations left it at every step', async () => {
    const { db, commits, live, op } = rig(15);
    for (let i = 0; i < 60; i++) {
      // A hot record (every step), a cooling one (every fifth), ledgers coming and going.
      await Promise.all([op({ 'us/hot': i, [`ut/${i % 7}`]: i % 3 === 0 ? undefined : i }), op(i % 5 === 0 ? { 'ru/cool': i } : {})]);
      expect(db.read()).toEqual(expected(live));
      if (i % 10 === 0) await new Promise((r) => setTimeout(r, 20));
    }
    expect(commits.checkpoints).toBeGreaterThan(0);
    expect(db.logCount()).toBeGreaterThan(0);
    await commits.checkpoint();
    expect(db.logCount()).toBe(0);
    expect(db.file).toEqual(expected(live));
  });

  it('a batch that folds and is not written rejects its operations, and the next batch (a whole checkpoint) leaves the file right', async () => {
    const { db, commits, live, op } = rig(5);
    await op({ 'us/1': 1, 'us/2': 1, 'ut/a': 1 });
    await op({ 'us/1': 2 });
    await new Promise((r) => setTimeout(r, 10));
    // This batch logs ut/b and folds the two old log records (writing us/2, ut/a, us/1): it fails.
    db.failNext = true;
    await expect(op({ 'ut/b': 1 })).rejects.toBeInstanceOf(StorageUnavailableError);
    expect(db.read()).toEqual(new Map([['us/1', { n: 2 }], ['us/2', { n: 1 }], ['ut/a', { n: 1 }]]));
    await turn();
    await op({ 'us/3': 1 });
    expect(db.read()).toEqual(expected(live));
    expect(db.logCount()).toBe(0);
  });

  it('a write refused at the call in the middle of a fold rejects the batch, and the next batch (a whole checkpoint) leaves the file right', async () => {
    const { db, commits, live, op } = rig(5);
    await op({ 'us/1': 1, 'us/2': 1, 'us/3': 1 });
    await new Promise((r) => setTimeout(r, 10));
    // The fold writes us/1, then us/2 throws: us/1's write and the new log record still commit.
    db.throwOn = 'us/2';
    await expect(op({ 'ut/b': 1 })).rejects.toBeInstanceOf(StorageUnavailableError);
    await turn();
    await op({ 'us/4': 1 });
    expect(db.read()).toEqual(expected(live));
    expect(db.logCount()).toBe(0);
  });
});
