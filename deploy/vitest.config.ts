import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    // Replaying the Dockerfile runs two offline `npm ci` and a TypeScript build.
    hookTimeout: 300_000,
  },
});
