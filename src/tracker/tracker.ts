import type { AccountingConfig, CreditEvent, TrackerConfig } from '../config/schema.js';
import type { User } from '../store/records.js';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { NO_PEERS, StorageUnavailableError, type PeerLimitKind, type PeerLimits, type ScrapeEntry, type Store } from '../store/store.js';
import { FigureRangeError } from '../store/figure-range-error.js';
import { MAX_FIGURE, type Rules } from '../accounting/settle.js';
import { creditRule } from '../accounting/credit-rule.js';
import { nearestFirst } from '../geo/order.js';
import type { GeoLocator } from '../geo/locator.js';
import { AnnounceActivity } from './announce-activity.js';
import { readAnnounceParams } from './announce-params.js';
import { announceReply, type ReplyOptions } from './announce-reply.js';
import { failureReply } from './bencode-writer.js';
import { clientAddress, peerAddress, proxyList, type AddressRules } from './client-address.js';
import { TrackerFailure, type FailureKind, malformed } from './failure.js';
import { compactEndpoint, type Address } from '../net/ip-address.js';
import { bytes20 } from './params.js';
import { parseQuery } from './query.js';
import { scrapeReply } from './scrape-reply.js';
import { userAgentRefusal } from './client-policy.js';

/**
 * Hashes of a scrape worked in one event-loop turn. Scrapes of this size or less, nearly all of
 * them, never wait for a turn; the largest (10,000 hashes) takes 40 (docs/protocol.md).
 */
export const SCRAPE_SLICE = 250;

/** Unix seconds; the tracker's may have a fraction (its milliseconds are the upload budget's clock). */
export type Clock = () => number;
export const systemClock: Clock = () => Math.floor(Date.now() / 1000);
/** Unix seconds with the milliseconds as a fraction: the tracker's default clock. */
export const preciseClock: Clock = () => Date.now() / 1000;

/** What the tracker needs to know of a request, whatever server received it. */
export interface TrackerRequest {
  /** The raw request target: path and query, undecoded. */
  url: string;
  socketAddress: string | undefined;
  /** The socket's address already parsed (the announce listener parses it once per connection). */
  address?: Address | undefined;
  headers: Record<string, string | string[] | undefined>;
}

export interface TrackerLogger {
  error(obj: object, msg?: string): void;
}

export type RequestKind = 'announce' | 'scrape';

/** Where the tracker reports how long its work took, in seconds (the daemon's metrics, src/metrics). */
export interface TrackerTimings {
  /** A whole announce or scrape, from the call to its reply, failures included. */
  request(kind: RequestKind, seconds: number): void;
  /** The store call of an announce or scrape, when it answered. */
  storage(kind: RequestKind, seconds: number): void;
}

const NO_TIMINGS: TrackerTimings = { request() {}, storage() {} };

// performance.now() is a double: process.hrtime.bigint() allocated a BigInt per reading (two per announce).
const secondsSince = (t0: number): number => (performance.now() - t0) / 1000;

/** Counters the daemon reports; kept here because every request passes through. */
export interface TrackerCounters {
  announces: number;
  scrapes: number;
  failures: Partial<Record<FailureKind, number>>;
  /** Announces and scrapes answered, with a failure reason or without (counted as each reply is made). */
  ok: Record<RequestKind, number>;
  failed: Record<RequestKind, number>;
  /** Announces per registered torrent over the last minute (the API's busiest torrents). */
  activity: AnnounceActivity;
}

interface Settings {
  tracker: TrackerConfig;
  /** From tracker.*, made once per config rather than per announce. */
  limits: PeerLimits;
  /** The store's rules for an announce credited 1 × up and 1 × down (nearly all): made once per config, never changed. */
  plainRules: Rules;
  accounting: AccountingConfig;
  addressRules: AddressRules;
}

const UNKNOWN_STOP_WARNING = 'stopped: this peer was not active on the torrent';

