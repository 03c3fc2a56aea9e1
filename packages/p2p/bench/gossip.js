// Gossip through the p2p API alone: validators in separate processes (12; 3
// with --quick), full mesh over loopback. (1) Publish-to-delivery latency at
// every other node at 100 votes/s, spread over all validators, and the CPU
// one vote costs. (2) The highest total rate sustained with zero loss over
// 10-s trials (2 s with --quick): a ladder of rates, then one bisection step
// between the last rate that held and the first that did not. The 30-s
// trials that carry the goal go through the whole validator
// (bench/suites/gossip-devnet.mjs at the repo root). (3) Blocks of 256 KiB,
// one a second (round-robin), beside 100 votes/s: their latency.
// --profile: V8 CPU profiles of the validators over the latency trial, summed
// by package and function (the rate search is skipped). --baseline=<dir>: the
// latency trial first with the workers of another built checkout (e.g. the
// commit before a change), then with these: before and after in one run.
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { freePorts, sleep } from '@paraloom/test-utils'
import { emitProfile, monotonicUs, summarizeProfiles } from '../../../bench/lib/cpu-profiles.mjs'
import { goal, log } from '../../../bench/lib/emit.mjs'
import { summarize } from '../../../bench/lib/stats.mjs'
import { callAll, closeWorkers, startWorkers } from './lib/cluster.js'
import { seedList, validatorKeys } from './lib/keys.js'

const SUITE = 'gossip'
const WORKER = fileURLToPath(new URL('./gossip-worker.js', import.meta.url))
const LATENCY_RATE_PER_S = 100
/** Goal: p99 at 100 votes/s (the sustained-rate goal is checked by the 30-s gRPC-driven trials). */
const P99_GOAL_MS = 50
/** Goal: CPU of all validator processes per delivered vote, idle subtracted. */
const CPU_GOAL_US = 250
/** Goal: block p99 beside 100 votes/s. */
const BLOCK_P99_GOAL_MS = 150
const BLOCK_BYTES = 256 * 1024
/** The idle trial that measures the CPU the validators use with no votes. */
const IDLE_MS = 5000

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

/**
 * Runs one trial at `ratePerS` votes/s in total (with `blocks`, also one
 * block of that many bytes a second, round-robin); what was sent, received
 * and how fast.
 */
