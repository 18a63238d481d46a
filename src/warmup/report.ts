import { printable } from '../text/printable.js';
import type { EntityKind } from './entities.js';

/** How many bad rows and passkey conflicts are shown one by one; the rest are only counted. */
export const SHOWN = 5;

/** What warmup did with one table. */
export interface EntityReport {
  kind: EntityKind;
  /** The seed's word: `Loading <label>… N`. */
  label: string;
  table: string;
  /** The columns read, the optional ones the table has included. */
  columns: string[];
  /** Rows read from the table. */
  rows: number;
  /** Written: new, or different from what the daemon held. */
  written: number;
  /** Equal to what the daemon held already: not written. */
  unchanged: number;
  /** Bad rows skipped, and the first SHOWN of them ("user id 5: passkey is empty"). */
  skipped: number;
  skippedShown: string[];
  /** Users not written because another user holds their passkey, and the first SHOWN. */
  conflicts: number;
  conflictsShown: string[];
  /** Removed from the daemon with --prune: no longer in the table. */
  pruned: number;
  /** Why prune left this table's records alone, when it did. */
  pruneSkipped?: string;
  seconds: number;
}

export interface WarmupReport {
  entities: EntityReport[];
  prune: boolean;
  /** Whether anything was written or removed. */
  changed: boolean;
  seconds: number;
  rowsPerSecond: number;
}

/** The report of a table about to be read: every count at 0. */
export function emptyReport(e: Pick<EntityReport, 'kind' | 'label' | 'table' | 'columns'>): EntityReport {
  return { ...e, rows: 0, written: 0, unchanged: 0, skipped: 0, skippedShown: [], conflicts: 0, conflictsShown: [], pruned: 0, seconds: 0 };
}

/** What the daemon holds now as the site has it: the seed's `Loading passkeys… N`. */
export const loaded = (e: EntityReport): number => e.written + e.unchanged;

const n = (x: number): string => x.toLocaleString('en-US');
const plural = (x: number, one: string, many = `${one}s`) => `${n(x)} ${x === 1 ? one : many}`;

/** The line of one table once loaded, and its bad rows and conflicts under it. */
export function entityLines(e: EntityReport): string[] {
  // A rate of a few rows is noise.
  const rate = e.seconds > 0 && e.rows >= 1000 ? `, ${n(Math.round(e.rows / e.seconds))} rows/s` : '';
  const parts = [`${n(e.written)} written`, `${n(e.unchanged)} unchanged`];
  if (e.skipped > 0) parts.push(`${plural(e.skipped, 'bad row')} skipped`);
  if (e.conflicts > 0) parts.push(`${plural(e.conflicts, e.kind === 'torrents' ? 'torrent_id conflict' : 'passkey conflict')}`);
  const lines = [`${e.label}: ${plural(e.rows, 'row')} from ${e.table} in ${e.seconds.toFixed(2)} s${rate}: ${parts.join(', ')}`];
  const more = (count: number, shown: string[]) => (count > shown.length ? [`  … and ${n(count - shown.length)} more`] : []);
  // A bad row is described with its values (names from the site's users): no control characters reach the terminal.
  lines.push(...e.skippedShown.map((s) => `  skipped ${printable(s)}`), ...more(e.skipped, e.skippedShown));
  lines.push(...e.conflictsShown.map((s) => `  not written: ${printable(s)}`), ...more(e.conflicts, e.conflictsShown));
  return lines;
}

/** The end of the output: prune, whether anything changed, then the seed's summary lines. */
export function summaryLines(r: WarmupReport): string[] {
  const lines: string[] = [];
  if (r.prune) {
    const [users, torrents] = ['users', 'torrents'].map((k) => r.entities.find((e) => e.kind === k));
    lines.push(`Pruned ${plural(users?.pruned ?? 0, 'user')} and ${plural(torrents?.pruned ?? 0, 'torrent')} no longer in the site database`);
    for (const e of r.entities) if (e.pruneSkipped) lines.push(`  ${e.pruneSkipped}`);
  }
  if (!r.changed) lines.push('Nothing changed: the daemon already held every row as the site database has it');
  for (const e of r.entities) lines.push(`Loading ${e.label}… ${loaded(e)}`);
  return lines;
}

/** The report as the one JSON object of `--json` (snake_case, as the API's fields). */
export function reportJson(r: WarmupReport): Record<string, unknown> {
  const entity = (e: EntityReport) => ({
    table: e.table,
    columns: e.columns,
    rows: e.rows,
    loaded: loaded(e),
    written: e.written,
    unchanged: e.unchanged,
    skipped: e.skipped,
    skipped_shown: e.skippedShown,
    conflicts: e.conflicts,
    conflicts_shown: e.conflictsShown,
    ...(r.prune ? { pruned: e.pruned, ...(e.pruneSkipped ? { prune_skipped: e.pruneSkipped } : {}) } : {}),
    seconds: e.seconds,
  });
  return {
    ...Object.fromEntries(r.entities.map((e) => [e.kind, entity(e)])),
    changed: r.changed,
    seconds: r.seconds,
    rows_per_second: r.rowsPerSecond,
  };
}
