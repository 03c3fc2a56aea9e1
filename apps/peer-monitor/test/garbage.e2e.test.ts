import { mkdtempSync, rmSync } from 'node:fs'
import { createServer, type Server as NetServer, type Socket } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  Server,
  type ServerUnaryCall,
  type ServerWritableStream,
  type sendUnaryData,
  type UntypedServiceImplementation,
} from '@grpc/grpc-js'
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals'
import {
  type ListPeersResponse,
  type PeerEvent,
  PeerEvent as PeerEventCodec,
  PeerMonitorService,
  PeerState,
  TransitionReason,
  type WatchPeersRequest,
} from '@paraloom/proto'
import { waitFor } from '@paraloom/test-utils'
import { createMonitor, type Monitor } from '../src/monitor.js'
import { type MonitorStore, openStore } from '../src/store/store.js'
import { checkEvent, defaultEventLimits } from '../src/watch/event-check.js'
import type { WatcherInit } from '../src/watch/watcher.js'
import { bind, drive, startTestNode, type TestNode } from './helpers/node.js'

const observer = { peerId: 'peerG', validator: 'G', incarnation: 'inc', network: 'localnet' }
const snapshot = (lastSequence = 0n): PeerEvent => ({
  observer,
  event: { $case: 'snapshot', value: { lastSequence, atMs: 1n, peers: [] } },
})
const transition = (sequence: bigint, over: Record<string, unknown> = {}): PeerEvent => ({
  observer,
  event: {
    $case: 'transition',
    value: {
      sequence,
      peerId: 'peerV',
      validator: 'V',
      fromState: PeerState.PEER_STATE_CONNECTED,
      toState: PeerState.PEER_STATE_OFFLINE,
      atMs: 5n,
      consecutiveMisses: 3,
      reason: TransitionReason.TRANSITION_REASON_TIMEOUT,
      ...over,
    },
  },
})

const gap = (reason: string): PeerEvent => ({
  observer,
  event: {
    $case: 'gap',
    value: { requestedAfter: 1n, requestedIncarnation: 'old', oldestAvailable: 1n, reason },
  },
})

describe('checkEvent', () => {
  const long = 'x'.repeat(defaultEventLimits.maxIdLength + 1)
  it.each<[string, PeerEvent, RegExp]>([
    ['no observer', { event: snapshot().event }, /observer is missing/],
    [
      'empty observer validator',
      { ...snapshot(), observer: { ...observer, validator: '' } },
      /observer.validator is empty/,
    ],
    ['oversize peer id', { ...snapshot(), observer: { ...observer, peerId: long } }, /over 128/],
    ['no event', { observer }, /event is empty/],
    [
      'unknown state',
      transition(1n, { toState: 99 }),
      /transition.to_state is not a known peer state/,
    ],
    ['unspecified state', transition(1n, { fromState: 0 }), /transition.from_state/],
    ['sequence 0', transition(0n), /sequences start at 1/],
    ['sequence beyond 2^53', transition(2n ** 60n), /transition.sequence/],
    ['NaN rtt', transition(1n, { rttMs: Number.NaN }), /rtt_ms/],
    [
      'negative reason',
      transition(1n, { reason: -1 }),
      /transition.reason is not a transition reason/,
    ],
    ['string reason', transition(1n, { reason: 'timeout' }), /transition.reason is not/],
    ['oversize gap reason', gap('r'.repeat(65)), /gap.reason is 65/],
  ])('rejects %s', (_name, event, message) => {
    expect(() => checkEvent('node:1', event)).toThrow(message)
    expect(() => checkEvent('node:1', event)).toThrow(
      expect.objectContaining({ name: 'WatchError', code: 'MalformedEvent', address: 'node:1' }),
    )
  })

  it('stores a transition reason by its name; a reason number it does not know as reason-N', () => {
    const reasonOf = (event: PeerEvent) => {
      const e = checkEvent('node:1', event)
      return e.kind === 'transition' ? e.transition.reason : undefined
    }
    expect(reasonOf(transition(1n))).toBe('timeout')
    const slow = transition(1n, { reason: TransitionReason.TRANSITION_REASON_RTT_ABOVE_SLOW })
    expect(reasonOf(slow)).toBe('rtt-above-slow')
    expect(reasonOf(transition(1n, { reason: 99 }))).toBe('reason-99')
  })

  it('accepts a snapshot at the peer cap and rejects one over it', () => {
    const peer = {
      peerId: 'p',
      validator: 'v',
      state: PeerState.PEER_STATE_CONNECTED,
      consecutiveMisses: 0,
      sinceMs: 1n,
    }
    const limits = { ...defaultEventLimits, maxPeersPerSnapshot: 2 }
    const event = (n: number): PeerEvent => ({
      observer,
      event: {
        $case: 'snapshot',
        value: { lastSequence: 0n, atMs: 1n, peers: Array(n).fill(peer) },
      },
    })
    expect(checkEvent('n:1', event(2), limits)).toMatchObject({ kind: 'snapshot' })
    expect(() => checkEvent('n:1', event(3), limits)).toThrow(/3 peers, over 2/)
  })
})

