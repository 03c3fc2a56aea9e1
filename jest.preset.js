// Shared jest setup for every package: ts-jest on ESM, TypeScript sources,
// `.js` import specifiers mapped back to their `.ts` files.
import { fileURLToPath } from 'node:url'

const polyfill = fileURLToPath(new URL('./scripts/jest-polyfill.js', import.meta.url))

/** @type {import('jest').Config} */
export const preset = {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  setupFiles: [polyfill],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  transform: {
    '^.+\\.ts$': ['ts-jest', { useESM: true }],
  },
  testMatch: ['<rootDir>/test/**/*.test.ts'],
  // Tests assert behaviour, not speed: many spawn the CLI or start real nodes,
  // which takes seconds on a busy machine. The bound still ends a hung test.
  testTimeout: 60_000,
}
