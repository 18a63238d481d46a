// Loads the fuzz worker's TypeScript through tsx (as `npm run bench` runs TypeScript): a worker
// thread does not inherit vitest's transform.
import { tsImport } from 'tsx/esm/api';

await tsImport('./fuzz-worker.ts', import.meta.url);
