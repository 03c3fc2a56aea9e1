// /metrics and /healthz of real validator processes: the scrape parses as
// Prometheus text, and its peer gauges and transition counts agree with
// ListPeers, before and after a peer dies.
import { describe, expect, it, jest } from '@jest/globals'
import { type ListPeersResponse, PeerState, Topic } from '@paraloom/proto'
import { eventually } from '@paraloom/test-utils'
import type { TestValidator } from './helpers/cluster.js'
import { useCluster } from './helpers/cluster-suite.js'
import { publishWhenMeshed } from './helpers/grpc.js'
import { type MetricFamily, parseExposition, sampleValue } from './helpers/prometheus.js'
import { signedVote } from './helpers/votes.js'

// Real processes on a shared, loaded machine: every test and hook gets a generous bound.
jest.setTimeout(60_000)

const STATES: Record<string, PeerState> = {
  CONNECTED: PeerState.PEER_STATE_CONNECTED,
  SLOW: PeerState.PEER_STATE_SLOW,
  OFFLINE: PeerState.PEER_STATE_OFFLINE,
  UNKNOWN: PeerState.PEER_STATE_UNKNOWN,
}

const suite = useCluster({ size: 3 })
const { clients } = suite

async function scrape(v: TestValidator): Promise<Map<string, MetricFamily>> {
  const res = await fetch(v.metricsUrl, { signal: AbortSignal.timeout(5000) })
  expect(res.status).toBe(200)
  expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/)
  return parseExposition(await res.text())
}

/** paraloom_peers by state, next to the same count from ListPeers. */
function peerGauges(metrics: Map<string, MetricFamily>, list: ListPeersResponse) {
  const fromMetrics: Record<string, number | undefined> = {}
  const fromList: Record<string, number> = {}
  for (const [name, state] of Object.entries(STATES)) {
    fromMetrics[name] = sampleValue(metrics, 'paraloom_peers', { state: name })
    fromList[name] = list.peers.filter((p) => p.state === state).length
  }
  return { fromMetrics, fromList }
}

/** The sum of paraloom_peer_transitions_total over every from/to pair. */
const transitionsTotal = (metrics: Map<string, MetricFamily>): number =>
  (metrics.get('paraloom_peer_transitions_total')?.samples ?? []).reduce((n, s) => n + s.value, 0)

/**
 * Scrapes until the peer gauges and transition count agree with ListPeers
 * (a scrape and a call are not one atomic read) and `until` holds.
 */
const agreeing = (i: number, what: string, until: (m: Map<string, MetricFamily>) => boolean) =>
  eventually(`validator ${i}: /metrics to agree with ListPeers, ${what}`, async () => {
    const list = await clients[i]!.listPeers()
    const metrics = await scrape(suite.cluster.validators[i]!)
    const { fromMetrics, fromList } = peerGauges(metrics, list)
    const agree =
      JSON.stringify(fromMetrics) === JSON.stringify(fromList) &&
      transitionsTotal(metrics) === Number(list.lastSequence)
    if (!agree)
      throw new Error(
        `metrics ${JSON.stringify(fromMetrics)}, ListPeers ${JSON.stringify(fromList)}`,
      )
    return until(metrics) ? { list, metrics } : undefined
  })

const peersIn = (metrics: Map<string, MetricFamily>, state: string) =>
  sampleValue(metrics, 'paraloom_peers', { state })

