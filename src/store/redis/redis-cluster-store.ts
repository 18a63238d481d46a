import type { CheatCounts, SwarmTotals, Torrent, UserTorrentEntry } from '../records.js';
import type { AnnounceInput, AnnounceResult, ScrapeEntry, TorrentIdConflict } from '../store.js';
import { mastersEmpty, mastersReady } from './connection.js';
import { hashSlot, SLOTS } from './hash-slot.js';
import { CHEAT_COUNT_FIELDS, CHEAT_LOG_MAX, LEDGER_FIELDS, ledgerOf, num, REAP_BATCH, RedisStore, SCRIPT_BATCH, toAnnounceResult, torrentRecords } from './redis-store.js';
import { torrentBatchHead, torrentFields, torrentMessage } from './registry-codec.js';
import { toStoreError } from './storage-error.js';

/** How long open() waits for a connection to every master. */
const CONNECT_MS = 5000;
/** Slots a sweep asks about at once: each node gets a few thousand commands in one write. */
const SLOT_GROUP = 1024;
/** Unsynced ledgers the sweeper takes from one slot per round. */
const SYNC_BATCH = 200;
const ALL_SLOTS = Array.from({ length: SLOTS }, (_, i) => i);
/** The ledger fields user-sync-4.lua takes, after `v`. */
const SYNC_FIELDS = ['v', 'up_raw', 'down_raw', 'up', 'down', 'announces', 'cheats', 'snatches', 'bonus'];

/**
 * The Redis store on a Redis Cluster (store.redis.mode "cluster"). Every command and script touches
 * keys of one hash slot: an announce runs announce-19.lua on its swarm's slot (the user's side
 * counted in the user-torrent ledger, with per-slot reap, totals and unsynced indexes), then
 * user-sync-4.lua on the `{users}` slot adds what the ledger gained to the user's counters, exactly
 * once (a version per ledger; docs/redis-keys.md, "Redis Cluster"). A sync that fails is done by
 * the sweep that runs with every reap. Batches that span slots go as single commands sent in one
 * tick, which ioredis groups per node (autopipelining); the SQL flush does not run here.
 */
export class RedisClusterStore extends RedisStore {
  override announce(input: AnnounceInput): Promise<AnnounceResult> {
    const ih = input.torrent.infoHash;
    const userId = input.user.id;
    const slot = this.keys.slot(hashSlot(ih));
    const ut = this.keys.userTorrent(ih, userId);
    // KEYS[7], [8], [10] and [11] are the ledger again (see the script's header).
    const sideKeys = [ut, ut, slot.reap, ut, ut, slot.totals, slot.unsynced, slot.dirtyTorrents];
    return this.main
      .announceBuffer(...this.announceArgs(input, sideKeys, ut, '1'))
      .then(async (reply) => {
        // Overtaken, refused or out of range (nothing written, no sync to send): toAnnounceResult
        // turns it into its failure or refusal.
        if ((reply[0] as number) < 0) return toAnnounceResult(reply);
        const sync = (reply.splice(5, 1)[0] as unknown as Array<number | Buffer>).map(String);
        // The swarm's side is done and the user's is safe in the ledger: a failed sync is logged and
        // left to the sweep, the announce still succeeds.
        await this.syncLedger(ih, userId, sync).catch((err: unknown) => this.logger?.warn({ err }, 'user sync failed; the next sweep retries it'));
        return toAnnounceResult(reply);
      }, this.fail);
  }

  /** Adds ledger version `sync[0]` to the user (user-sync-4.lua), then takes it off the unsynced set. */
  protected async syncLedger(infoHash: string, userId: number, sync: string[]): Promise<void> {
    const k = this.keys;
    await this.main.userSync(k.user(userId), k.userSeen(userId), k.userTorrents(userId), k.cheats, infoHash, ...sync, CHEAT_LOG_MAX);
    // Not awaited: a ledger left on the set costs the sweep one no-op sync.
    this.main.ledgerSynced(k.userTorrent(infoHash, userId), k.slot(hashSlot(infoHash)).unsynced, `${infoHash} ${userId}`, sync[0]!).catch(() => undefined);
  }

  protected override connected(): Promise<void> {
    return mastersReady(this.main, CONNECT_MS);
  }

