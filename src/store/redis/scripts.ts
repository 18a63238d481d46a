import { readFileSync } from 'node:fs';
import type { ChainableCommander, Redis } from 'ioredis';

// Loads scripts/<name>-<numberOfKeys>.lua and registers each as an ioredis command named after it
// in camelCase (reap-swarm-6.lua → reapSwarm / reapSwarmBuffer). ioredis sends EVALSHA and falls
// back to EVAL on NOSCRIPT, so scripts come back by themselves after a Redis restart or SCRIPT FLUSH.
// The build copies the .lua files next to the compiled loader (scripts/copy-assets.js).

const SCRIPTS_DIR = new URL('./scripts/', import.meta.url);

/** Every script file, by the command name it is registered under. */
const FILES = {
  announce: 'announce-12.lua',
  reapSwarm: 'reap-swarm-6.lua',
  putUser: 'put-user-3.lua',
  deleteUser: 'delete-user-3.lua',
  putTorrent: 'put-torrent-3.lua',
  deleteTorrent: 'delete-torrent-8.lua',
} as const;

type Arg = string | Buffer | number;

/** The script commands, as ioredis adds them to a connection or a pipeline. */
export interface ScriptCommands {
  /** Replies with Buffers for bulk strings (the peer records), numbers for integers. */
  announceBuffer(...args: Arg[]): Promise<Array<number | Buffer>>;
  reapSwarm(...args: Arg[]): Promise<number>;
  putUser(...args: Arg[]): Promise<[number, string?]>;
  deleteUser(...args: Arg[]): Promise<number>;
  putTorrent(...args: Arg[]): Promise<number>;
  deleteTorrent(...args: Arg[]): Promise<number>;
}

/** A pipeline that also queues the script commands (each reply is read from the pipeline's result). */
export type ScriptPipeline = ChainableCommander & {
  reapSwarm(...args: Arg[]): ScriptPipeline;
  putUser(...args: Arg[]): ScriptPipeline;
  putTorrent(...args: Arg[]): ScriptPipeline;
};

interface Source {
  name: keyof typeof FILES;
  numberOfKeys: number;
  lua: string;
}

let sources: Source[] | undefined;

function readSources(): Source[] {
  sources ??= Object.entries(FILES).map(([name, file]) => {
    const keys = /-(\d+)\.lua$/.exec(file);
    if (!keys) throw new Error(`script ${file} must be named <name>-<numberOfKeys>.lua`);
    return { name: name as keyof typeof FILES, numberOfKeys: Number(keys[1]), lua: readFileSync(new URL(file, SCRIPTS_DIR), 'utf8') };
  });
  return sources;
}

/** Registers every script on `redis` and returns it typed with the script commands. */
export function defineScripts(redis: Redis): Redis & ScriptCommands {
  for (const s of readSources()) redis.defineCommand(s.name, { numberOfKeys: s.numberOfKeys, lua: s.lua });
  return redis as Redis & ScriptCommands;
}