describe('/metrics of a running validator', () => {
  it('parses as Prometheus text, every family with HELP and TYPE', async () => {
    const metrics = await scrape(suite.cluster.validators[0]!)
    for (const family of metrics.values()) {
      expect(family.help).not.toBe('')
      expect(family.type).not.toBe('untyped')
    }
    const types = Object.fromEntries([...metrics.values()].map((f) => [f.name, f.type]))
    expect(types).toMatchObject({
      paraloom_peers: 'gauge',
      paraloom_peer_transitions_total: 'counter',
      paraloom_ping_rtt_ms: 'histogram',
      paraloom_gossip_messages_total: 'counter',
      paraloom_requests_total: 'counter',
      paraloom_dht_routing_table_size: 'gauge',
      paraloom_registry_snapshot_age_seconds: 'gauge',
      paraloom_registry_rpc_consecutive_failures: 'gauge',
      paraloom_registry_rpc_errors_total: 'counter',
      paraloom_peer_bans_total: 'counter',
      paraloom_peer_excess_connections_total: 'counter',
      paraloom_p2p_background_failures_total: 'counter',
      process_cpu_seconds_total: 'counter',
    })
  })

  it('its peer gauges and transition count match ListPeers on every node', async () => {
    for (const i of suite.cluster.validators.keys()) {
      const { list, metrics } = await agreeing(
        i,
        '2 peers CONNECTED',
        (m) => peersIn(m, 'CONNECTED') === 2,
      )
      expect(list.lastSequence).toBeGreaterThanOrEqual(2n)
      expect(sampleValue(metrics, 'paraloom_ping_rtt_ms_count')).toBeGreaterThan(0)
      expect(sampleValue(metrics, 'paraloom_registry_snapshot_age_seconds')).toBeGreaterThanOrEqual(
        0,
      )
      expect(sampleValue(metrics, 'paraloom_registry_rpc_consecutive_failures')).toBe(0)
    }
  })

  it('reports the DHT routing table with both other validators in it', async () => {
    for (const v of suite.cluster.validators) {
      await eventually(`validator ${v.index}: routing table size 2`, async () =>
        sampleValue(await scrape(v), 'paraloom_dht_routing_table_size') === 2 ? true : undefined,
      )
    }
  })

  it('counts a published vote on the publisher and an accepted one on the others', async () => {
    const [publisher] = suite.cluster.validators as [TestValidator]
    await publishWhenMeshed(clients[0]!.gossip, Topic.TOPIC_VOTES, signedVote(publisher))
    const topic = 'paraloom/devnet/votes'
    expect(
      sampleValue(await scrape(publisher), 'paraloom_gossip_messages_total', {
        topic,
        result: 'published',
      }),
    ).toBe(1)
    for (const v of suite.cluster.validators.slice(1)) {
      await eventually(`validator ${v.index} to count the vote accepted`, async () =>
        sampleValue(await scrape(v), 'paraloom_gossip_messages_total', { topic, result: 'accept' }),
      )
    }
  })

  it('follows a peer that goes OFFLINE', async () => {
    const victim = suite.cluster.validators[2]!
    victim.kill('SIGKILL')
    await victim.exit(5000)
    for (const i of [0, 1]) {
      const { metrics } = await agreeing(
        i,
        'the victim OFFLINE',
        (m) => peersIn(m, 'OFFLINE') === 1,
      )
      expect(peersIn(metrics, 'CONNECTED')).toBe(1)
      expect(
        sampleValue(metrics, 'paraloom_peer_transitions_total', {
          from: 'CONNECTED',
          to: 'OFFLINE',
        }),
      ).toBeGreaterThanOrEqual(1)
    }
  }, 60_000)

  it('includes libp2p’s own metrics', async () => {
    const metrics = await scrape(suite.cluster.validators[0]!)
    expect([...metrics.keys()].filter((name) => name.startsWith('libp2p_'))).not.toEqual([])
  })
})

describe('/healthz and other paths', () => {
  it('/healthz is 200 with the identity, registry status and peer counts', async () => {
    const v = suite.cluster.validators[0]!
    const res = await fetch(`http://127.0.0.1:${v.ports.metrics}/healthz`, {
      signal: AbortSignal.timeout(5000),
    })
    expect(res.status).toBe(200)
    const body = (await res.json()) as Record<string, unknown>
    expect(body).toMatchObject({
      ok: true,
      identity: v.identity,
      registry: { source: expect.any(String) },
      peers: expect.objectContaining({ CONNECTED: expect.any(Number) }),
      bans: [],
    })
  })

  it.each([
    ['GET', '/nope', 404],
    ['POST', '/metrics', 405],
  ])('%s %s is %i', async (method, path, code) => {
    const res = await fetch(
      `http://127.0.0.1:${suite.cluster.validators[0]!.ports.metrics}${path}`,
      {
        method,
        signal: AbortSignal.timeout(5000),
      },
    )
    expect(res.status).toBe(code)
  })
})
