import { BlockList } from 'node:net';
import { TrackerFailure } from './failure.js';
import { parseAddress, type Address } from '../net/ip-address.js';

export interface AddressRules {
  ipv4: boolean;
  ipv6: boolean;
  allowClientIp: boolean;
  /** Undefined when none are configured: the common case skips BlockList.check, which allocates. */
  trustedProxies: BlockList | undefined;
}

/** A BlockList of the configured trusted proxies (addresses or CIDR ranges); undefined for none. */
export function proxyList(entries: readonly string[]): BlockList | undefined {
  if (entries.length === 0) return undefined;
  const list = new BlockList();
  for (const entry of entries) {
    const [addr = '', bits] = entry.split('/');
    const parsed = parseAddress(addr);
    if (!parsed) continue;
    const type = parsed.family === 4 ? 'ipv4' : 'ipv6';
    if (bits === undefined) list.addAddress(parsed.text, type);
    else list.addSubnet(parsed.text, Number(bits), type);
  }
  return list;
}

function isTrusted(addr: Address, rules: AddressRules): boolean {
  return rules.trustedProxies !== undefined && rules.trustedProxies.check(addr.text, addr.family === 4 ? 'ipv4' : 'ipv6');
}

/**
 * The client's address: the socket's (as text, or parsed once per connection), or, when the socket is a trusted proxy, the nearest address
 * in X-Forwarded-For that is not itself a trusted proxy (then X-Real-IP).
 */
export function clientAddress(socket: Address | string | undefined, headers: Record<string, string | string[] | undefined>, rules: AddressRules): Address {
  let addr = typeof socket === 'string' ? parseAddress(socket) : socket;
  if (!addr) throw new TrackerFailure('malformed', 'cannot tell the client address');
  if (isTrusted(addr, rules)) {
    const forwarded = headers['x-forwarded-for'];
    const hops = (Array.isArray(forwarded) ? forwarded.join(',') : (forwarded ?? '')).split(',');
    let found: Address | undefined;
    for (let i = hops.length - 1; i >= 0; i--) {
      const hop = parseAddress(hops[i]!);
      if (!hop) continue;
      found = hop;
      if (!isTrusted(hop, rules)) break;
    }
    if (!found) {
      const real = headers['x-real-ip'];
      found = typeof real === 'string' ? parseAddress(real) : undefined;
    }
    if (found) addr = found;
  }
  return addr;
}

/** The address peers should reach this client at: its own, or one it claims when the operator allows it (BEP 7). */
export function peerAddress(client: Address, claimed: { ip?: string | undefined; ipv4?: string | undefined; ipv6?: string | undefined }, rules: AddressRules): Address {
  let addr = client;
  if (rules.allowClientIp) {
    const wanted = client.family === 4 ? (claimed.ipv4 ?? claimed.ip) : (claimed.ipv6 ?? claimed.ip);
    const parsed = wanted === undefined ? undefined : parseAddress(wanted);
    if (parsed) addr = parsed;
  }
  if (addr.family === 4 && !rules.ipv4) throw new TrackerFailure('family_disabled', 'IPv4 is disabled on this tracker');
  if (addr.family === 6 && !rules.ipv6) throw new TrackerFailure('family_disabled', 'IPv6 is disabled on this tracker');
  return addr;
}
