// The registry as two real validator processes see it through the stand-in:
// a well-formed but empty getProgramAccounts answer (the registry account
// still counts 2 active) is refused, counted and warned about, and the peers
// stay; /healthz turns degraded with a reason once the kept snapshot is older
// than a few refresh intervals, and ok again when the RPC answers sensibly.
// A real RPC failure (HTTP 500) moves paraloom_registry_rpc_errors_total.
import { describe, expect, it, jest } from '@jest/globals'
import { eventually } from '@paraloom/test-utils'
import { STALE_AFTER_REFRESHES } from '../src/metrics/registry-health.js'
import type { TestValidator } from './helpers/cluster.js'
import { useCluster } from './helpers/cluster-suite.js'
import { connectedValidators } from './helpers/grpc.js'
import { parseExposition, sampleValue } from './helpers/prometheus.js'

jest.setTimeout(120_000)

const suite = useCluster({ size: 2 })
/** The Cluster helper's `refresh_secs`. */
const REFRESH_MS = 2000
/** Deadlines derive from the refresh interval, with room for a loaded machine. */
const within = (refreshes: number) => ({ timeoutMs: refreshes * REFRESH_MS + 30_000 })

async function metric(v: TestValidator, name: string, labels: Record<string, string> = {}) {
  const res = await fetch(v.metricsUrl, { signal: AbortSignal.timeout(5000) })
  return sampleValue(parseExposition(await res.text()), name, labels) ?? 0
}

async function health(v: TestValidator) {
  const res = await fetch(`http://127.0.0.1:${v.ports.metrics}/healthz`, {
    signal: AbortSignal.timeout(5000),
  })
  return { status: res.status, body: (await res.json()) as Record<string, unknown> }
}

describe('a registry answer that contradicts the registry account', () => {
  it('is refused: peers kept, counted, warned; /healthz degraded once the snapshot is stale, then ok again', async () => {
    const { cluster, clients } = suite
    const [v] = cluster.validators as [TestValidator, TestValidator]
    const other = cluster.validators[1]!.identity
    expect((await health(v)).status).toBe(200)
    expect(await metric(v, 'paraloom_registry_snapshots_refused_total')).toBe(0)

    cluster.standIn.setProgramAccountsHidden(true)
    await eventually(
      'a refused snapshot counted',
      async () =>
        (await metric(v, 'paraloom_registry_snapshots_refused_total')) > 0 ? true : undefined,
      within(2),
    )
    const warning = await v.waitForLine(/registry snapshot refused/)
    expect(warning).toMatch(
      /listed 0 validator accounts while the registry account counts 2 active/,
    )
    // The empty answer was not obeyed: the other validator is still admitted and CONNECTED.
    expect(connectedValidators(await clients[0]!.listPeers())).toEqual([other])

    const degraded = await eventually(
      '/healthz degraded',
      async () => {
        const h = await health(v)
        return h.status === 503 ? h.body : undefined
      },
      within(STALE_AFTER_REFRESHES + 2),
    )
    expect(degraded).toMatchObject({
      ok: false,
      status: 'degraded',
      reason: expect.stringMatching(
        /registry snapshot is \d+ s old, over 5 refresh intervals \(10 s\); \d+ refreshes failed in a row; last error: getProgramAccounts listed 0/,
      ),
    })
    expect(connectedValidators(await clients[0]!.listPeers())).toEqual([other])

    cluster.standIn.setProgramAccountsHidden(false)
    await eventually(
      '/healthz ok again',
      async () => ((await health(v)).status === 200 ? true : undefined),
      within(2),
    )
  })

  it('a real RPC failure moves paraloom_registry_rpc_errors_total', async () => {
    const [v] = suite.cluster.validators as [TestValidator]
    const before = await metric(v, 'paraloom_registry_rpc_errors_total', { round: 'snapshot' })
    suite.cluster.standIn.setHttpFault('status-500')
    try {
      await eventually(
        'the RPC error counter to move',
        async () => {
          const now = await metric(v, 'paraloom_registry_rpc_errors_total', { round: 'snapshot' })
          return now > before ? true : undefined
        },
        within(2),
      )
    } finally {
      suite.cluster.standIn.setHttpFault('none')
    }
    expect(await metric(v, 'paraloom_registry_rpc_consecutive_failures')).toBeGreaterThan(0)
  })
})
