import bencode from 'bencode';
import { benchTorrents, benchUsers } from './fixtures.js';

// One real announce before a target is put under load, checked: HTTP 200, a bencoded dictionary
// with an interval, no `failure reason`. A tracker that refuses the bench's requests would otherwise
// post fine figures for failure replies (HTTP 200 too, invisible to wrk).

export type PathStyle = 'passkey' | 'plain';

/** GETs `path` and returns the decoded reply dictionary; rejects on anything but a successful announce. */
export async function announceOnce(port: number, path: string): Promise<Record<string, unknown>> {
  const res = await fetch(`http://127.0.0.1:${port}${path}`);
  const body = Buffer.from(await res.arrayBuffer());
  if (res.status !== 200) throw new Error(`announce ${path}: HTTP ${res.status}: ${body.toString('latin1')}`);
  let reply: Record<string, unknown>;
  try {
    reply = bencode.decode(body) as Record<string, unknown>;
  } catch {
    throw new Error(`announce ${path}: not bencoded: ${body.toString('latin1')}`);
  }
  const failure = reply['failure reason'];
  if (failure !== undefined) throw new Error(`announce ${path} failed: ${Buffer.from(failure as Uint8Array).toString()}`);
  if (typeof reply.interval !== 'number') throw new Error(`announce ${path}: not an announce reply: ${body.toString('latin1')}`);
  return reply;
}

/** A `started` for the first bench torrent, as announce.lua sends them (compact). */
export async function sanityAnnounce(port: number, style: PathStyle): Promise<void> {
  const pct = (hex: string) => hex.replace(/../g, '%$&');
  const path = style === 'passkey' ? `/${benchUsers()[0]!.passkey}/announce` : '/announce';
  await announceOnce(port, `${path}?info_hash=${pct(benchTorrents(1)[0]!.infoHash)}&peer_id=-qB4650-sanitycheck1&port=6881&uploaded=0&downloaded=0&left=0&compact=1&event=started`);
}

/** How many peers a compact reply lists (IPv4 and IPv6). */
export function compactPeers(reply: Record<string, unknown>): number {
  const length = (v: unknown) => (v instanceof Uint8Array ? v.length : 0);
  return length(reply.peers) / 6 + length(reply.peers6) / 18;
}
