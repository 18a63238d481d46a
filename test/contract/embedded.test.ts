import { EmbeddedStore } from '../../src/store/embedded/embedded-store.js';
import { tempDir } from '../helpers/temp-dir.js';
import { flushContract } from './flush-contract.js';
import { storeContract } from './store-contract.js';

// Each test gets its own data folder, removed when it finishes.
storeContract('embedded', { makeStore: async () => new EmbeddedStore({ path: tempDir('embedded') }) });
flushContract('embedded', { makeStore: async (opts) => new EmbeddedStore({ path: tempDir('embedded'), ...opts }) });
