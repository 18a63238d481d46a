import { describe, expect, it } from 'vitest';
import type { Logger } from '../../src/daemon/logger.js';
import { RegistryWatch } from '../../src/daemon/registry-watch.js';
import { MemoryStore } from '../../src/store/memory/memory-store.js';

const user = { id: 1, passkey: 'a'.repeat(32), name: 'a', canLeech: true, enabled: true, leechSlots: 0 };
const torrent = { id: 10, infoHash: 'ab'.repeat(20), name: 't', multiUp: 1, multiDown: 1, enabled: true, reason: '' };

/** A logger that keeps its lines: [level, message]. */
function lines(): { logger: Logger; seen: Array<[string, string]> } {
  const seen: Array<[string, string]> = [];
  const at = (level: string) => (obj: object | string, msg?: string) => void seen.push([level, msg ?? String(obj)]);
  return { logger: { info: at('info'), warn: at('warn'), error: at('error'), debug: at('debug') } as unknown as Logger, seen };
}

describe('the registry watch', () => {
  it('at start with an empty registry: one warn line saying to run mika warmup, and a degraded status with the reason', () => {
    const { logger, seen } = lines();
    const watch = new RegistryWatch(new MemoryStore(), logger);
    watch.check();
    watch.check();
    expect(seen).toEqual([['warn', expect.stringMatching(/^registry empty: no users and no torrents registered in the memory store; every announce fails "unknown passkey" until it is loaded: run `mika warmup`/)]]);
    expect(watch.status()).toEqual({ ok: false, reason: 'registry empty: no users and no torrents registered in the memory store' });
  });

  it('when a registry that held entries empties (Redis restarted without its data): says what it held, and clears once it is loaded again', async () => {
    const { logger, seen } = lines();
    const store = new MemoryStore();
    await store.putUser(user);
    await store.putTorrent(torrent);
    const watch = new RegistryWatch(store, logger);
    watch.check();
    expect(watch.status()).toEqual({ ok: true });
    await store.deleteUser(1);
    await store.deleteTorrent(torrent.infoHash);
    watch.check();
    expect(watch.status().reason).toBe('registry emptied: it held 1 users and 1 torrents and now holds none (was the memory store\'s storage restarted without its data?)');
    await store.putUser(user);
    watch.check();
    expect(watch.status()).toEqual({ ok: true });
    expect(seen.map(([level]) => level)).toEqual(['warn', 'info']);
  });

  it('with store.auto_warmup: reloads the registry by itself, and is ok once it holds entries', async () => {
    const { logger, seen } = lines();
    const store = new MemoryStore();
    const watch = new RegistryWatch(store, logger);
    let runs = 0;
    watch.useWarmup(async () => {
      runs++;
      await store.putUser(user);
    });
    watch.check();
    expect(seen[0]![1]).toMatch(/reloading it from the site database \(store\.auto_warmup\)$/);
    await new Promise((r) => setImmediate(r));
    expect(runs).toBe(1);
    expect(watch.status()).toEqual({ ok: true });
  });

  it('a failed automatic warmup is logged and the status stays degraded', async () => {
    const { logger, seen } = lines();
    const watch = new RegistryWatch(new MemoryStore(), logger);
    watch.useWarmup(async () => {
      throw new Error('connect ECONNREFUSED 127.0.0.1:3306');
    });
    watch.check();
    await new Promise((r) => setImmediate(r));
    expect(seen.at(-1)).toEqual(['error', expect.stringMatching(/^automatic warmup failed; tried again in 60 s/)]);
    expect(watch.status().ok).toBe(false);
  });
});