  /** A reap set per hash slot; none on a cluster that holds no key yet (16,384 reads saved). */
  protected override async reapKeys(): Promise<string[]> {
    return (await mastersEmpty(this.main)) ? [] : ALL_SLOTS.map((slot) => this.keys.slot(slot).reap);
  }

  override async open(): Promise<void> {
    await super.open();
    // Once per start every slot (a ledger of a torrent deleted since is in none of the slots the
    // reaps sweep); failures are left to the next sweep.
    this.syncUnsynced(ALL_SLOTS).catch((err: unknown) => this.logger?.warn({ err }, 'user sync sweep failed'));
  }

  /**
   * Syncs every ledger still on the unsynced set of `slots` (its announce's own sync failed or never
   * ran): by default the slots of the registered torrents, where announces happen.
   */
  async syncUnsynced(slots = this.registeredSlots()): Promise<number> {
    let synced = 0;
    await this.eachSlot(slots, async (slot) => {
      const members = await this.main.srandmember(this.keys.slot(slot).unsynced, SYNC_BATCH);
      for (const member of members) {
        const [ih, uid] = member.split(' ');
        const v = await this.main.hmget(this.keys.userTorrent(ih!, Number(uid)), ...SYNC_FIELDS);
        // The announce's own points and cheat event are unknown here: the bonus goes in as the
        // difference of the ledger's sums.
        await this.syncLedger(ih!, Number(uid), [...v.map((x) => x ?? '0'), '', '']);
        synced++;
      }
    });
    return synced;
  }

  override async putTorrents(all: Torrent[]): Promise<TorrentIdConflict[]> {
    if (all.length === 0) return [];
    const k = this.keys;
    let torrents = all;
    const conflicts: TorrentIdConflict[] = [];
    try {
      // The registry's index (what a load scans) and the torrent id -> info_hash map userTorrentStats
      // reads live in the `{torrents}` slot, where one script claims the ids (refusing an id another
      // registered info_hash holds); the record goes beside the swarm with its slot's set and map,
      // one script per slot. The index goes first: a record is never unfindable.
      const refused = await this.main.claimTorrentIds(k.torrents, k.torrentIds, ...all.flatMap((t) => [t.infoHash, String(t.id)]));
      if (refused.length > 0) {
        const out = new Set<number>();
        for (let i = 0; i < refused.length; i += 2) {
          const t = all[Number(refused[i]) - 1]!;
          out.add(Number(refused[i]) - 1);
          conflicts.push({ infoHash: t.infoHash, torrentId: t.id, holder: String(refused[i + 1]) });
        }
        torrents = all.filter((_, i) => !out.has(i));
      }
      const bySlot = groupBy(torrents, (t) => hashSlot(t.infoHash));
      await Promise.all(
        [...bySlot].flatMap(([slot, group]) => {
          const sk = k.slot(slot);
          const calls: Promise<unknown>[] = [];
          for (let i = 0; i < group.length; i += SCRIPT_BATCH) {
            const part = group.slice(i, i + SCRIPT_BATCH);
            calls.push(this.main.putTorrents(2 + part.length, sk.torrents, sk.torrentIds, ...part.map((t) => k.torrent(t.infoHash)), k.events, torrentBatchHead(this.origin), torrentFields(part)));
          }
          return calls;
        }),
      );
    } catch (err) {
      this.lostPut(err, torrentRecords(torrents));
    }
    for (const t of torrents) this.cache.setTorrent({ ...t });
    return conflicts;
  }

  override async deleteTorrents(infoHashes: string[]): Promise<number> {
    if (infoHashes.length === 0) return 0;
    const k = this.keys;
    // The swarm and its slot's registration go in one script; the `{torrents}` index after them.
    const had = await Promise.all(
      infoHashes.map((ih) => {
        const s = k.swarm(ih);
        const sk = k.slot(hashSlot(ih));
        return this.main.deleteTorrent(s.torrent, s.peers, s.seeders, s.leechers, s.expiry, sk.torrents, sk.reap, sk.totals, sk.dirtyTorrents, sk.goneTorrents, s.owners, s.owners, s.seederRecords, s.leecherRecords, ih, k.events, torrentMessage(ih), '0', '0');
      }),
    ).catch(this.fail);
    await this.main.srem(k.torrents, ...infoHashes).catch(this.fail);
    for (const ih of infoHashes) this.cache.deleteTorrent(ih);
    return had.reduce((n: number, r) => n + num(r), 0);
  }

