import { spawnClient, type ClientOptions, type TorrentClient } from './torrent-client.js';

// aria2c with the tracker as the only way to find peers: no DHT, no peer exchange, no local peer
// discovery, IPv4 on loopback only, no config file of the machine's. `--log=-` puts its info log
// (every tracker request and reply) into the output the test shows when it fails.

/** aria2's peer_id starts with "A2-<major>-<minor>-<patch>-". */
export const ARIA2_PEER_ID_PREFIX = 'A2-';

/** Log lines of single peer-wire messages (a request or a block each): thousands, and no help to a reader. */
const WIRE_MESSAGES = /CUID#\d+ - (From|To): |we got new piece|Setting piece|Requesting index=/;

export function startAria2(o: ClientOptions): TorrentClient {
  const args = [
    '--no-conf',
    `--dir=${o.dataDir}`,
    `--listen-port=${o.port}`,
    '--interface=127.0.0.1',
    '--disable-ipv6=true',
    '--enable-dht=false',
    '--enable-dht6=false',
    '--enable-peer-exchange=false',
    '--bt-enable-lpd=false',
    '--file-allocation=none',
    '--summary-interval=0',
    '--show-console-readout=false',
    '--enable-color=false',
    '--log=-',
    '--log-level=info',
    // Ends with the test process even if that is killed before its afterEach runs.
    `--stop-with-process=${process.pid}`,
    // A seeder checks the data it was given and seeds until stopped; a leecher leaves when it has
    // the file (sending `stopped` with left=0, and no `completed`: aria2 halts before announcing it).
    ...(o.role === 'seed' ? ['--check-integrity=true', '--seed-ratio=0.0'] : ['--seed-time=0']),
    o.torrent,
  ];
  return spawnClient(`aria2 ${o.role === 'seed' ? 'seeder' : 'leecher'}`, 'aria2c', args, o.home, WIRE_MESSAGES);
}
