import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'test/**/*.test.tsx'],
    testTimeout: 60_000,
    hookTimeout: 30_000,
    // Test files start their own redis-server processes; two at a time suits a 2-core machine.
    maxWorkers: 2,
    globalSetup: ['test/global-setup.ts'],
  },
});
