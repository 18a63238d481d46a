import { afterAll, beforeAll } from 'vitest';
import { RedisStore } from '../../src/store/redis/redis-store.js';
import { startRedisServer, type RedisServer } from '../helpers/redis-server.js';
import { flushContract } from './flush-contract.js';
import { storeContract } from './store-contract.js';

let server: RedisServer;
beforeAll(async () => {
  server = await startRedisServer();
});
afterAll(async () => {
  await server?.destroy();
});

storeContract('redis', {
  makeStore: async () => {
    await server.flush();
    return new RedisStore({ url: server.url, keyPrefix: 'mika:' });
  },
});
flushContract('redis', {
  makeStore: async ({ flush, flushCheats }) => {
    await server.flush();
    return new RedisStore({ url: server.url, keyPrefix: 'mika:', flush, flushCheats });
  },
});
