import { Agent, request } from 'node:http';
import { performance } from 'node:perf_hooks';
import bencode from 'bencode';
import type { Torrent, User } from '../../src/store/records.js';
import type { Store } from '../../src/store/store.js';
import { eventually } from './eventually.js';
import { seedRegistry } from './seed-registry.js';
import { announceQuery, id20, text, type Reply } from './tracker-harness.js';

// Simulated clients for the fault tests: several peers (distinct users, torrents and peer_ids), each
// on its own keep-alive connection, announcing with cumulative counters that only grow. Every
// exchange is logged with when its request was on the wire and how it ended, so a test can say
// what the tracker owed whom. Bounded in count and in time, whatever the tracker does.

/** How one announce ended: a success reply, a bencoded failure reason, or no complete HTTP 200 reply. */
export type Outcome = 'success' | 'failure' | 'error';

export interface Exchange {
  peer: number;
  /** The cumulative counters it reported. */
  uploaded: number;
  downloaded: number;
  /** performance.now() when the client began the request. */
  startedAt: number;
  /**
   * performance.now() when node reported the whole request handed to the kernel (a little later
   * than it was: a bound, not the moment); undefined if it never was.
   */
  sentAt: number | undefined;
  endedAt: number;
  outcome: Outcome;
  /** The failure reason, or the transport error (reset, refused, timeout, HTTP status). */
  detail?: string;
}

export interface LoadPeer {
  readonly index: number;
  readonly user: User;
  readonly torrent: Torrent;
  readonly peerId: Buffer;
  /** Bytes left: a seeder's 0 or a leecher's constant. */
  readonly left: number;
  /** Cumulative counters of its latest announce. */
  uploaded: number;
  downloaded: number;
  /** Counters of its latest announce that got a success reply: the client's ledger. */
  acked: { uploaded: number; downloaded: number };
  successes: number;
}

export interface LoadSite {
  users: User[];
  torrents: Torrent[];
  peers: LoadPeer[];
  /** Registers the users, torrents and the whitelisted client. */
  seed(store: Store): Promise<void>;
}

/**
 * `peers` peers spread over `users` users and `torrents` torrents (multipliers 1 and 2 up, 1 and 0
 * down, so credited figures are exact integers), every other one a seeder.
 */
export function loadSite(counts: { users: number; torrents: number; peers: number }): LoadSite {
  const users: User[] = Array.from({ length: counts.users }, (_, i) => ({ id: 500 + i, passkey: `load${String(i).padStart(4, '0')}`.padEnd(32, 'k'), name: `load${i}`, canLeech: true, enabled: true, leechSlots: 0 }));
  const torrents: Torrent[] = Array.from({ length: counts.torrents }, (_, i) => ({
    id: 700 + i,
    infoHash: id20(`load-torrent-${i}`).toString('hex'),
    name: `load${i}`,
    multiUp: i % 2 === 0 ? 1 : 2,
    multiDown: i % 3 === 2 ? 0 : 1,
    enabled: true,
    reason: '',
  }));
  const peers: LoadPeer[] = Array.from({ length: counts.peers }, (_, i) => ({
    index: i,
    user: users[i % users.length]!,
    // Each round over the users moves one torrent on, so that no two peers share a (user, torrent).
    torrent: torrents[(i + Math.floor(i / users.length)) % torrents.length]!,
    peerId: id20(`-qB4630-load${i}`),
    left: i % 2 === 0 ? 0 : 1_000_000_000,
    uploaded: 0,
    downloaded: 0,
    acked: { uploaded: 0, downloaded: 0 },
    successes: 0,
  }));
  // One peer per (user, torrent): a ledger per (user, torrent) is then one peer's (peerStandings).
  if (new Set(peers.map((p) => `${p.user.id}:${p.torrent.id}`)).size !== peers.length) throw new Error('loadSite: two peers share a user and a torrent');
  return {
    users,
    torrents,
    peers,
    seed: (store) => seedRegistry(store, users, torrents),
  };
}

export interface LoadOptions {
  /** Most announces per peer, and the time after which every peer stops on its own. */
  maxPerPeer?: number;
  maxMs?: number;
  /** A reply slower than this is an error (a hang, for the test). */
  replyTimeoutMs?: number;
  /** Pause after a success, and after anything else (a client backs off when its tracker fails). */
  pauseMs?: number;
  failurePauseMs?: number;
  /** false: a new connection per announce, as many clients do (default true: one keep-alive connection per peer). */
  keepAlive?: boolean;
}

export interface AnnounceLoad {
  readonly peers: LoadPeer[];
  readonly exchanges: Exchange[];
  /** Every peer's `started` with zero counters, each until it succeeds: the baselines of the ledger are 0. */
  begin(): Promise<void>;
  /** Starts every peer's announce loop (after begin()). */
  run(): void;
  /** Resolves when every peer has had `n` more successes than now; throws after `ms`. */
  successesEach(n: number, ms?: number): Promise<void>;
  /** Ends the loops and waits for their last announces. */
  stop(): Promise<void>;
  /**
   * What a client does after a fault: every peer whose latest announce got no success sends it
   * again, same counters, until it succeeds (applied already, it adds nothing; lost, it adds its delta).
   */
  resend(ms?: number): Promise<void>;
  /** Closes the keep-alive connections. */
  close(): void;
  /** Announces sent or being sent that have no outcome yet. */
  inFlight(): number;
}

