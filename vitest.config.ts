import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Native modules (better-sqlite3, keytar) and real child processes: isolate files in processes.
    pool: 'forks',
    // BW_TEST_PG=17 runs the PostgreSQL tests against 17 instead of the machine's 15 (test/helpers/pgMatrix).
    setupFiles: ['test/helpers/pgMatrix.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    reporters: ['default'],
  },
});
