import { MemoryStore } from '../../src/store/memory/memory-store.js';
import { cheatSuite } from './cheat-suite.js';

cheatSuite('memory', { makeStore: async () => new MemoryStore() });
