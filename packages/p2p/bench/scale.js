// Scale: N validators (16, 32, 64, 128; 8 and 16 with --quick) at the
// default settings (ping 5 s, registry refresh 30 s), spread over a few
// processes, every one listed in the registry: each connects to and probes
// every other, as the design does today. Per N, measured per validator:
// discovery time from a cold start (routing tables full, every pair
// connected), then over an idle window the CPU time and RSS of the
// processes divided by the validators they host, the open connections and
// the liveness replies per second, and the p99 delivery latency of signed
// votes at a fixed total rate. A full run draws each figure against N
// (docs/perf/scale.svg).
import { writeFileSync } from 'node:fs'
import { loadavg } from 'node:os'
import { fileURLToPath } from 'node:url'
import { freePorts, sleep } from '@paraloom/test-utils'
import { log } from '../../../bench/lib/emit.mjs'
import { summarize } from '../../../bench/lib/stats.mjs'
import { nowMs } from './lib/clock.js'
import { callAll, closeWorkers, startWorkers } from './lib/cluster.js'
import { seedList, validatorKeys } from './lib/keys.js'
import { lineCharts } from './lib/svg-chart.js'

const SUITE = 'scale'
const WORKER = fileURLToPath(new URL('./scale-worker.js', import.meta.url))
const CHART = fileURLToPath(new URL('../../../docs/perf/scale.svg', import.meta.url))
const MB = 1024 * 1024

const SETTINGS = {
  full: { sizes: [16, 32, 64, 128], idleMs: 15_000, gossipMs: 10_000, ratePerS: 20 },
  quick: { sizes: [8, 16], idleMs: 5_000, gossipMs: 5_000, ratePerS: 10 },
}
/** Validators per process: few processes, so the per-process runtime counts little. */
const processesFor = (n) => Math.min(8, Math.max(2, n / 16))
const startTimeoutMs = (n) => 60_000 + 2000 * n

async function measure(n, s) {
  const processes = processesFor(n)
  const per = n / processes
  const keys = validatorKeys(n, `scale-${n}`)
  const ports = await freePorts(n)
  const seeds = seedList(keys, ports)
  const workers = await startWorkers(
    WORKER,
    Array.from({ length: processes }, (_, p) => `scale-${n}-${p}`),
    { execArgv: ['--expose-gc'], readyTimeoutMs: 180_000 },
  )
  try {
    const timeoutMs = startTimeoutMs(n)
    await callAll(
      workers,
      'init',
      (_, p) => ({
        own: keys
          .slice(p * per, (p + 1) * per)
          .map((k) => ({ seed: k.seed, port: ports[k.index] })),
        seedList: seeds,
      }),
      { timeoutMs },
    )
    const t0 = nowMs()
    const marks = (
      await callAll(workers, 'startAndWatch', () => ({ others: n - 1, timeoutMs }), {
        timeoutMs: timeoutMs + 30_000,
      })
    ).flat()
    const worst = (key) =>
      marks.some((m) => m[key] === null)
        ? Number.POSITIVE_INFINITY
        : Math.max(...marks.map((m) => m[key] - t0))
    const discovery = { routing: worst('routingFullAt'), connected: worst('connectedAllAt') }
    const up = Math.min(
      ...(await callAll(workers, 'settled', () => ({ others: n - 1, timeoutMs }), {
        timeoutMs: timeoutMs + 30_000,
      })),
    )
    // Let the start-up work (identify, first DHT round, first puts) drain before idling.
    await sleep(5000)
    const load = loadavg()[0]
    const idle = await callAll(workers, 'idle', () => ({ windowMs: s.idleMs }), {
      timeoutMs: s.idleMs + 60_000,
    })
    const seconds = idle[0].elapsedMs / 1000
    const cpuUs = idle.reduce((a, r) => a + r.cpuUs, 0)
    const perValidator = {
      cpuPct: (cpuUs / (seconds * 1e6) / n) * 100,
      rssMb: idle.reduce((a, r) => a + r.rssBytes, 0) / MB / n,
      connections: idle.flatMap((r) => r.connections).reduce((a, c) => a + c, 0) / n,
      probesPerS: idle.flatMap((r) => r.probes).reduce((a, c) => a + c, 0) / seconds / n,
    }
    const subscribers = Math.min(
      ...(await callAll(workers, 'gossipReady', () => ({ subscribers: n - 1, timeoutMs }), {
        timeoutMs: timeoutMs + 30_000,
      })),
    )
    const published = await callAll(
      workers,
      'publish',
      () => ({ ratePerS: s.ratePerS / processes, durationMs: s.gossipMs }),
      { timeoutMs: s.gossipMs + 60_000 },
    )
    await sleep(3000) // deliveries still in flight
    const lat = summarize((await callAll(workers, 'received')).flatMap((l) => [...l]))
    const sent = published.reduce((a, p) => a + p.sent, 0)
    return {
      n,
      processes,
      load,
      up,
      discovery,
      ...perValidator,
      gossip: {
        p99: lat.p99,
        p50: lat.p50,
        deliveries: lat.count,
        expected: sent * (n - 1),
        subscribers,
      },
    }
  } finally {
    await closeWorkers(workers)
  }
}

