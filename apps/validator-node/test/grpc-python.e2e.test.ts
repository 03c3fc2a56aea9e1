// A gRPC client that is not ours: Python's grpcio (Debian's python3-grpcio)
// with stubs that protoc generates at test time from the repo's .proto files,
// calling both services, Health, and listing everything through reflection;
// and a Python watcher that sees the node shut down.
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals'
import type { TestValidator } from './helpers/cluster.js'
import { useCluster } from './helpers/cluster-suite.js'
import { generateStubs, PYTHON, PythonProcess, tool } from './helpers/python.js'

// Real processes on a shared, loaded machine: every test and hook gets a generous bound.
jest.setTimeout(60_000)

const CLIENT_SCRIPT = fileURLToPath(new URL('./fixtures/grpc_client.py', import.meta.url))

interface PythonReport {
  list_peers: {
    observer: { validator: string; peer_id: string; incarnation: string; network: string }
    last_sequence: number
    peers: { validator: string; peer_id: string; state: string }[]
  }
  snapshot: { kind: string; last_sequence?: number; peers?: number }[]
  replay: {
    kind: string
    sequence?: number
    validator?: string
    from_state?: string
    to_state?: string
    reason?: string
  }[]
  resume_without_incarnation: { code: string; details: string }
  publish_garbage: { code: string; details: string }
  health: Record<string, string>
  reflection: Record<
    'v1' | 'v1alpha',
    {
      services: string[]
      methods: Record<string, { name: string; server_streaming: boolean }[]>
    }
  >
}

const suite = useCluster({ size: 2 })
let dir: string
let stubs: string
let report: PythonReport

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'paraloom-python-'))
  stubs = await generateStubs(dir)
  const stdout = await tool(PYTHON, [
    CLIENT_SCRIPT,
    stubs,
    suite.cluster.validators[0]!.grpcAddress,
  ])
  report = JSON.parse(stdout) as PythonReport
}, 120_000)

afterAll(async () => {
  await rm(dir, { recursive: true, force: true })
}, 60_000)

