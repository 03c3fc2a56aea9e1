// The monitor against four real `paraloom validator start` processes (the
// validator-node test harness, used here in tests only): SIGKILL one → one
// evidence record naming it with the three others as observers; bring it back
// → the record closes; SIGKILL the monitor mid-stream and restart it → every
// transition stored exactly once, compared with each node's own history.
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import type { PeerEvent } from '@paraloom/proto'
import { TestProcess, waitFor } from '@paraloom/test-utils'
import { Cluster } from '../../validator-node/test/helpers/cluster.js'
import { clientsOf, transitionOf, waitForFullMesh } from '../../validator-node/test/helpers/grpc.js'
import { openStore } from '../src/store/store.js'

const BIN = fileURLToPath(new URL('../dist/bin/peer-monitor.js', import.meta.url))

let cluster: Cluster
let monitor: TestProcess | undefined
let db: string

beforeAll(async () => {
  cluster = await Cluster.start({ size: 4 })
  await waitForFullMesh(cluster.validators)
  db = join(cluster.dir, 'monitor.db')
}, 120_000)

afterAll(async () => {
  monitor?.signal('SIGKILL')
  await cluster?.stop()
}, 60_000)

function startMonitor(): TestProcess {
  const args = cluster.validators.flatMap((v) => ['--validator', v.grpcAddress])
  return TestProcess.node(
    BIN,
    [...args, '--db', db, '--offline-threshold-ms', '1500', '--quorum', '2'],
    { name: 'peer-monitor' },
  )
}

/** Reads the store (read-only, next to the running monitor) and closes it again. */
function read<T>(f: (store: ReturnType<typeof openStore>) => T): T {
  const store = openStore({ file: db, readonly: true })
  try {
    return f(store)
  } finally {
    store.close()
  }
}

/** Every transition sequence a node still holds in its history, via WatchPeers after 0. */
async function nodeHistory(grpcAddress: string, incarnation: string, last: number) {
  const clients = clientsOf(grpcAddress)
  const reader = clients.watchPeers({ afterSequence: 0n, incarnation })
  const seqs: number[] = []
  try {
    while (seqs.at(-1) !== last) {
      const e: PeerEvent = await reader.next('replayed transition', (m) => !!transitionOf(m))
      seqs.push(Number(transitionOf(e)!.sequence))
    }
    return seqs
  } finally {
    reader.cancel()
    clients.close()
  }
}

describe('peer-monitor with four real validators', () => {
  it('SIGKILL one: one evidence record with three observers; back: closed; monitor restart: exactly once', async () => {
    monitor = startMonitor()
    await waitFor(
      'four snapshots stored',
      () => {
        try {
          return read((s) => s.observers().filter((o) => o.cursor !== null).length) === 4
        } catch {
          return false // the monitor has not created the database yet
        }
      },
      30_000,
    )
    const victim = cluster.validators[3]!
    const others = cluster.validators.filter((v) => v !== victim)
    victim.kill('SIGKILL')

    await waitFor(
      'evidence with three observers',
      () => read((s) => s.openEvidence()[0]?.observers.length === 3),
      30_000,
    )
    const [record] = read((s) => s.evidence(100))
    expect(read((s) => s.evidence(100))).toHaveLength(1)
    expect(record).toMatchObject({
      validator: victim.identity,
      closedAtMs: null,
      observers: others.map((v) => v.identity).sort(),
    })
    expect(record!.missedPings).toBeGreaterThanOrEqual(3)

    // Kill the monitor mid-stream, bring the victim back, restart the monitor.
    monitor.kill('SIGKILL')
    await monitor.exited
    await victim.start()
    monitor = startMonitor()
    await waitFor(
      'evidence closed',
      () => read((s) => s.evidence(100)[0]?.closedAtMs !== null),
      60_000,
    )
    expect(read((s) => s.evidence(100))).toHaveLength(1)

    // Each surviving node saw the victim go OFFLINE and come back; the database
    // holds each of its transitions exactly once.
    for (const v of others) {
      const client = clientsOf(v.grpcAddress)
      const listed = await client.listPeers().finally(() => client.close())
      const last = Number(listed.lastSequence)
      const incarnation = listed.observer!.incarnation
      await waitFor(
        `monitor caught up with validator ${v.index}`,
        () => read((s) => s.cursor(v.grpcAddress)?.lastSequence) === last,
        30_000,
      )
      // Up to `last`: on a busy machine a later transition (a SLOW) may land meanwhile.
      const stored = read((s) => s.sequences(v.grpcAddress, incarnation)).filter((s) => s <= last)
      const history = await nodeHistory(v.grpcAddress, incarnation, last)
      expect(stored.length).toBeGreaterThan(0)
      expect(stored).toEqual(history.filter((s) => s >= stored[0]!))
      expect(stored.at(-1)).toBe(last)
      const toOffline = read((s) => s.timeline(0, 10_000)).filter(
        (t) =>
          t.address === v.grpcAddress && t.validator === victim.identity && t.toState === 'OFFLINE',
      )
      expect(toOffline.length).toBeGreaterThanOrEqual(1)
    }
    monitor.kill('SIGTERM')
    expect((await monitor.exited).code).toBe(0)
  }, 180_000)
})
