import { Bytes20Index, type Chained } from './bytes-index.js';
import type { BlacklistEntry, StoredCreditEvent, Torrent, User, WhitelistEntry } from './records.js';

/** A registered torrent under its info_hash's 20 bytes (torrentByInfoHashBytes). */
interface RawTorrent extends Chained {
  torrent: Torrent;
  bytes: Buffer;
}

/**
 * The in-process copy of users, torrents and the whitelist that every announce reads. Both stores
 * keep one; the Redis store refreshes it from pub/sub so that each instance sees the others' writes.
 */
/** The registry's record kinds: users, torrents, whitelist prefixes, blacklist patterns. */
export type RecordKind = 'u' | 't' | 'w' | 'b';

export class RegistryCache {
  private readonly users = new Map<number, User>();
  private readonly passkeys = new Map<string, User>();
  private readonly torrents = new Map<string, Torrent>();
  /** The same torrents by their info_hash's bytes: an announce looks its torrent up without making a hex string. */
  private readonly rawTorrents = new Bytes20Index<RawTorrent>(
    () => 0,
    (t) => t.bytes,
  );
  /** torrent id → registered torrent: one id names one info_hash (torrentIdHolder). */
  private readonly torrentIds = new Map<number, Torrent>();
  private readonly entries = new Map<string, WhitelistEntry>();
  private readonly denied = new Map<string, BlacklistEntry>();
  /** Distinct prefix lengths, longest first, so a match needs one lookup per length. */
  private prefixLengths: number[] = [];
  /** Replaced, never changed in place: a reader may keep the array it got and compare it by reference. */
  private events: readonly StoredCreditEvent[] = [];
  /**
   * Records this instance wrote while a re-read of Redis was under way (RegistrySync): a re-read
   * sent before such a write is stale for that record and must not undo it. Kept only while reads
   * are under way; the writes of a re-read itself (`applying`) do not count.
   */
  private readonly recent = { reads: 0, stamp: 0, applying: false, written: new Map<string, number>() };

  /** A re-read begins: returns the stamp to pass to `writtenSince`, and `endRead` must follow. */
  beginRead(): number {
    this.recent.reads++;
    return this.recent.stamp;
  }

  endRead(): void {
    if (--this.recent.reads === 0) this.recent.written.clear();
  }

  /** Whether this instance wrote the record (a user id, an info_hash, a whitelist prefix, a blacklist pattern) after the read stamped `since` began. */
  writtenSince(kind: RecordKind, id: number | string, since: number): boolean {
    return (this.recent.written.get(`${kind}:${id}`) ?? -1) > since;
  }

  /** Runs a re-read's writes: they are what Redis held, not this instance's own. */
  applying(write: () => void): void {
    this.recent.applying = true;
    try {
      write();
    } finally {
      this.recent.applying = false;
    }
  }

  private wrote(kind: RecordKind, id: number | string): void {
    const r = this.recent;
    r.stamp++;
    if (r.reads > 0 && !r.applying) r.written.set(`${kind}:${id}`, r.stamp);
  }

  creditEvents(): readonly StoredCreditEvent[] {
    return this.events;
  }

  setCreditEvents(events: readonly StoredCreditEvent[]): void {
    this.events = events;
  }

  userByPasskey(passkey: string): User | undefined {
    return this.passkeys.get(passkey);
  }

  userById(id: number): User | undefined {
    return this.users.get(id);
  }

  /** The user now holding `passkey`, when it is not `exceptId`. */
  passkeyHolder(passkey: string, exceptId: number): User | undefined {
    const holder = this.passkeys.get(passkey);
    return holder && holder.id !== exceptId ? holder : undefined;
  }

  setUser(user: User): void {
    this.wrote('u', user.id);
    const old = this.users.get(user.id);
    // Same passkey: overwritten below (a delete and re-insert would churn the map's table).
    if (old && old.passkey !== user.passkey && this.passkeys.get(old.passkey) === old) this.passkeys.delete(old.passkey);
    this.users.set(user.id, user);
    this.passkeys.set(user.passkey, user);
  }

  deleteUser(id: number): void {
    this.wrote('u', id);
    const old = this.users.get(id);
    if (!old) return;
    this.users.delete(id);
    if (this.passkeys.get(old.passkey) === old) this.passkeys.delete(old.passkey);
  }

  torrentByInfoHash(infoHash: string): Torrent | undefined {
    return this.torrents.get(infoHash);
  }

  /** The registered torrent whose info_hash is these 20 bytes (an announce's, as decoded from its URL). */
  torrentByInfoHashBytes(infoHash: Buffer): Torrent | undefined {
    return this.rawTorrents.get(0, infoHash)?.torrent;
  }