/** The failure reason of a refused peer, naming the limit (its figure from the config). */
function peerLimitFailure(kind: PeerLimitKind, cfg: TrackerConfig, user: User): TrackerFailure {
  switch (kind) {
    case 'peers_per_user_torrent':
      return new TrackerFailure('peer_limit', `peer limit: at most ${cfg.max_peers_per_user_torrent} peers per user on one torrent (stop another client first)`);
    case 'peers_per_ip_torrent':
      return new TrackerFailure('peer_limit', `peer limit: at most ${cfg.max_peers_per_ip_torrent} peers per IP address on one torrent (stop another client first)`);
    case 'leech_slots':
      return new TrackerFailure('peer_limit', `leech slots: at most ${user.leechSlots} peers leeching at once (finish or stop another download first)`);
  }
}

/** What the store applies to one announce: its multipliers and the config's rules. */
function announceRules(multiUp: number, multiDown: number, cfg: TrackerConfig, accounting: AccountingConfig): Rules {
  return { multiUp, multiDown, bonusRate: accounting.bonus_rate, interval: cfg.interval, maxUploadRate: accounting.max_upload_rate, creditWithoutLeechers: accounting.credit_without_leechers };
}

/** A credited figure (counter × multiplier) that could not stay an exact integer: refused before the store. */
function checkFigure(param: 'uploaded' | 'downloaded', reported: number, multiplier: number): void {
  if (reported * multiplier > MAX_FIGURE) throw new TrackerFailure('figure_range', `${param} too large: the credited figure would exceed 2^53 - 1`);
}
const TOO_EARLY_WARNING = 'announced before min interval: counted, but no peers this time';

/**
 * The tracker's request handling: announce and scrape, from raw URL to bencoded reply. It never
 * throws: every failure becomes a `failure reason` reply. It reads users, torrents and the whitelist
 * from the store's in-process cache and writes one announce to the store per request.
 */
export class Tracker {
  private settings!: Settings;
  /** Set when geo ordering is on and its database could be read. */
  private geo: { locator: GeoLocator; sample: number } | undefined;
  readonly counters: TrackerCounters = { announces: 0, scrapes: 0, failures: {}, ok: { announce: 0, scrape: 0 }, failed: { announce: 0, scrape: 0 }, activity: new AnnounceActivity() };

  constructor(
    private readonly store: Store,
    config: { tracker: TrackerConfig; accounting: AccountingConfig },
    private readonly logger: TrackerLogger,
    private readonly clock: Clock = preciseClock,
    private readonly timings: TrackerTimings = NO_TIMINGS,
  ) {
    this.configure(config);
  }

  /** Applies a new config to the next requests (reload). */
  configure(config: { tracker: TrackerConfig; accounting: AccountingConfig }): void {
    const t = config.tracker;
    this.settings = {
      tracker: t,
      accounting: config.accounting,
      limits: { perUserTorrent: t.max_peers_per_user_torrent, perIpTorrent: t.max_peers_per_ip_torrent },
      plainRules: announceRules(1, 1, t, config.accounting),
      addressRules: { ipv4: t.ipv4, ipv6: t.ipv6, allowClientIp: t.allow_client_ip, trustedProxies: proxyList(t.trusted_proxies) },
    };
  }

  /** The config's timed events and the API's (the store's), merged again only when either list changed. */
  private creditEvents(): readonly CreditEvent[] {
    const stored = this.store.creditEvents();
    const m = this.mergedEvents;
    if (m.config !== this.settings.accounting.events || m.stored !== stored) {
      this.mergedEvents = { config: this.settings.accounting.events, stored, all: [...this.settings.accounting.events, ...stored] };
    }
    return this.mergedEvents.all;
  }
  private mergedEvents: { config: readonly CreditEvent[]; stored: readonly CreditEvent[]; all: readonly CreditEvent[] } = { config: [], stored: [], all: [] };

  /** The tracker settings the next requests follow (the listener reads its limits here). */
  get config(): TrackerConfig {
    return this.settings.tracker;
  }

