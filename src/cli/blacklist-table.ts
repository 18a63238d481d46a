import type { BlacklistItem } from '../api/schemas.js';

// C0/C1 control characters: a reason comes from the registry and must not drive the terminal.
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/g;

/** The blacklist as `mika whitelist list --deny` prints it: pattern and reason in two columns, then a count. */
export function blacklistTable(entries: BlacklistItem[]): string[] {
  if (entries.length === 0) return ['The blacklist is empty: no client is refused by peer_id pattern'];
  // Quoted (JSON escapes), so that spaces and odd bytes in a pattern show.
  const patterns = entries.map((e) => JSON.stringify(e.pattern));
  const width = Math.max('pattern'.length, ...patterns.map((p) => p.length));
  return [
    `${'pattern'.padEnd(width)}  reason`,
    ...entries.map((e, i) => `${patterns[i]!.padEnd(width)}  ${e.reason.replace(CONTROL, '')}`),
    `${entries.length} ${entries.length === 1 ? 'pattern' : 'patterns'} denied`,
  ];
}
