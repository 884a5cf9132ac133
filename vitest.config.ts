import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Tests start real servers and real pip; two cores, so keep parallelism modest.
    pool: 'forks',
    maxWorkers: 2,
  },
});
