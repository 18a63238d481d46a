import type { Rules } from '../../../src/accounting/settle.js';
import type { Torrent, User } from '../../../src/store/records.js';
import { RedisStore } from '../../../src/store/redis/redis-store.js';
import type { AnnounceInput } from '../../../src/store/store.js';

export const rules: Rules = { multiUp: 1, multiDown: 1, bonusRate: 1, interval: 300, maxUploadRate: 0, creditWithoutLeechers: true };

export const user = (id: number): User => ({ id, passkey: `${String(id).padStart(4, '0')}${'k'.repeat(28)}`, name: `u${id}`, canLeech: true, enabled: true });
export const torrent = (id: number, over: Partial<Torrent> = {}): Torrent => ({
  id,
  infoHash: id.toString(16).padStart(40, '0'),
  name: `t${id}`,
  multiUp: 1,
  multiDown: 1,
  enabled: true,
  reason: '',
  ...over,
});

/** A 20-byte peer_id: the label's bytes, padded with '.'. */
export { id20 as pid } from '../../helpers/tracker-harness.js';

/** An IPv4 endpoint 10.0.<a>.<b>:6881. */
export const v4 = (n: number): Buffer => Buffer.from([10, 0, (n >> 8) & 0xff, n & 0xff, 0x1a, 0xe1]);

export const input = (u: User, t: Torrent, peerId: Buffer, o: Partial<AnnounceInput> = {}): AnnounceInput => ({
  user: u,
  torrent: t,
  peerId,
  endpoint: v4(1),
  uploaded: 0,
  downloaded: 0,
  left: 0,
  event: '',
  numwant: 50,
  now: 1_000_000,
  // The same instant as `now` unless given.
  nowMs: (o.now ?? 1_000_000) * 1000,
  minInterval: 0,
  rules,
  limits: { perUserTorrent: 0 },
  ...o,
});

export const redisStore = (url: string, keyPrefix = 'mika:', commandTimeoutMs?: number, flush = false): RedisStore =>
  new RedisStore({ url, keyPrefix, commandTimeoutMs, flush, logger: { info() {}, warn() {} } });

export { eventually } from '../../helpers/eventually.js';
