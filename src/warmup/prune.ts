import type { ApiClient } from '../api/client.js';
import type { EntityReport } from './report.js';

/** What the daemon held before the load: prune never touches a record added while warmup ran. */
export interface RegistrySnapshot {
  userIds: number[];
  infoHashes: string[];
}

/** The keys of the site's rows, bad rows that still name one included (their record is kept). */
export interface Seen {
  users: Set<number | string>;
  torrents: Set<number | string>;
}

export async function registrySnapshot(api: ApiClient): Promise<RegistrySnapshot> {
  const [{ ids }, { info_hashes }] = await Promise.all([api.userIds(), api.infoHashes()]);
  return { userIds: ids, infoHashes: info_hashes };
}

/**
 * Removes the users and torrents of `before` that the site database did not have, in batches
 * (torrents are purged with their swarms). A table that gave no rows at all prunes nothing: that
 * is more likely the wrong database than a site without users.
 */
export async function prune(api: ApiClient, before: RegistrySnapshot, seen: Seen, entities: EntityReport[], batchSize: number): Promise<void> {
  const report = (kind: string) => entities.find((e) => e.kind === kind)!;
  await pruneOne(report('users'), before.userIds, seen.users, batchSize, (ids) => api.bulkDeleteUsers(ids));
  await pruneOne(report('torrents'), before.infoHashes, seen.torrents, batchSize, (hashes) => api.bulkDeleteTorrents(hashes));
}

async function pruneOne<K extends number | string>(
  report: EntityReport,
  held: K[],
  seen: Set<number | string>,
  batchSize: number,
  remove: (keys: K[]) => Promise<{ deleted: number }>,
): Promise<void> {
  const gone = held.filter((key) => !seen.has(key));
  if (gone.length === 0) return;
  if (seen.size === 0) {
    report.pruneSkipped = `${report.kind} not pruned: ${report.table} gave no rows, and pruning would remove all ${gone.length.toLocaleString('en-US')}`;
    return;
  }
  for (let i = 0; i < gone.length; i += batchSize) report.pruned += (await remove(gone.slice(i, i + batchSize))).deleted;
}