  /** Turns nearest-first peer lists on (a locator) or off (undefined); `sample` bounds the peers ranked. */
  useGeo(locator: GeoLocator | undefined, sample: number): void {
    this.geo = locator && { locator, sample };
  }

  announce(passkey: string, req: TrackerRequest): Promise<Buffer> {
    this.counters.announces++;
    return this.answer('announce', performance.now(), this.doAnnounce(passkey, req));
  }

  scrape(passkey: string, req: TrackerRequest): Promise<Buffer> {
    this.counters.scrapes++;
    return this.answer('scrape', performance.now(), this.doScrape(passkey, req));
  }

  /** The reply of an announce or scrape under way (a failure reply when it failed), counted and timed. */
  private async answer(kind: RequestKind, t0: number, work: Promise<Buffer>): Promise<Buffer> {
    let body: Buffer;
    try {
      body = await work;
      this.counters.ok[kind]++;
    } catch (err) {
      this.counters.failed[kind]++;
      body = this.fail(err);
    }
    this.timings.request(kind, secondsSince(t0));
    return body;
  }

  /** A failure reply for a request that never reached announce or scrape (bad path, no passkey). */
  refuse(reason: string): Buffer {
    return this.fail(new TrackerFailure('malformed', reason));
  }

  private async doAnnounce(passkey: string, req: TrackerRequest): Promise<Buffer> {
    const { tracker: cfg, accounting, addressRules } = this.settings;
    const user = this.userOf(passkey);
    if (cfg.require_client_user_agent) {
      const refusal = userAgentRefusal(req.headers['user-agent']);
      if (refusal) throw new TrackerFailure('client_refused', refusal);
    }

    const p = readAnnounceParams(req.url);
    if (cfg.whitelist_enabled && !this.store.whitelistMatch(p.peerId)) {
      throw new TrackerFailure('not_whitelisted', 'client not whitelisted');
    }
    const banned = this.store.blacklistMatch(p.peerId);
    if (banned) throw new TrackerFailure('client_refused', `client banned: ${banned.reason}`);
    const client = clientAddress(req.address ?? req.socketAddress, req.headers, addressRules);
    const torrent = this.store.torrentByInfoHashBytes(p.infoHash);
    if (!torrent) {
      // Some clients retry a failed `stopped` forever: let it go quietly.
      if (p.event === 'stopped') return announceReply({ seeders: 0, leechers: 0, snatches: 0, peers: NO_PEERS, tooEarly: false, unknownPeer: true }, this.replyOptions(p, client, UNKNOWN_STOP_WARNING));
      throw new TrackerFailure('unregistered_torrent', 'unregistered torrent');
    }
    if (!torrent.enabled) throw new TrackerFailure('torrent_disabled', torrent.reason || 'torrent disabled');
    if (p.left > 0 && !user.canLeech && p.event !== 'stopped') throw new TrackerFailure('leech_denied', 'user may not leech');
    const addr = peerAddress(client, p, addressRules);
    const clock = this.clock();
    const now = Math.floor(clock);
    const nowMs = Math.floor(clock * 1000);
    // Freeleech, events, tokens and class bonuses resolve to two factors here; the store applies them.
    const credit = creditRule(user, torrent, accounting.freeleech, this.creditEvents(), now);
    // Every figure the store adds stays an integer below 2^53: checked before anything is written.
    checkFigure('uploaded', p.uploaded, credit.multiUp);
    checkFigure('downloaded', p.downloaded, credit.multiDown);
    this.counters.activity.record(torrent.infoHash, now);

    const numwant = Math.min(p.numwant ?? cfg.numwant_default, cfg.numwant_max);
    const geo = this.geo;
    // Nearest first: a bounded sample from the rotation, ranked by distance, cut to numwant.
    const here = geo && numwant > 0 ? geo.locator.locate(addr.text) : undefined;

    const s0 = performance.now();
    const result = await this.store.announce({
      user,
      torrent,
      peerId: p.peerId,
      endpoint: compactEndpoint(addr, p.port),
      uploaded: p.uploaded,
      downloaded: p.downloaded,
      left: p.left,
      event: p.event,
      numwant: here ? Math.max(numwant, geo!.sample) : numwant,
      now,
      nowMs,
      minInterval: cfg.enforce_min_interval ? cfg.min_interval : 0,
      rules: credit.multiUp === 1 && credit.multiDown === 1 ? this.settings.plainRules : announceRules(credit.multiUp, credit.multiDown, cfg, accounting),
      limits: this.settings.limits,
      creditRule: credit.label,
      // Node keeps one User-Agent header (a duplicate is dropped): a string or nothing.
      userAgent: req.headers['user-agent'] as string | undefined,
    });
    this.timings.storage('announce', secondsSince(s0));
    if (result.refused) throw peerLimitFailure(result.refused, cfg, user);
    if (here) result.peers = nearestFirst(result.peers, here, (ip) => geo!.locator.locate(ip), numwant);
    const warning = result.unknownPeer ? UNKNOWN_STOP_WARNING : result.tooEarly ? TOO_EARLY_WARNING : undefined;
    return announceReply(result, this.replyOptions(p, client, warning));
  }

