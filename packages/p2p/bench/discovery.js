// Discovery: validators spread over processes (8 × 4 = 32; 4 × 2 with
// --quick) start cold, knowing only the registry (every validator's key and
// address). Measured from the moment the parent tells them to start (the
// processes are up and the nodes created) until every routing table holds
// every other validator; beside it, until every node is connected to every
// other. Several rounds with fresh processes; median and worst.
import { fileURLToPath } from 'node:url'
import { freePorts } from '@paraloom/test-utils'
import { goal, log } from '../../../bench/lib/emit.mjs'
import { summarize } from '../../../bench/lib/stats.mjs'
import { nowMs } from './lib/clock.js'
import { callAll, closeWorkers, startWorkers } from './lib/cluster.js'
import { seedList, validatorKeys } from './lib/keys.js'

const SUITE = 'discovery'
const WORKER = fileURLToPath(new URL('./discovery-worker.js', import.meta.url))
const GOAL_MS = 2000
const WATCH_TIMEOUT_MS = 60_000

const SETTINGS = {
  full: { processes: 8, perProcess: 4, rounds: 2 },
  quick: { processes: 4, perProcess: 2, rounds: 1 },
}

/** One cold start; the time until the last node's table was full, and connected. */
async function coldStart({ processes, perProcess }, round) {
  const total = processes * perProcess
  const keys = validatorKeys(total, `discovery-${round}`)
  const ports = await freePorts(total)
  const seeds = seedList(keys, ports)
  const workers = await startWorkers(
    WORKER,
    Array.from({ length: processes }, (_, p) => `discovery-${p}`),
  )
  try {
    await callAll(workers, 'init', (_, p) => ({
      own: keys
        .slice(p * perProcess, (p + 1) * perProcess)
        .map((k) => ({ seed: k.seed, port: ports[k.index] })),
      seeds,
    }))
    const t0 = nowMs()
    const reports = await callAll(
      workers,
      'startAndWatch',
      () => ({ others: total - 1, timeoutMs: WATCH_TIMEOUT_MS }),
      { timeoutMs: WATCH_TIMEOUT_MS + 30_000 },
    )
    const marks = reports.flatMap((r) => r.marks)
    const worst = (key) =>
      marks.some((m) => m[key] === null)
        ? Number.POSITIVE_INFINITY
        : Math.max(...marks.map((m) => m[key] - t0))
    const final = reports.flatMap((r) => r.final)
    const least = (key) => Math.min(...final.map((f) => f[key]))
    return {
      routingFullMs: worst('routingFullAt'),
      connectedAllMs: worst('connectedAllAt'),
      leastRouting: least('routing'),
      leastConnected: least('connected'),
    }
  } finally {
    await closeWorkers(workers)
  }
}

export async function discoverySuite({ quick, emit }) {
  const s = quick ? SETTINGS.quick : SETTINGS.full
  const total = s.processes * s.perProcess
  const rounds = []
  for (let round = 0; round < s.rounds; round++) {
    const r = await coldStart(s, round)
    log(
      SUITE,
      `round ${round + 1}: routing tables full after ${r.routingFullMs.toFixed(0)} ms, all connected after ${r.connectedAllMs.toFixed(0)} ms; ` +
        `at the end the emptiest table held ${r.leastRouting}/${total - 1}, the least connected node ${r.leastConnected}/${total - 1}`,
    )
    rounds.push(r)
  }
  const name = `${total} validators (${s.processes} processes × ${s.perProcess}), cold start`
  const routing = summarize(rounds.map((r) => r.routingFullMs))
  const connected = summarize(rounds.map((r) => r.connectedAllMs))
  const leastRouting = Math.min(...rounds.map((r) => r.leastRouting))
  const leastConnected = Math.min(...rounds.map((r) => r.leastConnected))
  const unfinished = (x) =>
    Number.isFinite(x.max)
      ? ''
      : `; some rounds did not finish in ${WATCH_TIMEOUT_MS / 1000} s (emptiest table ${leastRouting}/${total - 1}, least connected node ${leastConnected}/${total - 1})`
  const detail = (x) =>
    `median of ${x.count} rounds; worst ${Number.isFinite(x.max) ? `${x.max.toFixed(0)} ms` : 'unfinished'}${unfinished(x)}`
  emit({
    name,
    metric: 'every routing table holds every validator',
    value: routing.median,
    unit: 'ms',
    detail: detail(routing),
    ...goal(Math.round(routing.median), '<=', GOAL_MS, 'ms'),
  })
  emit({
    name,
    metric: 'every validator connected to every other',
    value: connected.median,
    unit: 'ms',
    detail: detail(connected),
  })
}