/** The load on the tracker at 127.0.0.1:`port`. */
export function announceLoad(port: number, peers: LoadPeer[], opts: LoadOptions = {}): AnnounceLoad {
  const { maxPerPeer = 2000, maxMs = 40_000, replyTimeoutMs = 10_000, pauseMs = 5, failurePauseMs = 50, keepAlive = true } = opts;
  const agents = peers.map(() => new Agent({ keepAlive, maxSockets: 1 }));
  const exchanges: Exchange[] = [];
  let open = 0;
  let stopped = false;
  let loops: Promise<void>[] = [];

  const announce = (p: LoadPeer, event?: string): Promise<Exchange> =>
    new Promise((resolve) => {
      const query = announceQuery({ infoHash: Buffer.from(p.torrent.infoHash, 'hex'), peerId: p.peerId, port: 10_000 + p.index, uploaded: p.uploaded, downloaded: p.downloaded, left: p.left, event, numwant: 5 });
      const x: Exchange = { peer: p.index, uploaded: p.uploaded, downloaded: p.downloaded, startedAt: performance.now(), sentAt: undefined, endedAt: 0, outcome: 'error' };
      let settled = false;
      open++;
      const end = (outcome: Outcome, detail?: string) => {
        if (settled) return;
        settled = true;
        open--;
        Object.assign(x, { endedAt: performance.now(), outcome, detail });
        if (outcome === 'success') {
          p.acked = { uploaded: x.uploaded, downloaded: x.downloaded };
          p.successes++;
        }
        exchanges.push(x);
        resolve(x);
      };
      const req = request({ host: '127.0.0.1', port, path: `/${p.user.passkey}/announce?${query}`, agent: agents[p.index] }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (d: Buffer) => chunks.push(d));
        res.on('error', (err) => end('error', err.message));
        res.on('close', () => end('error', 'reply cut short'));
        res.on('end', () => {
          if (res.statusCode !== 200) return end('error', `HTTP ${res.statusCode}`);
          let reply: Reply;
          try {
            reply = bencode.decode(Buffer.concat(chunks)) as Reply;
          } catch {
            return end('error', 'body is not bencoded');
          }
          const reason = reply['failure reason'];
          end(reason === undefined ? 'success' : 'failure', reason === undefined ? undefined : text(reason));
        });
      });
      req.setTimeout(replyTimeoutMs, () => req.destroy(new Error('no reply in time')));
      req.on('finish', () => (x.sentAt = performance.now()));
      req.on('error', (err) => end('error', err.message));
      req.end();
    });

  const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

  async function loop(p: LoadPeer, deadline: number): Promise<void> {
    for (let i = 1; i <= maxPerPeer && !stopped && performance.now() < deadline; i++) {
      // Growth differs per peer and per step, so a delta counted twice or lost shows in the sums.
      p.uploaded += 1000 + ((i * 7919 + p.index * 104_729) % 9000);
      if (p.left > 0) p.downloaded += 500 + ((i * 3571 + p.index * 13) % 4000);
      const x = await announce(p);
      await pause(x.outcome === 'success' ? pauseMs : failurePauseMs);
    }
  }

  /** Announces `p`'s current counters until one succeeds. */
  async function untilSuccess(p: LoadPeer, deadline: number, event?: string): Promise<void> {
    for (;;) {
      const x = await announce(p, event);
      if (x.outcome === 'success') return;
      if (performance.now() > deadline) throw new Error(`peer ${p.index} got no success in time: ${x.outcome} ${x.detail ?? ''}`);
      await pause(failurePauseMs);
    }
  }

  return {
    peers,
    exchanges,
    async begin() {
      const deadline = performance.now() + 15_000;
      await Promise.all(peers.map((p) => untilSuccess(p, deadline, 'started')));
    },
    run() {
      stopped = false;
      const deadline = performance.now() + maxMs;
      loops = peers.map((p) => loop(p, deadline));
    },
    async successesEach(n, ms = 20_000) {
      const target = peers.map((p) => p.successes + n);
      await eventually(() => peers.every((p, i) => p.successes >= target[i]!), ms);
    },
    async stop() {
      stopped = true;
      await Promise.all(loops);
    },
    async resend(ms = 20_000) {
      const deadline = performance.now() + ms;
      const behind = peers.filter((p) => p.acked.uploaded !== p.uploaded || p.acked.downloaded !== p.downloaded);
      await Promise.all(behind.map((p) => untilSuccess(p, deadline)));
    },
    close() {
      for (const a of agents) a.destroy();
    },
    inFlight: () => open,
  };
}