  override async scrape(infoHashes: string[]): Promise<ScrapeEntry[]> {
    const registered = infoHashes.filter((ih) => this.cache.torrentByInfoHash(ih) !== undefined);
    const figures = await Promise.all(
      registered.map((ih) => {
        const s = this.keys.swarm(ih);
        return Promise.all([this.main.zcard(s.seeders), this.main.zcard(s.leechers), this.main.hget(s.torrent, 'snatches')]);
      }),
    ).catch(this.fail);
    return registered.map((infoHash, i) => {
      const [complete, incomplete, downloaded] = figures[i]!;
      return { infoHash, complete, incomplete, downloaded: num(downloaded) };
    });
  }

  override async reap(now: number, ttl: number): Promise<number> {
    const cutoff = now - ttl;
    let reaped = 0;
    try {
      await this.syncUnsynced();
      // Swarms exist only for registered torrents: their slots are the ones to sweep.
      await this.eachSlot(this.registeredSlots(), async (slot) => {
        const sk = this.keys.slot(slot);
        const done = new Set<string>();
        for (;;) {
          const due = (await this.main.zrangebyscore(sk.reap, '-inf', `(${cutoff}`, 'LIMIT', 0, REAP_BATCH)).filter((ih) => !done.has(ih));
          if (due.length === 0) return;
          const dropped = await Promise.all(
            due.map((ih) => {
              done.add(ih);
              const s = this.keys.swarm(ih);
              return this.main.reapSwarm(s.peers, s.seeders, s.leechers, s.expiry, sk.reap, sk.totals, sk.dirtyTorrents, s.owners, s.owners, s.seederRecords, s.leecherRecords, ih, cutoff, '0', '0');
            }),
          );
          for (const n of dropped) reaped += num(n);
        }
      });
      return reaped;
    } catch (err) {
      throw toStoreError(err);
    }
  }

  override async totals(): Promise<SwarmTotals> {
    const out = { seeders: 0, leechers: 0 };
    await this.eachSlot(this.registeredSlots(), async (slot) => {
      const [seeders, leechers] = await this.main.hmget(this.keys.slot(slot).totals, 'seeders', 'leechers');
      out.seeders += num(seeders);
      out.leechers += num(leechers);
    }).catch(this.fail);
    return out;
  }

  override async cheatCounts(): Promise<CheatCounts> {
    const out: CheatCounts = { upload_rate: 0, no_leechers: 0 };
    await this.eachSlot(this.registeredSlots(), async (slot) => {
      const [rate, none] = await this.main.hmget(this.keys.slot(slot).totals, ...CHEAT_COUNT_FIELDS);
      out.upload_rate += num(rate);
      out.no_leechers += num(none);
    }).catch(this.fail);
    return out;
  }

  override async userTorrents(userId: number): Promise<UserTorrentEntry[]> {
    const infoHashes = (await this.main.smembers(this.keys.userTorrents(userId)).catch(this.fail)).sort();
    const rows = await Promise.all(infoHashes.map((ih) => this.main.hmget(this.keys.userTorrent(ih, userId), ...LEDGER_FIELDS))).catch(this.fail);
    const out: UserTorrentEntry[] = [];
    infoHashes.forEach((infoHash, i) => {
      const ledger = ledgerOf(rows[i]!);
      if (ledger) out.push({ infoHash, torrentId: ledger.torrentId ?? this.cache.torrentByInfoHash(infoHash)?.id ?? 0, stats: ledger.stats });
    });
    return out;
  }

  /** The slots that hold a registered torrent, ascending. */
  private registeredSlots(): number[] {
    return [...new Set(this.cache.infoHashes().map(hashSlot))].sort((a, b) => a - b);
  }

  /** Runs `each` on every slot, SLOT_GROUP slots at a time. */
  private async eachSlot(slots: number[], each: (slot: number) => Promise<void>): Promise<void> {
    for (let i = 0; i < slots.length; i += SLOT_GROUP) await Promise.all(slots.slice(i, i + SLOT_GROUP).map(each));
  }
}

function groupBy<T>(items: T[], key: (item: T) => number): Map<number, T[]> {
  const out = new Map<number, T[]>();
  for (const item of items) {
    const group = out.get(key(item));
    if (group) group.push(item);
    else out.set(key(item), [item]);
  }
  return out;
}
