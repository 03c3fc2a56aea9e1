// Codec benchmark: encode and decode of a Vote (149 bytes) and a
// BlockProposal (100 × 200-byte transactions, 21 KB) with @paraloom/codec,
// npm `borsh`, `@coral-xyz/borsh` and JSON, round-robin in one process.
// Prints one JSON line per figure (see bench/lib/emit.mjs at the repo root)
// and, unless --lines-only, a markdown table. --quick: fewer, shorter rounds.
// Run after `pnpm build`; the Rust bincode peer is run by the root `pnpm bench`.
import { emitter, goal, log } from '../../../bench/lib/emit.mjs'
import { printTable } from '../../../bench/lib/report.mjs'
import { round, summarize } from '../../../bench/lib/stats.mjs'
import { timeRoundRobin } from './measure.js'
import { peersFor } from './peers.js'
import { profileSelfTime } from './profile.js'
import { workloads } from './workloads.js'

const SUITE = 'codec'
const OURS = '@paraloom/codec'
/** Goal: decode at least this many times faster than npm `borsh`. */
const BORSH_DECODE_SPEEDUP_GOAL = 5

const quick = process.argv.includes('--quick')
const linesOnly = process.argv.includes('--lines-only')
const settings = quick
  ? { rounds: 5, warmupRounds: 1, roundMs: 15, profileMs: 300 }
  : { rounds: 11, warmupRounds: 3, roundMs: 60, profileMs: 1500 }

const lines = []
const print = emitter(SUITE)
const emit = (line) => lines.push(print(line))

const cases = []
for (const workload of workloads()) {
  for (const peer of peersFor(workload)) {
    for (const op of ['encode', 'decode']) {
      cases.push({ workload: workload.name, op, peer: peer.peer, size: peer.size, fn: peer[op] })
    }
  }
}

log(SUITE, `timing ${cases.length} cases, ${settings.rounds} rounds each`)
const samples = timeRoundRobin(cases, settings)
const nsPerOp = new Map()
cases.forEach((c, i) => {
  const s = summarize(samples[i])
  nsPerOp.set(`${c.workload} ${c.op} ${c.peer}`, s.median)
  const mbPerS = c.size / s.median / 1.048576e-3
  emit({
    name: `${c.workload} ${c.op}`,
    metric: c.peer,
    value: s.median,
    unit: 'ns/op',
    detail: `${round(mbPerS)} MB/s, ${c.size} B, ±${round(s.spreadPct, 2)}% over ${s.count} rounds`,
    mbPerS: round(mbPerS),
    bytes: c.size,
    spreadPct: round(s.spreadPct, 2),
    rounds: s.count,
  })
})

for (const workload of ['Vote', 'BlockProposal']) {
  const ratio = nsPerOp.get(`${workload} decode borsh`) / nsPerOp.get(`${workload} decode ${OURS}`)
  emit({
    name: `${workload} decode vs borsh`,
    metric: 'speedup (borsh time / ours)',
    value: ratio,
    unit: '×',
    ...goal(round(ratio), '>=', BORSH_DECODE_SPEEDUP_GOAL, '×'),
  })
}

for (const c of cases.filter((x) => x.peer === OURS)) {
  const { calls, functions } = await profileSelfTime(c.fn, { durationMs: settings.profileMs })
  emit({
    name: `${c.workload} ${c.op}`,
    metric: 'profile',
    value: calls,
    unit: 'calls sampled',
    profile: functions,
  })
}

if (!linesOnly) printTable(lines)
