import { preset } from '../../jest.preset.js'

// Tests serve the PeerMonitor API from a real PeerRegistry. Only its pure
// liveness module is needed, so tests load it from source (the same mapping is
// in tsconfig.json for type-checking); src never imports @paraloom/p2p.
export default {
  ...preset,
  moduleNameMapper: {
    ...preset.moduleNameMapper,
    '^@paraloom/p2p$': '<rootDir>/../../packages/p2p/src/liveness/index.ts',
  },
  testTimeout: 60_000,
}
