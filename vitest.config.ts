import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    setupFiles: ['./test/setup.ts'],
    // Integration tests spawn real atpd processes; give them room on a 2-core machine.
    testTimeout: 60_000,
    // A beforeAll that starts daemons waits up to ATPD_START_TIMEOUT_MS (100 s) for each
    // start (daemon/launcher/atpd-process.ts), plus session set-up.
    hookTimeout: 150_000,
    pool: 'forks',
    maxWorkers: 2
  }
})