/** The chart of a full run: each per-validator figure against N. */
export function scaleChart(results, ratePerS) {
  const series = (title, unit, pick) => ({
    title,
    unit,
    points: results.map((r) => ({ n: r.n, value: pick(r) })),
  })
  return lineCharts(
    [
      series('idle CPU', '% of a core', (r) => r.cpuPct),
      series('RSS', 'MB', (r) => r.rssMb),
      series('open connections', 'connections', (r) => r.connections),
      series('liveness probes', 'replies/s', (r) => r.probesPerS),
      series('discovery (cold start)', 'ms to all connected', (r) => r.discovery.connected),
      series(`gossip p99 at ${ratePerS} votes/s`, 'ms', (r) => r.gossip.p99),
    ],
    `pnpm bench scale, ${new Date().toISOString().slice(0, 10)}: N validators in ${results.map((r) => r.processes).join('/')} processes on 2 shared cores (load ${results.map((r) => r.load.toFixed(0)).join('/')})`,
  )
}

export async function scaleSuite({ quick, emit }) {
  const s = quick ? SETTINGS.quick : SETTINGS.full
  const results = []
  for (const n of s.sizes) {
    log(SUITE, `N = ${n}: ${processesFor(n)} processes × ${n / processesFor(n)} validators`)
    const r = await measure(n, s)
    log(SUITE, `N = ${n}: ${JSON.stringify(r)}`)
    results.push(r)
    const name = `N = ${n} validators (${r.processes} processes × ${n / r.processes}), default settings`
    const at = `load ${r.load.toFixed(1)} at the idle window; fewest peers CONNECTED at a validator before it: ${r.up} of ${n - 1}`
    const lines = [
      ['discovery: every routing table full', r.discovery.routing, 'ms', 'cold start'],
      ['discovery: every pair connected', r.discovery.connected, 'ms', 'cold start'],
      ['idle CPU per validator', r.cpuPct, '% of a core', `${s.idleMs / 1000}-s window; ${at}`],
      ['RSS per validator', r.rssMb, 'MB', `process peak RSS / validators hosted; ${at}`],
      ['open connections per validator', r.connections, '', `${n - 1} other validators`],
      ['liveness replies per second per validator', r.probesPerS, '/s', 'ping interval 5 s'],
      [
        `gossip p99 at ${s.ratePerS} votes/s in total`,
        r.gossip.p99,
        'ms',
        `p50 ${r.gossip.p50.toFixed(0)} ms; ${r.gossip.deliveries} of ${r.gossip.expected} deliveries; fewest votes subscribers seen by a node before publishing: ${r.gossip.subscribers} of ${n - 1}`,
      ],
    ]
    for (const [metric, value, unit, detail] of lines) emit({ name, metric, value, unit, detail })
    // Redrawn after every N, so a run cut short by its deadline still charts what it measured.
    if (!quick) {
      writeFileSync(CHART, scaleChart(results, s.ratePerS))
      log(SUITE, `chart of N = ${results.map((r) => r.n).join(', ')} written to ${CHART}`)
    }
  }
}
