import type { WhitelistItem } from '../api/schemas.js';
import { escapedControls, printable } from '../text/printable.js';

/** The whitelist as `mika whitelist list` prints it: prefix and client in two columns, then a count. */
export function whitelistTable(entries: WhitelistItem[]): string[] {
  if (entries.length === 0) return ['The whitelist is empty: with tracker.whitelist_enabled on, no client may announce'];
  // Quoted, so that spaces and odd characters in a prefix show.
  const prefixes = entries.map((e) => escapedControls(JSON.stringify(e.prefix)));
  const width = Math.max('prefix'.length, ...prefixes.map((p) => p.length));
  return [
    `${'prefix'.padEnd(width)}  client`,
    // The client name is the site's text: no control characters reach the terminal.
    ...entries.map((e, i) => `${prefixes[i]!.padEnd(width)}  ${printable(e.client)}`),
    `${entries.length} ${entries.length === 1 ? 'client' : 'clients'}`,
  ];
}
