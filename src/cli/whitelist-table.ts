import type { BlacklistItem, WhitelistItem } from '../api/schemas.js';
import { escapedControls, printable } from '../text/printable.js';

/**
 * Two columns under a heading, then `count`: the first quoted with its control characters escaped
 * (every byte of a peer_id prefix or pattern matters), the second the site's text made printable.
 */
function registryTable(heading: [string, string], rows: Array<[string, string]>, count: string): string[] {
  // Quoted, so that spaces and odd characters in a prefix show.
  const keys = rows.map(([key]) => escapedControls(JSON.stringify(key)));
  const width = Math.max(heading[0].length, ...keys.map((k) => k.length));
  return [`${heading[0].padEnd(width)}  ${heading[1]}`, ...rows.map(([, text], i) => `${keys[i]!.padEnd(width)}  ${printable(text)}`), count];
}

/** The whitelist as `mika whitelist list` prints it: prefix and client in two columns, then a count. */
export function whitelistTable(entries: WhitelistItem[]): string[] {
  if (entries.length === 0) return ['The whitelist is empty: with tracker.whitelist_enabled on, no client may announce'];
  return registryTable(['prefix', 'client'], entries.map((e) => [e.prefix, e.client]), `${entries.length} ${entries.length === 1 ? 'client' : 'clients'}`);
}

/** The blacklist as `mika whitelist list -deny` prints it: pattern and reason in two columns, then a count. */
export function blacklistTable(entries: BlacklistItem[]): string[] {
  if (entries.length === 0) return ['The blacklist is empty: no client is refused by peer_id pattern'];
  return registryTable(['pattern', 'reason'], entries.map((e) => [e.pattern, e.reason]), `${entries.length} ${entries.length === 1 ? 'pattern' : 'patterns'} denied`);
}
