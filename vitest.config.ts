import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'src/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
    // CLI tests spawn the built CLI: build dist/ first when it is missing or older than src/.
    globalSetup: ['test/global-build.ts'],
  },
});
