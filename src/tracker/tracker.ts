import type { AccountingConfig, TrackerConfig } from '../config/schema.js';
import type { User } from '../store/records.js';
import { StorageUnavailableError, type Store } from '../store/store.js';
import { readAnnounceParams } from './announce-params.js';
import { announceReply, type ReplyOptions } from './announce-reply.js';
import { failureReply } from './bencode-writer.js';
import { clientAddress, peerAddress, proxyList, type AddressRules } from './client-address.js';
import { TrackerFailure, type FailureKind, malformed } from './failure.js';
import { compactEndpoint, type Address } from '../net/ip-address.js';
import { bytes20 } from './params.js';
import { parseQuery } from './query.js';
import { scrapeReply } from './scrape-reply.js';

export type Clock = () => number;
export const systemClock: Clock = () => Math.floor(Date.now() / 1000);

/** What the tracker needs to know of a request, whatever server received it. */
export interface TrackerRequest {
  /** The raw request target: path and query, undecoded. */
  url: string;
  socketAddress: string | undefined;
  headers: Record<string, string | string[] | undefined>;
}

export interface TrackerLogger {
  error(obj: object, msg?: string): void;
}

/** Counters the daemon reports; kept here because every request passes through. */
export interface TrackerCounters {
  announces: number;
  scrapes: number;
  failures: Partial<Record<FailureKind, number>>;
}

interface Settings {
  tracker: TrackerConfig;
  accounting: AccountingConfig;
  addressRules: AddressRules;
}

const UNKNOWN_STOP_WARNING = 'stopped: this peer was not active on the torrent';
const TOO_EARLY_WARNING = 'announced before min interval: counted, but no peers this time';

/**
 * The tracker's request handling: announce and scrape, from raw URL to bencoded reply. It never
 * throws: every failure becomes a `failure reason` reply. It reads users, torrents and the whitelist
 * from the store's in-process cache and writes one announce to the store per request.
 */
export class Tracker {
  private settings!: Settings;
  readonly counters: TrackerCounters = { announces: 0, scrapes: 0, failures: {} };

  constructor(
    private readonly store: Store,
    config: { tracker: TrackerConfig; accounting: AccountingConfig },
    private readonly logger: TrackerLogger,
    private readonly clock: Clock = systemClock,
  ) {
    this.configure(config);
  }

  /** Applies a new config to the next requests (reload). */
  configure(config: { tracker: TrackerConfig; accounting: AccountingConfig }): void {
    const t = config.tracker;
    this.settings = {
      tracker: t,
      accounting: config.accounting,
      addressRules: { ipv4: t.ipv4, ipv6: t.ipv6, allowClientIp: t.allow_client_ip, trustedProxies: proxyList(t.trusted_proxies) },
    };
  }

  async announce(passkey: string, req: TrackerRequest): Promise<Buffer> {
    this.counters.announces++;
    try {
      return await this.doAnnounce(passkey, req);
    } catch (err) {
      return this.fail(err);
    }
  }

  async scrape(passkey: string, req: TrackerRequest): Promise<Buffer> {
    this.counters.scrapes++;
    try {
      return await this.doScrape(passkey, req);
    } catch (err) {
      return this.fail(err);
    }
  }

  /** A failure reply for a request that never reached announce or scrape (bad path, no passkey). */
  refuse(reason: string): Buffer {
    return this.fail(new TrackerFailure('malformed', reason));
  }

  private async doAnnounce(passkey: string, req: TrackerRequest): Promise<Buffer> {
    const { tracker: cfg, accounting, addressRules } = this.settings;
    const user = this.userOf(passkey);

    const p = readAnnounceParams(parseQuery(req.url));
    if (cfg.whitelist_enabled && !this.store.whitelistMatch(p.peerId)) {
      throw new TrackerFailure('not_whitelisted', 'client not whitelisted');
    }
    const client = clientAddress(req.socketAddress, req.headers, addressRules);
    const torrent = this.store.torrentByInfoHash(p.infoHash.toString('hex'));
    if (!torrent) {
      // Some clients retry a failed `stopped` forever: let it go quietly.
      if (p.event === 'stopped') return announceReply({ seeders: 0, leechers: 0, snatches: 0, peers: [], tooEarly: false, unknownPeer: true }, this.replyOptions(p, client, UNKNOWN_STOP_WARNING));
      throw new TrackerFailure('unregistered_torrent', 'unregistered torrent');
    }
    if (!torrent.enabled) throw new TrackerFailure('torrent_disabled', torrent.reason || 'torrent disabled');
    if (p.left > 0 && !user.canLeech && p.event !== 'stopped') throw new TrackerFailure('leech_denied', 'user may not leech');
    const addr = peerAddress(client, p, addressRules);

    const result = await this.store.announce({
      user,
      torrent,
      peerId: p.peerId,
      endpoint: compactEndpoint(addr, p.port),
      uploaded: p.uploaded,
      downloaded: p.downloaded,
      left: p.left,
      event: p.event,
      numwant: Math.min(p.numwant ?? cfg.numwant_default, cfg.numwant_max),
      now: this.clock(),
      minInterval: cfg.enforce_min_interval ? cfg.min_interval : 0,
      rules: {
        multiUp: torrent.multiUp,
        multiDown: accounting.freeleech ? 0 : torrent.multiDown,
        bonusRate: accounting.bonus_rate,
        interval: cfg.interval,
        maxUploadRate: accounting.max_upload_rate,
      },
    });
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
    const hex = new Set<string>();
    for (const h of hashes) hex.add(bytes20(h, 'info_hash').toString('hex'));
    return scrapeReply(await this.store.scrape([...hex]));
  }

  private fail(err: unknown): Buffer {
    let failure: TrackerFailure;
    if (err instanceof TrackerFailure) failure = err;
    else if (err instanceof StorageUnavailableError) failure = new TrackerFailure('storage_unavailable', err.message);
    else {
      this.logger.error({ err }, 'tracker request failed unexpectedly');
      failure = new TrackerFailure('internal', 'internal tracker error');
    }
    this.counters.failures[failure.kind] = (this.counters.failures[failure.kind] ?? 0) + 1;
    return failureReply(failure.message);
  }
}
