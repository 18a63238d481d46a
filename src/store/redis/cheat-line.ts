import type { CheatKind } from '../../accounting/settle.js';
import type { CheatEvent } from '../records.js';

// A cheat event as announce-19.lua writes it, one line of text: into the cheats list, and into the
// SQL flush's batches (flush-prepare-var.lua's "c" lines).

/** A cheats list entry: "<at> <userId> <torrentId> <peerIdHex> <rate> <reported> <allowed> <kind>" (no kind: written before kinds, an upload_rate). */
export function parseCheat(row: string): CheatEvent {
  const [at, userId, torrentId, peerId, rate, reported, allowed, kind] = row.split(' ');
  return { kind: (kind ?? 'upload_rate') as CheatKind, at: Number(at ?? 0), userId: Number(userId ?? 0), torrentId: Number(torrentId ?? 0), peerId: peerId ?? '', rate: Number(rate ?? 0), reported: Number(reported ?? 0), allowed: Number(allowed ?? 0) };
}
