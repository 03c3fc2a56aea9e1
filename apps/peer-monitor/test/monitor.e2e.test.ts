import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals'
import { waitFor } from '@paraloom/test-utils'
import { createMonitor, type Monitor, type MonitorInit } from '../src/monitor.js'
import { type MonitorStore, openStore } from '../src/store/store.js'
import { drive, startTestNode, type TestNode } from './helpers/node.js'

let dir: string
let nodes: TestNode[] = []
let monitors: Monitor[] = []
let stores: MonitorStore[] = []

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'peer-monitor-'))
})
afterEach(async () => {
  await Promise.all(monitors.map((m) => m.stop()))
  for (const s of stores) s.close()
  await Promise.all(nodes.map((n) => n.stop()))
  monitors = []
  stores = []
  nodes = []
  rmSync(dir, { recursive: true, force: true })
})

async function cluster(names: string[], init: { historyCapacity?: number } = {}) {
  const started = await Promise.all(names.map((validator) => startTestNode({ validator, ...init })))
  nodes.push(...started)
  // Every node tracks every other validator.
  for (const n of started) {
    for (const other of names) {
      if (other !== n.observer.validator) n.registry.addPeer(`peer-${other}`, other)
    }
  }
  return started
}

function monitor(addresses: string[], init: Partial<MonitorInit> = {}) {
  const store = openStore({ file: join(dir, 'monitor.db') })
  stores.push(store)
  const m = createMonitor({
    validators: addresses,
    store,
    quorum: 2,
    offlineThresholdMs: 300,
    evaluateIntervalMs: 25,
    watcher: { initialBackoffMs: 50, maxBackoffMs: 200, connectTimeoutMs: 1000 },
    ...init,
  })
  monitors.push(m)
  m.start()
  return m
}

async function restartMonitor(m: Monitor, addresses: string[]) {
  await m.stop()
  m.store.close()
  return monitor(addresses)
}

const storedEverything = (m: Monitor, n: TestNode) => () =>
  m.store.cursor(n.address)?.lastSequence === n.registry.sequence &&
  m.store.cursor(n.address)?.incarnation === n.observer.incarnation

