// Config keys that were renamed: an old config keeps working, with a warning naming the new key.

/** accounting.hnr_seed_time (one threshold) became accounting.hnr.seed_time (issue 15). */
const RENAMED: ReadonlyArray<{ from: [string, string]; to: [string, string, string] }> = [{ from: ['accounting', 'hnr_seed_time'], to: ['accounting', 'hnr', 'seed_time'] }];

// (The environment variable needs no mapping: MIKA_ACCOUNTING_HNR_SEED_TIME names the new field too.)

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Moves each renamed key of `raw` to its new place (unless the new key is set too: the new one
 * wins) and returns one warning per key moved.
 */
export function mapDeprecated(raw: Record<string, unknown>): string[] {
  const warnings: string[] = [];
  for (const { from, to } of RENAMED) {
    const section = raw[from[0]];
    if (!isObject(section) || !(from[1] in section)) continue;
    const value = section[from[1]];
    delete section[from[1]];
    const inner = isObject(section[to[1]]) ? (section[to[1]] as Record<string, unknown>) : (section[to[1]] = {});
    if (!(to[2] in inner)) inner[to[2]] = value;
    warnings.push(`${from.join('.')} is deprecated: read as ${to.join('.')} (see docs/config.md); rename it`);
  }
  return warnings;
}
