import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Pin anything in the environment that affects output (STYLE habit 12).
    env: { TZ: 'UTC' },
    testTimeout: 30_000,
    // Under CI also write a JSON report, from which .ci/run prints "N passed, N failed".
    reporters: process.env.CI ? ['default', 'json'] : ['default'],
    outputFile: { json: 'vitest.json' },
  },
});
