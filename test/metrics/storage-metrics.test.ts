import { describe, expect, it, onTestFinished } from 'vitest';
import { RedisStore } from '../../src/store/redis/redis-store.js';
import { eventually } from '../helpers/eventually.js';
import { useRedisServer } from '../helpers/redis-server.js';
import { metricsOn } from './fixtures.js';
import { parsePrometheusText, sampleValue } from './prometheus-text.js';

// The storage metrics on the Redis store, through an outage of a real redis-server.

const redis = useRedisServer();

describe('storage metrics on the Redis store', () => {
  it('mika_storage_up drops while Redis is away, and each connection that comes back counts a reconnect', async () => {
    const server = redis();
    const store = new RedisStore({ url: server.url, keyPrefix: 'mika:', logger: { info() {}, warn() {} } });
    await store.open();
    onTestFinished(() => store.close());
    const { metrics } = metricsOn(store);
    const read = async (name: string) => sampleValue(parsePrometheusText((await metrics.render()).body), name);

    expect(await read('mika_storage_up')).toBe(1);
    expect(await read('mika_storage_reconnects_total')).toBe(0);
    await server.stop();
    expect(await read('mika_storage_up')).toBe(0);
    // the last known totals stay
    expect(await read('mika_seeders')).toBe(0);
    await server.start();
    await eventually(() => store.ping(), 5000);
    // the main and the events connection
    await eventually(async () => (await read('mika_storage_reconnects_total')) === 2, 5000);
    expect(await read('mika_storage_up')).toBe(1);
  });
});
