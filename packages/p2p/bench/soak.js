// Jitter soak: validators in separate processes (4; 3 with --quick) talk
// only through a relay that delays every chunk by 200 ms ± 100 ms each way
// (jitter-proxy.js), for 10 minutes (30 s with --quick), with the same
// liveness settings as the failure suite (ping 1 s, N = 3). Nobody fails, so
// every OFFLINE transition is false; beside it, the disconnects libp2p's
// connection monitor (defaults) caused on the plain nodes.
import { fileURLToPath } from 'node:url'
import { sleep } from '@paraloom/test-utils'
import { goal, log } from '../../../bench/lib/emit.mjs'
import { summarize } from '../../../bench/lib/stats.mjs'
import { LIVENESS } from './failure.js'
import { callAll, closeWorkers } from './lib/cluster.js'
import { startWorker } from './lib/ipc.js'
import { startLivenessCluster } from './lib/liveness-cluster.js'

const SUITE = 'soak'
const PROXY = fileURLToPath(new URL('./jitter-proxy.js', import.meta.url))
const JITTER = { minDelayMs: 100, maxDelayMs: 300 }

const SETTINGS = {
  full: { validators: 4, durationMs: 10 * 60_000 },
  quick: { validators: 3, durationMs: 30_000 },
}

const diff = (after, before) => (after ?? 0) - (before ?? 0)

export async function soakSuite({ quick, emit }) {
  const s = quick ? SETTINGS.quick : SETTINGS.full
  const proxy = await startWorker(PROXY, { name: 'jitter-proxy' })
  let offline = 0
  const offlineReasons = new Map()
  let disconnects = 0
  let counting = false
  let workers = []
  try {
    workers = await startLivenessCluster({
      count: s.validators,
      label: 'soak',
      liveness: LIVENESS,
      route: async (own) => {
        const targets = own.flatMap((p) => [p.paraloom, p.plain])
        const ports = await proxy.call('listen', { targets, ...JITTER })
        return own.map((_, i) => ({ paraloom: ports[2 * i], plain: ports[2 * i + 1] }))
      },
      onEvent: (_worker, event, payload) => {
        if (!counting) return
        if (event === 'offline') {
          offline++
          offlineReasons.set(payload.reason, (offlineReasons.get(payload.reason) ?? 0) + 1)
        } else disconnects++
      },
    })
    const before = await callAll(workers, 'counts')
    counting = true
    log(SUITE, `${s.validators} validators behind 200 ± 100 ms jitter for ${s.durationMs / 1000} s`)
    await sleep(s.durationMs)
    counting = false
    const after = await callAll(workers, 'counts')
    const slow = after.reduce(
      (n, a, i) => n + diff(a.transitions.SLOW, before[i].transitions.SLOW),
      0,
    )
    const rtt = summarize(after.flatMap((a) => a.rttSamplesMs))
    const minutes = s.durationMs / 60_000
    const name = `${s.validators} validators, ${minutes} min, 200 ± 100 ms each way (emulated), ping 1 s, N = 3`
    const reasons = [...offlineReasons].map(([r, n]) => `${r} ×${n}`).join(', ')
    const detail = `ping RTT seen p50 ${rtt.p50.toFixed(0)} ms, p99 ${rtt.p99.toFixed(0)} ms, max ${rtt.max.toFixed(0)} ms; ${slow} SLOW transitions${reasons ? `; OFFLINE after misses: ${reasons}` : ''}`
    emit({
      name,
      metric: 'false OFFLINE transitions (Paraloom liveness)',
      value: offline,
      unit: '',
      detail,
      ...goal(offline, '<=', 0, ''),
    })
    emit({
      name,
      metric: 'false disconnects (libp2p connection monitor, defaults)',
      value: disconnects,
      unit: '',
      detail,
    })
  } finally {
    await closeWorkers(workers)
    await proxy.close()
  }
}