let dir: string
let good: TestNode
let store: MonitorStore
let m: Monitor | undefined
const closers: Array<() => Promise<void> | void> = []

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'peer-monitor-garbage-'))
  good = await startTestNode({ validator: 'A' })
  good.registry.addPeer('peer-V', 'V')
  store = openStore({ file: join(dir, 'monitor.db') })
})
afterEach(async () => {
  await m?.stop()
  m = undefined
  store.close()
  await good.stop()
  for (const close of closers.splice(0)) await close()
  rmSync(dir, { recursive: true, force: true })
})

function watch(bad: string, watcher: Pick<WatcherInit, 'refreshIntervalMs'> = {}) {
  m = createMonitor({
    validators: [good.address, bad],
    store,
    evaluateIntervalMs: 25,
    watcher: { initialBackoffMs: 50, maxBackoffMs: 100, connectTimeoutMs: 500, ...watcher },
  })
  m.start()
  return m
}

/** The good node's transitions still arrive while the bad one fails. */
async function goodStillServed(mon: Monitor) {
  drive(good.registry, 'peer-V', 'OFFLINE')
  await waitFor('good node stored', () => mon.store.cursor(good.address)?.lastSequence === 1)
  drive(good.registry, 'peer-V', 'CONNECTED')
  await waitFor('good node stored again', () => mon.store.cursor(good.address)?.lastSequence === 2)
}

type ListPeersHandler = (
  call: ServerUnaryCall<unknown, ListPeersResponse>,
  answer: sendUnaryData<ListPeersResponse>,
) => void

/** A gRPC server whose WatchPeers sends `events` through `serialize`; its ListPeers never answers unless given. */
async function fakeNode(
  handler: (call: ServerWritableStream<WatchPeersRequest, unknown>) => void,
  serialize: (value: unknown) => Buffer,
  listPeers: ListPeersHandler = () => {},
) {
  const server = new Server()
  const definition = {
    ...PeerMonitorService,
    watchPeers: { ...PeerMonitorService.watchPeers, responseSerialize: serialize },
  }
  const impl: UntypedServiceImplementation = {
    listPeers,
    watchPeers: handler,
  }
  server.addService(definition, impl)
  const port = await bind(server, 0)
  closers.push(() => server.forceShutdown())
  return `127.0.0.1:${port}`
}

const lastError = (mon: Monitor, address: string) =>
  mon.status().find((s) => s.address === address)?.lastError ?? ''

describe('a node that streams garbage', () => {
  it('a raw TCP server that is not gRPC: unreachable, retried, others fine', async () => {
    const sockets = new Set<Socket>()
    const raw: NetServer = createServer((socket) => {
      sockets.add(socket)
      socket.on('error', () => {})
      socket.end('HTTP/1.1 400 Bad Request\r\nContent-Length: 7\r\n\r\ngarbage')
    })
    await new Promise<void>((r) => raw.listen(0, '127.0.0.1', r))
    closers.push(() => {
      for (const s of sockets) s.destroy()
      return new Promise<void>((r) => raw.close(() => r()))
    })
    const address = `127.0.0.1:${(raw.address() as { port: number }).port}`
    const mon = watch(address)
    await goodStillServed(mon)
    await waitFor('error reported', () => /not reachable/.test(lastError(mon, address)))
  })

  it('bytes that do not decode as a PeerEvent: stream fails, retried, others fine', async () => {
    let calls = 0
    const address = await fakeNode(
      (call) => {
        calls++
        call.write({})
      },
      () => Buffer.from([0xff, 0xff, 0xff, 0xff, 0x0f, 0x01]),
    )
    const mon = watch(address)
    await goodStillServed(mon)
    await waitFor('retried', () => calls >= 2)
    expect(lastError(mon, address)).toMatch(/stream failed/)
    expect(mon.store.sequences(address, 'inc')).toEqual([])
  })

  it('well-formed protobuf with bad fields: malformed-event, nothing stored', async () => {
    let calls = 0
    const address = await fakeNode(
      (call) => {
        calls++
        call.write(transition(1n, { toState: 42 }))
      },
      (v) => Buffer.from(PeerEventCodec.encode(v as PeerEvent).finish()),
    )
    const mon = watch(address)
    await goodStillServed(mon)
    await waitFor('retried', () => calls >= 2)
    expect(lastError(mon, address)).toMatch(/malformed PeerEvent: transition.to_state/)
    expect(mon.store.sequences(address, 'inc')).toEqual([])
  })

  it('a sequence jump without a HistoryGap: protocol error, fresh snapshot asked next', async () => {
    const requests: WatchPeersRequest[] = []
    const address = await fakeNode(
      (call) => {
        requests.push(call.request)
        call.write(snapshot(0n))
        call.write(transition(1n))
        call.write(transition(5n))
      },
      (v) => Buffer.from(PeerEventCodec.encode(v as PeerEvent).finish()),
    )
    const mon = watch(address)
    await goodStillServed(mon)
    await waitFor('reconnected', () => requests.length >= 2)
    expect(lastError(mon, address)).toMatch(/sequence jumped from 1 to 5 without a HistoryGap/)
    expect(requests[1]!.afterSequence).toBeUndefined()
    expect(mon.store.sequences(address, 'inc')).toEqual([1])
  })
})

