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
}
