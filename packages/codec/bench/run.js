// Codec benchmark: encode and decode of a Vote (149 bytes) and a
// BlockProposal (100 × 200-byte transactions, 21 KB) with @paraloom/codec,
// npm `borsh`, `@coral-xyz/borsh` and JSON, round-robin in one process.
// Prints one JSON line per figure (see bench/lib/emit.mjs at the repo root)
// and, unless --lines-only, a markdown table. --quick: fewer, shorter rounds;
// --rounds=N, --warmup=N override the round counts; --no-profile skips the profiles.
// Run after `pnpm build`; the Rust bincode peer is run by the root `pnpm bench`.
import { emitter, log } from '../../../bench/lib/emit.mjs'
import { printTable } from '../../../bench/lib/report.mjs'
import { borshGoalLines, OURS, timingLine } from './lines.js'
import { timeRoundRobin } from './measure.js'
import { peersFor } from './peers.js'
import { profileSelfTime } from './profile.js'
import { workloads } from './workloads.js'

const SUITE = 'codec'

const args = process.argv.slice(2)
const quick = args.includes('--quick')
const option = (name, fallback) => {
  const arg = args.find((a) => a.startsWith(`--${name}=`))
  return arg === undefined ? fallback : Number(arg.slice(name.length + 3))
}
const defaults = quick
  ? { rounds: 5, warmupRounds: 1, roundMs: 15, profileMs: 300 }
  : { rounds: 11, warmupRounds: 3, roundMs: 60, profileMs: 1500 }
const settings = {
  ...defaults,
  rounds: option('rounds', defaults.rounds),
  warmupRounds: option('warmup', defaults.warmupRounds),
}

const lines = []
const print = emitter(SUITE)
const emit = (line) => lines.push(print(line))

const cases = []
for (const workload of workloads()) {
  for (const peer of peersFor(workload)) {
    for (const op of ['encode', 'decode']) {
      cases.push({ workload: workload.name, op, peer: peer.peer, bytes: peer.size, fn: peer[op] })
    }
  }
}

log(SUITE, `timing ${cases.length} cases, ${settings.rounds} rounds each`)
const samples = timeRoundRobin(cases, settings)
const timings = cases.map((c, i) => timingLine({ ...c, samples: samples[i] }))
for (const line of [...timings, ...borshGoalLines(timings)]) emit(line)

if (!args.includes('--no-profile')) {
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
}

if (!args.includes('--lines-only')) printTable(lines)
