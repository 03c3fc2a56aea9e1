// Failure detection: validators in separate processes (6; 3 and SIGKILL only with --quick),
// ping every 1 s, OFFLINE after N = 3 misses. A victim process is killed and
// the time until every surviving validator marks it OFFLINE is measured;
// beside it, the time until libp2p's connection monitor (defaults) on the
// plain node of each survivor drops the victim. SIGKILL: the kernel closes
// the victim's sockets (a crashed process). SIGSTOP: the sockets stay open
// and nothing answers (a hung or vanished host).

import { sleep, waitFor } from '@paraloom/test-utils'
import { goal, log } from '../../../bench/lib/emit.mjs'
import { summarize } from '../../../bench/lib/stats.mjs'
import { nowMs } from './lib/clock.js'
import { closeWorkers } from './lib/cluster.js'
import { startLivenessCluster } from './lib/liveness-cluster.js'

const SUITE = 'failure'
export const LIVENESS = { pingIntervalMs: 1000, pingTimeoutMs: 1000, offlineAfterMissed: 3 }
const GOAL_MS = 3500
/** How long to wait for every survivor to notice, per detector (`detectTimeoutMs`). */
const SETTINGS = {
  full: {
    validators: 6,
    kills: ['SIGKILL', 'SIGKILL', 'SIGSTOP'],
    detectTimeoutMs: { paraloom: 20_000, monitor: 60_000 },
  },
  quick: {
    validators: 3,
    kills: ['SIGKILL'],
    detectTimeoutMs: { paraloom: 15_000, monitor: 15_000 },
  },
}

/** Kills `victim` with `signal`; per detector, the time until the last survivor noticed (or Infinity). */
async function killRound(victim, survivors, signal, { seen, detectTimeoutMs }) {
  seen.length = 0
  const killedAt = nowMs()
  process.kill(victim.pid, signal)
  const noticed = (kind, peer) => (w) =>
    seen.some((e) => e.worker === w && e.kind === kind && e.peer === peer)
  const result = {}
  for (const [kind, peer] of [
    ['paraloom', victim.peerId],
    ['monitor', victim.plainPeerId],
  ]) {
    const all = () => survivors.every(noticed(kind, peer))
    await waitFor(`${kind} detection`, all, {
      timeoutMs: detectTimeoutMs[kind] - (nowMs() - killedAt),
      intervalMs: 50,
    }).catch(() => {})
    const times = seen.filter((e) => e.kind === kind && e.peer === peer).map((e) => e.at - killedAt)
    result[kind] = all() ? Math.max(...times) : Number.POSITIVE_INFINITY
  }
  if (signal === 'SIGSTOP') process.kill(victim.pid, 'SIGKILL')
  return result
}

export async function failureSuite({ quick, emit }) {
  const s = quick ? SETTINGS.quick : SETTINGS.full
  const seen = []
  const workers = await startLivenessCluster({
    count: s.validators,
    label: 'failure',
    liveness: LIVENESS,
    onEvent: (worker, event, payload) => {
      const kind = event === 'offline' ? 'paraloom' : 'monitor'
      seen.push({ worker, kind, peer: payload.peer, at: payload.at })
    },
  })
  try {
    const rounds = { SIGKILL: [], SIGSTOP: [] }
    let alive = [...workers]
    for (const signal of s.kills) {
      const [victim, ...survivors] = alive
      await sleep(1000) // let every survivor's probe schedule run normally first
      const r = await killRound(victim, survivors, signal, {
        seen,
        detectTimeoutMs: s.detectTimeoutMs,
      })
      log(
        SUITE,
        `${signal}: Paraloom OFFLINE everywhere after ${r.paraloom.toFixed(0)} ms, connection monitor after ${r.monitor.toFixed(0)} ms`,
      )
      rounds[signal].push(r)
      alive = survivors
    }
    const base = `${s.validators} validators, ping 1 s, N = 3`
    for (const [signal, list] of Object.entries(rounds)) {
      if (list.length === 0) continue
      const what = signal === 'SIGKILL' ? 'SIGKILL (sockets closed)' : 'SIGSTOP (silent peer)'
      for (const kind of ['paraloom', 'monitor']) {
        const stats = summarize(list.map((r) => r[kind]))
        const finite = Number.isFinite(stats.max)
        const detail = `median of ${stats.count} kills; worst ${finite ? `${stats.max.toFixed(0)} ms` : `over ${s.detectTimeoutMs[kind]} ms`}`
        const checked = kind === 'paraloom' && signal === 'SIGKILL'
        emit({
          name: `${base}: ${what}`,
          metric:
            kind === 'paraloom'
              ? 'time to OFFLINE at every peer (Paraloom liveness)'
              : 'time to disconnect at every peer (libp2p connection monitor, defaults)',
          value: Number.isFinite(stats.median) ? stats.median : `> ${s.detectTimeoutMs[kind]}`,
          unit: 'ms',
          detail,
          ...(checked ? goal(Math.round(stats.median), '<=', GOAL_MS, 'ms') : {}),
        })
      }
    }
  } finally {
    await closeWorkers(workers)
  }
}
