// validator.toml's [liveness] defaults are p2p's LIVENESS_DEFAULTS, not numbers of
// their own: a config with no [liveness] table runs the library's defaults.
import { describe, expect, it } from '@jest/globals'
import { LIVENESS_DEFAULTS } from '@paraloom/p2p'
import { buildConfig } from '../src/config/index.js'

describe('[liveness] defaults', () => {
  it('equal the exported liveness defaults of p2p', () => {
    const { liveness } = buildConfig({ network: 'devnet' }, {}, 'test', '/tmp')
    expect(liveness).toEqual({
      pingIntervalMs: LIVENESS_DEFAULTS.pingIntervalMs,
      pingTimeoutMs: LIVENESS_DEFAULTS.pingTimeoutMs,
      slowRttMs: LIVENESS_DEFAULTS.slowRttMs,
      offlineAfterMissed: LIVENESS_DEFAULTS.offlineAfterMissed,
      // Absent: createLiveness applies LIVENESS_DEFAULTS.historyCapacity itself.
      historyCapacity: undefined,
    })
  })

  it('lets a key in the file override its default', () => {
    const doc = { network: 'devnet', liveness: { slow_rtt_ms: LIVENESS_DEFAULTS.slowRttMs + 1 } }
    const { liveness } = buildConfig(doc, {}, 'test', '/tmp')
    expect(liveness.slowRttMs).toBe(LIVENESS_DEFAULTS.slowRttMs + 1)
    expect(liveness.pingIntervalMs).toBe(LIVENESS_DEFAULTS.pingIntervalMs)
  })
})
