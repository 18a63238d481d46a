import type { Torrent, User } from '../../src/store/records.js';
import type { Store } from '../../src/store/store.js';

/** Registers generated users and torrents, and qBittorrent (their peers' client) on the whitelist. */
export async function seedRegistry(store: Store, users: User[], torrents: Torrent[]): Promise<void> {
  await store.putUsers(users);
  await store.putTorrents(torrents);
  await store.putWhitelist({ prefix: '-qB4', client: 'qBittorrent' });
}
