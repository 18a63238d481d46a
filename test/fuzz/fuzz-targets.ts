import { id20 } from '../helpers/tracker-harness.js';
import type { TrackerTargets } from './tracker-cases.js';

/** The tracker-side records the fuzz test registers and its cases aim at (a finding's replay needs the same ones). */
export const FUZZ_TRACKER: TrackerTargets = {
  passkey: 'fuzz-passkey-'.padEnd(40, 'p'),
  infoHash: id20('fuzz-torrent', 0xa5),
  peerIds: Array.from({ length: 32 }, (_, i) => id20(`-FZ0001-${String(i).padStart(4, '0')}`, 0x80 + i)),
  otherPasskeys: ['fuzz-disabled-'.padEnd(40, 'd'), 'fuzz-no-leech-'.padEnd(40, 'n')],
  otherInfoHashes: [id20('fuzz-disabled', 0x5a)],
};
