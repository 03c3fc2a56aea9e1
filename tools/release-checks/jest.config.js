import { preset } from '../../jest.preset.js'

export default {
  ...preset,
  // Packing, a real npm install (a native addon builds from source) and
  // type-checking take minutes, not seconds: generous but bounded.
  testTimeout: 600_000,
}
