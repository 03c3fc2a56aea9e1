import { describe, expect, it } from '@jest/globals'
import type { RegistryStatus } from '@paraloom/registry'
import { registryProblem, STALE_AFTER_REFRESHES } from '../src/metrics/registry-health.js'

const REFRESH_MS = 2000
const status = (over: Partial<RegistryStatus>): RegistryStatus => ({
  lastSuccessAt: 0,
  snapshotAgeMs: 0,
  consecutiveFailures: 0,
  lastError: undefined,
  lastErrorCode: undefined,
  source: 'rpc',
  subscription: 'connected',
  ...over,
})

describe('registryProblem', () => {
  it.each<[string, RegistryStatus | undefined, RegExp | undefined]>([
    ['no client yet', undefined, /no registry snapshot yet/],
    [
      'no snapshot',
      status({ source: 'none', snapshotAgeMs: undefined }),
      /no registry snapshot yet/,
    ],
    ['fresh', status({ snapshotAgeMs: 1500 }), undefined],
    [
      'cached, at the limit',
      status({ source: 'cache', snapshotAgeMs: STALE_AFTER_REFRESHES * REFRESH_MS }),
      undefined,
    ],
    [
      'one ms over the limit',
      status({
        snapshotAgeMs: STALE_AFTER_REFRESHES * REFRESH_MS + 1,
        consecutiveFailures: 7,
        lastError: 'HTTP 500',
      }),
      /^registry snapshot is 10 s old, over 5 refresh intervals \(10 s\); 7 refreshes failed in a row; last error: HTTP 500$/,
    ],
  ])('%s', (_name, s, expected) => {
    const problem = registryProblem(s, REFRESH_MS)
    if (expected === undefined) expect(problem).toBeUndefined()
    else expect(problem).toMatch(expected)
  })
})
