// Gossip through the p2p API alone: validators in separate processes (12; 3
// with --quick), full mesh over loopback. (1) Publish-to-delivery latency at
// every other node at 100 votes/s, spread over all validators, and the CPU
// one vote costs. (2) The highest total rate sustained with zero loss over
// 10-s trials (2 s with --quick): a ladder of rates, then one bisection step
// between the last rate that held and the first that did not. The 30-s
// trials that carry the goal go through the whole validator
// (bench/suites/gossip-devnet.mjs at the repo root).
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { emitProfile, monotonicUs, summarizeProfiles } from '../../../bench/lib/cpu-profiles.mjs'
import { goal, log } from '../../../bench/lib/emit.mjs'
import { summarize } from '../../../bench/lib/stats.mjs'
import { sleep } from './lib/clock.js'
import { callAll, closeWorkers, startWorkers } from './lib/cluster.js'
import { seedList, validatorKeys } from './lib/keys.js'
import { freePorts } from './lib/ports.js'

const SUITE = 'gossip'
const WORKER = fileURLToPath(new URL('./gossip-worker.js', import.meta.url))
const LATENCY_RATE_PER_S = 100
/** Goal: p99 at 100 votes/s (the sustained-rate goal is checked by the 30-s gRPC-driven trials). */
const P99_GOAL_MS = 50
/** The idle trial that measures the CPU the validators use with no votes. */
const IDLE_MS = 2000

/** A publisher that fell further behind its schedule than this share did not sustain the rate. */
const MAX_SHORTFALL = 0.02

const SETTINGS = {
  full: {
    validators: 12,
    latencyMs: 30_000,
    trialMs: 10_000,
    ladder: [250, 500, 1000, 2000, 4000],
    // after a trial, how long stragglers may still arrive
    drainMs: 3000,
  },
  quick: { validators: 3, latencyMs: 3_000, trialMs: 2_000, ladder: [100], drainMs: 1500 },
}

let trialCounter = 0

/** Runs one trial at `ratePerS` votes/s in total; what was sent, received and how fast. */
async function runTrial(workers, ratePerS, { durationMs, drainMs }) {
  const trial = ++trialCounter
  const share = ratePerS / workers.length
  await callAll(workers, 'begin', () => ({ trial }))
  const published = await callAll(
    workers,
    'publish',
    () => ({ trial, ratePerS: share, durationMs }),
    { timeoutMs: durationMs + 30_000 },
  )
  await sleep(drainMs)
  const results = await callAll(workers, 'results', () => ({ trial }), { timeoutMs: 60_000 })
  const peerIds = workers.map((w) => w.peerId)
  let expected = 0
  let delivered = 0
  published.forEach((p, i) => {
    expected += p.sent * (workers.length - 1)
    results.forEach((r, j) => {
      if (j !== i) delivered += r.received[peerIds[i]] ?? 0
    })
  })
  const latencies = results.flatMap((r) => Array.from(r.latencies))
  const sent = published.reduce((n, p) => n + p.sent, 0)
  const planned = published.reduce((n, p) => n + p.planned, 0)
  const failed = published.reduce((n, p) => n + p.failed, 0)
  const errors = [...new Set(published.flatMap((p) => p.errors))]
  const cpuUs = results.reduce((n, r) => n + r.cpuUs, 0)
  return {
    delivered,
    cpuCores: cpuUs / 1000 / (durationMs + drainMs),
    ratePerS,
    sent,
    planned,
    failed,
    errors,
    lost: expected - delivered,
    kept: sent >= planned * (1 - MAX_SHORTFALL),
    latency: summarize(latencies),
  }
}

const sustained = (t) => t.error === undefined && t.lost === 0 && t.failed === 0 && t.kept

/** A trial at `ratePerS`; one that could not even finish is a failed trial, not a failed suite. */
async function tryTrial(workers, ratePerS, timing) {
  try {
    return await runTrial(workers, ratePerS, timing)
  } catch (err) {
    return { ratePerS, error: err.message }
  }
}

function describeTrial(t) {
  if (t.error !== undefined) return `${t.ratePerS}/s: did not finish (${t.error})`
  const why = []
  if (t.lost > 0) why.push(`${t.lost} deliveries lost`)
  if (t.failed > 0) why.push(`${t.failed} publishes failed (${t.errors.join('; ')})`)
  if (!t.kept) why.push(`publishers sent ${t.sent} of ${t.planned} on schedule`)
  const lat = `p50 ${t.latency.p50.toFixed(1)} ms, p99 ${t.latency.p99.toFixed(1)} ms`
  return `${t.ratePerS}/s: ${why.length === 0 ? 'zero loss' : why.join(', ')}; ${lat}`
}

