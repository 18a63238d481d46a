import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import type { StoreConfig } from '../../config/schema.js';
import { forEachLogged, isLogKey } from './commit-log.js';
import { DataFolderError, openDataFile, openMikaFile } from './data-folder.js';
import { DATA_FILE } from './layout.js';

export interface BackupReport {
  /** The copy written. */
  file: string;
  bytes: number;
  /** Registry records in the copy, a sanity figure for the operator. */
  records: number;
}

/**
 * `mika backup <file>`: a consistent copy of the embedded store's data file, while mika serves or
 * not. LMDB copies from one read transaction, so the copy is the state after some commit, every
 * announce in it whole (mdb_env_copy, compacting: free pages left out); the serving process goes on
 * writing meanwhile. The copy is a mika.mdb of its own: restoring is putting it in place of the
 * data folder's mika.mdb while mika is stopped (docs/operations.md). An existing file is never
 * overwritten.
 */
export async function backupDataFolder(store: StoreConfig, target: string): Promise<BackupReport> {
  if (store.type !== 'embedded') {
    throw new DataFolderError(`mika backup copies the embedded store's data file, and store.type is "${store.type}"${store.type === 'redis' ? ': back Redis up with its own persistence (BGSAVE, or a copy of its AOF/RDB files)' : ': the memory store keeps nothing to copy'}`);
  }
  const file = resolve(target);
  if (existsSync(file)) throw new DataFolderError(`${file} exists: mika backup does not overwrite, name a new file`);
  if (!existsSync(resolve(store.path, DATA_FILE))) throw new DataFolderError(`no data file at ${resolve(store.path, DATA_FILE)} (store.path): nothing to back up`);
  const db = openDataFile(store.path, { readOnly: true });
  try {
    await db.backup(file, true);
  } finally {
    await db.close();
  }
  // Read back: a copy that does not open is no backup.
  const copy = openMikaFile(file, { readOnly: true });
  // The registry records, as the copy opened by mika will hold them: its records, then its commit log (commit-log.ts).
  const registry = new Set<string>();
  const logs: unknown[] = [];
  const isRegistry = (key: string) => /^r[utw]\//.test(key);
  try {
    for (const { key, value } of copy.getRange({})) {
      if (typeof key !== 'string') continue;
      if (isLogKey(key)) logs.push(value);
      else if (isRegistry(key)) registry.add(key);
    }
    for (const log of logs) forEachLogged(log, (key, value) => isRegistry(key) && (value === undefined ? registry.delete(key) : registry.add(key)));
  } finally {
    await copy.close();
  }
  return { file, bytes: statSync(file).size, records: registry.size };
}