describe('monitor against real PeerMonitor servers', () => {
  it('opens one evidence record from a quorum and closes it when the validator is back', async () => {
    const [a, b, c] = await cluster(['A', 'B', 'C', 'V'])
    const m = monitor([a!.address, b!.address, c!.address])
    await waitFor('three streams', () => m.status().every((s) => s.connected))
    for (const n of [a!, b!, c!]) drive(n.registry, 'peer-V', 'CONNECTED')
    drive(a!.registry, 'peer-V', 'OFFLINE')
    drive(b!.registry, 'peer-V', 'OFFLINE')
    drive(c!.registry, 'peer-V', 'SLOW') // slow is not offline
    await waitFor('evidence', () => m.store.openEvidence().length === 1)
    const [record] = m.store.openEvidence()
    expect(record).toMatchObject({ validator: 'V', observers: ['A', 'B'], missedPings: 3 })
    expect(record!.lastSeenMs).not.toBeNull()

    drive(a!.registry, 'peer-V', 'CONNECTED')
    await waitFor('closed', () => m.store.openEvidence().length === 0)
    expect(m.store.evidence(10)).toHaveLength(1)
    expect(m.store.evidence(10)[0]!.closedAtMs).not.toBeNull()
  })

  it('resumes after a monitor restart and stores every transition exactly once', async () => {
    const [a, b] = await cluster(['A', 'B', 'V'])
    let m = monitor([a!.address, b!.address])
    await waitFor('streams', () => m.status().every((s) => s.connected))
    for (let i = 0; i < 5; i++) {
      drive(a!.registry, 'peer-V', i % 2 ? 'CONNECTED' : 'OFFLINE')
      drive(b!.registry, 'peer-V', i % 2 ? 'OFFLINE' : 'CONNECTED')
    }
    await waitFor('first batch', () => storedEverything(m, a!)() && storedEverything(m, b!)())
    await m.stop()
    // Transitions while the monitor is down are replayed from the nodes' history.
    for (let i = 0; i < 6; i++) drive(a!.registry, 'peer-B', i % 2 ? 'CONNECTED' : 'OFFLINE')
    m = await restartMonitor(m, [a!.address, b!.address])
    await waitFor('replay', () => storedEverything(m, a!)() && storedEverything(m, b!)())
    for (const n of [a!, b!]) {
      const history = n.registry.historySince(0)
      expect(history.gap).toBe(false)
      const expected = history.gap ? [] : history.transitions.map((t) => t.sequence)
      expect(m.store.sequences(n.address, n.observer.incarnation)).toEqual(expected)
      expect(m.store.gaps(n.address)).toEqual([])
    }
  })

  it('records an evicted-history gap and takes the fresh snapshot', async () => {
    const [a, b] = await cluster(['A', 'B', 'V'], { historyCapacity: 4 })
    let m = monitor([a!.address, b!.address])
    await waitFor('streams', () => m.status().every((s) => s.connected))
    drive(a!.registry, 'peer-V', 'CONNECTED')
    await waitFor('first', storedEverything(m, a!))
    await m.stop()
    for (let i = 0; i < 10; i++) drive(a!.registry, 'peer-V', i % 2 ? 'CONNECTED' : 'OFFLINE')
    m = await restartMonitor(m, [a!.address, b!.address])
    await waitFor('gap', () => m.store.gaps(a!.address).length === 1)
    expect(m.store.gaps(a!.address)[0]).toMatchObject({ reason: 'evicted', requestedAfter: 1 })
    await waitFor('snapshot cursor', storedEverything(m, a!))
    // The missing transitions are not invented: only what was streamed is stored.
    expect(m.store.sequences(a!.address, a!.observer.incarnation)).toEqual([1])
    expect(
      m.store.views().find((v) => v.address === a!.address && v.validator === 'V')?.state,
    ).toBe('CONNECTED')
  })

  it('records a restarted-node gap when the node comes back with a new incarnation', async () => {
    const [a, b] = await cluster(['A', 'B', 'V'])
    const m = monitor([a!.address, b!.address], {})
    await waitFor('streams', () => m.status().every((s) => s.connected))
    drive(a!.registry, 'peer-V', 'OFFLINE')
    await waitFor('first', storedEverything(m, a!))
    const port = Number(a!.address.split(':')[1])
    await a!.stop()
    nodes = nodes.filter((n) => n !== a)
    await waitFor('disconnect', () => !m.status().find((s) => s.address === a!.address)!.connected)
    const again = await startTestNode({ validator: 'A', port })
    nodes.push(again)
    again.registry.addPeer('peer-V', 'V')
    drive(again.registry, 'peer-V', 'CONNECTED')
    await waitFor('restart gap', () => m.store.gaps(a!.address).length === 1)
    expect(m.store.gaps(a!.address)[0]).toMatchObject({
      reason: 'restarted',
      requestedIncarnation: a!.observer.incarnation,
    })
    await waitFor('new incarnation', storedEverything(m, again))
  })

  it('an outage that starts and ends while the monitor is down becomes evidence when it comes back', async () => {
    const [a, b, c] = await cluster(['A', 'B', 'C', 'V'])
    const addresses = [a!.address, b!.address, c!.address]
    let m = monitor(addresses)
    await waitFor('streams', () => m.status().every((s) => s.connected))
    for (const n of [a!, b!, c!]) drive(n.registry, 'peer-V', 'CONNECTED')
    await waitFor('connected stored', () => [a!, b!, c!].every((n) => storedEverything(m, n)()))
    await m.stop()

    drive(a!.registry, 'peer-V', 'OFFLINE')
    drive(b!.registry, 'peer-V', 'OFFLINE')
    const offlineAt = Math.max(a!.registry.get('peer-V')!.since, b!.registry.get('peer-V')!.since)
    const threshold = m.engine.offlineThresholdMs
    await waitFor('the outage to outlast the threshold', () => Date.now() - offlineAt > threshold)
    drive(a!.registry, 'peer-V', 'CONNECTED')
    drive(b!.registry, 'peer-V', 'CONNECTED')
    const backAt = Math.min(a!.registry.get('peer-V')!.since, b!.registry.get('peer-V')!.since)

    m = await restartMonitor(m, addresses)
    await waitFor('evidence from the replay', () => m.store.evidence(10).length === 1)
    const [record] = m.store.evidence(10)
    expect(record).toMatchObject({ validator: 'V', observers: ['A', 'B'], closedAtMs: backAt })
    expect(record!.openedAtMs - record!.offlineSinceMs).toBeGreaterThanOrEqual(threshold)
    expect(record!.openedAtMs).toBeLessThan(backAt)
    // Judged once: another restart replays nothing new and adds nothing.
    m = await restartMonitor(m, addresses)
    await waitFor('streams again', () => m.status().every((s) => s.connected))
    await waitFor('caught up', () => [a!, b!, c!].every((n) => storedEverything(m, n)()))
    expect(m.store.evidence(10)).toEqual([record])
  })

  it('an observer restarted while the monitor was down: its new incarnation is stored from sequence 1, once', async () => {
    const [a, b] = await cluster(['A', 'B', 'V'])
    let m = monitor([a!.address, b!.address])
    await waitFor('snapshot stored', () => m.store.cursor(a!.address) !== null)
    drive(a!.registry, 'peer-V', 'OFFLINE')
    await waitFor('first', storedEverything(m, a!))
    await m.stop()

    const port = Number(a!.address.split(':')[1])
    await a!.stop()
    nodes = nodes.filter((n) => n !== a)
    const again = await startTestNode({ validator: 'A', port })
    nodes.push(again)
    again.registry.addPeer('peer-V', 'V')
    again.registry.addPeer('peer-B', 'B')
    drive(again.registry, 'peer-V', 'CONNECTED')
    drive(again.registry, 'peer-B', 'OFFLINE')
    drive(again.registry, 'peer-B', 'CONNECTED')

    for (let round = 0; round < 2; round++) {
      m = await restartMonitor(m, [a!.address, b!.address])
      await waitFor('new incarnation stored', storedEverything(m, again))
      expect(m.store.sequences(a!.address, again.observer.incarnation)).toEqual([1, 2, 3])
      expect(m.store.sequences(a!.address, a!.observer.incarnation)).toEqual([1])
      expect(m.store.gaps(a!.address)).toEqual([
        {
          reason: 'restarted',
          requestedIncarnation: a!.observer.incarnation,
          requestedAfter: 1,
          oldestAvailable: 1,
        },
      ])
      const view = m.store.views().filter((v) => v.address === a!.address)
      expect(view.map((v) => [v.validator, v.state])).toEqual([
        ['B', 'CONNECTED'],
        ['V', 'CONNECTED'],
      ])
    }
  })

  it('keeps serving the other validators while one address is unreachable', async () => {
    const [a] = await cluster(['A', 'V'])
    // A port nothing listens on: bind a node, note its address, stop it.
    const gone = await startTestNode({ validator: 'X' })
    await gone.stop()
    const m = monitor([a!.address, gone.address])
    drive(a!.registry, 'peer-V', 'OFFLINE')
    await waitFor('A stored', storedEverything(m, a!))
    await waitFor('unreachable reported', () =>
      /not reachable/.test(m.status().find((s) => s.address === gone.address)?.lastError ?? ''),
    )
    expect(m.status().find((s) => s.address === gone.address)!.connected).toBe(false)
    expect(
      await m.metrics.registry.getSingleMetricAsString('peer_monitor_stream_errors_total'),
    ).toMatch(/code="Unreachable"/)
  })
})