/** Climbs the ladder while trials hold, then bisects once. The best rate and every trial. */
async function searchSustainedRate(workers, { ladder, trialMs, drainMs }) {
  const trials = []
  let best = 0
  let firstFailed
  for (const rate of ladder) {
    const t = await tryTrial(workers, rate, { durationMs: trialMs, drainMs })
    trials.push(t)
    log(SUITE, `trial ${describeTrial(t)}`)
    if (!sustained(t)) {
      firstFailed = t
      break
    }
    best = rate
  }
  // A trial that could not even finish leaves the validators swamped: no bisection after it.
  if (firstFailed !== undefined && firstFailed.error === undefined && best > 0) {
    const middle = Math.round((best + firstFailed.ratePerS) / 2)
    const t = await tryTrial(workers, middle, { durationMs: trialMs, drainMs })
    trials.push(t)
    log(SUITE, `trial ${describeTrial(t)}`)
    if (sustained(t)) best = middle
  }
  return { best, trials, capped: firstFailed === undefined }
}

export async function gossipSuite({ quick, emit, profile, validators }) {
  const s = { ...(quick ? SETTINGS.quick : SETTINGS.full), ...(validators ? { validators } : {}) }
  const keys = validatorKeys(s.validators, 'gossip')
  const ports = await freePorts(s.validators)
  const seeds = seedList(keys, ports)
  const profileDir = profile ? await mkdtemp(join(tmpdir(), 'paraloom-gossip-prof-')) : undefined
  log(SUITE, `starting ${s.validators} validator processes`)
  const workers = await startWorkers(
    WORKER,
    keys.map((k) => `gossip-${k.index}`),
    { profileDir },
  )
  const window = {}
  try {
    const inits = await callAll(workers, 'init', (_, i) => ({
      own: { seed: keys[i].seed, port: ports[i] },
      seeds,
    }))
    inits.forEach((r, i) => {
      workers[i].peerId = r.peerId
    })
    await callAll(workers, 'start')
    await callAll(
      workers,
      'ready',
      () => ({
        subscribers: s.validators - 1,
        meshPeers: Math.min(4, s.validators - 1),
        timeoutMs: 60_000,
      }),
      { timeoutMs: 70_000 },
    )
    const idle = await runTrial(workers, 0, { durationMs: IDLE_MS, drainMs: 0 })
    log(
      SUITE,
      `mesh formed, ${idle.cpuCores.toFixed(2)} cores busy idle; ${LATENCY_RATE_PER_S} votes/s for ${s.latencyMs / 1000} s`,
    )
    window.fromUs = monotonicUs()
    const steady = await runTrial(workers, LATENCY_RATE_PER_S, {
      durationMs: s.latencyMs,
      drainMs: s.drainMs,
    })
    window.toUs = monotonicUs()
    log(SUITE, describeTrial(steady))
    const name = `${s.validators} validator processes, p2p API, ${LATENCY_RATE_PER_S} votes/s`
    const detail = `${steady.latency.count} deliveries, ${steady.lost} lost`
    emit({ name, metric: 'latency p50', value: steady.latency.p50, unit: 'ms', detail })
    emit({
      name,
      metric: 'latency p99',
      value: steady.latency.p99,
      unit: 'ms',
      detail,
      ...goal(Number(steady.latency.p99.toFixed(1)), '<=', P99_GOAL_MS, 'ms'),
    })
    emit({ name, metric: 'latency max', value: steady.latency.max, unit: 'ms', detail })
    emit({ name, metric: 'deliveries lost', value: steady.lost, unit: '', detail })
    emit({
      name,
      metric: 'CPU per delivered vote, all processes',
      value:
        (((steady.cpuCores - idle.cpuCores) * (s.latencyMs + s.drainMs)) / steady.delivered) * 1000,
      unit: 'µs',
      detail: `above idle: ${steady.cpuCores.toFixed(2)} cores busy over the trial and its drain, ${idle.cpuCores.toFixed(2)} idle`,
    })

    if (profile) return
    const search = await searchSustainedRate(workers, s)
    emit({
      name: `${s.validators} validator processes, p2p API, ${s.trialMs / 1000}-s trials`,
      metric: 'highest sustained rate with zero loss (p2p layer alone)',
      value: search.best,
      unit: 'votes/s',
      detail: `${search.capped ? 'top of the ladder held; ' : ''}trials: ${search.trials.map(describeTrial).join(' | ')}`,
    })
  } finally {
    await closeWorkers(workers)
    // Profiles are written as the workers exit; a trial that failed is still worth a look.
    if (profileDir !== undefined) {
      if (window.fromUs !== undefined) {
        const name = `${s.validators} validator processes, p2p API, ${LATENCY_RATE_PER_S} votes/s`
        emitProfile(emit, name, await summarizeProfiles(profileDir, window))
      }
      await rm(profileDir, { recursive: true, force: true })
    }
  }
}
