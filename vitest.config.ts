// Test runner configuration: tests live next to the code they check (`*.test.ts`).
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['{core,sim,drivers,runners,fuzz,bench}/**/*.test.ts'],
    exclude: ['dist/**', 'node_modules/**'],
    pool: 'forks',
    testTimeout: 60_000,
    hookTimeout: 60_000,
    coverage: {
      provider: 'v8',
      include: ['core/**/*.ts'],
      exclude: ['core/**/*.test.ts'],
    },
  },
});
