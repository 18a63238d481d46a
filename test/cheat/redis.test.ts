import { RedisStore } from '../../src/store/redis/redis-store.js';
import { useRedisServer } from '../helpers/redis-server.js';
import { cheatSuite } from './cheat-suite.js';

const redis = useRedisServer();

cheatSuite('redis', { makeStore: async () => new RedisStore({ url: redis().url, keyPrefix: 'mika:' }) });
