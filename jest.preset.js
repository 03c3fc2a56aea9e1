// Shared jest setup for every package: ts-jest on ESM, TypeScript sources,
// `.js` import specifiers mapped back to their `.ts` files.
import { fileURLToPath } from 'node:url'

const polyfill = fileURLToPath(new URL('./scripts/jest-polyfill.js', import.meta.url))

/**
 * Which tests run: every package names a test that opens a socket or runs a
 * process (real nodes over TCP, gRPC, HTTP, a spawned CLI) `*.e2e.test.ts`;
 * the rest are unit tests (stubs, in-memory streams, no network). `PARALOOM_TESTS=unit`
 * or `PARALOOM_TESTS=e2e` (the `test:unit` and `test:e2e` scripts) runs one kind;
 * unset, both (`test`).
 */
const E2E = '\\.e2e\\.test\\.ts$'
const kind = process.env.PARALOOM_TESTS
if (kind !== undefined && kind !== 'unit' && kind !== 'e2e') {
  throw new Error(`PARALOOM_TESTS=${kind}: expected unit or e2e`)
}

/** @type {import('jest').Config} */
export const preset = {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  setupFiles: [polyfill],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  transform: {
    '^.+\\.ts$': ['ts-jest', { useESM: true }],
  },
  testMatch: [kind === 'e2e' ? '<rootDir>/test/**/*.e2e.test.ts' : '<rootDir>/test/**/*.test.ts'],
  testPathIgnorePatterns: kind === 'unit' ? ['/node_modules/', E2E] : ['/node_modules/'],
  // Tests assert behaviour, not speed: many spawn the CLI or start real nodes,
  // which takes seconds on a busy machine. The bound still ends a hung test.
  testTimeout: 60_000,
}
