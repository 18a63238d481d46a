import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RedisClusterStore } from '../../../src/store/redis/redis-cluster-store.js';
import { useRedisCluster } from '../../helpers/redis-cluster.js';
import { input, pid, torrent, user } from './fixtures.js';

// On a cluster an announce is two steps (announce-19.lua on the swarm's slot, then user-sync-4.lua
// on {users}). These tests lose the second step on purpose and check that the user's counters
// still end up right, and never counted twice.

/** A cluster store whose next `lose` user syncs are lost, as when the {users} node or mika dies between the steps. */
class LossyStore extends RedisClusterStore {
  lose = 0;
  /** The ledger figures of every sync asked for, lost or not. */
  readonly asked: Array<[string, number, string[]]> = [];
  protected override syncLedger(infoHash: string, userId: number, sync: string[]): Promise<void> {
    this.asked.push([infoHash, userId, sync]);
    if (this.lose > 0) {
      this.lose--;
      return Promise.reject(new Error('lost on purpose'));
    }
    return super.syncLedger(infoHash, userId, sync);
  }
  /** Sends a sync again, as a duplicate of one already applied. */
  resend(i: number): Promise<void> {
    const [ih, uid, sync] = this.asked[i]!;
    return super.syncLedger(ih, uid, sync);
  }
}

const cluster = useRedisCluster();
let store: LossyStore;
beforeEach(async () => {
  store = new LossyStore({ url: 'redis://', mode: 'cluster', nodes: cluster().seeds, keyPrefix: 'mika:' });
  await store.open();
  await store.putUser(alice);
  await store.putTorrents([t, t2]);
});
afterEach(async () => {
  await store.close();
});

const alice = user(1);
const t = torrent(10);
const t2 = torrent(11);
const MiB = 1_048_576;

describe('when the user step of a cluster announce is lost', () => {
  it('the announce still succeeds and the next sweep adds the transfer, once', async () => {
    await store.announce(input(alice, t, pid('a'), { uploaded: 0, now: 1_000 }));
    store.lose = 2;
    const r = await store.announce(input(alice, t, pid('a'), { uploaded: 3 * MiB, now: 1_010 }));
    expect(r.seeders).toBe(1);
    await store.announce(input(alice, t2, pid('b'), { uploaded: 0, now: 1_010 }));
    expect((await store.userStats(1)).uploaded).toBe(0);
    expect((await store.userStats(1)).announces).toBe(1);

    await store.reap(1_020, 3600);
    const after = await store.userStats(1);
    expect(after.uploaded).toBe(3 * MiB);
    expect(after.announces).toBe(3);
    expect((await store.userTorrents(1)).map((e) => e.torrentId).sort()).toEqual([10, 11]);

    // A second sweep, and every sync sent again, change nothing.
    await store.reap(1_030, 3600);
    for (let i = 0; i < store.asked.length; i++) await store.resend(i);
    expect(await store.userStats(1)).toEqual(after);
  });

  it('a later announce that does sync brings the lost one in with it', async () => {
    await store.announce(input(alice, t, pid('a'), { uploaded: 0, now: 1_000 }));
    store.lose = 1;
    await store.announce(input(alice, t, pid('a'), { uploaded: MiB, now: 1_010 }));
    await store.announce(input(alice, t, pid('a'), { uploaded: 5 * MiB, now: 1_020 }));
    expect((await store.userStats(1)).uploaded).toBe(5 * MiB);
    expect((await store.userStats(1)).announces).toBe(3);
    // The older sync, delivered late, is older than what the user has seen: no-op.
    await store.resend(1);
    expect((await store.userStats(1)).uploaded).toBe(5 * MiB);
  });
});
