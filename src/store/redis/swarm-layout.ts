import type { Redis } from 'ioredis';
import type { StoreLogger } from '../create-store.js';
import type { RedisKeys } from './keys.js';
import type { ScriptCommands } from './scripts.js';

/**
 * The layout the scripts expect in `RedisKeys.layout`: rotations scored by slot, each beside a
 * string of its records (announce-19.lua). Absent: written before, by join sequence, no strings.
 */
export const SWARM_LAYOUT = '2';
/** Swarms listed, and migrated in one pipelined go, at a time. */
const MIGRATE_BATCH = 500;
/** Reap sets read at once (a cluster's 16,384). */
const REAP_KEYS_AT_ONCE = 1024;

/**
 * Brings a Redis written by an earlier version to the slot layout, once: every swarm with peers
 * (each is in a reap set, `reapKeys`) is rebuilt by migrate-swarm-6.lua, atomically per swarm, then
 * the layout key is set. Run before the store serves an announce. An open that fails half way
 * leaves the key unset, and the next open migrates again (the script is safe to repeat).
 */
export async function migrateSwarmLayout(redis: Redis & ScriptCommands, keys: RedisKeys, reapKeys: readonly string[], logger: StoreLogger | undefined): Promise<void> {
  if ((await redis.get(keys.layout)) === SWARM_LAYOUT) return;
  let swarms = 0;
  let peers = 0;
  const migrateReap = async (reap: string): Promise<void> => {
    for (let from = 0; ; from += MIGRATE_BATCH) {
      const infoHashes = await redis.zrange(reap, from, from + MIGRATE_BATCH - 1);
      // Migrating leaves each swarm in its reap set: asking by rank again finds the next ones.
      const placed = await Promise.all(
        infoHashes.map((ih) => {
          const s = keys.swarm(ih);
          return redis.migrateSwarm(s.peers, s.seeders, s.leechers, s.torrent, s.seederRecords, s.leecherRecords);
        }),
      );
      swarms += infoHashes.length;
      for (const n of placed) peers += n;
      if (infoHashes.length < MIGRATE_BATCH) return;
    }
  };
  // A cluster has a reap set per hash slot: a group of them at a time.
  for (let i = 0; i < reapKeys.length; i += REAP_KEYS_AT_ONCE) await Promise.all(reapKeys.slice(i, i + REAP_KEYS_AT_ONCE).map(migrateReap));
  await redis.set(keys.layout, SWARM_LAYOUT);
  if (swarms > 0) logger?.info({ swarms, peers }, 'swarms moved to the slot layout');
}
