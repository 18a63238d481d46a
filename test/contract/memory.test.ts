import { MemoryStore } from '../../src/store/memory/memory-store.js';
import { flushContract } from './flush-contract.js';
import { storeContract } from './store-contract.js';

storeContract('memory', { makeStore: async () => new MemoryStore() });
flushContract('memory', { makeStore: async (opts) => new MemoryStore(opts) });
