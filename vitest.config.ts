import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 30_000, // 30 seconds: integration tests start real servers
    hookTimeout: 30_000,
    pool: 'forks',
    fileParallelism: true,
  },
});
