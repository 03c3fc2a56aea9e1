// The gRPC suite of `pnpm bench`: one real `paraloom validator start`
// process (registry stand-in, ping every 250 ms) watched by 50 WatchPeers
// streams, while a process hosting 10 peer validators is stopped and
// continued (SIGSTOP/SIGCONT) so that its peers go OFFLINE and come back.
// Figure: time from a transition's `at_ms` (the validator's clock) to its
// receipt by each watcher (this process's clock: the same machine clock).
// The watchers use a client built from proto/ with the app's own grpc-js.
// Usage: node bench/suites/grpc.mjs [--quick]
import { mkdtemp, rm } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { sleep, waitUntil } from '../../packages/p2p/bench/lib/clock.js'
import { startWorker } from '../../packages/p2p/bench/lib/ipc.js'
import { seedList, validatorKeys } from '../../packages/p2p/bench/lib/keys.js'
import { emitter, goal, log } from '../lib/emit.mjs'
import { summarize } from '../lib/stats.mjs'
import { validatorProcesses } from '../lib/validator-processes.mjs'

const SUITE = 'grpc'
const root = fileURLToPath(new URL('../../', import.meta.url))
const PEERS_WORKER = `${root}packages/p2p/bench/validators-worker.js`
// grpc-js and proto-loader come from the validator app, which depends on them.
const appRequire = createRequire(`${root}apps/validator-node/package.json`)
const grpc = appRequire('@grpc/grpc-js')
const protoLoader = appRequire('@grpc/proto-loader')

const GOAL_P99_MS = 20
const PEERS = 10
const WATCHERS = 50
const LIVENESS = {
  ping_interval_ms: 250,
  ping_timeout_ms: 250,
  slow_rtt_ms: 500,
  offline_after_missed: 3,
}
/** How long one half-cycle may take before we flip the peers back anyway. */
const HALF_CYCLE_TIMEOUT_MS = 5000

const quick = process.argv.includes('--quick')
const durationMs = quick ? 4000 : 30_000
const emit = emitter(SUITE)

function peerMonitorClient() {
  const definition = protoLoader.loadSync(`${root}proto/paraloom/v1/peer_monitor.proto`, {
    longs: String,
    enums: String,
    oneofs: true,
    keepCase: true,
    includeDirs: [`${root}proto`],
  })
  return grpc.loadPackageDefinition(definition).paraloom.v1.PeerMonitor
}

/** 50 WatchPeers streams on separate connections; every transition's receipt latency. */
function watch(PeerMonitor, address) {
  const latencies = []
  const states = new Map()
  const calls = []
  const clients = []
  for (let i = 0; i < WATCHERS; i++) {
    const client = new PeerMonitor(address, grpc.credentials.createInsecure(), {
      'grpc.use_local_subchannel_pool': 1,
    })
    const call = client.WatchPeers({})
    call.on('data', (event) => {
      const receivedAt = Date.now()
      if (event.transition != null) {
        latencies.push(receivedAt - Number(event.transition.at_ms))
        if (i === 0) states.set(event.transition.peer_id, event.transition.to_state)
      } else if (event.snapshot != null && i === 0) {
        for (const p of event.snapshot.peers) states.set(p.peer_id, p.state)
      }
    })
    call.on('error', () => {})
    clients.push(client)
    calls.push(call)
  }
  return {
    latencies,
    count: (state) => [...states.values()].filter((s) => s === state).length,
    close() {
      for (const c of calls) c.cancel()
      for (const c of clients) c.close()
    },
  }
}

const dir = await mkdtemp(join(tmpdir(), 'paraloom-bench-grpc-'))
let cli
let peers
let watchers
try {
  const keys = validatorKeys(PEERS + 1, 'grpc')
  cli = validatorProcesses({ dir, keys })
  const ports = await cli.startRegistry()
  const address = await cli.startValidator(0, LIVENESS)
  peers = await startWorker(PEERS_WORKER, { name: 'grpc-peers' })
  const seeds = seedList(keys, ports)
  await peers.call('init', {
    own: keys.slice(1).map((k) => ({ seed: k.seed, port: ports[k.index] })),
    seeds,
  })
  await peers.call('start')
  watchers = watch(peerMonitorClient(), address)
  const up = () => watchers.count('PEER_STATE_CONNECTED') >= PEERS
  await waitUntil('every peer CONNECTED at the validator', up, { timeoutMs: 60_000 })
  log(SUITE, `${WATCHERS} watchers; flipping ${PEERS} peers for ${durationMs / 1000} s`)
  const received = watchers.latencies.length
  watchers.latencies.length = 0
  let cycles = 0
  const end = Date.now() + durationMs
  while (Date.now() < end) {
    process.kill(peers.pid, 'SIGSTOP')
    await waitUntil('peers OFFLINE', () => watchers.count('PEER_STATE_OFFLINE') >= PEERS, {
      timeoutMs: HALF_CYCLE_TIMEOUT_MS,
    }).catch(() => {})
    process.kill(peers.pid, 'SIGCONT')
    await waitUntil('peers back', up, { timeoutMs: HALF_CYCLE_TIMEOUT_MS }).catch(() => {})
    cycles++
  }
  await sleep(500)
  const s = summarize(watchers.latencies)
  const perWatcher = s.count / WATCHERS
  const name = `1 validator, ${WATCHERS} WatchPeers streams, ${PEERS} peers flipping`
  const detail = `${s.count} receipts (${perWatcher.toFixed(0)} transitions × ${WATCHERS} watchers) over ${cycles} stop/continue cycles; ${received} events before`
  emit({ name, metric: 'transition-to-receipt p50', value: s.p50, unit: 'ms', detail })
  emit({
    name,
    metric: 'transition-to-receipt p99',
    value: s.p99,
    unit: 'ms',
    detail,
    ...goal(s.p99, '<=', GOAL_P99_MS, 'ms'),
  })
  emit({ name, metric: 'transition-to-receipt max', value: s.max, unit: 'ms', detail })
} finally {
  watchers?.close()
  if (peers !== undefined) {
    process.kill(peers.pid, 'SIGCONT')
    await peers.close()
  }
  await cli?.stop()
  await rm(dir, { recursive: true, force: true })
}
process.exit(0)
