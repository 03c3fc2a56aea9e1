import { preset } from '../../jest.preset.js'

export default {
  ...preset,
  globalSetup: '<rootDir>/test/global-setup.js',
  // Real nodes on loopback: generous but bounded.
  testTimeout: 60_000,
}