async function runTrial(workers, ratePerS, { durationMs, drainMs, blockBytes }) {
  const trial = ++trialCounter
  const share = ratePerS / workers.length
  const blocks = (i) =>
    blockBytes === undefined
      ? undefined
      : { bytes: blockBytes, everyMs: 1000 * workers.length, offsetMs: 1000 * i }
  await callAll(workers, 'begin', () => ({ trial }))
  const published = await callAll(
    workers,
    'publish',
    (_, i) => ({ trial, ratePerS: share, durationMs, blocks: blocks(i) }),
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
  // A baseline checkout's workers may know nothing of blocks.
  const blockLatencies = results.flatMap((r) => r.blockLatencies ?? [])
  const blocksSent = published.reduce((n, p) => n + (p.blocksSent ?? 0), 0)
  return {
    blocks: {
      sent: blocksSent,
      lost: blocksSent * (workers.length - 1) - blockLatencies.length,
      latency: summarize(blockLatencies),
    },
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

/** CPU per delivered vote (µs), idle subtracted, over a trial and its drain. */
const cpuPerVoteUs = (steady, idle, elapsedMs) =>
  (((steady.cpuCores - idle.cpuCores) * elapsedMs) / steady.delivered) * 1000

/**
 * One cluster of `script` workers (this checkout's or a baseline's): starts
 * it, lets `body(workers)` run its trials, closes it. With `profileDir`,
 * the workers write their CPU profiles there as they exit.
 */
async function withCluster(script, s, profileDir, body) {
  const keys = validatorKeys(s.validators, 'gossip')
  const ports = await freePorts(s.validators)
  const seeds = seedList(keys, ports)
  log(SUITE, `starting ${s.validators} validator processes (${script})`)
  const workers = await startWorkers(
    script,
    keys.map((k) => `gossip-${k.index}`),
    { profileDir },
  )
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
    return await body(workers)
  } finally {
    await closeWorkers(workers)
  }
}

/** The idle CPU, then the latency trial at 100 votes/s; `window` gets the trial's span. */
async function latencyTrial(workers, s, window = {}) {
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
  return { idle, steady, cpuUs: cpuPerVoteUs(steady, idle, s.latencyMs + s.drainMs) }
}

/** The before figures: the latency trial with a baseline checkout's workers. */
async function baselineFigures({ baseline, s, emit }) {
  const script = join(baseline, 'packages/p2p/bench/gossip-worker.js')
  const before = await withCluster(script, s, undefined, (w) => latencyTrial(w, s))
  const name = `${s.validators} validator processes, p2p API, ${LATENCY_RATE_PER_S} votes/s, before (${baseline})`
  const detail = `${before.steady.latency.count} deliveries, ${before.steady.lost} lost`
  emit({ name, metric: 'latency p50', value: before.steady.latency.p50, unit: 'ms', detail })
  emit({ name, metric: 'latency p99', value: before.steady.latency.p99, unit: 'ms', detail })
  emit({
    name,
    metric: 'CPU per delivered vote, all processes',
    value: before.cpuUs,
    unit: 'µs',
    detail: `above idle: ${before.steady.cpuCores.toFixed(2)} cores busy, ${before.idle.cpuCores.toFixed(2)} idle`,
  })
}

export async function gossipSuite({ quick, emit, profile, validators, baseline }) {
  const s = { ...(quick ? SETTINGS.quick : SETTINGS.full), ...(validators ? { validators } : {}) }
  if (baseline !== undefined) {
    // A baseline that cannot finish (swamped) is a finding, not a reason to skip the rest.
    await baselineFigures({ baseline, s, emit }).catch((err) => {
      log(SUITE, `baseline did not finish: ${err.message}`)
      emit({
        name: `${s.validators} validator processes, p2p API, ${LATENCY_RATE_PER_S} votes/s, before (${baseline})`,
        metric: 'status',
        value: `did not finish: ${err.message}`,
        unit: '',
      })
    })
  }
  const profileDir = profile ? await mkdtemp(join(tmpdir(), 'paraloom-gossip-prof-')) : undefined
  const window = {}
  const name = `${s.validators} validator processes, p2p API, ${LATENCY_RATE_PER_S} votes/s`
  try {
    await withCluster(WORKER, s, profileDir, async (workers) => {
      const { idle, steady, cpuUs } = await latencyTrial(workers, s, window)
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
        value: cpuUs,
        unit: 'µs',
        detail: `above idle: ${steady.cpuCores.toFixed(2)} cores busy over the trial and its drain, ${idle.cpuCores.toFixed(2)} idle${profile ? '; under the profiler' : ''}`,
        ...goal(Number(cpuUs.toFixed(1)), '<=', CPU_GOAL_US, 'µs'),
      })
      if (profile) return

      const withBlocks = await runTrial(workers, LATENCY_RATE_PER_S, {
        durationMs: s.latencyMs,
        drainMs: s.drainMs,
        blockBytes: BLOCK_BYTES,
      })
      const b = withBlocks.blocks
      log(
        SUITE,
        `blocks: ${b.sent} sent, ${b.lost} deliveries lost, p99 ${b.latency.p99.toFixed(1)} ms; votes beside them: ${describeTrial(withBlocks)}`,
      )
      emit({
        name: `${s.validators} validator processes, p2p API, one 256 KiB block/s beside ${LATENCY_RATE_PER_S} votes/s`,
        metric: 'block latency p99',
        value: b.latency.p99,
        unit: 'ms',
        detail: `${b.sent} blocks, ${b.latency.count} deliveries, ${b.lost} lost, p50 ${b.latency.p50.toFixed(1)} ms; votes beside them p99 ${withBlocks.latency.p99.toFixed(1)} ms, ${withBlocks.lost} lost`,
        ...goal(Number(b.latency.p99.toFixed(1)), '<=', BLOCK_P99_GOAL_MS, 'ms'),
      })

      const search = await searchSustainedRate(workers, s)
      emit({
        name: `${s.validators} validator processes, p2p API, ${s.trialMs / 1000}-s trials`,
        metric: 'highest sustained rate with zero loss (p2p layer alone)',
        value: search.best,
        unit: 'votes/s',
        detail: `${search.capped ? 'top of the ladder held; ' : ''}trials: ${search.trials.map(describeTrial).join(' | ')}`,
      })
    })
  } finally {
    // Profiles are written as the workers exit; a trial that failed is still worth a look.
    if (profileDir !== undefined) {
      if (window.fromUs !== undefined) {
        emitProfile(emit, name, await summarizeProfiles(profileDir, window))
      }
      await rm(profileDir, { recursive: true, force: true })
    }
  }
}