describe('a node whose ListPeers (the RTT refresh) misbehaves', () => {
  const REFRESH_MS = 20
  const encode = (v: unknown) => Buffer.from(PeerEventCodec.encode(v as PeerEvent).finish())
  const peerV = (rttMs: number, state = PeerState.PEER_STATE_CONNECTED) => ({
    peerId: 'peerV',
    validator: 'V',
    state,
    rttMs,
    consecutiveMisses: 0,
    sinceMs: 1n,
    lastSeenMs: 2n,
  })
  const stored = (address: string, validator = 'V') =>
    store.views().find((v) => v.address === address && v.validator === validator)
  const up = (mon: Monitor, address: string) => {
    const s = mon.status().find((x) => x.address === address)
    return s?.connected === true && s.lastError === null
  }

  it('one that never answers: one call at a time, each ended by its deadline; the stream stays up', async () => {
    let calls = 0
    let inFlight = 0
    let maxInFlight = 0
    const address = await fakeNode(
      (call) => call.write(snapshot(0n)),
      encode,
      (call) => {
        calls++
        maxInFlight = Math.max(maxInFlight, ++inFlight)
        call.on('cancelled', () => inFlight--)
      },
    )
    const mon = watch(address, { refreshIntervalMs: REFRESH_MS })
    await waitFor('a third ListPeers, after two deadlines', () => calls >= 3)
    expect(maxInFlight).toBe(1)
    expect(up(mon, address)).toBe(true)
  })

  it('garbage or another incarnation is ignored; a good answer updates only peers in the same state', async () => {
    let calls = 0
    let answer: ListPeersResponse | Error = new Error('not yet')
    const address = await fakeNode(
      (call) =>
        call.write({
          observer,
          event: {
            $case: 'snapshot',
            value: {
              lastSequence: 0n,
              atMs: 1n,
              peers: [peerV(5), { ...peerV(6), peerId: 'peerW', validator: 'W' }],
            },
          },
        }),
      encode,
      (_call, reply) => {
        calls++
        if (answer instanceof Error) reply(answer)
        else reply(null, answer)
      },
    )
    const mon = watch(address, { refreshIntervalMs: REFRESH_MS })
    await waitFor('snapshot stored', () => stored(address)?.rttMs === 5)
    const after = async (what: string, next: ListPeersResponse | Error) => {
      answer = next
      const from = calls
      await waitFor(what, () => calls >= from + 2) // at least one answered in full
    }
    const res = (peers: ReturnType<typeof peerV>[], incarnation = observer.incarnation) => ({
      observer: { ...observer, incarnation },
      lastSequence: 0n,
      atMs: 1n,
      peers,
    })
    await after('failed calls', new Error('boom'))
    await after('a NaN RTT', res([peerV(Number.NaN)]))
    await after('an oversize peer id', res([{ ...peerV(7), peerId: 'p'.repeat(1000) }]))
    await after('an unknown state', res([peerV(8, 99 as PeerState)]))
    await after('another incarnation', res([peerV(9)], 'other-run'))
    expect(stored(address)?.rttMs).toBe(5)
    expect(up(mon, address)).toBe(true)

    // W is OFFLINE in this answer but CONNECTED in the stored view: only the stream changes states.
    answer = res([
      peerV(42),
      { ...peerV(43, PeerState.PEER_STATE_OFFLINE), peerId: 'peerW', validator: 'W' },
    ])
    await waitFor('V refreshed', () => stored(address)?.rttMs === 42)
    expect(stored(address, 'W')).toMatchObject({ state: 'CONNECTED', rttMs: 6 })
    expect(stored(address)).toMatchObject({ state: 'CONNECTED', lastSeenMs: 2 })
    expect(up(mon, address)).toBe(true)
  })
})
