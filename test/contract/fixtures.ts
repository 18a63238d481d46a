import type { Torrent, User } from '../../src/store/records.js';
import type { Store } from '../../src/store/store.js';
import { id20 } from '../helpers/tracker-harness.js';

export const PK = {
  alice: 'a'.repeat(32),
  bob: 'b'.repeat(32),
  carol: 'c'.repeat(32),
  dave: 'd'.repeat(32),
};

export const users: User[] = [
  { id: 1, passkey: PK.alice, name: 'alice', canLeech: true, enabled: true, leechSlots: 0 },
  { id: 2, passkey: PK.bob, name: 'bob', canLeech: true, enabled: true, leechSlots: 0 },
  { id: 3, passkey: PK.carol, name: 'carol', canLeech: false, enabled: true, leechSlots: 0 },
  { id: 4, passkey: PK.dave, name: 'dave', canLeech: true, enabled: false, leechSlots: 0 },
];

/** Info hashes with the bytes that break naive parsers: NUL, 0xFF, '+', ' ', '%', '&', '='. */
export const IH = {
  plain: id20('plain-torrent-hash'),
  binary: Buffer.from('00ff2b20252b3d26000102030405060708090aff', 'hex'),
  plus: Buffer.from('2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b', 'hex'),
  space: Buffer.from('2020202020202020202020202020202020202020', 'hex'),
  double: id20('double-up-freeleech'),
  disabled: id20('disabled-torrent'),
  unregistered: id20('never-registered'),
};

export const torrents: Torrent[] = [
  { id: 10, infoHash: IH.plain.toString('hex'), name: 'plain', multiUp: 1, multiDown: 1, enabled: true, reason: '' },
  { id: 11, infoHash: IH.binary.toString('hex'), name: 'binary', multiUp: 1, multiDown: 1, enabled: true, reason: '' },
  { id: 12, infoHash: IH.plus.toString('hex'), name: 'plus', multiUp: 1, multiDown: 1, enabled: true, reason: '' },
  { id: 13, infoHash: IH.space.toString('hex'), name: 'space', multiUp: 1, multiDown: 1, enabled: true, reason: '' },
  { id: 14, infoHash: IH.double.toString('hex'), name: 'double', multiUp: 2, multiDown: 0, enabled: true, reason: '' },
  { id: 15, infoHash: IH.disabled.toString('hex'), name: 'disabled', multiUp: 1, multiDown: 1, enabled: false, reason: 'torrent removed: duplicate of #10' },
];

/** A qBittorrent-style peer_id; `label` makes it unique. */
export const qb = (label: string): Buffer => id20(`-qB4630-${label}`);
export const tr = (label: string): Buffer => id20(`-TR3000-${label}`);

export async function seedSite(store: Store): Promise<void> {
  for (const u of users) await store.putUser(u);
  for (const t of torrents) await store.putTorrent(t);
  await store.putWhitelist({ prefix: '-qB4', client: 'qBittorrent 4.x' });
  await store.putWhitelist({ prefix: '-TR3', client: 'Transmission 3.x' });
}
