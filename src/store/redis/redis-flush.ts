import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { CheatEvent } from '../records.js';
import { bySeq, type FlushBatch, type FlushTorrentRow, type FlushUserRow } from '../flush-batch.js';
import { execPipeline } from './exec-pipeline.js';
import { parseCheat } from './cheat-line.js';
import type { RedisKeys } from './keys.js';
import type { ScriptCommands } from './scripts.js';

/**
 * The Redis side of the SQL flush: picks dirty users and torrents, runs flush-prepare-var.lua on
 * them, and reads and acknowledges the pending batches. Errors are the caller's to map.
 */
export class RedisFlush {
  constructor(
    private readonly main: Redis & ScriptCommands,
    private readonly keys: RedisKeys,
    /** Cheat events go into the batches too (sql.flush.cheats.table). */
    private readonly cheats = false,
  ) {}

  async prepare(max: number): Promise<FlushBatch | undefined> {
    const f = this.keys.flush;
    const [users, infoHashes, scan] = (await execPipeline(
      this.main.pipeline().srandmember(f.dirtyUsers, max).srandmember(f.dirtyTorrents, max).hscan(f.goneTorrents, '0', 'COUNT', max),
    )) as [string[], string[], [string, string[]]];
    // HSCAN replies field, value, field, value…; it may return more than COUNT.
    const gone = scan[1].filter((_, i) => i % 2 === 0).slice(0, max);
    // The cheat events waiting are not counted first: the script takes what is there.
    if (users.length + infoHashes.length + gone.length === 0 && !this.cheats) return undefined;
    const keys = [f.ids, f.pending, f.dirtyUsers, f.dirtyTorrents, f.goneTorrents, f.cheats];
    for (const uid of users) keys.push(this.keys.user(Number(uid)));
    for (const ih of infoHashes) {
      const s = this.keys.swarm(ih);
      keys.push(s.torrent, s.seeders, s.leechers);
    }
    const reply = await this.main.flushPrepare(keys.length, ...keys, randomBytes(8).toString('hex'), users.length, infoHashes.length, this.cheats ? max : 0, ...users, ...infoHashes, ...gone);
    return reply ? decodeBatch(reply[0], reply[1]) : undefined;
  }

  async pending(): Promise<FlushBatch[]> {
    const all = await this.main.hgetall(this.keys.flush.pending);
    return Object.entries(all)
      .map(([id, rows]) => decodeBatch(id, rows))
      .sort(bySeq);
  }

  async ack(id: string): Promise<void> {
    await this.main.hdel(this.keys.flush.pending, id);
  }
}

/** A batch as flush-prepare-var.lua stores it: "u …", "t …" and "c …" lines under "<epoch>:<seq>". */
function decodeBatch(id: string, text: string): FlushBatch {
  const users: FlushUserRow[] = [];
  const torrents: FlushTorrentRow[] = [];
  const cheats: CheatEvent[] = [];
  for (const line of text.split('\n')) {
    if (line.startsWith('c ')) {
      cheats.push(parseCheat(line.slice(2)));
      continue;
    }
    const [kind, ...f] = line.split(' ').map((v, i) => (i === 0 ? v : Number(v))) as [string, ...number[]];
    if (kind === 'u') {
      const [userId, uploadedRaw, downloadedRaw, uploaded, downloaded, bonusMillionths, snatches] = f as [number, number, number, number, number, number, number];
      users.push({ userId, uploadedRaw, downloadedRaw, uploaded, downloaded, bonusMillionths, snatches });
    } else if (kind === 't') {
      const [torrentId, seeders, leechers, snatches] = f as [number, number, number, number];
      torrents.push({ torrentId, seeders, leechers, snatches });
    }
  }
  return { id, seq: Number(id.slice(id.lastIndexOf(':') + 1)), users, torrents, cheats };
}