describe('Python grpcio against a validator', () => {
  it('ListPeers answers as it does to our own client', async () => {
    const [self, peer] = suite.cluster.validators as [TestValidator, TestValidator]
    expect(report.list_peers.observer).toMatchObject({
      validator: self.identity,
      peer_id: self.peerId,
      network: 'devnet',
    })
    expect(report.list_peers.peers).toEqual([
      { validator: peer.identity, peer_id: peer.peerId, state: 'PEER_STATE_CONNECTED' },
    ])
    const ours = await suite.clients[0]!.listPeers()
    expect(ours.observer?.incarnation).toBe(report.list_peers.observer.incarnation)
  })

  it('WatchPeers gives a snapshot, and replays from sequence 0 in order', () => {
    expect(report.snapshot).toEqual([
      { kind: 'snapshot', last_sequence: expect.any(Number), peers: 1 },
    ])
    const last = report.list_peers.last_sequence
    expect(last).toBeGreaterThanOrEqual(1)
    expect(report.replay.map((e) => [e.kind, e.sequence])).toEqual(
      Array.from({ length: last }, (_, i) => ['transition', i + 1]),
    )
    // The peer's first probe result, and it is CONNECTED by now.
    const peer = suite.cluster.validators[1]!.identity
    expect(report.replay[0]).toMatchObject({ validator: peer, from_state: 'PEER_STATE_UNKNOWN' })
    expect(report.replay.at(-1)).toMatchObject({
      validator: peer,
      to_state: 'PEER_STATE_CONNECTED',
    })
  })

  it('a transition reads as from_state, to_state and a TransitionReason enum name', () => {
    const transitions = report.replay.filter((e) => e.kind === 'transition')
    expect(transitions.length).toBeGreaterThan(0)
    // Each reason is the one its two states call for (the path depends on the machine's load).
    const expected = (from?: string, to?: string): RegExp => {
      if (to === 'PEER_STATE_OFFLINE')
        return /^TRANSITION_REASON_(TIMEOUT|DIAL_FAILED|DIAL_BACKOFF|PING_FAILED)$/
      if (to === 'PEER_STATE_SLOW') return /^TRANSITION_REASON_RTT_ABOVE_SLOW$/
      if (from === 'PEER_STATE_SLOW') return /^TRANSITION_REASON_RTT_BELOW_RECOVERY$/
      return /^TRANSITION_REASON_REPLY$/
    }
    for (const t of transitions) {
      expect(t.from_state).toMatch(/^PEER_STATE_(UNKNOWN|CONNECTED|SLOW|OFFLINE)$/)
      expect(t.to_state).toMatch(/^PEER_STATE_(CONNECTED|SLOW|OFFLINE)$/)
      expect(t.reason).toMatch(expected(t.from_state, t.to_state))
    }
  })

  it('WatchPeers with after_sequence but no incarnation is INVALID_ARGUMENT', () => {
    expect(report.resume_without_incarnation).toEqual({
      code: 'INVALID_ARGUMENT',
      details: expect.stringMatching(/after_sequence needs the incarnation/),
    })
  })

  it('Publish with garbage is INVALID_ARGUMENT naming the decode error', () => {
    expect(report.publish_garbage.code).toBe('INVALID_ARGUMENT')
    expect(report.publish_garbage.details).toMatch(/^Vote payload: \w+ at byte \d+: /)
  })

  it('Health reports the server and every service SERVING', () => {
    expect(report.health).toEqual({
      '': 'SERVING',
      'paraloom.v1.PeerMonitor': 'SERVING',
      'paraloom.v1.Gossip': 'SERVING',
      'paraloom.v1.Query': 'SERVING',
    })
  })

  it.each([
    'v1',
    'v1alpha',
  ] as const)('reflection (%s) lists every service and their methods without the proto files', (version) => {
    const { services, methods } = report.reflection[version]
    expect(services).toEqual([
      'grpc.health.v1.Health',
      'paraloom.v1.Gossip',
      'paraloom.v1.PeerMonitor',
      'paraloom.v1.Query',
    ])
    expect(methods['paraloom.v1.PeerMonitor']).toEqual([
      { name: 'ListPeers', server_streaming: false },
      { name: 'WatchPeers', server_streaming: true },
    ])
    expect(methods['paraloom.v1.Gossip']).toEqual([
      { name: 'Publish', server_streaming: false },
      { name: 'Subscribe', server_streaming: true },
    ])
    expect(methods['paraloom.v1.Query']).toEqual([
      { name: 'StateSync', server_streaming: false },
      { name: 'WithdrawalProof', server_streaming: false },
      { name: 'Serve', server_streaming: true },
    ])
    expect(methods['grpc.health.v1.Health']?.map((m) => m.name)).toEqual(
      expect.arrayContaining(['Check', 'Watch']),
    )
  })
})

describe('Python grpcio watching a validator that shuts down', () => {
  it('its WatchPeers stream ends with UNAVAILABLE, not OK; its peer sees it OFFLINE with a miss reason', async () => {
    const [peer, target] = suite.cluster.validators as [TestValidator, TestValidator]
    const follow = (v: TestValidator) =>
      PythonProcess.spawn([CLIENT_SCRIPT, stubs, v.grpcAddress, 'follow'])
    const onTarget = follow(target)
    const onPeer = follow(peer)
    try {
      await onTarget.waitFor('the snapshot', (l) => l.event === 'snapshot')
      await onPeer.waitFor('the snapshot', (l) => l.event === 'snapshot')
      await target.stop()
      const end = await onTarget.waitFor('the end of the stream', (l) => 'end' in l)
      expect(end).toEqual({ end: 'UNAVAILABLE', details: 'the node is shutting down' })
      const offline = await onPeer.waitFor(
        'the stopped validator OFFLINE',
        (l) => l.validator === target.identity && l.to_state === 'PEER_STATE_OFFLINE',
      )
      expect(offline).toMatchObject({
        event: 'transition',
        from_state: expect.stringMatching(/^PEER_STATE_(CONNECTED|SLOW)$/),
        reason: expect.stringMatching(
          /^TRANSITION_REASON_(TIMEOUT|DIAL_FAILED|DIAL_BACKOFF|PING_FAILED)$/,
        ),
      })
    } finally {
      await Promise.all([onTarget.stop(), onPeer.stop()])
    }
  })
})
