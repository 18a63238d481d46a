import { readFileSync } from 'node:fs';
import type { ChainableCommander, Redis } from 'ioredis';

// Loads scripts/<name>-<numberOfKeys>.lua and registers each as an ioredis command named after it
// in camelCase (reap-swarm-11.lua → reapSwarm / reapSwarmBuffer). ioredis sends EVALSHA and falls
// back to EVAL on NOSCRIPT, so scripts come back by themselves after a Redis restart or SCRIPT FLUSH.
// The build copies the .lua files next to the compiled loader (scripts/copy-assets.js). A script whose
// key count varies is named <name>-var.lua and takes that count as its first argument.

const SCRIPTS_DIR = new URL('./scripts/', import.meta.url);

/** Every script file, by the command name it is registered under. */
const FILES = {
  announce: 'announce-19.lua',
  reapSwarm: 'reap-swarm-11.lua',
  putUsers: 'put-users-var.lua',
  deleteUser: 'delete-user-3.lua',
  putTorrents: 'put-torrents-var.lua',
  readRecords: 'read-records-var.lua',
  deleteTorrent: 'delete-torrent-14.lua',
  createUser: 'create-user-3.lua',
  claimTorrentIds: 'claim-torrent-ids-2.lua',
  flushPrepare: 'flush-prepare-var.lua',
  userSync: 'user-sync-4.lua',
  ledgerSynced: 'ledger-synced-2.lua',
  migrateSwarm: 'migrate-swarm-6.lua',
} as const;

/** The scripts whose key count is their first argument (<name>-var.lua). */
export const VAR_SCRIPTS = Object.entries(FILES)
  .filter(([, file]) => file.endsWith('-var.lua'))
  .map(([name]) => name);

type Arg = string | Buffer | number;

/** The script commands, as ioredis adds them to a connection or a pipeline. */
export interface ScriptCommands {
  /** Replies with Buffers for bulk strings (the peer records), numbers for integers. */
  announceBuffer(...args: Arg[]): Promise<Array<number | Buffer>>;
  reapSwarm(...args: Arg[]): Promise<number>;
  /** Refused torrents: position, holder info_hash, ... */
  claimTorrentIds(...args: Arg[]): Promise<Array<number | string>>;
  /** 0 written, 1 the user id exists, else [2, holder of the passkey]. */
  createUser(...args: Arg[]): Promise<number | [number, string]>;
  deleteUser(...args: Arg[]): Promise<number>;
  deleteTorrent(...args: Arg[]): Promise<number>;
  /** The key count first, then the keys, then the arguments. */
  flushPrepare(...args: Arg[]): Promise<[string, string] | null>;
  userSync(...args: Arg[]): Promise<number>;
  ledgerSynced(...args: Arg[]): Promise<number>;
  /** The peers placed in slots. */
  migrateSwarm(...args: Arg[]): Promise<number>;
  /** The key count first, then the keys, then the arguments. */
  putTorrents(...args: Arg[]): Promise<Array<number | string>>;
  /** The key count first, then the keys, then the fields. */
  readRecords(...args: Arg[]): Promise<Array<(string | null)[]>>;
}

/** A pipeline that also queues the script commands (each reply is read from the pipeline's result). */
export type ScriptPipeline = ChainableCommander & {
  reapSwarm(...args: Arg[]): ScriptPipeline;
  /** The key count first, then the keys, then the arguments. */
  putUsers(...args: Arg[]): ScriptPipeline;
  /** The key count first, then the keys, then the arguments. */
  putTorrents(...args: Arg[]): ScriptPipeline;
  /** The key count first, then the keys, then the fields. */
  readRecords(...args: Arg[]): ScriptPipeline;
  deleteUser(...args: Arg[]): ScriptPipeline;
  deleteTorrent(...args: Arg[]): ScriptPipeline;
};

interface Source {
  name: keyof typeof FILES;
  /** Undefined for a -var script: the caller passes the count. */
  numberOfKeys: number | undefined;
  lua: string;
}

let sources: Source[] | undefined;

function readSources(): Source[] {
  sources ??= Object.entries(FILES).map(([name, file]) => {
    const keys = /-(\d+|var)\.lua$/.exec(file);
    if (!keys) throw new Error(`script ${file} must be named <name>-<numberOfKeys>.lua or <name>-var.lua`);
    const numberOfKeys = keys[1] === 'var' ? undefined : Number(keys[1]);
    return { name: name as keyof typeof FILES, numberOfKeys, lua: readFileSync(new URL(file, SCRIPTS_DIR), 'utf8') };
  });
  return sources;
}

/** Registers every script on `redis` and returns it typed with the script commands. */
export function defineScripts(redis: Redis): Redis & ScriptCommands {
  for (const s of readSources()) redis.defineCommand(s.name, s.numberOfKeys === undefined ? { lua: s.lua } : { numberOfKeys: s.numberOfKeys, lua: s.lua });
  return redis as Redis & ScriptCommands;
}
