import { RedisClusterStore } from '../../src/store/redis/redis-cluster-store.js';
import { useRedisCluster } from '../helpers/redis-cluster.js';
import { storeContract } from './store-contract.js';

// The store contract against a real 3-master Redis Cluster: every script and batch must keep to
// one hash slot, and the user's counters must match the memory store's after the two-step announce.
// (The SQL flush does not run on a cluster: no flush contract here.)

const cluster = useRedisCluster();

storeContract('redis cluster', {
  makeStore: async () => {
    await cluster().flush();
    return new RedisClusterStore({ url: 'redis://', mode: 'cluster', nodes: cluster().seeds, keyPrefix: 'mika:' });
  },
  // Not counted on a cluster (docs/protocol.md, "Leech slots"); redis-cluster-store.test pins that.
  leechSlots: false,
});
