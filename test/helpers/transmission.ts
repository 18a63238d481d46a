import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnClient, type ClientOptions, type TorrentClient } from './torrent-client.js';

// transmission-cli with the tracker as the only way to find peers. It takes DHT, PEX and local
// peer discovery from settings.json in its config dir (-g), not from flags. Notes from running it
// (3.00): it never exits by itself (a finished download goes on seeding), and on SIGINT it pauses
// the torrent and closes the session at once, so its `stopped` announce is dropped: its last
// figures reach the tracker by its regular announces only.

/** Transmission's peer_id starts with "-TR<version>-" (3.00: "-TR3000-"). */
export const TRANSMISSION_PEER_ID_PREFIX = '-TR';

export function startTransmission(o: ClientOptions): TorrentClient {
  const configDir = join(o.home, 'transmission');
  mkdirSync(configDir, { recursive: true });
  const settings = {
    'dht-enabled': false,
    'pex-enabled': false,
    'lpd-enabled': false,
    'utp-enabled': false,
    'port-forwarding-enabled': false,
    'rpc-enabled': false,
    'blocklist-enabled': false,
    'peer-port': o.port,
    'peer-port-random-on-start': false,
    'bind-address-ipv4': '127.0.0.1',
    'bind-address-ipv6': '::1',
    'ratio-limit-enabled': false,
    'idle-seeding-limit-enabled': false,
    'speed-limit-down-enabled': false,
    'speed-limit-up-enabled': false,
    // 2 = info: tracker announces and replies, verification, errors.
    'message-level': 2,
  };
  writeFileSync(join(configDir, 'settings.json'), JSON.stringify(settings, null, 1));
  // No -v: a torrent new to this config dir whose file is there is checked before it starts anyway,
  // so the seeder's first announce says left=0. -v asks for a second check while the first runs, and
  // once (CI) that left the torrent stopped, and transmission-cli exits when its torrent stops.
  const args = ['-g', configDir, '-w', o.dataDir, '-p', String(o.port), o.torrent];
  return spawnClient(`transmission ${o.role === 'seed' ? 'seeder' : 'leecher'}`, 'transmission-cli', args, o.home);
}