  torrentById(id: number): Torrent | undefined {
    return this.torrentIds.get(id);
  }

  /** The registered torrent holding `id`, when its info_hash is not `exceptInfoHash`. */
  torrentIdHolder(id: number, exceptInfoHash: string): Torrent | undefined {
    const holder = this.torrentIds.get(id);
    return holder && holder.infoHash !== exceptInfoHash ? holder : undefined;
  }

  setTorrent(torrent: Torrent): void {
    this.wrote('t', torrent.infoHash);
    const old = this.torrents.get(torrent.infoHash);
    if (old && old.id !== torrent.id && this.torrentIds.get(old.id) === old) this.torrentIds.delete(old.id);
    this.torrents.set(torrent.infoHash, torrent);
    this.torrentIds.set(torrent.id, torrent);
    const bytes = Buffer.from(torrent.infoHash, 'hex');
    const raw = this.rawTorrents.get(0, bytes);
    if (raw) raw.torrent = torrent;
    else this.rawTorrents.add({ torrent, bytes, hash: 0, sameHash: undefined });
  }

  deleteTorrent(infoHash: string): void {
    this.wrote('t', infoHash);
    const old = this.torrents.get(infoHash);
    if (!old) return;
    this.torrents.delete(infoHash);
    if (this.torrentIds.get(old.id) === old) this.torrentIds.delete(old.id);
    const raw = this.rawTorrents.get(0, Buffer.from(infoHash, 'hex'));
    if (raw) this.rawTorrents.delete(raw);
  }

  whitelistMatch(peerId: Buffer): WhitelistEntry | undefined {
    for (const len of this.prefixLengths) {
      if (len > peerId.length) continue;
      const hit = this.entries.get(peerId.toString('latin1', 0, len));
      if (hit) return hit;
    }
    return undefined;
  }

  /** The first blacklist entry whose pattern matches the start of `peerId` (blacklists are short: a scan). */
  blacklistMatch(peerId: Buffer): BlacklistEntry | undefined {
    if (this.denied.size === 0) return undefined;
    for (const entry of this.denied.values()) if (patternMatches(entry.pattern, peerId)) return entry;
    return undefined;
  }

  blacklist(): BlacklistEntry[] {
    return [...this.denied.values()].sort((a, b) => (a.pattern < b.pattern ? -1 : a.pattern > b.pattern ? 1 : 0));
  }

  setBlacklist(entry: BlacklistEntry): void {
    this.wrote('b', entry.pattern);
    this.denied.set(entry.pattern, entry);
  }

  deleteBlacklist(pattern: string): void {
    this.wrote('b', pattern);
    this.denied.delete(pattern);
  }

  whitelist(): WhitelistEntry[] {
    return [...this.entries.values()].sort((a, b) => (a.prefix < b.prefix ? -1 : a.prefix > b.prefix ? 1 : 0));
  }

  setWhitelist(entry: WhitelistEntry): void {
    this.wrote('w', entry.prefix);
    this.entries.set(entry.prefix, entry);
    this.indexPrefixes();
  }

  deleteWhitelist(prefix: string): void {
    this.wrote('w', prefix);
    this.entries.delete(prefix);
    this.indexPrefixes();
  }

  /** Replaces everything at once (a full resync after a lost subscription). */
  replaceAll(users: User[], torrents: Torrent[], whitelist: WhitelistEntry[], blacklist: BlacklistEntry[] = []): void {
    this.denied.clear();
    for (const b of blacklist) this.denied.set(b.pattern, b);
    this.users.clear();
    this.passkeys.clear();
    this.torrents.clear();
    this.torrentIds.clear();
    this.rawTorrents.clear();
    this.entries.clear();
    for (const u of users) this.setUser(u);
    for (const t of torrents) this.setTorrent(t);
    for (const w of whitelist) this.entries.set(w.prefix, w);
    this.indexPrefixes();
  }

  userIds(): number[] {
    return [...this.users.keys()];
  }

  infoHashes(): string[] {
    return [...this.torrents.keys()];
  }

  counts(): { users: number; torrents: number; whitelist: number } {
    return { users: this.users.size, torrents: this.torrents.size, whitelist: this.entries.size };
  }

  private indexPrefixes(): void {
    this.prefixLengths = [...new Set([...this.entries.keys()].map((p) => p.length))].sort((a, b) => b - a);
  }
}

/** `pattern` (latin1, `?` = any one byte) matches the first bytes of `peerId`. */
function patternMatches(pattern: string, peerId: Buffer): boolean {
  if (pattern.length > peerId.length) return false;
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern.charCodeAt(i);
    if (c !== 0x3f && c !== peerId[i]) return false;
  }
  return true;
}
