// Memory: the RSS of one validator process connected to 31 other validators
// (5 with --quick), then its growth while 4 of them (2 with --quick) flood it
// for 60 s (3 s with --quick) with invalid gossip and garbage
// request/gossipsub frames (lib/flood.js), and its RSS one minute after the
// flood (5 s with --quick), after a full GC. RSS is sampled
// every 250 ms; the idle figure and the flood figure are both peaks, so
// garbage the GC has not collected yet counts against us.
import { fileURLToPath } from 'node:url'
import { freePorts, sleep } from '@paraloom/test-utils'
import { goal, log } from '../../../bench/lib/emit.mjs'
import { callAll, closeWorkers, startWorkers } from './lib/cluster.js'
import { startWorker } from './lib/ipc.js'
import { seedList, validatorKeys } from './lib/keys.js'

const SUITE = 'memory'
const WORKER = fileURLToPath(new URL('./validators-worker.js', import.meta.url))
const MB = 1024 * 1024
const RSS_GOAL_MB = 150
const GROWTH_GOAL_MB = 20
const SAMPLE_EVERY_MS = 250
/** How long the target may take to connect to every peer before it is measured anyway. */
const CONNECT_TIMEOUT_MS = 60_000

const SETTINGS = {
  // 1 target + 27 honest (3 × 9) + 4 attackers (2 gossip, 2 frames) = 32 validators
  full: {
    honest: [9, 9, 9],
    gossipAttackers: 2,
    frameAttackers: 2,
    settleMs: 10_000,
    idleMs: 5000,
    floodMs: 60_000,
    recoverMs: 60_000,
  },
  quick: {
    honest: [3],
    gossipAttackers: 1,
    frameAttackers: 1,
    settleMs: 1000,
    idleMs: 2000,
    floodMs: 3000,
    recoverMs: 5000,
  },
}

const mb = (bytes) => bytes / MB

export async function memorySuite({ quick, emit }) {
  const s = quick ? SETTINGS.quick : SETTINGS.full
  const groups = [1, ...s.honest, s.gossipAttackers, s.frameAttackers]
  const total = groups.reduce((a, b) => a + b, 0)
  const keys = validatorKeys(total, 'memory')
  const ports = await freePorts(total)
  const seeds = seedList(keys, ports)
  const workers = []
  try {
    workers.push(await startWorker(WORKER, { name: 'memory-target', execArgv: ['--expose-gc'] }))
    workers.push(
      ...(await startWorkers(
        WORKER,
        groups.slice(1).map((_, i) => `memory-peers-${i}`),
      )),
    )
    const [target] = workers
    const gossipAttackers = workers[workers.length - 2]
    const frameAttackers = workers[workers.length - 1]
    let next = 0
    const ids = await callAll(workers, 'init', (_, i) => {
      const own = keys
        .slice(next, next + groups[i])
        .map((k) => ({ seed: k.seed, port: ports[k.index] }))
      next += groups[i]
      return { own, seeds }
    })
    const targetId = ids[0][0]
    await callAll(workers, 'start')
    const peers = total - 1
    log(SUITE, `waiting for the target to see ${peers} peers`)
    const connected = await target.call(
      'connected',
      { count: peers, timeoutMs: CONNECT_TIMEOUT_MS },
      { timeoutMs: CONNECT_TIMEOUT_MS + 10_000 },
    )
    if (connected < peers)
      log(SUITE, `only ${connected} of ${peers} peers connected; measuring anyway`)
    await sleep(s.settleMs)
    const idle = await target.call('peakRss', { durationMs: s.idleMs, everyMs: SAMPLE_EVERY_MS })
    emit({
      name: `one validator, ${peers} peers, idle`,
      metric: `RSS (peak over ${s.idleMs / 1000} s)`,
      value: mb(idle.peak),
      unit: 'MB',
      detail: `${idle.connected} of ${peers} peers connected`,
      ...goal(Math.round(mb(idle.peak)), '<=', RSS_GOAL_MB, 'MB'),
    })

    log(SUITE, `flood for ${s.floodMs / 1000} s`)
    const flood = { target: targetId, durationMs: s.floodMs }
    const [during, gossip, frames] = await Promise.all([
      target.call(
        'peakRss',
        { durationMs: s.floodMs, everyMs: SAMPLE_EVERY_MS },
        { timeoutMs: s.floodMs + 30_000 },
      ),
      gossipAttackers.call('flood', { ...flood, how: 'gossip' }, { timeoutMs: s.floodMs + 30_000 }),
      frameAttackers.call('flood', { ...flood, how: 'frames' }, { timeoutMs: s.floodMs + 30_000 }),
    ])
    const after = await target.call('memory')
    const bans = await target.call('bans')
    const sum = (list, key) => list.reduce((n, x) => n + x[key], 0)
    const growth = mb(during.peak - idle.peak)
    emit({
      name: `one validator, ${peers} peers, ${s.floodMs / 1000}-s flood`,
      metric: 'RSS growth (flood peak − idle peak)',
      value: growth,
      unit: 'MB',
      detail:
        `peak ${mb(during.peak).toFixed(1)} MB; after the flood and a full GC ${mb(after.rss).toFixed(1)} MB RSS, ${mb(after.heapUsed).toFixed(1)} MB heap; ` +
        `${sum(gossip, 'published')} invalid gossip messages (${mb(sum(gossip, 'bytes')).toFixed(0)} MB) published, ${sum(gossip, 'failed')} refused; ` +
        `${sum(frames, 'streams')} garbage streams (${mb(sum(frames, 'bytes')).toFixed(0)} MB) written, ${sum(frames, 'refused')} refused; ` +
        `${during.connected} peers still connected; bans by reason ${JSON.stringify(bans)}`,
      ...goal(Number(growth.toFixed(1)), '<=', GROWTH_GOAL_MB, 'MB'),
    })

    log(SUITE, `waiting ${s.recoverMs / 1000} s for memory to come back`)
    await sleep(s.recoverMs)
    const recovered = await target.call('memory')
    const left = mb(recovered.rss - idle.peak)
    emit({
      name: `one validator, ${s.recoverMs / 1000} s after the flood`,
      metric: 'RSS after a full GC − idle peak',
      value: left,
      unit: 'MB',
      detail: `RSS ${mb(recovered.rss).toFixed(1)} MB, heap ${mb(recovered.heapUsed).toFixed(1)} MB, external ${mb(recovered.external).toFixed(1)} MB`,
      ...goal(Number(left.toFixed(1)), '<=', GROWTH_GOAL_MB, 'MB'),
    })
  } finally {
    await closeWorkers(workers)
  }
}