  private replyOptions(p: { compact: boolean; noPeerId: boolean }, client: Address, warning: string | undefined): ReplyOptions {
    const t = this.settings.tracker;
    return { interval: t.interval, minInterval: t.min_interval, compact: p.compact, noPeerId: p.noPeerId, ipv4: t.ipv4, ipv6: t.ipv6, client, warning };
  }

  /** The enabled user holding `passkey`; strangers learn nothing more than that it is unknown. */
  private userOf(passkey: string): User {
    const user = this.store.userByPasskey(passkey);
    if (!user) throw new TrackerFailure('unknown_passkey', 'unknown passkey');
    if (!user.enabled) throw new TrackerFailure('user_disabled', 'account disabled');
    return user;
  }

  private async doScrape(passkey: string, req: TrackerRequest): Promise<Buffer> {
    this.userOf(passkey);
    const hashes = parseQuery(req.url).get('info_hash') ?? [];
    // A private tracker does not list its torrents to anyone who asks for everything.
    if (hashes.length === 0) throw malformed('info_hash', 'missing (full scrape is not offered)');
    const max = this.settings.tracker.scrape_max_hashes;
    if (hashes.length > max) throw malformed('info_hash', `at most ${max} per scrape`);
    // A large scrape is worked in slices, each its own event-loop turn: announces arriving
    // meanwhile are answered between two slices instead of after the whole scrape (docs/protocol.md).
    const seen = new Set<string>();
    const entries: ScrapeEntry[] = [];
    let storeTime = 0;
    for (let start = 0; start < hashes.length; start += SCRAPE_SLICE) {
      if (start > 0) await nextTurn();
      const slice: string[] = [];
      for (const h of hashes.slice(start, start + SCRAPE_SLICE)) {
        const hex = bytes20(h, 'info_hash').toString('hex');
        if (!seen.has(hex)) {
          seen.add(hex);
          slice.push(hex);
        }
      }
      const s0 = performance.now();
      for (const e of await this.store.scrape(slice)) entries.push(e);
      storeTime += secondsSince(s0);
    }
    this.timings.storage('scrape', storeTime);
    if (entries.length > SCRAPE_SLICE) await nextTurn();
    return scrapeReply(entries, SCRAPE_SLICE);
  }

  private fail(err: unknown): Buffer {
    let failure: TrackerFailure;
    if (err instanceof TrackerFailure) failure = err;
    else if (err instanceof StorageUnavailableError) failure = new TrackerFailure('storage_unavailable', err.message);
    else if (err instanceof FigureRangeError) failure = new TrackerFailure('figure_range', err.message);
    else {
      this.logger.error({ err }, 'tracker request failed unexpectedly');
      failure = new TrackerFailure('internal', 'internal tracker error');
    }
    this.counters.failures[failure.kind] = (this.counters.failures[failure.kind] ?? 0) + 1;
    return failureReply(failure.message);
  }
}
