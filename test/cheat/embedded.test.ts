import { join } from 'node:path';
import { EmbeddedStore } from '../../src/store/embedded/embedded-store.js';
import { tempDir } from '../helpers/temp-dir.js';
import { cheatSuite } from './cheat-suite.js';

cheatSuite('embedded', { makeStore: async () => new EmbeddedStore({ path: join(tempDir('cheat-embedded'), 'data') }) });
