import { closeSync, mkdirSync, openSync, readFileSync, readSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { open, type RootDatabase } from 'lmdb';
import { DATA_FILE, LOCK_FILE } from './layout.js';
import { processExists } from '../../os/process-exists.js';

// The embedded store's data folder (layout.ts): taking it, and opening its file safely.

/**
 * The format of the records in mika.mdb (journal.ts); a file written with a higher one is refused.
 * 2: peer rows are packed Buffers (format 1: MessagePack arrays, still read; a file opened for
 * writing is marked 2, since its peers are rewritten as they announce).
 * 3: a commit log (commit-log.ts): records changed since the last checkpoint are in `l/` records,
 * which a mika before it would not read (it would start on the last checkpoint).
 */
export const FORMAT = 3;
const FORMAT_KEY = '!format';
/** How many store records the file held, as versions before 2026-12 kept it; removed at open (LMDB's own entry count is checked instead). */
export const RECORDS_KEY = '!records';

/** The data folder cannot be used: the message says why and what to do. */
export class DataFolderError extends Error {
  override readonly name = 'DataFolderError';
}

/**
 * Takes the data folder for this process: mika.lock holds our pid. LMDB itself lets several
 * processes write one file, so without this a second `mika serve` would run on the same ledger
 * with its own copy of it in memory, and each would overwrite the other's records. A lock whose
 * process is gone (killed) is taken over. Returns the function that gives the folder back.
 */
export function lockDataFolder(dir: string): () => void {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, LOCK_FILE);
  const inUse = (pid: number) =>
    new DataFolderError(`data folder ${resolve(dir)} is in use by process ${pid} (another mika serve?): one process serves from a data folder; stop it first, or set store.path to another folder`);
  if (heldHere.has(resolve(path))) throw inUse(process.pid);
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(path, `${process.pid}\n`, { flag: 'wx' });
      heldHere.add(resolve(path));
      return () => {
        heldHere.delete(resolve(path));
        try {
          if (readFileSync(path, 'utf8').trim() === String(process.pid)) rmSync(path);
        } catch {
          // Already gone.
        }
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw new DataFolderError(`cannot write ${path}: ${(err as Error).message}`);
      const holder = Number(readFileSync(path, 'utf8').trim());
      // Our own pid in a lock we do not hold: a process before us had it (a container restarted).
      if (Number.isSafeInteger(holder) && holder > 0 && holder !== process.pid && processExists(holder)) throw inUse(holder);
      // Left behind by a process that is gone.
      rmSync(path, { force: true });
    }
  }
  throw new DataFolderError(`cannot take ${path}: another process keeps creating it`);
}

/** Lock files this process holds. */
const heldHere = new Set<string>();

/**
 * Checks that mika.mdb, when it exists, is an LMDB file before LMDB maps it: LMDB trusts its file
 * and a damaged header can crash the process instead of failing. The header is a meta page with
 * the magic 0xBEEFC0DE at byte 24 (little-endian) and LMDB's data version after it.
 */
function checkHeader(file: string): void {
  let size: number;
  try {
    size = statSync(file).size;
  } catch {
    return; // A new folder.
  }
  const corrupt = (why: string) =>
    new DataFolderError(`${resolve(file)} is not a readable mika data file (${why}): refusing to start rather than start empty. Restore it from a backup (docs/operations.md), or move it away to start with an empty ledger`);
  if (size < 8192) throw corrupt(`${size} bytes, shorter than its two header pages`);
  const head = Buffer.alloc(32);
  const fd = openSync(file, 'r');
  try {
    readSync(fd, head, 0, 32, 0);
  } finally {
    closeSync(fd);
  }
  if (head.readUInt32LE(24) !== 0xbeefc0de) throw corrupt('no LMDB header');
  if (head.readUInt32LE(28) !== 2) throw corrupt(`LMDB data version ${head.readUInt32LE(28)}, this build reads 2`);
}

/**
 * Opens mika.mdb in `dir` (created when missing). A file of a newer format, or an LMDB file that is
 * not mika's, is refused with a message that says so; it is never emptied.
 */
export function openDataFile(dir: string, opts: { readOnly?: boolean } = {}): RootDatabase {
  if (!opts.readOnly) mkdirSync(dir, { recursive: true });
  return openMikaFile(join(dir, DATA_FILE), opts);
}

/** openDataFile for a file of any name (a backup copy). */
export function openMikaFile(file: string, opts: { readOnly?: boolean } = {}): RootDatabase {
  checkHeader(file);
  let db: RootDatabase;
  try {
    db = open({ path: file, readOnly: opts.readOnly ?? false });
  } catch (err) {
    throw new DataFolderError(`cannot open ${resolve(file)}: ${(err as Error).message}`);
  }
  let format: { format: number; by: string } | undefined;
  let empty = true;
  try {
    format = db.get(FORMAT_KEY) as typeof format;
    for (const _ of db.getKeys({ limit: 1 })) empty = false;
  } catch (err) {
    void db.close();
    throw new DataFolderError(`${resolve(file)} is damaged (${(err as Error).message}): refusing to start rather than start empty. Restore it from a backup (docs/operations.md)`);
  }
  if (format === undefined) {
    if (!empty) {
      void db.close();
      throw new DataFolderError(`${resolve(file)} holds records but no mika format mark: it was not written by mika; refusing to use it`);
    }
    if (!opts.readOnly) db.putSync(FORMAT_KEY, { format: FORMAT, by: 'mika' });
  } else if (format.format > FORMAT) {
    void db.close();
    throw new DataFolderError(`${resolve(file)} was written by a newer mika (data format ${format.format}; this one reads ${FORMAT}): run the newer mika, or restore a backup taken before the upgrade`);
  }
  // An older mika must not read the rows this one writes: it refuses the file instead.
  if (format !== undefined && format.format < FORMAT && !opts.readOnly) db.putSync(FORMAT_KEY, { format: FORMAT, by: 'mika' });
  return db;
}

/** Whether `key` is one of the folder's own marks rather than a store record. */
export const isMark = (key: string): boolean => key.startsWith('!');
